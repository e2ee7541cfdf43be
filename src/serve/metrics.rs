//! Monitoring: counters and latency histograms per operation, rendered in Prometheus'
//! text format at `GET /_lakesql/metrics`. The format is a few lines of text, so it is
//! written here rather than through a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Operation {
    by_status: BTreeMap<u16, u64>,
    by_error: BTreeMap<String, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    operations: Mutex<BTreeMap<(String, String), Operation>>,
    throttled: Mutex<BTreeMap<String, u64>>,
    s3_bytes_in: AtomicU64,
    s3_bytes_out: AtomicU64,
}

/// Query counts the metrics page reports, from the query registry.
pub struct QueryGauges {
    /// Executions by state name.
    pub by_state: BTreeMap<&'static str, u64>,
    /// Bytes scanned by finished queries since the server started.
    pub scanned_bytes: u64,
}

impl Metrics {
    /// Records one call.
    pub fn record(&self, service: &str, operation: &str, status: u16, error: &str, took: Duration) {
        let Ok(mut operations) = self.operations.lock() else {
            return;
        };
        let op = operations
            .entry((service.to_string(), operation.to_string()))
            .or_default();
        *op.by_status.entry(status).or_default() += 1;
        if !error.is_empty() {
            *op.by_error.entry(error.to_string()).or_default() += 1;
        }
        let seconds = took.as_secs_f64();
        for (bucket, bound) in op.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        op.count += 1;
        op.seconds += seconds;
    }

    /// Records a throttled call.
    pub fn throttled(&self, operation: &str) {
        if let Ok(mut throttled) = self.throttled.lock() {
            *throttled.entry(operation.to_string()).or_default() += 1;
        }
    }

    /// Records S3 body bytes received and sent.
    pub fn s3_bytes(&self, received: u64, sent: u64) {
        self.s3_bytes_in.fetch_add(received, Ordering::Relaxed);
        self.s3_bytes_out.fetch_add(sent, Ordering::Relaxed);
    }

    /// The Prometheus text page.
    pub fn render(&self, queries: &QueryGauges) -> String {
        let mut out = String::new();
        if let Ok(operations) = self.operations.lock() {
            render_operations(&mut out, &operations);
        }
        let _ = writeln!(
            out,
            "# HELP lakesql_throttled_total Calls refused with ThrottlingException.\n\
             # TYPE lakesql_throttled_total counter"
        );
        if let Ok(throttled) = self.throttled.lock() {
            for (operation, n) in throttled.iter() {
                let _ = writeln!(
                    out,
                    "lakesql_throttled_total{{operation=\"{operation}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP lakesql_queries Query executions by state.\n# TYPE lakesql_queries gauge"
        );
        for (state, n) in &queries.by_state {
            let _ = writeln!(out, "lakesql_queries{{state=\"{state}\"}} {n}");
        }
        let active = queries.by_state.get("QUEUED").copied().unwrap_or(0)
            + queries.by_state.get("RUNNING").copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "# HELP lakesql_active_queries Queries queued or running.\n\
             # TYPE lakesql_active_queries gauge\nlakesql_active_queries {active}\n\
             # HELP lakesql_data_scanned_bytes_total Bytes scanned by finished queries.\n\
             # TYPE lakesql_data_scanned_bytes_total counter\n\
             lakesql_data_scanned_bytes_total {}\n\
             # HELP lakesql_s3_bytes_total S3 body bytes, by direction.\n\
             # TYPE lakesql_s3_bytes_total counter\n\
             lakesql_s3_bytes_total{{direction=\"in\"}} {}\n\
             lakesql_s3_bytes_total{{direction=\"out\"}} {}",
            queries.scanned_bytes,
            self.s3_bytes_in.load(Ordering::Relaxed),
            self.s3_bytes_out.load(Ordering::Relaxed),
        );
        out
    }
}

fn render_operations(out: &mut String, operations: &BTreeMap<(String, String), Operation>) {
    let _ = writeln!(
        out,
        "# HELP lakesql_requests_total API calls by service, operation and HTTP status.\n\
         # TYPE lakesql_requests_total counter"
    );
    for ((service, operation), op) in operations {
        for (status, n) in &op.by_status {
            let _ = writeln!(
                out,
                "lakesql_requests_total{{service=\"{service}\",operation=\"{operation}\",status=\"{status}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP lakesql_request_errors_total Failed API calls by error code.\n\
         # TYPE lakesql_request_errors_total counter"
    );
    for ((service, operation), op) in operations {
        for (error, n) in &op.by_error {
            let _ = writeln!(
                out,
                "lakesql_request_errors_total{{service=\"{service}\",operation=\"{operation}\",error=\"{error}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP lakesql_request_duration_seconds API call latency.\n\
         # TYPE lakesql_request_duration_seconds histogram"
    );
    for ((service, operation), op) in operations {
        let labels = format!("service=\"{service}\",operation=\"{operation}\"");
        for (bound, n) in BUCKETS.iter().zip(op.buckets) {
            let _ = writeln!(
                out,
                "lakesql_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "lakesql_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
             lakesql_request_duration_seconds_sum{{{labels}}} {}\n\
             lakesql_request_duration_seconds_count{{{labels}}} {}",
            op.count, op.seconds, op.count
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_show_as_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record(
            "athena",
            "GetQueryExecution",
            200,
            "",
            Duration::from_millis(3),
        );
        metrics.record(
            "athena",
            "GetQueryExecution",
            400,
            "InvalidRequestException",
            Duration::from_millis(30),
        );
        metrics.throttled("GetQueryExecution");
        let page = metrics.render(&QueryGauges {
            by_state: BTreeMap::from([("SUCCEEDED", 2)]),
            scanned_bytes: 10,
        });
        let labels = "service=\"athena\",operation=\"GetQueryExecution\"";
        for line in [
            format!("lakesql_requests_total{{{labels},status=\"200\"}} 1"),
            format!("lakesql_requests_total{{{labels},status=\"400\"}} 1"),
            format!("lakesql_request_errors_total{{{labels},error=\"InvalidRequestException\"}} 1"),
            format!("lakesql_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"),
            format!("lakesql_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2"),
            format!("lakesql_request_duration_seconds_count{{{labels}}} 2"),
            "lakesql_throttled_total{operation=\"GetQueryExecution\"} 1".to_string(),
            "lakesql_queries{state=\"SUCCEEDED\"} 2".to_string(),
            "lakesql_data_scanned_bytes_total 10".to_string(),
        ] {
            assert!(page.lines().any(|l| l == line), "missing {line} in\n{page}");
        }
    }
}
