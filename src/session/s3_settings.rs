//! `SET s3.…` and `SHOW S3 SETTINGS`: the session's S3 settings, secrets redacted.

use super::show::string_table;
use super::{Outcome, Session};
use crate::error::Result;

impl Session {
    pub(super) fn set_s3(
        &mut self,
        bucket: Option<String>,
        key: &str,
        value: &str,
    ) -> Result<Outcome> {
        let name = self
            .object_stores
            .update_s3(bucket.as_deref(), |c| c.set(bucket.as_deref(), key, value))?;
        let scope = match &bucket {
            Some(b) => format!("bucket {b}"),
            None => "every bucket".to_string(),
        };
        Ok(Outcome::done(format!("S3 setting {name} set for {scope}")))
    }

    pub(super) fn show_s3_settings(&self) -> Result<Outcome> {
        let mut rows: Vec<Vec<String>> = self
            .object_stores
            .s3_config()?
            .describe()?
            .into_iter()
            .map(Vec::from)
            .collect();
        // When a bucket's profile credentials are temporary, when they expire.
        for row in rows.iter_mut() {
            let bucket = row[0].strip_prefix("bucket ").unwrap_or(&row[0]);
            if row[1] == crate::storage::s3_config::CREDENTIALS
                && let Some(expiry) = self.object_stores.credentials_expiry(bucket)
            {
                let at = chrono::DateTime::<chrono::Utc>::from(expiry);
                row[2] = format!("{}, expiring {}", row[2], at.format("%Y-%m-%dT%H:%M:%SZ"));
            }
        }
        string_table(&["scope", "setting", "value", "source"], rows)
    }
}
