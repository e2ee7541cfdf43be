//! What written files look like: the format and compression of a CTAS or UNLOAD (from its
//! `WITH` properties) or of an existing table (for INSERT INTO), and the Glue storage
//! descriptor that lets the catalog read them back.

use crate::catalog::model::Properties;
use crate::catalog::storage_format::classes::*;
use crate::catalog::storage_format::{DataFormat, RecordSerde, TextOptions};
use crate::catalog::{SerDeInfo, StorageDescriptor, Table};
use crate::error::{ErrorCode, LakeError, Result};

/// A file encoding lakesql writes.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputFormat {
    /// Apache Parquet.
    Parquet,
    /// One JSON object per line (read back by the OpenX JSON SerDe).
    Json,
    /// Delimited text, as LazySimpleSerDe or OpenCSVSerde lay it out.
    Text(TextLayout),
    /// Avro container files.
    Avro,
}

/// How delimited text is laid out.
#[derive(Clone, Debug, PartialEq)]
pub struct TextLayout {
    /// Field delimiter.
    pub delimiter: u8,
    /// Quote character (OpenCSVSerde); LazySimpleSerDe does not quote.
    pub quote: Option<u8>,
    /// Escape character written before a delimiter, quote or escape inside a value.
    pub escape: Option<u8>,
    /// The text written for NULL (`\N` for LazySimpleSerDe, empty for OpenCSVSerde).
    pub null: String,
    /// Header lines the table skips (the first carries the column names).
    pub header_lines: usize,
    /// Footer lines the table skips (written empty).
    pub footer_lines: usize,
}

impl TextLayout {
    /// Athena's TEXTFILE default: Ctrl-A between fields, `\N` for NULL.
    pub fn hive(delimiter: u8) -> Self {
        TextLayout {
            delimiter,
            quote: None,
            escape: None,
            null: "\\N".to_string(),
            header_lines: 0,
            footer_lines: 0,
        }
    }

    fn of_table(text: &TextOptions, footer_lines: usize) -> Self {
        TextLayout {
            delimiter: text.delimiter,
            quote: text.quote,
            escape: text.escape,
            null: text.null_format.clone().unwrap_or_else(|| {
                if text.quote.is_some() {
                    String::new()
                } else {
                    "\\N".to_string()
                }
            }),
            header_lines: text.skip_header,
            footer_lines,
        }
    }
}

/// A compression codec, by Athena's `write_compression` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// `NONE`.
    None,
    /// `SNAPPY`.
    Snappy,
    /// `GZIP` (Avro: deflate).
    Gzip,
    /// `ZSTD`.
    Zstd,
    /// `LZ4`.
    Lz4,
    /// `BZIP2`.
    Bzip2,
    /// `DEFLATE` (Avro).
    Deflate,
}

impl Compression {
    /// Parses Athena's name for a codec, for `format`; refuses a codec lakesql cannot
    /// write or would not read back in that format.
    pub fn parse(name: &str, format: &OutputFormat) -> Result<Compression> {
        let codec = match name.to_ascii_uppercase().as_str() {
            "NONE" | "UNCOMPRESSED" => Compression::None,
            "SNAPPY" => Compression::Snappy,
            "GZIP" | "ZLIB" => Compression::Gzip,
            "ZSTD" => Compression::Zstd,
            "LZ4" | "LZ4_RAW" => Compression::Lz4,
            "BZIP2" => Compression::Bzip2,
            "DEFLATE" => Compression::Deflate,
            _ => return Err(bad_compression(name, format)),
        };
        let fits = match format {
            OutputFormat::Parquet => !matches!(codec, Compression::Bzip2 | Compression::Deflate),
            OutputFormat::Json | OutputFormat::Text(_) => matches!(
                codec,
                Compression::None | Compression::Gzip | Compression::Zstd | Compression::Bzip2
            ),
            OutputFormat::Avro => !matches!(codec, Compression::Lz4),
        };
        if fits {
            Ok(codec)
        } else {
            Err(bad_compression(name, format))
        }
    }

    /// Athena's default for `format`: SNAPPY for Parquet, DEFLATE for Avro, GZIP for text
    /// and JSON.
    pub fn default_for(format: &OutputFormat) -> Compression {
        match format {
            OutputFormat::Parquet => Compression::Snappy,
            OutputFormat::Avro => Compression::Deflate,
            OutputFormat::Json | OutputFormat::Text(_) => Compression::Gzip,
        }
    }

    /// Athena's name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "NONE",
            Compression::Snappy => "SNAPPY",
            Compression::Gzip => "GZIP",
            Compression::Zstd => "ZSTD",
            Compression::Lz4 => "LZ4",
            Compression::Bzip2 => "BZIP2",
            Compression::Deflate => "DEFLATE",
        }
    }
}

fn bad_compression(name: &str, format: &OutputFormat) -> LakeError {
    let allowed = match format {
        OutputFormat::Parquet => "SNAPPY, GZIP, ZSTD, LZ4 or NONE",
        OutputFormat::Json | OutputFormat::Text(_) => "GZIP, ZSTD, BZIP2 or NONE",
        OutputFormat::Avro => "DEFLATE, SNAPPY, ZSTD, BZIP2 or NONE",
    };
    LakeError::semantic(
        ErrorCode::InvalidTableProperty,
        format!(
            "compression '{name}' cannot be used for {} output (use {allowed})",
            format.name()
        ),
    )
}

impl OutputFormat {
    /// Parses CTAS's `format` property value.
    pub fn parse(name: &str, field_delimiter: Option<u8>) -> Result<OutputFormat> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "PARQUET" => OutputFormat::Parquet,
            "JSON" => OutputFormat::Json,
            "AVRO" => OutputFormat::Avro,
            "TEXTFILE" => OutputFormat::Text(TextLayout::hive(field_delimiter.unwrap_or(1))),
            "ORC" | "ION" => {
                return Err(LakeError::unsupported(format!(
                    "format '{name}': lakesql writes PARQUET, JSON, TEXTFILE and AVRO"
                )));
            }
            _ => {
                return Err(LakeError::semantic(
                    ErrorCode::InvalidTableProperty,
                    format!(
                        "format '{name}' is not a file format (use PARQUET, JSON, TEXTFILE or \
                         AVRO)"
                    ),
                ));
            }
        })
    }

    /// How new files of `table` must be written, or why they cannot be.
    pub fn of_table(table: &Table) -> Result<OutputFormat> {
        let refuse = |what: &str| {
            LakeError::unsupported(format!(
                "cannot write to table {}: lakesql does not write {what}",
                table.qualified_name()
            ))
        };
        Ok(match DataFormat::of_table(table)? {
            DataFormat::Parquet => OutputFormat::Parquet,
            DataFormat::Avro => OutputFormat::Avro,
            DataFormat::Text(text) => OutputFormat::Text(TextLayout::of_table(&text, 0)),
            DataFormat::Records(records) => match records.serde {
                RecordSerde::Json(_) => match records.framing {
                    crate::catalog::storage_format::Framing::CloudTrail => {
                        return Err(refuse("CloudTrail documents"));
                    }
                    crate::catalog::storage_format::Framing::Lines { .. } => OutputFormat::Json,
                },
                RecordSerde::Regex(_) => return Err(refuse("RegexSerDe text")),
                RecordSerde::Delimited(text) => {
                    let footer = match records.framing {
                        crate::catalog::storage_format::Framing::Lines { skip_footer, .. } => {
                            skip_footer
                        }
                        crate::catalog::storage_format::Framing::CloudTrail => 0,
                    };
                    OutputFormat::Text(TextLayout::of_table(&text, footer))
                }
            },
        })
    }

    /// The format's name in messages.
    pub fn name(&self) -> &'static str {
        match self {
            OutputFormat::Parquet => "PARQUET",
            OutputFormat::Json => "JSON",
            OutputFormat::Text(_) => "TEXTFILE",
            OutputFormat::Avro => "AVRO",
        }
    }

    /// The extension of a data file, compression suffix included (text readers choose
    /// their decompression by it).
    pub fn file_extension(&self, compression: Compression) -> String {
        let base = match self {
            OutputFormat::Parquet => return "parquet".to_string(),
            OutputFormat::Avro => return "avro".to_string(),
            OutputFormat::Json => "json",
            OutputFormat::Text(_) => "txt",
        };
        match compression {
            Compression::Gzip => format!("{base}.gz"),
            Compression::Zstd => format!("{base}.zst"),
            Compression::Bzip2 => format!("{base}.bz2"),
            _ => base.to_string(),
        }
    }

    /// The storage descriptor of a table whose files are written in this format at
    /// `location` (columns are filled in by the caller).
    pub fn storage_descriptor(
        &self,
        location: String,
        compression: Compression,
    ) -> StorageDescriptor {
        let (input, output, serde) = match self {
            OutputFormat::Parquet => (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE),
            OutputFormat::Avro => (AVRO_INPUT, AVRO_OUTPUT, AVRO_SERDE),
            OutputFormat::Json => (TEXT_INPUT, TEXT_OUTPUT, OPENX_JSON_SERDE),
            OutputFormat::Text(_) => (TEXT_INPUT, TEXT_OUTPUT, LAZY_SIMPLE_SERDE),
        };
        let mut parameters = Properties::new();
        if let OutputFormat::Text(text) = self {
            let delimiter = char::from(text.delimiter).to_string();
            parameters.insert("field.delim".to_string(), delimiter.clone());
            parameters.insert("serialization.format".to_string(), delimiter);
        }
        StorageDescriptor {
            columns: Vec::new(),
            location,
            input_format: Some(input.to_string()),
            output_format: Some(output.to_string()),
            compressed: compression != Compression::None,
            serde_info: SerDeInfo {
                serialization_library: Some(serde.to_string()),
                parameters,
            },
        }
    }

    /// The table properties a CTAS records: Athena's `write.compression` (and
    /// `parquet.compression` for Parquet), which later INSERTs reuse.
    pub fn table_properties(&self, compression: Compression) -> Properties {
        let mut props = Properties::new();
        props.insert(
            "write.compression".to_string(),
            compression.name().to_string(),
        );
        if *self == OutputFormat::Parquet {
            props.insert(
                "parquet.compression".to_string(),
                compression.name().to_string(),
            );
        }
        props
    }

    /// The compression an INSERT into `table` uses: the table's recorded codec, else the
    /// format's default.
    pub fn table_compression(&self, table: &Table) -> Result<Compression> {
        let recorded = [
            "write.compression",
            "parquet.compression",
            "avro.output.codec",
        ]
        .iter()
        .find_map(|k| table.parameters.get(*k));
        match recorded {
            Some(name) => Compression::parse(name, self),
            None => Ok(Compression::default_for(self)),
        }
    }
}
