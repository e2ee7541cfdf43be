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
//! The conformed records are then built into Arrow arrays by arrow-json's decoder.

use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, Field, Fields, SchemaRef};
use datafusion::arrow::json::reader::{Decoder, ReaderBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use jiter::{Jiter, JiterError, Peek};
use serde_json::{Map, Number, Value};

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
        let mut rows = Vec::with_capacity(records.len());
        for record in records {
            match self.row(&record.text) {
                Ok(row) => rows.push(Value::Object(row)),
                Err(_) if self.options.ignore_malformed => rows.push(Value::Object(Map::new())),
                Err(e) => return Err(bad_record(file, record, &e, self.table_hint)),
            }
        }
        if self.schema.fields().is_empty() {
            return super::rows_only(self.schema.clone(), rows.len());
        }
        self.decoder.serialize(&rows)?;
        match self.decoder.flush()? {
            Some(batch) => Ok(batch),
            None => Ok(RecordBatch::new_empty(self.schema.clone())),
        }
    }

    /// One record as an object keyed by column name.
    fn row(&self, text: &str) -> std::result::Result<Map<String, Value>, Problem> {
        let mut jiter = Jiter::new(text.as_bytes());
        let peek = jiter.peek()?;
        if peek != Peek::Object {
            return Err(Problem::Shape("the record is not a JSON object".into()));
        }
        let mut row = Map::new();
        let mut key = jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            match self.column_of(&k) {
                Some(i) => {
                    let field = &self.schema.fields()[i];
                    let value = Conform {
                        options: &self.options,
                        jiter: &mut jiter,
                    }
                    .value(field.data_type())
                    .map_err(|p| p.within(field.name()))?;
                    row.insert(field.name().clone(), value);
                }
                None => jiter.next_skip()?,
            }
            key = jiter.next_key()?.map(str::to_string);
        }
        jiter.finish()?;
        Ok(row)
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

/// Walks one JSON value with the type it is read into.
struct Conform<'a, 'j> {
    options: &'a JsonOptions,
    jiter: &'a mut Jiter<'j>,
}

impl Conform<'_, '_> {
    fn value(&mut self, target: &DataType) -> std::result::Result<Value, Problem> {
        let peek = self.jiter.peek()?;
        if peek == Peek::Null {
            self.jiter.known_null()?;
            return Ok(Value::Null);
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
    fn text(&mut self, peek: Peek) -> std::result::Result<Value, Problem> {
        if peek == Peek::String {
            return Ok(Value::String(self.jiter.known_str()?.to_string()));
        }
        let mut out = String::new();
        self.json_text(peek, &mut out)?;
        Ok(Value::String(out))
    }

    fn json_text(&mut self, peek: Peek, out: &mut String) -> std::result::Result<(), Problem> {
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
                    self.json_text(p, out)?;
                    next = self.jiter.array_step()?;
                    if next.is_some() {
                        out.push(',');
                    }
                }
                out.push(']');
            }
            Peek::Object => self.object_text(out)?,
            p => out.push_str(&String::from_utf8_lossy(self.jiter.known_number_bytes(p)?)),
        }
        Ok(())
    }

    fn object_text(&mut self, out: &mut String) -> std::result::Result<(), Problem> {
        out.push('{');
        let lower = self.options.lower_case_text_keys;
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            quote(&if lower { k.to_lowercase() } else { k }, out);
            out.push(':');
            let peek = self.jiter.peek()?;
            self.json_text(peek, out)?;
            key = self.jiter.next_key()?.map(str::to_string);
            if key.is_some() {
                out.push(',');
            }
        }
        out.push('}');
        Ok(())
    }

    fn object(&mut self, peek: Peek, fields: &Fields) -> std::result::Result<Value, Problem> {
        if peek != Peek::Object {
            return Err(self.mismatch(peek, "an object"));
        }
        let mut out = Map::new();
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            match self.field(fields, &k) {
                Some(field) => {
                    let v = self
                        .value(field.data_type())
                        .map_err(|p| p.within(field.name()))?;
                    out.insert(field.name().clone(), v);
                }
                None => self.jiter.next_skip()?,
            }
            key = self.jiter.next_key()?.map(str::to_string);
        }
        Ok(Value::Object(out))
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

    fn array(&mut self, peek: Peek, item: &Field) -> std::result::Result<Value, Problem> {
        if peek != Peek::Array {
            return Err(self.mismatch(peek, "an array"));
        }
        let mut out = Vec::new();
        let mut next = self.jiter.known_array()?;
        while next.is_some() {
            out.push(self.value(item.data_type())?);
            next = self.jiter.array_step()?;
        }
        Ok(Value::Array(out))
    }

    fn map(&mut self, peek: Peek, entries: &Field) -> std::result::Result<Value, Problem> {
        if peek != Peek::Object {
            return Err(self.mismatch(peek, "an object"));
        }
        let value_type = match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => kv[1].data_type().clone(),
            other => return Err(Problem::Shape(format!("unexpected map layout {other}"))),
        };
        let mut out = Map::new();
        let mut key = self.jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            let v = self.value(&value_type)?;
            out.insert(k, v);
            key = self.jiter.next_key()?.map(str::to_string);
        }
        Ok(Value::Object(out))
    }

    fn boolean(&mut self, peek: Peek) -> std::result::Result<Value, Problem> {
        match peek {
            Peek::True | Peek::False => Ok(Value::Bool(self.jiter.known_bool(peek)?)),
            Peek::String => match self.jiter.known_str()?.to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                other => Err(Problem::Shape(format!("'{other}' is not a boolean"))),
            },
            _ => Err(self.mismatch(peek, "a boolean")),
        }
    }

    /// An integer or floating-point column: a JSON number, or a string holding one.
    fn number(&mut self, peek: Peek) -> std::result::Result<Value, Problem> {
        let text = match peek {
            Peek::String => self.jiter.known_str()?.trim().to_string(),
            p if p.is_num() => {
                String::from_utf8_lossy(self.jiter.known_number_bytes(p)?).into_owned()
            }
            _ => return Err(self.mismatch(peek, "a number")),
        };
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(Problem::Shape(format!("'{text}' is not a number"))),
        }
    }

    /// A decimal column: the number's text, so that no digit is lost on the way.
    fn decimal(&mut self, peek: Peek) -> std::result::Result<Value, Problem> {
        match peek {
            Peek::String => Ok(Value::String(self.jiter.known_str()?.trim().to_string())),
            p if p.is_num() => Ok(Value::String(
                String::from_utf8_lossy(self.jiter.known_number_bytes(p)?).into_owned(),
            )),
            _ => Err(self.mismatch(peek, "a number")),
        }
    }

    /// Dates, timestamps and the rest: strings and numbers as arrow-json reads them.
    fn scalar(&mut self, peek: Peek) -> std::result::Result<Value, Problem> {
        match peek {
            Peek::String => Ok(Value::String(self.jiter.known_str()?.to_string())),
            p if p.is_num() => self.number(p),
            Peek::True | Peek::False => Ok(Value::Bool(self.jiter.known_bool(peek)?)),
            _ => Err(self.mismatch(peek, "a scalar")),
        }
    }

    fn mismatch(&mut self, peek: Peek, expected: &str) -> Problem {
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
}
