//! From a table's [`DataFormat`] to the DataFusion file format that reads it.

use std::sync::Arc;

use datafusion::catalog::Session;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::avro::AvroFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::parquet::ParquetFormat;

use crate::catalog::storage_format::{DataFormat, TextOptions};
use crate::error::{LakeError, Result};

/// The DataFusion format for files of `format` compressed with `compression`. Tables of
/// [`DataFormat::Records`] are read by [`super::record_source::RecordSource`] instead.
pub fn file_format(
    format: &DataFormat,
    compression: FileCompressionType,
    state: &dyn Session,
) -> Result<Arc<dyn FileFormat>> {
    Ok(match format {
        DataFormat::Parquet => {
            Arc::new(ParquetFormat::default().with_options(state.table_options().parquet.clone()))
        }
        DataFormat::Avro => Arc::new(AvroFormat),
        DataFormat::Text(text) => Arc::new(csv_format(text, compression)),
        DataFormat::Records(_) => {
            return Err(LakeError::internal(
                "record tables are read by RecordSource, not a DataFusion file format",
            ));
        }
    })
}

fn csv_format(text: &TextOptions, compression: FileCompressionType) -> CsvFormat {
    // DataFusion's CSV reader reads an empty field as NULL; the null marker of lenient
    // (LazySimpleSerDe) tables is applied by the scan's casts.
    CsvFormat::default()
        .with_has_header(text.skip_header > 0)
        .with_delimiter(text.delimiter)
        // LazySimpleSerDe has no quoting: NUL never occurs in text data.
        .with_quote(text.quote.unwrap_or(0))
        .with_escape(text.escape)
        .with_newlines_in_values(text.newlines_in_values)
        // Hive reads missing trailing fields as NULL.
        .with_truncated_rows(true)
        .with_file_compression_type(compression)
}
