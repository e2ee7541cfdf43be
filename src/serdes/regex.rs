//! Lines read as Hive's `RegexSerDe` reads them: the whole line must match `input.regex`;
//! group N fills column N; each group's text is converted to its column's type, and a
//! value that does not convert (`-` in an `int` column) is NULL. A line that does not
//! match is a row of NULLs, as in Hive.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use regex::Regex;

use super::Record;
use crate::catalog::storage_format::RegexOptions;
use crate::error::Result;

/// Decodes lines into rows through a regular expression.
pub struct RegexDecoder {
    regex: Regex,
    schema: SchemaRef,
    /// For each output column, its position among the table's columns (group N + 1).
    positions: Vec<usize>,
}

impl RegexDecoder {
    /// A decoder producing `schema`, whose columns are the table columns at `positions`.
    pub fn try_new(
        options: &RegexOptions,
        schema: SchemaRef,
        positions: Vec<usize>,
    ) -> Result<Self> {
        Ok(RegexDecoder {
            regex: options.compile()?,
            schema,
            positions,
        })
    }

    /// Decodes `records` into one batch.
    pub fn decode(&mut self, records: &[Record]) -> Result<RecordBatch> {
        let mut builders: Vec<StringBuilder> = self
            .positions
            .iter()
            .map(|_| StringBuilder::new())
            .collect();
        let mut locations = self.regex.capture_locations();
        for record in records {
            let matched = self
                .regex
                .captures_read(&mut locations, &record.text)
                .is_some();
            for (builder, &position) in builders.iter_mut().zip(&self.positions) {
                match locations.get(position + 1).filter(|_| matched) {
                    Some((start, end)) => builder.append_value(&record.text[start..end]),
                    None => builder.append_null(),
                }
            }
        }
        let columns = builders
            .into_iter()
            .zip(self.schema.fields())
            .map(|(mut b, field)| lenient_cast(Arc::new(b.finish()), field.data_type()))
            .collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(records.len()));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?)
    }
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
