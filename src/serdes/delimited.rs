//! Delimited lines for the text tables DataFusion's CSV reader cannot take (several
//! header lines, footer lines): the same rules as the CSV path, field by field.
//! LazySimpleSerDe splits on the delimiter (an escaped delimiter is part of the value);
//! OpenCSVSerde also honours quotes. An empty field and the null marker are NULL; a
//! missing trailing field is NULL and extra fields are ignored.

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use super::{Record, lenient_cast, rows_only, text_batch};
use crate::catalog::storage_format::TextOptions;
use crate::error::{ErrorCode, LakeError, Result};

/// Decodes delimited lines into rows.
pub struct DelimitedDecoder {
    options: TextOptions,
    schema: SchemaRef,
    /// For each output column, its field position in a line.
    positions: Vec<usize>,
}

impl DelimitedDecoder {
    /// A decoder producing `schema`, whose columns are the fields at `positions`.
    pub fn new(options: &TextOptions, schema: SchemaRef, positions: Vec<usize>) -> Self {
        DelimitedDecoder {
            options: options.clone(),
            schema,
            positions,
        }
    }

    /// Decodes `records` into one batch.
    pub fn decode(&mut self, records: &[Record], file: &str) -> Result<RecordBatch> {
        // A projection without columns (count(*)) needs only the number of lines.
        if self.positions.is_empty() {
            return rows_only(self.schema.clone(), records.len());
        }
        let mut builders: Vec<StringBuilder> = self
            .positions
            .iter()
            .map(|_| StringBuilder::new())
            .collect();
        for record in records {
            let fields = self.split(&record.text);
            for (builder, &position) in builders.iter_mut().zip(&self.positions) {
                match fields.get(position).map(String::as_str) {
                    Some(v) if !v.is_empty() && Some(v) != self.options.null_format.as_deref() => {
                        builder.append_value(v)
                    }
                    _ => builder.append_null(),
                }
            }
        }
        text_batch(
            &self.schema,
            builders,
            records.len(),
            |text, field| match self.options.lenient {
                true => lenient_cast(text, field.data_type()),
                false => strict_cast(text, field.data_type(), file, field.name()),
            },
        )
    }

    fn split(&self, line: &str) -> Vec<String> {
        match self.options.quote {
            Some(quote) => split_quoted(line, &self.options, quote),
            None => split_escaped(line, self.options.delimiter, self.options.escape),
        }
    }
}

/// LazySimpleSerDe: fields end at the delimiter unless it is escaped.
fn split_escaped(line: &str, delimiter: u8, escape: Option<u8>) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = Vec::new();
    let mut bytes = line.bytes();
    while let Some(b) = bytes.next() {
        if Some(b) == escape {
            if let Some(next) = bytes.next() {
                field.push(next);
            }
        } else if b == delimiter {
            fields.push(String::from_utf8_lossy(&field).into_owned());
            field.clear();
        } else {
            field.push(b);
        }
    }
    fields.push(String::from_utf8_lossy(&field).into_owned());
    fields
}

/// OpenCSVSerde: quoted fields may hold the delimiter.
fn split_quoted(line: &str, options: &TextOptions, quote: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .quote(quote)
        .escape(options.escape)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(str::to_string).collect(),
        _ => vec![line.to_string()],
    }
}

/// OpenCSVSerde: a value that does not parse as its column's type is an error.
fn strict_cast(text: ArrayRef, target: &DataType, file: &str, column: &str) -> Result<ArrayRef> {
    if target == &DataType::Utf8 {
        return Ok(text);
    }
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    cast_with_options(&text, target, &options).map_err(|e| {
        LakeError::semantic(
            ErrorCode::HiveBadData,
            format!("{file}: column '{column}' ({target}): {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_delimiters_stay_in_the_value() {
        assert_eq!(
            split_escaped(r"a\,b,c,", b',', Some(b'\\')),
            vec!["a,b", "c", ""]
        );
        assert_eq!(split_escaped("a\tb", b'\t', None), vec!["a", "b"]);
    }
}
