//! One JSON value walked with the type it is read into, written back as the JSON that
//! arrow-json reads into that type.

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use jiter::{Jiter, Peek};

use super::scalar::{Raw, convert};
use super::{Problem, quote};
use crate::catalog::storage_format::JsonOptions;

/// Walks one JSON value with the type it is read into, writing the conformed JSON.
pub struct Conform<'a, 'j> {
    pub options: &'a JsonOptions,
    pub jiter: &'a mut Jiter<'j>,
    pub out: &'a mut String,
    /// Tables read a value that does not fit its type as NULL (OpenX); casts fail.
    pub lenient: bool,
}

type Conformed = std::result::Result<(), Problem>;

impl Conform<'_, '_> {
    /// Conforms the next value to `target`.
    pub fn value(&mut self, target: &DataType) -> Conformed {
        let peek = self.jiter.peek()?;
        if peek == Peek::Null {
            self.jiter.known_null()?;
            self.out.push_str("null");
            return Ok(());
        }
        match target {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => self.text(peek),
            DataType::Struct(fields) => self.object(peek, fields),
            DataType::List(item) | DataType::LargeList(item) => self.array(peek, item),
            DataType::Map(entries, _) => self.map(peek, entries),
            t => self.scalar(peek, t),
        }
    }

    /// A value that does not fit: NULL for tables, an error for casts.
    fn reject(&mut self, peek: Peek, expected: &str) -> Conformed {
        if !self.lenient {
            return Err(mismatch(peek, expected));
        }
        self.jiter.known_skip(peek)?;
        self.out.push_str("null");
        Ok(())
    }

    /// A string column: strings as they are, anything else as its compact JSON text
    /// (numbers as written; object keys lower-cased where OpenX lower-cases them).
    fn text(&mut self, peek: Peek) -> Conformed {
        if peek == Peek::String {
            quote(self.jiter.known_str()?, self.out);
            return Ok(());
        }
        let mut text = String::new();
        JsonText {
            jiter: self.jiter,
            lower_case_keys: self.options.lower_case_text_keys,
        }
        .write(peek, &mut text)?;
        quote(&text, self.out);
        Ok(())
    }

    fn object(&mut self, peek: Peek, fields: &Fields) -> Conformed {
        if peek != Peek::Object {
            return self.reject(peek, "an object");
        }
        self.out.push('{');
        let mut first = true;
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            match self.field(fields, &k) {
                Some(field) => {
                    if !first {
                        self.out.push(',');
                    }
                    first = false;
                    quote(field.name(), self.out);
                    self.out.push(':');
                    self.value(field.data_type())
                        .map_err(|p| p.within(field.name()))?;
                }
                None => self.jiter.next_skip()?,
            }
            key = self.jiter.next_key()?.map(str::to_string);
        }
        self.out.push('}');
        Ok(())
    }

    /// The struct field a key fills.
    fn field<'f>(&self, fields: &'f Fields, key: &str) -> Option<&'f Field> {
        let key = match self.options.dots_in_keys {
            true => key.replace('.', "_"),
            false => key.to_string(),
        };
        let found = fields.iter().find(|f| *f.name() == key);
        match (found, self.options.case_insensitive) {
            (Some(f), _) => Some(f),
            (None, true) => fields
                .iter()
                .find(|f| f.name().eq_ignore_ascii_case(&key))
                .map(|f| f.as_ref()),
            (None, false) => None,
        }
    }

    /// An array column; for tables a lone value is a one-element array, as in OpenX.
    fn array(&mut self, peek: Peek, item: &Field) -> Conformed {
        if peek != Peek::Array {
            if !self.lenient || peek == Peek::Object && !item.data_type().is_nested() {
                return self.reject(peek, "an array");
            }
            self.out.push('[');
            self.value(item.data_type())?;
            self.out.push(']');
            return Ok(());
        }
        self.out.push('[');
        let mut next = self.jiter.known_array()?;
        while next.is_some() {
            self.value(item.data_type())?;
            next = self.jiter.array_step()?;
            if next.is_some() {
                self.out.push(',');
            }
        }
        self.out.push(']');
        Ok(())
    }

    fn map(&mut self, peek: Peek, entries: &Field) -> Conformed {
        if peek != Peek::Object {
            return self.reject(peek, "an object");
        }
        let value_type = match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => kv[1].data_type().clone(),
            other => return Err(Problem::Shape(format!("unexpected map layout {other}"))),
        };
        self.out.push('{');
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            quote(&k, self.out);
            self.out.push(':');
            self.value(&value_type)?;
            key = self.jiter.next_key()?.map(str::to_string);
            if key.is_some() {
                self.out.push(',');
            }
        }
        self.out.push('}');
        Ok(())
    }

    /// Booleans, numbers, decimals, dates, timestamps: converted by [`convert`].
    fn scalar(&mut self, peek: Peek, target: &DataType) -> Conformed {
        let converted = match peek {
            Peek::String => {
                let s = self.jiter.known_str()?.to_string();
                (convert(&Raw::Str(&s), target, self.lenient), s)
            }
            Peek::True | Peek::False => {
                let b = self.jiter.known_bool(peek)?;
                (convert(&Raw::Bool(b), target, self.lenient), b.to_string())
            }
            p if p.is_num() => {
                let n = String::from_utf8_lossy(self.jiter.known_number_bytes(p)?).into_owned();
                (convert(&Raw::Num(&n), target, self.lenient), n)
            }
            _ => return self.reject(peek, &format!("a value of type {target}")),
        };
        match converted {
            (Some(literal), _) => self.out.push_str(&literal),
            (None, _) if self.lenient => self.out.push_str("null"),
            (None, text) => {
                return Err(Problem::Shape(format!(
                    "'{text}' is not a value of type {target}"
                )));
            }
        }
        Ok(())
    }
}

/// Writes a JSON value back as compact text.
struct JsonText<'a, 'j> {
    jiter: &'a mut Jiter<'j>,
    lower_case_keys: bool,
}

impl JsonText<'_, '_> {
    fn write(&mut self, peek: Peek, out: &mut String) -> Conformed {
        match peek {
            Peek::Null => {
                self.jiter.known_null()?;
                out.push_str("null");
            }
            Peek::True | Peek::False => {
                let b = self.jiter.known_bool(peek)?;
                out.push_str(if b { "true" } else { "false" });
            }
            Peek::String => quote(self.jiter.known_str()?, out),
            Peek::Array => {
                out.push('[');
                let mut next = self.jiter.known_array()?;
                while let Some(p) = next {
                    self.write(p, out)?;
                    next = self.jiter.array_step()?;
                    if next.is_some() {
                        out.push(',');
                    }
                }
                out.push(']');
            }
            Peek::Object => self.object(out)?,
            p => out.push_str(&String::from_utf8_lossy(self.jiter.known_number_bytes(p)?)),
        }
        Ok(())
    }

    fn object(&mut self, out: &mut String) -> Conformed {
        out.push('{');
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            quote(
                &if self.lower_case_keys {
                    k.to_lowercase()
                } else {
                    k
                },
                out,
            );
            out.push(':');
            let peek = self.jiter.peek()?;
            self.write(peek, out)?;
            key = self.jiter.next_key()?.map(str::to_string);
            if key.is_some() {
                out.push(',');
            }
        }
        out.push('}');
        Ok(())
    }
}

fn mismatch(peek: Peek, expected: &str) -> Problem {
    let found = match peek {
        Peek::Object => "an object",
        Peek::Array => "an array",
        Peek::String => "a string",
        Peek::True | Peek::False => "a boolean",
        p if p.is_num() => "a number",
        _ => "something that is not JSON",
    };
    Problem::Shape(format!("expected {expected}, found {found}"))
}
