//! One error type for the whole crate.
//!
//! Every error names what was wrong and where (statement position, table, property, file).
//! Where Athena reports the same situation with an error code (`TABLE_NOT_FOUND`,
//! `HIVE_BAD_DATA`, …) the error carries that [`ErrorCode`] and its message starts with
//! the code's name, so users can search for it and the server can report it as Athena does.

use datafusion::error::DataFusionError;
use thiserror::Error;

/// Result alias used across lakesql.
pub type Result<T, E = LakeError> = std::result::Result<T, E>;

/// Athena's error codes (the names Athena prints before a failed query's message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The statement text does not parse.
    SyntaxError,
    /// The statement parses but is not valid (DataFusion's planning errors).
    SemanticError,
    /// A value the user supplied cannot be used.
    InvalidInput,
    /// Syntax or a feature lakesql does not implement.
    NotSupported,
    /// A database that does not exist.
    SchemaNotFound,
    /// `DROP DATABASE … RESTRICT` on a database with tables.
    SchemaNotEmpty,
    /// A table that does not exist.
    TableNotFound,
    /// A column that does not exist.
    ColumnNotFound,
    /// A view that reads itself, directly or through other views.
    ViewIsRecursive,
    /// A view whose query no longer gives the columns it was created with.
    ViewIsStale,
    /// A database or table that already exists.
    AlreadyExists,
    /// A column that already exists.
    ColumnAlreadyExists,
    /// A partition that does not exist.
    PartitionNotFound,
    /// A table definition lakesql cannot use.
    InvalidTable,
    /// A table property with a bad value.
    InvalidTableProperty,
    /// A column type that does not parse or is not allowed.
    InvalidColumnType,
    /// A function argument out of its domain.
    InvalidFunctionArgument,
    /// A query that breaks a rule of the table (projection filters).
    ConstraintViolation,
    /// Data that does not match the table definition.
    HiveBadData,
    /// Object storage could not be read.
    HiveFilesystemError,
    /// A partition folder that does not fit the partition keys.
    HiveInvalidPartitionPath,
    /// A partition value that does not parse as its key type.
    HiveInvalidPartitionValue,
    /// A query would read more partitions than allowed.
    HiveExceededPartitionLimit,
    /// A write's target location already holds data.
    HivePathAlreadyExists,
    /// A CTAS's partition columns are not the last columns of its query, in order.
    HiveColumnOrderMismatch,
    /// An INSERT's query gives a column a type the table's column cannot take.
    TypeMismatch,
    /// A query would read more than `max_bytes_scanned`.
    ExceededScanLimit,
    /// A statement ran longer than `query_timeout`.
    ExceededTimeLimit,
    /// A query on a table that requires a partition filter has none.
    QueryRejected,
    /// A statement would change a catalog opened read-only (`--read-only`).
    ReadOnlyViolation,
    /// A definition changed by someone else between reading and writing it (Glue's
    /// `ConcurrentModificationException`).
    ConcurrentModification,
    /// The catalog store could not be opened, read or written.
    CatalogError,
    /// A failure inside lakesql (a failed task, a poisoned lock): a bug, not bad input.
    GenericInternalError,
}

impl ErrorCode {
    /// The name Athena prints (`TABLE_NOT_FOUND`).
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            SyntaxError => "SYNTAX_ERROR",
            SemanticError => "SEMANTIC_ERROR",
            InvalidInput => "INVALID_INPUT",
            NotSupported => "NOT_SUPPORTED",
            SchemaNotFound => "SCHEMA_NOT_FOUND",
            SchemaNotEmpty => "SCHEMA_NOT_EMPTY",
            TableNotFound => "TABLE_NOT_FOUND",
            ColumnNotFound => "COLUMN_NOT_FOUND",
            ViewIsRecursive => "VIEW_IS_RECURSIVE",
            ViewIsStale => "VIEW_IS_STALE",
            AlreadyExists => "ALREADY_EXISTS",
            ColumnAlreadyExists => "COLUMN_ALREADY_EXISTS",
            PartitionNotFound => "PARTITION_NOT_FOUND",
            InvalidTable => "INVALID_TABLE",
            InvalidTableProperty => "INVALID_TABLE_PROPERTY",
            InvalidColumnType => "INVALID_COLUMN_TYPE",
            InvalidFunctionArgument => "INVALID_FUNCTION_ARGUMENT",
            ConstraintViolation => "CONSTRAINT_VIOLATION",
            HiveBadData => "HIVE_BAD_DATA",
            HiveFilesystemError => "HIVE_FILESYSTEM_ERROR",
            HiveInvalidPartitionPath => "HIVE_INVALID_PARTITION_PATH",
            HiveInvalidPartitionValue => "HIVE_INVALID_PARTITION_VALUE",
            HiveExceededPartitionLimit => "HIVE_EXCEEDED_PARTITION_LIMIT",
            HivePathAlreadyExists => "HIVE_PATH_ALREADY_EXISTS",
            HiveColumnOrderMismatch => "HIVE_COLUMN_ORDER_MISMATCH",
            TypeMismatch => "TYPE_MISMATCH",
            ExceededScanLimit => "EXCEEDED_SCAN_LIMIT",
            ExceededTimeLimit => "EXCEEDED_TIME_LIMIT",
            QueryRejected => "QUERY_REJECTED",
            ReadOnlyViolation => "READ_ONLY_VIOLATION",
            ConcurrentModification => "CONCURRENT_MODIFICATION",
            CatalogError => "CATALOG_ERROR",
            GenericInternalError => "GENERIC_INTERNAL_ERROR",
        }
    }

    /// Athena's error category: the user's input (`User`) or the system (`System`).
    pub fn category(self) -> ErrorCategory {
        use ErrorCode::*;
        match self {
            HiveFilesystemError | CatalogError | GenericInternalError => ErrorCategory::System,
            _ => ErrorCategory::User,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Athena's `AthenaError.ErrorCategory`: 1 system, 2 user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCategory {
    /// Something failed on lakesql's side or in storage.
    System = 1,
    /// The statement or its data is wrong.
    User = 2,
}

/// A catalog backend could not be reached, read or written. Backend-neutral: each store
/// converts its own errors (SQLite's, an HTTP client's) into this.
#[derive(Debug, Error)]
#[error("{source}")]
pub struct CatalogError {
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl CatalogError {
    /// Wraps a backend's error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        CatalogError {
            source: source.into(),
        }
    }
}

/// Everything that can go wrong in lakesql.
#[derive(Debug, Error)]
pub enum LakeError {
    /// The statement text does not parse; the message carries the position.
    #[error("SYNTAX_ERROR: {0}")]
    Syntax(String),
    /// The statement parses but cannot be carried out (unknown table, bad property, …).
    #[error("{code}: {message}")]
    Semantic {
        /// Athena's error code, e.g. [`ErrorCode::TableNotFound`].
        code: ErrorCode,
        /// What is wrong, naming the object.
        message: String,
    },
    /// The catalog store could not be read or written.
    #[error("catalog store error: {0}")]
    Catalog(#[from] CatalogError),
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
    /// A failure inside lakesql (a background task that panicked, a poisoned lock).
    #[error("GENERIC_INTERNAL_ERROR: {0}")]
    Internal(String),
}

impl LakeError {
    /// A semantic error with an Athena error code.
    pub fn semantic(code: ErrorCode, message: impl Into<String>) -> Self {
        LakeError::Semantic {
            code,
            message: message.into(),
        }
    }

    /// `SCHEMA_NOT_FOUND` for a database.
    pub fn database_not_found(db: &str) -> Self {
        Self::semantic(
            ErrorCode::SchemaNotFound,
            format!("Database '{db}' does not exist"),
        )
    }

    /// `TABLE_NOT_FOUND` for a table.
    pub fn table_not_found(db: &str, table: &str) -> Self {
        Self::semantic(
            ErrorCode::TableNotFound,
            format!("Table '{db}.{table}' does not exist"),
        )
    }

    /// `INVALID_INPUT` for anything the user supplied that cannot be used.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::semantic(ErrorCode::InvalidInput, message)
    }

    /// `NOT_SUPPORTED` for syntax or features lakesql does not implement.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::semantic(ErrorCode::NotSupported, message)
    }

    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        LakeError::Io {
            context: context.into(),
            source,
        }
    }

    /// An internal failure: `what` says which step failed.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        LakeError::Internal(what.to_string())
    }

    /// The Athena error code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            LakeError::Syntax(_) => ErrorCode::SyntaxError,
            LakeError::Semantic { code, .. } => *code,
            LakeError::Catalog(_) => ErrorCode::CatalogError,
            LakeError::Engine(e) => engine_code(e).unwrap_or(ErrorCode::GenericInternalError),
            LakeError::Storage(_) | LakeError::Io { .. } => ErrorCode::HiveFilesystemError,
            LakeError::Internal(_) => ErrorCode::GenericInternalError,
        }
    }

    /// This error as `code` with the same message: planning errors the session classifies
    /// from what it knows (a referenced table that does not exist).
    pub fn reclassify(self, code: ErrorCode) -> Self {
        let message = self.to_string();
        let message = match message.split_once(": ") {
            Some((prefix, rest)) if prefix == self.code().as_str() => rest.to_string(),
            _ => message,
        };
        LakeError::semantic(code, message)
    }
}

/// A background task that failed (panicked or was cancelled) is an internal error.
impl From<tokio::task::JoinError> for LakeError {
    fn from(e: tokio::task::JoinError) -> Self {
        LakeError::internal(format!("a background task failed: {e}"))
    }
}

/// An Arrow error (building or converting arrays) is an engine error.
impl From<datafusion::arrow::error::ArrowError> for LakeError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        LakeError::Engine(DataFusionError::ArrowError(Box::new(e), None))
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

/// A lakesql error raised inside an object store lakesql wraps (a check on the bytes it
/// reads), which DataFusion reports as a store error.
fn lake_error_in_store(e: &object_store::Error) -> Option<&LakeError> {
    match e {
        object_store::Error::Generic { source, .. } => source.downcast_ref::<LakeError>(),
        _ => None,
    }
}

/// The Athena code of an engine error, by its kind (never by its text).
fn engine_code(e: &DataFusionError) -> Option<ErrorCode> {
    use datafusion::common::SchemaError;
    match innermost(e) {
        DataFusionError::External(x) => x.downcast_ref::<LakeError>().map(LakeError::code),
        DataFusionError::ObjectStore(x) => lake_error_in_store(x).map(LakeError::code),
        DataFusionError::SQL(..) => Some(ErrorCode::SyntaxError),
        DataFusionError::SchemaError(error, _)
            if matches!(error.as_ref(), SchemaError::FieldNotFound { .. }) =>
        {
            Some(ErrorCode::ColumnNotFound)
        }
        DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => {
            Some(ErrorCode::SemanticError)
        }
        DataFusionError::ArrowError(..) | DataFusionError::ParquetError(..) => {
            Some(ErrorCode::HiveBadData)
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
    if let DataFusionError::ObjectStore(inner) = inner
        && let Some(lake) = lake_error_in_store(inner)
    {
        return lake.to_string();
    }
    let mut text = inner.to_string();
    if let Some(span) = diagnostic_span(e) {
        text = format!("line {}:{}: {text}", span.start.line, span.start.column);
    }
    match engine_code(e) {
        Some(code) if !text.starts_with(code.as_str()) => format!("{code}: {text}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_as_athena_names_and_keep_the_message() {
        let e = LakeError::table_not_found("db", "t");
        assert_eq!(e.code(), ErrorCode::TableNotFound);
        assert_eq!(
            e.to_string(),
            "TABLE_NOT_FOUND: Table 'db.t' does not exist"
        );
        let internal = LakeError::internal("lock poisoned");
        assert_eq!(internal.code().category(), ErrorCategory::System);
        assert_eq!(e.code().category(), ErrorCategory::User);
    }

    #[test]
    fn reclassify_keeps_the_text_after_the_code() {
        let e = LakeError::Engine(DataFusionError::Plan("table 'x' not found".into()));
        assert_eq!(
            e.to_string(),
            "SEMANTIC_ERROR: Error during planning: table 'x' not found"
        );
        let e = e.reclassify(ErrorCode::TableNotFound);
        assert_eq!(
            e.to_string(),
            "TABLE_NOT_FOUND: Error during planning: table 'x' not found"
        );
    }

    #[test]
    fn a_missing_field_is_column_not_found_by_kind() {
        let e: LakeError = DataFusionError::SchemaError(
            Box::new(datafusion::common::SchemaError::FieldNotFound {
                field: Box::new(datafusion::common::Column::from_name("nope")),
                valid_fields: vec![],
            }),
            Box::new(None),
        )
        .into();
        assert_eq!(e.code(), ErrorCode::ColumnNotFound);
        assert!(e.to_string().starts_with("COLUMN_NOT_FOUND: "), "{e}");
    }
}
