//! The audit trail: one JSON line per call, modelled on CloudTrail's event fields (time,
//! request id, access key id, source address, service, operation, resources, outcome,
//! error code, duration), appended to `<data dir>/.lakesql/audit.log`, which rotates by
//! size. Never a secret, a signature or a query's text or data.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{LakeError, Result};

/// One audited call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// When the call finished (RFC 3339, UTC).
    pub event_time: String,
    /// The request id returned to the client.
    pub request_id: String,
    /// The caller's access key id, from its signature.
    pub access_key_id: Option<String>,
    /// The caller's address.
    pub source_ip_address: String,
    /// `athena.amazonaws.com`, `glue.amazonaws.com`, `s3.amazonaws.com`, `sts.amazonaws.com`.
    pub event_source: String,
    /// The operation (S3: the HTTP method and whether it names a bucket or an object).
    pub event_name: String,
    /// Names of what the call touched (query id, database, table, bucket/key).
    pub resources: Vec<String>,
    /// HTTP status.
    pub status: u16,
    /// The error code of a failed call.
    pub error_code: Option<String>,
    /// Milliseconds the call took.
    pub duration_ms: u64,
}

/// The audit log file.
pub struct AuditLog {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: Mutex<Option<File>>,
}

impl AuditLog {
    /// A log at `path` rotated past `max_bytes`, keeping `keep` old files
    /// (`audit.log.1` is the newest).
    pub fn open(path: PathBuf, max_bytes: u64, keep: usize) -> Result<Self> {
        let file = open_append(&path)?;
        Ok(AuditLog {
            path,
            max_bytes,
            keep,
            file: Mutex::new(Some(file)),
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an event (failures are logged, never fail the call).
    pub fn append(&self, event: &AuditEvent) {
        if let Err(e) = self.try_append(event) {
            tracing::error!("audit log: {e}");
        }
    }

    fn try_append(&self, event: &AuditEvent) -> Result<()> {
        let mut line = serde_json::to_string(event)
            .map_err(|e| LakeError::internal(format!("audit event: {e}")))?;
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .map_err(|_| LakeError::internal("audit log lock"))?;
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if size > 0 && size + line.len() as u64 > self.max_bytes {
            *file = None;
            self.rotate()?;
        }
        if file.is_none() {
            *file = Some(open_append(&self.path)?);
        }
        if let Some(f) = file.as_mut() {
            f.write_all(line.as_bytes())
                .map_err(|e| LakeError::io(format!("cannot write {}", self.path.display()), e))?;
        }
        Ok(())
    }

    fn rotate(&self) -> Result<()> {
        let numbered = |n: usize| PathBuf::from(format!("{}.{n}", self.path.display()));
        let _ = std::fs::remove_file(numbered(self.keep));
        for n in (1..self.keep).rev() {
            let _ = std::fs::rename(numbered(n), numbered(n + 1));
        }
        if self.keep == 0 {
            return std::fs::remove_file(&self.path)
                .map_err(|e| LakeError::io(format!("cannot rotate {}", self.path.display()), e));
        }
        std::fs::rename(&self.path, numbered(1))
            .map_err(|e| LakeError::io(format!("cannot rotate {}", self.path.display()), e))
    }
}

fn open_append(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| LakeError::io(format!("cannot create {}", dir.display()), e))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| LakeError::io(format!("cannot open {}", path.display()), e))
}

/// Reads the events of a log and its rotated files, oldest first.
pub fn read_events(path: &Path, keep: usize) -> Result<Vec<AuditEvent>> {
    let mut files: Vec<PathBuf> = (1..=keep)
        .rev()
        .map(|n| PathBuf::from(format!("{}.{n}", path.display())))
        .collect();
    files.push(path.to_path_buf());
    let mut events = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let event = serde_json::from_str(line).map_err(|e| {
                LakeError::invalid(format!(
                    "{} line {}: not an audit event: {e}",
                    file.display(),
                    i + 1
                ))
            })?;
            events.push(event);
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> AuditEvent {
        AuditEvent {
            event_time: "2026-12-01T00:00:00Z".into(),
            request_id: format!("r{n}"),
            access_key_id: Some("AKIDEXAMPLE".into()),
            source_ip_address: "127.0.0.1".into(),
            event_source: "athena.amazonaws.com".into(),
            event_name: "GetQueryExecution".into(),
            resources: vec![format!("q{n}")],
            status: 200,
            error_code: None,
            duration_ms: n,
        }
    }

    #[test]
    fn the_log_rotates_by_size_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let log = AuditLog::open(path.clone(), 600, 2).unwrap();
        for n in 0..12 {
            log.append(&event(n));
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 600);
        assert!(dir.path().join("audit.log.1").exists());
        assert!(!dir.path().join("audit.log.3").exists());
        let events = read_events(&path, 2).unwrap();
        let ids: Vec<u64> = events.iter().map(|e| e.duration_ms).collect();
        assert_eq!(ids.last(), Some(&11));
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
        assert!(ids.len() < 12, "the oldest file was dropped: {ids:?}");
    }
}
