//! One query execution's record: what was asked, its state and what it produced, and its
//! `QueryExecution` JSON as `GetQueryExecution` returns it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::values::ColumnInfo;

/// Athena's query states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueryState {
    /// Waiting for a free slot.
    Queued,
    /// Executing.
    Running,
    /// Finished; results are available.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by StopQueryExecution.
    Cancelled,
}

impl QueryState {
    /// The state's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            QueryState::Queued => "QUEUED",
            QueryState::Running => "RUNNING",
            QueryState::Succeeded => "SUCCEEDED",
            QueryState::Failed => "FAILED",
            QueryState::Cancelled => "CANCELLED",
        }
    }

    /// Whether the query has finished (no further state changes).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            QueryState::Succeeded | QueryState::Failed | QueryState::Cancelled
        )
    }
}

/// Why a query failed (`AthenaError`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryError {
    /// 1 system, 2 user, 3 other.
    pub category: u8,
    /// Athena's error type number (1000 user error, 200 engine error, …).
    pub error_type: u32,
    /// Athena's error name (lakesql's `ErrorCode`).
    pub code: String,
    /// The message.
    pub message: String,
}

/// A query execution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    /// QueryExecutionId.
    pub id: String,
    /// The statement text as submitted.
    pub query: String,
    /// ExecutionParameters, bound to its `?` placeholders when it runs.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// QueryExecutionContext.Database.
    pub database: Option<String>,
    /// QueryExecutionContext.Catalog.
    pub catalog: Option<String>,
    /// WorkGroup.
    pub work_group: String,
    /// The full URI of the result file (or, for CTAS, the table's result folder).
    pub output_location: String,
    /// Where the result rows are kept (`<location>/<id>.csv` or `.txt`).
    pub result_file: String,
    /// Athena's StatementType (DDL, DML, UTILITY).
    pub statement_type: String,
    /// Athena's SubstatementType (SELECT, CREATE_TABLE_AS_SELECT, …).
    pub substatement_type: String,
    /// ClientRequestToken, for idempotent starts.
    pub client_request_token: Option<String>,
    /// Current state.
    pub state: QueryState,
    /// The error text of a failed or cancelled query.
    pub state_change_reason: Option<String>,
    /// The error of a failed query.
    pub error: Option<QueryError>,
    /// When it was submitted (epoch seconds).
    pub submitted: f64,
    /// When it started running.
    pub started: Option<f64>,
    /// When it finished.
    pub completed: Option<f64>,
    /// Bytes read from storage.
    pub data_scanned: u64,
    /// Rows written by a write statement (`UpdateCount`).
    pub update_count: Option<u64>,
    /// The result's columns (set when it succeeds).
    pub columns: Vec<ColumnInfo>,
    /// Whether the result file has a header line (DML results).
    pub header: bool,
    /// Where the data manifest is, for CTAS and UNLOAD.
    pub manifest_location: Option<String>,
}

fn millis(from: f64, to: Option<f64>) -> i64 {
    to.map(|t| ((t - from) * 1000.0).round().max(0.0) as i64)
        .unwrap_or(0)
}

impl Execution {
    /// The `QueryExecution` object.
    pub fn to_json(&self) -> Value {
        let queue_end = self.started.or(self.completed);
        let engine = self.started.map(|s| millis(s, self.completed)).unwrap_or(0);
        let mut status = json!({
            "State": self.state.name(),
            "SubmissionDateTime": self.submitted,
        });
        if let Some(done) = self.completed {
            status["CompletionDateTime"] = json!(done);
        }
        if let Some(reason) = &self.state_change_reason {
            status["StateChangeReason"] = json!(reason);
        }
        if let Some(e) = &self.error {
            status["AthenaError"] = json!({
                "ErrorCategory": e.category,
                "ErrorType": e.error_type,
                "Retryable": false,
                "ErrorMessage": e.message,
            });
        }
        let mut statistics = json!({
            "EngineExecutionTimeInMillis": engine,
            "DataScannedInBytes": self.data_scanned,
            "TotalExecutionTimeInMillis": millis(self.submitted, self.completed),
            "QueryQueueTimeInMillis": millis(self.submitted, queue_end),
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": 0,
            "ResultReuseInformation": {"ReusedPreviousResult": false},
        });
        if let Some(manifest) = &self.manifest_location
            && self.state == QueryState::Succeeded
        {
            statistics["DataManifestLocation"] = json!(manifest);
        }
        let mut context = json!({});
        if let Some(db) = &self.database {
            context["Database"] = json!(db);
        }
        context["Catalog"] = json!(self.catalog.as_deref().unwrap_or("awsdatacatalog"));
        json!({
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": self.statement_type,
            "SubstatementType": self.substatement_type,
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "ResultReuseConfiguration": {
                "ResultReuseByAgeConfiguration": {"Enabled": false}
            },
            "QueryExecutionContext": context,
            "Status": status,
            "Statistics": statistics,
            "WorkGroup": self.work_group,
            "EngineVersion": {
                "SelectedEngineVersion": "AUTO",
                "EffectiveEngineVersion": "Athena engine version 3"
            },
            "ExecutionParameters": self.parameters,
        })
    }
}
