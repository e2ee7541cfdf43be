//! Hive's text SerDes, as Athena reads them: JSON (OpenX / hcatalog), RegexSerDe,
//! CloudTrail documents, and delimited text with several header or footer lines.
//!
//! DataFusion reads Parquet, Avro and simple CSV well, and those paths stay DataFusion's.
//! The formats here have rules DataFusion's readers do not follow (case-insensitive JSON
//! keys, JSON text in string columns, regular-expression rows, `{"Records": [...]}`
//! documents), and reading them with DataFusion's readers gives silently different
//! answers. `framing` divides a file into records; each decoder turns a batch of records
//! into Arrow arrays of the table's (projected) columns. `provider::record_source`
//! plugs them into DataFusion's file scans.

pub mod delimited;
pub mod framing;
pub mod json;
pub mod regex;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};

use crate::catalog::storage_format::RecordSerde;
use crate::error::Result;

/// One record of a file: its text and its number (the line, or the position in a
/// CloudTrail document), for error messages.
#[derive(Clone, Debug)]
pub struct Record {
    /// The record's text, without the line end.
    pub text: String,
    /// 1-based line number (or record number in a document).
    pub number: usize,
}

/// Turns records into rows of the projected table columns.
pub enum RowDecoder {
    /// JSON objects.
    Json(Box<json::JsonDecoder>),
    /// Regular-expression lines.
    Regex(regex::RegexDecoder),
    /// Delimited lines.
    Delimited(delimited::DelimitedDecoder),
}

impl RowDecoder {
    /// A decoder for `serde` producing the columns at `projection` of `columns` (the
    /// table's data columns, in order).
    pub fn try_new(serde: &RecordSerde, columns: &Schema, projection: &[usize]) -> Result<Self> {
        let schema: SchemaRef = Arc::new(columns.project(projection)?);
        Ok(match serde {
            RecordSerde::Json(o) => {
                RowDecoder::Json(Box::new(json::JsonDecoder::try_new(o, schema)?))
            }
            RecordSerde::Regex(o) => RowDecoder::Regex(regex::RegexDecoder::try_new(
                o,
                schema,
                projection.to_vec(),
            )?),
            RecordSerde::Delimited(o) => RowDecoder::Delimited(delimited::DelimitedDecoder::new(
                o,
                schema,
                projection.to_vec(),
            )),
        })
    }

    /// Whether blank lines are records. Hive's RegexSerDe reads one as a row of NULLs
    /// (it does not match); JSON and delimited tables skip them, as DataFusion's readers
    /// do for the other text tables.
    pub fn reads_blank_lines(&self) -> bool {
        matches!(self, RowDecoder::Regex(_))
    }

    /// Decodes `records` of `file` into one batch.
    pub fn decode(&mut self, records: &[Record], file: &str) -> Result<RecordBatch> {
        match self {
            RowDecoder::Json(d) => d.decode(records, file),
            RowDecoder::Regex(d) => d.decode(records),
            RowDecoder::Delimited(d) => d.decode(records, file),
        }
    }
}

/// A batch of `schema` from one text builder per column, each column converted to its
/// type by `convert` (the text SerDes read fields as text first).
pub fn text_batch(
    schema: &SchemaRef,
    builders: Vec<StringBuilder>,
    rows: usize,
    convert: impl Fn(ArrayRef, &Field) -> Result<ArrayRef>,
) -> Result<RecordBatch> {
    let columns = builders
        .into_iter()
        .zip(schema.fields())
        .map(|(mut b, field)| convert(Arc::new(b.finish()), field))
        .collect::<Result<Vec<_>>>()?;
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &options,
    )?)
}

/// Converts text to `target` as Hive's text SerDes do: what does not parse is NULL.
pub fn lenient_cast(text: ArrayRef, target: &DataType) -> Result<ArrayRef> {
    if target == &DataType::Utf8 {
        return Ok(text);
    }
    let options = CastOptions {
        safe: true,
        ..Default::default()
    };
    Ok(cast_with_options(&text, target, &options)?)
}

/// A batch with no columns and `rows` rows (a projection that reads no column).
pub fn rows_only(schema: SchemaRef, rows: usize) -> Result<RecordBatch> {
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(schema, vec![], &options)?)
}
