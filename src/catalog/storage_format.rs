//! How a table's files are encoded: the Glue class names that `STORED AS` records, and
//! the resolution of a table's SerDe / input format / properties into a [`DataFormat`]
//! lakesql can read.
//!
//! Resolution runs at CREATE and ALTER time, so a table we cannot read is rejected when
//! it is defined, not when it is first queried.

use super::model::Properties;
pub use super::serde_options::{Framing, JsonOptions, RecordOptions, RecordSerde, RegexOptions};
use super::{HiveType, StorageDescriptor, Table};
use crate::error::{ErrorCode, LakeError, Result};

/// SerDe and input format class names, as Glue records them.
pub mod classes {
    pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
    pub const PARQUET_INPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
    pub const PARQUET_OUTPUT: &str =
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    pub const TEXT_INPUT: &str = "org.apache.hadoop.mapred.TextInputFormat";
    pub const TEXT_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
    pub const LAZY_SIMPLE_SERDE: &str = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
    pub const OPEN_CSV_SERDE: &str = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
    pub const OPENX_JSON_SERDE: &str = "org.openx.data.jsonserde.JsonSerDe";
    pub const HIVE_JSON_SERDE: &str = "org.apache.hive.hcatalog.data.JsonSerDe";
    pub const AVRO_SERDE: &str = "org.apache.hadoop.hive.serde2.avro.AvroSerDe";
    pub const AVRO_INPUT: &str = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat";
    pub const AVRO_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat";
    pub const ORC_SERDE: &str = "org.apache.hadoop.hive.ql.io.orc.OrcSerde";
    pub const ORC_INPUT: &str = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat";
    pub const ORC_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat";
    pub const ION_SERDE: &str = "com.amazon.ionhiveserde.IonHiveSerDe";
    pub const ION_INPUT: &str = "com.amazon.ionhiveserde.formats.IonInputFormat";
    pub const ION_OUTPUT: &str = "com.amazon.ionhiveserde.formats.IonOutputFormat";
    pub const REGEX_SERDE: &str = "org.apache.hadoop.hive.serde2.RegexSerDe";
    pub const CLOUDTRAIL_SERDE: &str = "com.amazon.emr.hive.serde.CloudTrailSerde";
    pub const CLOUDTRAIL_INPUT: &str = "com.amazon.emr.cloudtrail.CloudTrailInputFormat";
}

use classes::*;

/// The storage a `STORED AS <name>` clause stands for: (input format, output format,
/// default SerDe).
pub fn stored_as(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match name.to_ascii_uppercase().as_str() {
        "PARQUET" => (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE),
        "TEXTFILE" => (TEXT_INPUT, TEXT_OUTPUT, LAZY_SIMPLE_SERDE),
        "JSON" | "JSONFILE" => (TEXT_INPUT, TEXT_OUTPUT, OPENX_JSON_SERDE),
        "AVRO" => (AVRO_INPUT, AVRO_OUTPUT, AVRO_SERDE),
        "ORC" => (ORC_INPUT, ORC_OUTPUT, ORC_SERDE),
        "ION" => (ION_INPUT, ION_OUTPUT, ION_SERDE),
        _ => return None,
    })
}

/// Delimited-text settings, from `ROW FORMAT DELIMITED`, LazySimpleSerDe or OpenCSVSerde.
#[derive(Clone, Debug, PartialEq)]
pub struct TextOptions {
    /// Field delimiter byte.
    pub delimiter: u8,
    /// Quote byte (OpenCSVSerde); `None` for LazySimpleSerDe, which has no quoting.
    pub quote: Option<u8>,
    /// Escape byte.
    pub escape: Option<u8>,
    /// Number of header lines to skip at the start of each file.
    pub skip_header: usize,
    /// The text that stands for NULL (`serialization.null.format`).
    pub null_format: Option<String>,
    /// Whether quoted values may contain newlines (OpenCSVSerde, RFC 4180).
    pub newlines_in_values: bool,
    /// LazySimpleSerDe semantics: fields are read as text and a value that does not
    /// parse as its column's type reads as NULL (as in Hive). Otherwise (OpenCSVSerde) such
    /// a value is an error.
    pub lenient: bool,
}

/// The encodings lakesql reads.
#[derive(Clone, Debug, PartialEq)]
pub enum DataFormat {
    /// Apache Parquet; columns matched by name.
    Parquet,
    /// Delimited text with at most one header line and no footer, read by DataFusion's
    /// CSV reader; columns by position.
    Text(TextOptions),
    /// Text records decoded by lakesql's own SerDes: JSON, RegexSerDe, CloudTrail
    /// documents, and delimited text with several header or footer lines.
    Records(RecordOptions),
    /// Avro container files; columns matched by name.
    Avro,
}

impl DataFormat {
    /// Works out how to read a table, or says why it cannot be read.
    pub fn of_table(table: &Table) -> Result<DataFormat> {
        let name = table.qualified_name();
        let format = Self::of_storage(&table.storage_descriptor, &table.parameters)
            .map_err(|e| prefix_error(e, &name))?;
        // Every column type must map to something the format can produce.
        for col in table.storage_descriptor.columns.iter() {
            let t = col.parsed_type()?;
            let delimited = matches!(
                format,
                DataFormat::Text(_)
                    | DataFormat::Records(RecordOptions {
                        serde: RecordSerde::Delimited(_) | RecordSerde::Regex(_),
                        ..
                    })
            );
            if delimited && !t.is_primitive() {
                return Err(LakeError::unsupported(format!(
                    "table {name}: column '{}' has type {t}; nested types are not supported \
                     in delimited text and RegexSerDe tables (use JSON, Parquet or Avro)",
                    col.name
                )));
            }
        }
        for key in &table.partition_keys {
            let t = key.parsed_type()?;
            if !t.is_primitive() || matches!(t, HiveType::Binary) {
                return Err(LakeError::invalid(format!(
                    "table {name}: partition key '{}' has type {t}; partition keys must be \
                     primitive, non-binary types",
                    key.name
                )));
            }
        }
        Ok(format)
    }

    fn of_storage(sd: &StorageDescriptor, table_props: &Properties) -> Result<DataFormat> {
        let serde = sd.serde_info.serialization_library.as_deref().unwrap_or("");
        let input = sd.input_format.as_deref().unwrap_or("");
        let params = &sd.serde_info.parameters;
        let skip_header = line_count(table_props, "skip.header.line.count")?;
        let skip_footer = line_count(table_props, "skip.footer.line.count")?;
        let null_format = params
            .get("serialization.null.format")
            .or_else(|| table_props.get("serialization.null.format"))
            .cloned();

        if serde == PARQUET_SERDE || input == PARQUET_INPUT {
            return Ok(DataFormat::Parquet);
        }
        if serde == AVRO_SERDE || input == AVRO_INPUT {
            return Ok(DataFormat::Avro);
        }
        let framing = framing(serde, input, skip_header, skip_footer)?;
        let records = |serde| DataFormat::Records(RecordOptions { framing, serde });
        if [OPENX_JSON_SERDE, HIVE_JSON_SERDE, CLOUDTRAIL_SERDE].contains(&serde) {
            return Ok(records(RecordSerde::Json(JsonOptions::of(serde, params)?)));
        }
        if framing == Framing::CloudTrail {
            return Err(LakeError::unsupported(format!(
                "SerDe '{serde}' cannot read {CLOUDTRAIL_INPUT}: use {CLOUDTRAIL_SERDE} or \
                 {HIVE_JSON_SERDE}"
            )));
        }
        if serde == REGEX_SERDE {
            return Ok(records(RecordSerde::Regex(RegexOptions::of(params)?)));
        }
        let text = if serde == OPEN_CSV_SERDE {
            open_csv_options(params, skip_header, null_format)?
        } else if serde == LAZY_SIMPLE_SERDE || (serde.is_empty() && input == TEXT_INPUT) {
            lazy_simple_options(params, skip_header, null_format)?
        } else {
            return Err(unsupported_storage(serde, input));
        };
        // DataFusion's CSV reader skips at most one header line and no footer.
        if skip_header > 1 || skip_footer > 0 {
            return Ok(records(RecordSerde::Delimited(text)));
        }
        Ok(DataFormat::Text(text))
    }
}

/// `skip.header.line.count` / `skip.footer.line.count`: a count of lines, 0 by default.
fn line_count(table_props: &Properties, key: &str) -> Result<usize> {
    let Some(v) = table_props.get(key) else {
        return Ok(0);
    };
    v.trim().parse::<usize>().map_err(|_| {
        LakeError::semantic(
            ErrorCode::InvalidTableProperty,
            format!("property '{key}' must be a number of lines, got '{v}'"),
        )
    })
}

/// How a text table's files divide into records: lines (the text input format) or the
/// records of CloudTrail documents.
fn framing(serde: &str, input: &str, skip_header: usize, skip_footer: usize) -> Result<Framing> {
    if input == CLOUDTRAIL_INPUT {
        return Ok(Framing::CloudTrail);
    }
    let text_input = input.is_empty() || input == TEXT_INPUT;
    let is_text_serde = [
        OPENX_JSON_SERDE,
        HIVE_JSON_SERDE,
        CLOUDTRAIL_SERDE,
        REGEX_SERDE,
        OPEN_CSV_SERDE,
        LAZY_SIMPLE_SERDE,
    ]
    .contains(&serde);
    if is_text_serde && !text_input {
        return Err(LakeError::unsupported(format!(
            "input format '{input}' is not supported with SerDe '{serde}' (expected \
             {TEXT_INPUT}, or {CLOUDTRAIL_INPUT} for CloudTrail logs)"
        )));
    }
    Ok(Framing::Lines {
        skip_header,
        skip_footer,
    })
}

/// OpenCSVSerde: quoted fields, values that must parse as their column's type.
fn open_csv_options(
    params: &Properties,
    skip_header: usize,
    null_format: Option<String>,
) -> Result<TextOptions> {
    Ok(TextOptions {
        delimiter: single_byte(params, "separatorChar", b',')?,
        quote: Some(single_byte(params, "quoteChar", b'"')?),
        escape: Some(single_byte(params, "escapeChar", b'\\')?),
        skip_header,
        null_format,
        newlines_in_values: true,
        lenient: false,
    })
}

/// LazySimpleSerDe (and `ROW FORMAT DELIMITED`): no quoting, Ctrl-A and `\N` by default.
fn lazy_simple_options(
    params: &Properties,
    skip_header: usize,
    null_format: Option<String>,
) -> Result<TextOptions> {
    let delim = params
        .get("field.delim")
        .or_else(|| params.get("serialization.format"));
    let delimiter = match delim {
        Some(d) => delimiter_byte("field.delim", d)?,
        None => 1, // Hive's default, Ctrl-A
    };
    let escape = params
        .get("escape.delim")
        .map(|e| delimiter_byte("escape.delim", e))
        .transpose()?;
    Ok(TextOptions {
        delimiter,
        quote: None,
        escape,
        skip_header,
        null_format: Some(null_format.unwrap_or_else(|| "\\N".to_string())),
        newlines_in_values: false,
        lenient: true,
    })
}

/// Why a SerDe / input format that matched no readable format cannot be read.
fn unsupported_storage(serde: &str, input: &str) -> LakeError {
    if serde == ORC_SERDE || input == ORC_INPUT {
        return LakeError::unsupported(
            "ORC tables are not supported: lakesql reads Parquet, delimited text, JSON and Avro",
        );
    }
    let what = if serde.is_empty() {
        format!("input format '{input}'")
    } else {
        format!("SerDe '{serde}'")
    };
    LakeError::unsupported(format!(
        "{what} is not supported: lakesql reads Parquet, delimited text (LazySimpleSerDe, \
         OpenCSVSerde, RegexSerDe), JSON (openx or hcatalog JsonSerDe), CloudTrail logs and Avro"
    ))
}

fn prefix_error(e: LakeError, table: &str) -> LakeError {
    match e {
        LakeError::Semantic { code, message } => LakeError::Semantic {
            code,
            message: format!("table {table}: {message}"),
        },
        other => other,
    }
}

/// A one-character SerDe property such as OpenCSVSerde's `separatorChar`.
fn single_byte(params: &Properties, key: &str, default: u8) -> Result<u8> {
    match params.get(key) {
        None => Ok(default),
        Some(v) => delimiter_byte(key, v),
    }
}

/// Decodes a delimiter as Hive writes it: one character, an escape such as `\t` or
/// `\001`, or (as Hive does) a decimal byte value: `serialization.format` = `1` is Ctrl-A.
pub fn delimiter_byte(key: &str, value: &str) -> Result<u8> {
    let bad = || {
        LakeError::semantic(
            ErrorCode::InvalidTableProperty,
            format!("property '{key}' = '{value}' is not a single-byte delimiter"),
        )
    };
    let bytes = value.as_bytes();
    match bytes {
        // Hive reads a numeric string as the byte value (`serialization.format` = `1`).
        digits if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            value.parse::<u8>().map_err(|_| bad())
        }
        [b] => Ok(*b),
        [b'\\', b't'] => Ok(b'\t'),
        [b'\\', b'n'] => Ok(b'\n'),
        [b'\\', b'r'] => Ok(b'\r'),
        [b'\\', b'\\'] => Ok(b'\\'),
        [b'\\', digits @ ..] if digits.iter().all(u8::is_ascii_digit) => {
            // Octal (\001) as Hive DDL writes Ctrl-A.
            u8::from_str_radix(std::str::from_utf8(digits).map_err(|_| bad())?, 8)
                .map_err(|_| bad())
        }
        [b'\\', b'u', hex @ ..] if hex.len() == 4 => {
            u8::from_str_radix(std::str::from_utf8(hex).map_err(|_| bad())?, 16).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hive_delimiters() {
        assert_eq!(delimiter_byte("k", ",").unwrap(), b',');
        assert_eq!(delimiter_byte("k", "\\t").unwrap(), b'\t');
        assert_eq!(delimiter_byte("k", "\\001").unwrap(), 1);
        assert_eq!(delimiter_byte("k", "\\u0001").unwrap(), 1);
        assert_eq!(delimiter_byte("k", "9").unwrap(), 9);
        assert_eq!(delimiter_byte("k", "1").unwrap(), 1);
        assert!(delimiter_byte("k", "ab").is_err());
    }
}
