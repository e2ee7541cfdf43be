//! Guardrails that keep one statement from taking the machine (or the bill) down, as an
//! Athena workgroup or a DuckDB session sets them: how long a statement may run
//! (`query_timeout`), how many bytes a query may read (`max_bytes_scanned`, Athena's
//! `BytesScannedCutoffPerQuery`) and how much memory its operators may hold before they
//! spill to disk (`memory_limit`). Set with `SET name = 'value'` or the command line.

use std::sync::Arc;
use std::time::Duration;

use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;

use super::{Outcome, Session};
use crate::error::{ErrorCode, LakeError, Result};

/// The names `SET` accepts for the limits.
pub const LIMIT_NAMES: [&str; 3] = ["query_timeout", "max_bytes_scanned", "memory_limit"];

/// The limits of a session; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// A statement running longer is cancelled.
    pub query_timeout: Option<Duration>,
    /// A query whose files add up to more is refused before it reads them.
    pub max_bytes_scanned: Option<u64>,
    /// What DataFusion's operators may reserve; sorts, aggregations and joins spill to a
    /// temporary folder beyond it.
    pub memory_limit: Option<u64>,
}

impl Session {
    /// The session's limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// `SET name = 'value'` for one of [`LIMIT_NAMES`] (`'none'` or `'0'` lifts it).
    pub fn set_limit(&mut self, name: &str, value: &str) -> Result<()> {
        let lifted = matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "none" | "0" | ""
        );
        match name {
            "query_timeout" => {
                self.limits.query_timeout = if lifted {
                    None
                } else {
                    Some(parse_duration(name, value)?)
                };
            }
            "max_bytes_scanned" => {
                self.limits.max_bytes_scanned = if lifted {
                    None
                } else {
                    Some(parse_size(name, value)?)
                };
            }
            "memory_limit" => {
                let limit = if lifted {
                    None
                } else {
                    Some(parse_size(name, value)?)
                };
                self.set_memory_limit(limit)?;
            }
            other => {
                return Err(LakeError::invalid(format!(
                    "unknown limit '{other}' (lakesql has {})",
                    LIMIT_NAMES.join(", ")
                )));
            }
        }
        Ok(())
    }

    pub(super) fn set_limit_statement(&mut self, name: &str, value: &str) -> Result<Outcome> {
        self.set_limit(name, value)?;
        Ok(Outcome::done(format!("{name} = {}", self.limit_text(name))))
    }

    /// A limit as `SET` would take it back.
    fn limit_text(&self, name: &str) -> String {
        let size = |bytes: Option<u64>| bytes.map_or("none".to_string(), format_size);
        match name {
            "query_timeout" => self
                .limits
                .query_timeout
                .map_or("none".to_string(), |d| format!("{}s", d.as_secs_f64())),
            "max_bytes_scanned" => size(self.limits.max_bytes_scanned),
            _ => size(self.limits.memory_limit),
        }
    }

    /// Replaces the memory pool of the session's runtime: operators spill to the
    /// runtime's temporary folder beyond `limit`. The pool is DataFusion's fair one: each
    /// spilling operator (a sort per partition, an aggregation) gets an equal share, so
    /// one cannot take the whole limit and leave the next unable to reserve its merge
    /// buffer (the greedy pool fails such a query instead of spilling it).
    fn set_memory_limit(&mut self, limit: Option<u64>) -> Result<()> {
        use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
        let state = self.ctx.state();
        let mut runtime = RuntimeEnvBuilder::from_runtime_env(state.runtime_env());
        runtime = match limit {
            Some(bytes) => {
                let pool = FairSpillPool::new(usize::try_from(bytes).unwrap_or(usize::MAX));
                let top = std::num::NonZeroUsize::new(5).expect("5 is not zero");
                runtime.with_memory_pool(Arc::new(TrackConsumersPool::new(pool, top)))
            }
            None => runtime.with_memory_pool(Arc::new(
                datafusion::execution::memory_pool::UnboundedMemoryPool::default(),
            )),
        };
        let mut state = SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime.build_arc()?)
            .build();
        let execution = &mut state.config_mut().options_mut().execution;
        execution.sort_spill_reservation_bytes = merge_reservation(limit);
        *self.ctx.state_ref().write() = state;
        self.limits.memory_limit = limit;
        Ok(())
    }

    /// Refuses a query whose planned scans would read more than `max_bytes_scanned`.
    pub(super) fn check_bytes_scanned(&self) -> Result<()> {
        let Some(limit) = self.limits.max_bytes_scanned else {
            return Ok(());
        };
        let (bytes, files) = self.scan_stats.planned_bytes();
        if bytes > limit {
            return Err(LakeError::semantic(
                ErrorCode::ExceededScanLimit,
                format!(
                    "the query would read {} in {files} file(s), more than max_bytes_scanned \
                     ({}); filter on partition columns or raise the limit",
                    format_size(bytes),
                    format_size(limit)
                ),
            ));
        }
        Ok(())
    }

    /// The error of a statement cancelled by `query_timeout`.
    pub(super) fn timed_out(limit: Duration) -> LakeError {
        LakeError::semantic(
            ErrorCode::ExceededTimeLimit,
            format!(
                "the statement ran longer than query_timeout ({}s) and was cancelled",
                limit.as_secs_f64()
            ),
        )
    }
}

/// A duration: a number and a unit (`500ms`, `30s`, `5m`, `2h`; seconds without one).
pub fn parse_duration(name: &str, text: &str) -> Result<Duration> {
    let (number, unit) = split_number(text);
    let scale = match unit.to_ascii_lowercase().as_str() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && (n * scale).is_finite() && n * scale < 1e9 => {
            Ok(Duration::from_secs_f64(n * scale))
        }
        _ => Err(LakeError::invalid(format!(
            "{name} = '{text}' is not a duration (e.g. '500ms', '30s', '5m', '1h')"
        ))),
    }
}

/// A size: a number and a unit (`KB`, `MB`, `GB`, `TB` are powers of 1000; `KiB`,
/// `MiB`, `GiB`, `TiB` and the one-letter `K`, `M`, `G`, `T` powers of 1024, as DuckDB
/// and `LAKESQL_MEMORY_LIMIT` read them; bytes without one).
pub fn parse_size(name: &str, text: &str) -> Result<u64> {
    let (number, unit) = split_number(text);
    let scale: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024f64.powi(2),
        "g" | "gib" => 1024f64.powi(3),
        "t" | "tib" => 1024f64.powi(4),
        _ => f64::NAN,
    };
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && (n * scale).is_finite() && n * scale < 1.8e19 => {
            Ok((n * scale).round() as u64)
        }
        _ => Err(LakeError::invalid(format!(
            "{name} = '{text}' is not a size (e.g. '500MB', '10GB', '2GiB')"
        ))),
    }
}

/// `"10 GB"` → (`"10"`, `"GB"`).
fn split_number(text: &str) -> (&str, &str) {
    let text = text.trim();
    let at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    (&text[..at], text[at..].trim())
}

/// Bytes for people: `10 GB`, `512.0 MB`, `999 B` (powers of 1000, as Athena bills).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    format!("{value:.1} {unit}")
}

/// DataFusion's default memory a sort sets aside to merge what it spilled.
const DEFAULT_MERGE_RESERVATION: usize = 10 << 20;

/// What each sort sets aside for merging its spill files under `limit`: DataFusion's 10
/// MiB when there is no limit or it is large, a sixteenth of it when it is small, so
/// that a sort per core can still reserve its merge buffer under a limit of tens of MB.
fn merge_reservation(limit: Option<u64>) -> usize {
    match limit {
        None => DEFAULT_MERGE_RESERVATION,
        Some(bytes) => usize::try_from(bytes / 16)
            .unwrap_or(usize::MAX)
            .clamp(256 << 10, DEFAULT_MERGE_RESERVATION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("t", "30s").unwrap(), Duration::from_secs(30));
        assert_eq!(
            parse_duration("t", "1.5").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse_duration("t", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("t", "5 m").unwrap(),
            Duration::from_secs(300)
        );
        assert_eq!(
            parse_duration("t", "2h").unwrap(),
            Duration::from_secs(7200)
        );
        for bad in ["", "s", "-1s", "10 parsecs", "1e400", "1.2.3s"] {
            let err = parse_duration("query_timeout", bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("query_timeout") && err.contains("duration"),
                "{err}"
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("s", "10GB").unwrap(), 10_000_000_000);
        assert_eq!(parse_size("s", "1.5 MB").unwrap(), 1_500_000);
        assert_eq!(parse_size("s", "2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("s", "512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("s", "100").unwrap(), 100);
        for bad in ["", "GB", "-5GB", "5 bananas", "99999999999TB"] {
            let err = parse_size("max_bytes_scanned", bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("max_bytes_scanned") && err.contains("size"),
                "{err}"
            );
        }
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(format_size(999), "999 B");
        assert_eq!(format_size(1_500), "1.5 KB");
        assert_eq!(format_size(12_345_678_901), "12.3 GB");
    }
}
