//! JSON records read as the OpenX JSON SerDe reads them (Athena's default for JSON).
//!
//! DataFusion's JSON reader matches keys to columns by exact name, fails on a number in a
//! string column and sorts nothing out for `mapping.*`, so AWS logs with camelCase keys
//! (`userId`, `httpRequest`) read as NULL there. Here each record is walked once with a
//! streaming parser, guided by the table's types:
//! - keys match columns and struct fields case-insensitively (unless `case.insensitive`
//!   is false), after `mapping.<column>` and `dots.in.keys` are applied;
//! - a number, boolean, object or array in a `string` column reads as its compact JSON
//!   text (numbers as written; OpenX lower-cases object keys when matching
//!   case-insensitively, the hcatalog and CloudTrail SerDes keep them);
//! - a record that is not a JSON object is an error naming the file and line, or a row
//!   of NULLs with `ignore.malformed.json`.
//!
//! Each record is written back as a line of JSON keyed by column name with the values
//! conformed to the column types, and arrow-json's decoder builds those lines into Arrow
//! arrays.

use std::collections::HashMap;

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Fields, SchemaRef};
use datafusion::arrow::json::reader::{Decoder, ReaderBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use jiter::{Jiter, JiterError, Peek};
use serde_json::Value;

use super::Record;
use crate::catalog::storage_format::JsonOptions;
use crate::error::{ErrorCode, LakeError, Result};

/// Decodes JSON records into rows of a (projected) table schema.
pub struct JsonDecoder {
    options: JsonOptions,
    schema: SchemaRef,
    /// Column name (lower-case when matching is case-insensitive) → column index.
    columns: HashMap<String, usize>,
    /// JSON key (as matched) → column index, from `mapping.*`.
    mapped: HashMap<String, usize>,
    decoder: Decoder,
    /// Whether errors suggest `ignore.malformed.json` (they do for tables).
    table_hint: bool,
}

impl JsonDecoder {
    /// A decoder producing batches of `schema` (the projected table columns).
    pub fn try_new(options: &JsonOptions, schema: SchemaRef) -> Result<Self> {
        let fold = |s: &str| match options.case_insensitive {
            true => s.to_lowercase(),
            false => s.to_string(),
        };
        let columns: HashMap<String, usize> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (fold(f.name()), i))
            .collect();
        let mapped = options
            .mappings
            .iter()
            .filter_map(|(column, key)| {
                let index = schema.fields().iter().position(|f| f.name() == column)?;
                Some((fold(key), index))
            })
            .collect();
        let decoder = ReaderBuilder::new(schema.clone())
            .with_coerce_primitive(true)
            .with_batch_size(1 << 16)
            .build_decoder()?;
        Ok(JsonDecoder {
            options: options.clone(),
            schema,
            columns,
            mapped,
            decoder,
            table_hint: true,
        })
    }

    /// Errors without the table property hint (for values that are not table records).
    pub fn without_table_hint(mut self) -> Self {
        self.table_hint = false;
        self
    }

    /// Decodes `records` into one batch.
    pub fn decode(&mut self, records: &[Record], file: &str) -> Result<RecordBatch> {
        // Each record is conformed into a line of JSON keyed by column name, which
        // arrow-json's decoder builds into arrays.
        let mut lines = String::with_capacity(records.iter().map(|r| r.text.len() + 2).sum());
        let mut slots: Vec<Option<String>> = vec![None; self.schema.fields().len()];
        for record in records {
            slots.iter_mut().for_each(|s| *s = None);
            match self.row(&record.text, &mut slots) {
                Ok(()) => self.write_line(&slots, &mut lines),
                Err(_) if self.options.ignore_malformed => lines.push_str("{}\n"),
                Err(e) => return Err(bad_record(file, record, &e, self.table_hint)),
            }
        }
        if self.schema.fields().is_empty() {
            return super::rows_only(self.schema.clone(), records.len());
        }
        let mut bytes = lines.as_bytes();
        let mut batches = Vec::new();
        while !bytes.is_empty() {
            let read = self.decoder.decode(bytes)?;
            bytes = &bytes[read..];
            if let Some(batch) = self.decoder.flush()? {
                batches.push(batch);
            }
        }
        if let Some(batch) = self.decoder.flush()? {
            batches.push(batch);
        }
        Ok(concat_batches(&self.schema, &batches)?)
    }

    /// Appends one conformed record, `{"column":value,…}`, as a line.
    fn write_line(&self, slots: &[Option<String>], out: &mut String) {
        out.push('{');
        let mut first = true;
        for (field, value) in self.schema.fields().iter().zip(slots) {
            if let Some(value) = value {
                if !first {
                    out.push(',');
                }
                first = false;
                quote(field.name(), out);
                out.push(':');
                out.push_str(value);
            }
        }
        out.push_str("}\n");
    }

    /// Conforms one record: each projected column's JSON into its slot (a later key for
    /// the same column wins, as in OpenX).
    fn row(&self, text: &str, slots: &mut [Option<String>]) -> std::result::Result<(), Problem> {
        let mut jiter = Jiter::new(text.as_bytes());
        let peek = jiter.peek()?;
        if peek != Peek::Object {
            return Err(Problem::Shape("the record is not a JSON object".into()));
        }
        let mut key = jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            match self.column_of(&k) {
                Some(i) => {
                    let field = &self.schema.fields()[i];
                    let mut value = String::new();
                    Conform {
                        options: &self.options,
                        jiter: &mut jiter,
                        out: &mut value,
                    }
                    .value(field.data_type())
                    .map_err(|p| p.within(field.name()))?;
                    slots[i] = Some(value);
                }
                None => jiter.next_skip()?,
            }
            key = jiter.next_key()?.map(str::to_string);
        }
        jiter.finish()?;
        Ok(())
    }

    /// The column a top-level key fills, if it is one of the projected columns.
    fn column_of(&self, key: &str) -> Option<usize> {
        let mut key = match self.options.case_insensitive {
            true => key.to_lowercase(),
            false => key.to_string(),
        };
        if let Some(&i) = self.mapped.get(&key) {
            return Some(i);
        }
        if self.options.dots_in_keys {
            key = key.replace('.', "_");
        }
        self.columns.get(&key).copied()
    }
}

/// Appends `s` as a JSON string.
fn quote(s: &str, out: &mut String) {
    out.push_str(&Value::String(s.to_string()).to_string());
}

/// Why a record could not be read.
#[derive(Debug)]
enum Problem {
    Syntax(String),
    Shape(String),
}

impl Problem {
    fn within(self, column: &str) -> Problem {
        match self {
            Problem::Shape(m) => Problem::Shape(format!("column '{column}': {m}")),
            other => other,
        }
    }
}

impl From<JiterError> for Problem {
    fn from(e: JiterError) -> Self {
        Problem::Syntax(e.to_string())
    }
}

fn bad_record(file: &str, record: &Record, problem: &Problem, table_hint: bool) -> LakeError {
    let what = match problem {
        Problem::Syntax(m) => format!("malformed JSON ({m})"),
        Problem::Shape(m) => m.clone(),
    };
    let hint = match table_hint {
        true => {
            "; set SerDe property 'ignore.malformed.json'='true' to read malformed records \
                 as NULL rows"
        }
        false => "",
    };
    LakeError::semantic(
        ErrorCode::HiveBadData,
        format!("{file}: record {}: {what}{hint}", record.number),
    )
}

/// Walks one JSON value with the type it is read into, writing the conformed JSON.
struct Conform<'a, 'j> {
    options: &'a JsonOptions,
    jiter: &'a mut Jiter<'j>,
    out: &'a mut String,
}

type Conformed = std::result::Result<(), Problem>;

impl Conform<'_, '_> {
    fn value(&mut self, target: &DataType) -> Conformed {
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
            DataType::Boolean => self.boolean(peek),
            DataType::Decimal128(..) | DataType::Decimal256(..) => self.decimal(peek),
            t if t.is_numeric() => self.number(peek),
            _ => self.scalar(peek),
        }
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
            return Err(mismatch(peek, "an object"));
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

    fn array(&mut self, peek: Peek, item: &Field) -> Conformed {
        if peek != Peek::Array {
            return Err(mismatch(peek, "an array"));
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
            return Err(mismatch(peek, "an object"));
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

    fn boolean(&mut self, peek: Peek) -> Conformed {
        let value = match peek {
            Peek::True | Peek::False => self.jiter.known_bool(peek)?,
            Peek::String => match self.jiter.known_str()?.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                other => return Err(Problem::Shape(format!("'{other}' is not a boolean"))),
            },
            _ => return Err(mismatch(peek, "a boolean")),
        };
        self.out.push_str(if value { "true" } else { "false" });
        Ok(())
    }

    /// An integer or floating-point column: a JSON number, or a string holding one.
    fn number(&mut self, peek: Peek) -> Conformed {
        if peek.is_num() {
            let raw = self.jiter.known_number_bytes(peek)?;
            self.out.push_str(&String::from_utf8_lossy(raw));
            return Ok(());
        }
        if peek != Peek::String {
            return Err(mismatch(peek, "a number"));
        }
        let text = self.jiter.known_str()?.trim().to_string();
        if let Ok(i) = text.parse::<i64>() {
            self.out.push_str(&i.to_string());
        } else if let Some(f) = text.parse::<f64>().ok().filter(|f| f.is_finite()) {
            self.out.push_str(&f.to_string());
        } else {
            return Err(Problem::Shape(format!("'{text}' is not a number")));
        }
        Ok(())
    }

    /// A decimal column: the number's text, quoted, so that no digit is lost.
    fn decimal(&mut self, peek: Peek) -> Conformed {
        let text = match peek {
            Peek::String => self.jiter.known_str()?.trim().to_string(),
            p if p.is_num() => {
                String::from_utf8_lossy(self.jiter.known_number_bytes(p)?).into_owned()
            }
            _ => return Err(mismatch(peek, "a number")),
        };
        quote(&text, self.out);
        Ok(())
    }

    /// Dates, timestamps and the rest: strings and numbers as arrow-json reads them.
    fn scalar(&mut self, peek: Peek) -> Conformed {
        match peek {
            Peek::String => {
                quote(self.jiter.known_str()?, self.out);
                Ok(())
            }
            p if p.is_num() => self.number(p),
            Peek::True | Peek::False => self.boolean(peek),
            _ => Err(mismatch(peek, "a scalar")),
        }
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
