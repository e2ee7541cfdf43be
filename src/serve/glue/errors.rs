//! Glue's error codes, in one place: clients branch on the exact `__type`
//! (`EntityNotFoundException` above all), so every handler builds its errors here and
//! catalog errors are translated by their lakesql code, never by message text.

use serde_json::{Value, json};

use crate::error::{ErrorCode, LakeError};
use crate::serve::protocol::ApiError;

/// A missing database, table or partition.
pub const ENTITY_NOT_FOUND: &str = "EntityNotFoundException";
/// A database, table or partition that already exists.
pub const ALREADY_EXISTS: &str = "AlreadyExistsException";
/// Anything wrong with the caller's input.
pub const INVALID_INPUT: &str = "InvalidInputException";
/// A fault on lakesql's side.
pub const INTERNAL: &str = "InternalServiceException";
/// A change the server does not allow (its catalog is read-only).
pub const ACCESS_DENIED: &str = "AccessDeniedException";

/// `EntityNotFoundException` with `message`.
pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::client(ENTITY_NOT_FOUND, message)
}

/// `InvalidInputException` with `message`.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client(INVALID_INPUT, message)
}

/// `AlreadyExistsException` with `message`.
pub fn already_exists(message: impl Into<String>) -> ApiError {
    ApiError::client(ALREADY_EXISTS, message)
}

/// A catalog error as Glue reports it: missing objects, duplicates, the caller's
/// mistakes (400) and lakesql's own faults (500).
pub fn lake(e: LakeError) -> ApiError {
    let code = e.code();
    let message = message_of(&e);
    match code {
        ErrorCode::SchemaNotFound | ErrorCode::TableNotFound | ErrorCode::PartitionNotFound => {
            not_found(message)
        }
        ErrorCode::AlreadyExists => already_exists(message),
        ErrorCode::ReadOnlyViolation => ApiError::client(ACCESS_DENIED, message),
        ErrorCode::ConcurrentModification => {
            ApiError::client("ConcurrentModificationException", message)
        }
        ErrorCode::CatalogError
        | ErrorCode::GenericInternalError
        | ErrorCode::HiveFilesystemError => ApiError::internal(INTERNAL, message),
        _ => invalid(message),
    }
}

/// The error's message without lakesql's `CODE: ` prefix (Glue messages carry none).
fn message_of(e: &LakeError) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", e.code().as_str());
    match text.strip_prefix(&prefix) {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// The `ErrorDetail` of a batch operation's per-item error.
pub fn error_detail(e: &ApiError) -> Value {
    json!({"ErrorCode": e.code, "ErrorMessage": e.message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_errors_map_to_glue_codes() {
        let e = lake(LakeError::table_not_found("db", "t"));
        assert_eq!(e.code, ENTITY_NOT_FOUND);
        assert_eq!(e.message, "Table 'db.t' does not exist");
        assert_eq!(lake(LakeError::invalid("bad")).code, INVALID_INPUT);
        assert_eq!(
            lake(LakeError::semantic(ErrorCode::AlreadyExists, "x")).code,
            ALREADY_EXISTS
        );
        let denied = lake(LakeError::semantic(ErrorCode::ReadOnlyViolation, "ro"));
        assert_eq!((denied.code, denied.status.as_u16()), (ACCESS_DENIED, 400));
        let internal = lake(LakeError::internal("boom"));
        assert_eq!(internal.code, INTERNAL);
        assert_eq!(internal.status.as_u16(), 500);
    }
}
