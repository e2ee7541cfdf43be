//! The `WITH (…)` properties of CTAS and UNLOAD, checked against Athena's list: each
//! error names the property and where it was written.

use super::format::{Compression, OutputFormat};
use crate::catalog::storage_format::delimiter_byte;
use crate::error::{ErrorCode, LakeError, Result};
use crate::sql::ast::{PropertyValue, WriteProperty};

/// Which statement the properties belong to (they accept different names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyContext {
    /// `CREATE TABLE … WITH (…) AS`.
    CreateTableAs,
    /// `UNLOAD … WITH (…)`.
    Unload,
}

/// What the properties ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteOptions {
    /// File format.
    pub format: OutputFormat,
    /// Codec.
    pub compression: Compression,
    /// `external_location` (CTAS).
    pub location: Option<String>,
    /// `partitioned_by` (lower case).
    pub partitioned_by: Vec<String>,
}

impl WriteOptions {
    /// Checks and resolves `properties`.
    pub fn parse(properties: &[WriteProperty], context: PropertyContext) -> Result<WriteOptions> {
        let mut seen = Vec::new();
        for p in properties {
            if seen.contains(&p.name.as_str()) {
                return Err(error(p, "is given twice"));
            }
            seen.push(p.name.as_str());
            check_known(p, context)?;
        }
        let find = |names: &[&str]| properties.iter().find(|p| names.contains(&p.name.as_str()));
        let delimiter = find(&["field_delimiter"])
            .map(|p| {
                let text = string(p)?;
                delimiter_byte(&p.name, &text).map_err(|e| at(p, e))
            })
            .transpose()?;
        let format = match find(&["format"]) {
            Some(p) => OutputFormat::parse(&string(p)?, delimiter).map_err(|e| at(p, e))?,
            None => OutputFormat::Parquet,
        };
        if let Some(p) = find(&["field_delimiter"])
            && !matches!(format, OutputFormat::Text(_))
        {
            return Err(error(p, "applies to TEXTFILE output only"));
        }
        let compression = match find(&["write_compression", "compression", "parquet_compression"]) {
            Some(p) => Compression::parse(&string(p)?, &format).map_err(|e| at(p, e))?,
            None => Compression::default_for(&format),
        };
        let partitioned_by = match find(&["partitioned_by"]) {
            Some(p) => names(p)?,
            None => Vec::new(),
        };
        Ok(WriteOptions {
            format,
            compression,
            location: find(&["external_location"]).map(string).transpose()?,
            partitioned_by,
        })
    }
}

/// Refuses names Athena does not know, and known ones lakesql cannot honour.
fn check_known(p: &WriteProperty, context: PropertyContext) -> Result<()> {
    let common = [
        "format",
        "partitioned_by",
        "field_delimiter",
        "compression_level",
    ];
    let ctas = [
        "external_location",
        "write_compression",
        "parquet_compression",
        "orc_compression",
        "table_type",
        "is_external",
        "bucketed_by",
        "bucket_count",
    ];
    let known = common.contains(&p.name.as_str())
        || match context {
            PropertyContext::CreateTableAs => ctas.contains(&p.name.as_str()),
            PropertyContext::Unload => p.name == "compression",
        };
    if !known {
        return Err(LakeError::semantic(
            ErrorCode::InvalidTableProperty,
            format!("{}: unknown property '{}'", p.position, p.name),
        ));
    }
    match p.name.as_str() {
        "table_type" if !string(p)?.eq_ignore_ascii_case("hive") => Err(unsupported(
            p,
            "lakesql writes Hive tables only ('ICEBERG' tables are not supported)",
        )),
        "is_external" if !word(p).eq_ignore_ascii_case("true") => Err(unsupported(
            p,
            "only external tables can be written (is_external = false is for Iceberg tables)",
        )),
        "bucketed_by" | "bucket_count" => Err(unsupported(
            p,
            "bucketed tables are not supported; lakesql writes unbucketed files (drop the \
             bucketing properties, or partition the table instead)",
        )),
        "orc_compression" => Err(unsupported(p, "lakesql does not write ORC")),
        "compression_level" => Err(unsupported(p, "lakesql uses each codec's default level")),
        _ => Ok(()),
    }
}

fn string(p: &WriteProperty) -> Result<String> {
    match &p.value {
        PropertyValue::String(s) => Ok(s.clone()),
        _ => Err(error(p, "must be a string ('…')")),
    }
}

fn word(p: &WriteProperty) -> String {
    match &p.value {
        PropertyValue::String(s) | PropertyValue::Word(s) => s.clone(),
        PropertyValue::Array(items) => items.join(","),
    }
}

fn names(p: &WriteProperty) -> Result<Vec<String>> {
    match &p.value {
        PropertyValue::Array(items) if !items.is_empty() => {
            Ok(items.iter().map(|s| s.to_lowercase()).collect())
        }
        _ => Err(error(p, "must be a non-empty ARRAY['column', …]")),
    }
}

fn error(p: &WriteProperty, what: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::InvalidTableProperty,
        format!("{}: property '{}' {what}", p.position, p.name),
    )
}

fn unsupported(p: &WriteProperty, why: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::NotSupported,
        format!("{}: property '{}': {why}", p.position, p.name),
    )
}

/// Puts the property's position and name in front of an error about its value.
fn at(p: &WriteProperty, e: LakeError) -> LakeError {
    let message = e.to_string();
    let code = e.code();
    let message = message
        .strip_prefix(&format!("{}: ", code.as_str()))
        .unwrap_or(&message)
        .to_string();
    LakeError::semantic(
        code,
        format!("{}: property '{}': {message}", p.position, p.name),
    )
}
