//! One error type for the whole crate.
//!
//! Every error names what was wrong and where (statement position, table, property, file).
//! Where Athena reports the same situation with an error code (`TABLE_NOT_FOUND`,
//! `HIVE_BAD_DATA`, …) the message starts with that code, so users can search for it.

use datafusion::error::DataFusionError;
use thiserror::Error;

/// Result alias used across lakesql.
pub type Result<T, E = LakeError> = std::result::Result<T, E>;

/// Everything that can go wrong in lakesql.
#[derive(Debug, Error)]
pub enum LakeError {
    /// The statement text does not parse; the message carries the position.
    #[error("SYNTAX_ERROR: {0}")]
    Syntax(String),
    /// The statement parses but cannot be carried out (unknown table, bad property, …).
    #[error("{code}: {message}")]
    Semantic {
        /// Athena-style error code, e.g. `TABLE_NOT_FOUND`.
        code: &'static str,
        /// What is wrong, naming the object.
        message: String,
    },
    /// The catalog database could not be read or written.
    #[error("catalog store error: {0}")]
    Store(#[from] rusqlite::Error),
    /// An error from the query engine.
    #[error("{}", engine_message(.0))]
    Engine(#[from] DataFusionError),
    /// An error from object storage.
    #[error("storage error: {0}")]
    Storage(#[from] object_store::Error),
    /// A local I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What lakesql was doing (names the file).
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The running statement was cancelled (Ctrl-C).
    #[error("query cancelled")]
    Cancelled,
}

impl LakeError {
    /// A semantic error with an Athena-style code.
    pub fn semantic(code: &'static str, message: impl Into<String>) -> Self {
        LakeError::Semantic {
            code,
            message: message.into(),
        }
    }

    /// `SCHEMA_NOT_FOUND` for a database.
    pub fn database_not_found(db: &str) -> Self {
        Self::semantic(
            "SCHEMA_NOT_FOUND",
            format!("Database '{db}' does not exist"),
        )
    }

    /// `TABLE_NOT_FOUND` for a table.
    pub fn table_not_found(db: &str, table: &str) -> Self {
        Self::semantic(
            "TABLE_NOT_FOUND",
            format!("Table '{db}.{table}' does not exist"),
        )
    }

    /// `INVALID_INPUT` for anything the user supplied that cannot be used.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::semantic("INVALID_INPUT", message)
    }

    /// `NOT_SUPPORTED` for syntax or features lakesql does not implement.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::semantic("NOT_SUPPORTED", message)
    }

    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        LakeError::Io {
            context: context.into(),
            source,
        }
    }

    /// The Athena-style code of this error, when there is one.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            LakeError::Syntax(_) => Some("SYNTAX_ERROR"),
            LakeError::Semantic { code, .. } => Some(code),
            LakeError::Engine(e) => engine_code(e),
            _ => None,
        }
    }
}

/// Converts a lakesql error into a DataFusion one (inside table providers).
impl From<LakeError> for DataFusionError {
    fn from(e: LakeError) -> Self {
        match e {
            LakeError::Engine(e) => e,
            other => DataFusionError::External(Box::new(other)),
        }
    }
}

/// Unwraps DataFusion's nesting so a lakesql error raised inside a scan prints as itself.
fn innermost(e: &DataFusionError) -> &DataFusionError {
    match e {
        DataFusionError::Context(_, inner) => innermost(inner),
        DataFusionError::Shared(inner) => innermost(inner),
        DataFusionError::Diagnostic(_, inner) => innermost(inner),
        DataFusionError::Collection(errors) if !errors.is_empty() => innermost(&errors[0]),
        other => other,
    }
}

fn engine_code(e: &DataFusionError) -> Option<&'static str> {
    let inner = innermost(e);
    if let DataFusionError::External(x) = inner {
        return x.downcast_ref::<LakeError>().and_then(LakeError::code);
    }
    let text = inner.to_string();
    match inner {
        DataFusionError::SQL(..) => Some("SYNTAX_ERROR"),
        DataFusionError::Plan(_) | DataFusionError::SchemaError(..)
            if text.contains("No field named") =>
        {
            Some("COLUMN_NOT_FOUND")
        }
        DataFusionError::Plan(_) if text.contains("table '") && text.contains("not found") => {
            Some("TABLE_NOT_FOUND")
        }
        DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => Some("SEMANTIC_ERROR"),
        DataFusionError::ArrowError(..) | DataFusionError::ParquetError(..) => {
            Some("HIVE_BAD_DATA")
        }
        _ => None,
    }
}

fn engine_message(e: &DataFusionError) -> String {
    let inner = innermost(e);
    if let DataFusionError::External(inner) = inner
        && let Some(lake) = inner.downcast_ref::<LakeError>()
    {
        return lake.to_string();
    }
    let mut text = inner.to_string();
    if let Some(span) = diagnostic_span(e) {
        text = format!("line {}:{}: {text}", span.start.line, span.start.column);
    }
    match engine_code(e) {
        Some(code) if !text.starts_with(code) => format!("{code}: {text}"),
        _ => text,
    }
}

/// The statement position DataFusion attached to an error, if any.
fn diagnostic_span(e: &DataFusionError) -> Option<datafusion::common::Span> {
    match e {
        DataFusionError::Diagnostic(d, inner) => d.span.or_else(|| diagnostic_span(inner)),
        DataFusionError::Context(_, inner) => diagnostic_span(inner),
        DataFusionError::Collection(errors) => errors.first().and_then(diagnostic_span),
        _ => None,
    }
}
