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
//! - as in Athena's (Trino's) OpenX reader, a value that does not fit its column's type
//!   (`"-"` in a `bigint`, `"garbage"` in a `timestamp`) is NULL, an epoch number in a
//!   `timestamp` column is seconds up to 12 digits and milliseconds beyond, a boolean is
//!   true only for `true`, a lone value in an `array` column is a one-element array, a
//!   record that is not an object is a row of NULLs and text after the object is ignored
//!   (the rules are in `scalar.rs`);
//! - malformed JSON is an error naming the file and line, or a row of NULLs with
//!   `ignore.malformed.json`.
//!
//! Each record is written back as a line of JSON keyed by column name with the values
//! conformed to the column types, and arrow-json's decoder builds those lines into Arrow
//! arrays.

use std::collections::HashMap;

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::json::reader::{Decoder, ReaderBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use jiter::{Jiter, JiterError, Peek};
use serde_json::Value;

mod conform;
mod scalar;

use conform::Conform;

use super::Record;
use crate::catalog::storage_format::JsonOptions;
use crate::error::{ErrorCode, LakeError, Result};

/// Decodes JSON records into rows of a (projected) table schema.
pub struct JsonDecoder {
    options: JsonOptions,
    schema: SchemaRef,
    /// Column name (lower-case when matching is case-insensitive) → column index.
    columns: HashMap<String, usize>,
    /// JSON key (as matched) → column indexes, from `mapping.*`.
    mapped: HashMap<String, Vec<usize>>,
    decoder: Decoder,
    /// Table records (true) follow OpenX: a value that does not fit its type is NULL, a
    /// record that is not an object is a row of NULLs, text after the object is ignored.
    /// Casts (false) fail instead.
    lenient: bool,
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
        let mut mapped: HashMap<String, Vec<usize>> = HashMap::new();
        for (column, key) in &options.mappings {
            if let Some(index) = schema.fields().iter().position(|f| f.name() == column) {
                mapped.entry(fold(key)).or_default().push(index);
            }
        }
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
            lenient: true,
        })
    }

    /// A decoder for casts: values that do not fit their type are errors.
    pub fn for_cast(mut self) -> Self {
        self.lenient = false;
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
                Err(e) => return Err(bad_record(file, record, &e, self.lenient)),
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
            return match self.lenient {
                true => Ok(()),
                false => Err(Problem::Shape("the value is not a JSON object".into())),
            };
        }
        let mut key = jiter.known_object()?.map(str::to_string);
        while let Some(k) = key {
            let targets = self.columns_of(&k);
            match targets.as_slice() {
                [] => jiter.next_skip()?,
                [i] => slots[*i] = Some(self.conform(&mut jiter, *i)?),
                several => {
                    // One key feeding several columns (a `mapping.*` and a column of
                    // the key's name): the value is read once per column.
                    let peek = jiter.peek()?;
                    let start = jiter.current_index();
                    jiter.known_skip(peek)?;
                    let raw = jiter.slice_to_current(start);
                    for &i in several {
                        let mut value = Jiter::new(raw);
                        slots[i] = Some(self.conform(&mut value, i)?);
                    }
                }
            }
            key = jiter.next_key()?.map(str::to_string);
        }
        if !self.lenient {
            jiter.finish()?;
        }
        Ok(())
    }

    /// The projected columns a top-level key fills: those mapped to it and the one of its
    /// name, as OpenX fills them.
    fn columns_of(&self, key: &str) -> Vec<usize> {
        let mut key = match self.options.case_insensitive {
            true => key.to_lowercase(),
            false => key.to_string(),
        };
        let mut targets = self.mapped.get(&key).cloned().unwrap_or_default();
        if self.options.dots_in_keys {
            key = key.replace('.', "_");
        }
        if let Some(&i) = self.columns.get(&key)
            && !targets.contains(&i)
        {
            targets.push(i);
        }
        targets
    }

    /// The next value of `jiter` conformed to column `i`.
    fn conform(&self, jiter: &mut Jiter, i: usize) -> std::result::Result<String, Problem> {
        let field = &self.schema.fields()[i];
        let mut value = String::new();
        Conform {
            options: &self.options,
            jiter,
            out: &mut value,
            lenient: self.lenient,
        }
        .value(field.data_type())
        .map_err(|p| p.within(field.name()))?;
        Ok(value)
    }
}

/// Appends `s` as a JSON string.
fn quote(s: &str, out: &mut String) {
    out.push_str(&quoted(s));
}

/// `s` as a JSON string.
fn quoted(s: &str) -> String {
    Value::String(s.to_string()).to_string()
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
