//! The time `NOW` means in date projections: the system clock, or `LAKESQL_NOW`
//! (RFC 3339, e.g. `2024-05-20T10:30:00Z`) when set, so tests and reproducible runs can
//! pin it.

use chrono::{DateTime, Utc};

use crate::error::{LakeError, Result};

/// Environment variable that pins `NOW`.
pub const NOW_VARIABLE: &str = "LAKESQL_NOW";

/// The current time for projections.
pub fn now() -> Result<DateTime<Utc>> {
    match std::env::var(NOW_VARIABLE) {
        Ok(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                LakeError::invalid(format!(
                    "{NOW_VARIABLE}='{text}' is not an RFC 3339 time: {e}"
                ))
            }),
        Err(_) => Ok(Utc::now()),
    }
}
