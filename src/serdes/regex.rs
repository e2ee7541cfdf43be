//! Lines read as Hive's `RegexSerDe` reads them: the whole line must match `input.regex`;
//! group N fills column N; each group's text is converted to its column's type, and a
//! value that does not convert (`-` in an `int` column) is NULL. A line that does not
//! match is a row of NULLs, as in Hive.

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use regex::Regex;

use super::{Record, lenient_cast, rows_only, text_batch};
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
        // A projection without columns (count(*)) needs only the number of lines.
        if self.positions.is_empty() {
            return rows_only(self.schema.clone(), records.len());
        }
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
        text_batch(&self.schema, builders, records.len(), |text, field| {
            lenient_cast(text, field.data_type())
        })
    }
}
