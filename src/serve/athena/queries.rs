//! The query executions of the server: started, queued behind a bound on running
//! queries, run on the engine (`Session::execute`, the path every front end takes),
//! stopped on request, kept in the [`History`] and answered from it after a restart.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use super::execution::{Execution, QueryError, QueryState};
use super::history::History;
use super::results::ResultSet;
use crate::error::{ErrorCategory, LakeError};
use crate::serve::protocol::{ApiError, epoch_seconds};
use crate::serve::state::ServerState;
use crate::sql::AthenaStatementType;

/// Result sets kept in memory for paging (older ones are read back from their files).
const CACHED_RESULTS: usize = 32;

/// What a finished statement produced.
pub struct Finished {
    /// The result set.
    pub results: Arc<ResultSet>,
    /// Bytes scanned.
    pub data_scanned: u64,
    /// Rows written, for write statements.
    pub update_count: Option<u64>,
    /// The data files a write statement wrote (CTAS, INSERT, UNLOAD).
    pub written_files: Option<Vec<String>>,
}

#[derive(Default)]
struct Registry {
    records: HashMap<String, Execution>,
    /// Ids in submission order.
    order: Vec<String>,
    /// ClientRequestToken → id.
    tokens: HashMap<String, String>,
    /// Tasks of queued and running queries.
    tasks: HashMap<String, AbortHandle>,
    /// Recent result sets.
    cache: VecDeque<(String, Arc<ResultSet>)>,
}

/// The server's query executions.
pub struct Queries {
    registry: Mutex<Registry>,
    slots: Arc<Semaphore>,
    history: History,
    scanned_bytes: std::sync::atomic::AtomicU64,
}

fn lock_error() -> ApiError {
    ApiError::internal(
        "InternalServerException",
        "the query registry is unavailable",
    )
}

impl Queries {
    /// Opens the history and restores it; queries that were queued or running when the
    /// server stopped are recorded as failed.
    pub fn open(history: History, max_running: usize) -> crate::error::Result<Self> {
        let mut registry = Registry::default();
        for mut execution in history.load()? {
            if !execution.state.is_final() {
                execution.state = QueryState::Failed;
                execution.completed = Some(epoch_seconds(std::time::SystemTime::now()));
                let message = "the server stopped before the query finished".to_string();
                execution.state_change_reason = Some(message.clone());
                execution.error = Some(QueryError {
                    category: 1,
                    error_type: 100,
                    code: "INTERNAL_ERROR".into(),
                    message,
                });
                history.save(&execution)?;
            }
            if let Some(token) = &execution.client_request_token {
                registry.tokens.insert(token.clone(), execution.id.clone());
            }
            registry.order.push(execution.id.clone());
            registry.records.insert(execution.id.clone(), execution);
        }
        Ok(Queries {
            registry: Mutex::new(registry),
            slots: Arc::new(Semaphore::new(max_running.max(1))),
            history,
            scanned_bytes: Default::default(),
        })
    }

    /// The id already started with this ClientRequestToken, if any.
    pub fn by_token(&self, token: &str) -> Result<Option<String>, ApiError> {
        let registry = self.registry.lock().map_err(|_| lock_error())?;
        Ok(registry.tokens.get(token).cloned())
    }

    /// Queries queued or running now (those with a task).
    pub fn active(&self) -> usize {
        self.registry.lock().map(|r| r.tasks.len()).unwrap_or(0)
    }

    /// Executions by state and the bytes finished queries scanned, for the metrics page.
    pub fn gauges(&self) -> crate::serve::metrics::QueryGauges {
        let mut by_state = std::collections::BTreeMap::new();
        for state in [
            QueryState::Queued,
            QueryState::Running,
            QueryState::Succeeded,
            QueryState::Failed,
            QueryState::Cancelled,
        ] {
            by_state.insert(state.name(), 0);
        }
        if let Ok(registry) = self.registry.lock() {
            for record in registry.records.values() {
                *by_state.entry(record.state.name()).or_default() += 1;
            }
        }
        crate::serve::metrics::QueryGauges {
            by_state,
            scanned_bytes: self
                .scanned_bytes
                .load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Records a new execution (QUEUED) and starts its task.
    pub fn start(&self, server: Arc<ServerState>, execution: Execution) -> Result<(), ApiError> {
        self.save(&execution);
        let id = execution.id.clone();
        // The task's handle is registered under the same lock as the record: the task
        // takes that lock before it can finish and remove it.
        let mut registry = self.registry.lock().map_err(|_| lock_error())?;
        if let Some(token) = &execution.client_request_token {
            registry.tokens.insert(token.clone(), id.clone());
        }
        registry.order.push(id.clone());
        registry.records.insert(id.clone(), execution);
        let slots = self.slots.clone();
        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let Ok(_permit) = slots.acquire_owned().await else {
                return;
            };
            let queries = &server.queries;
            let Some(running) = queries.transition(&task_id, |e| {
                e.state = QueryState::Running;
                e.started = Some(now());
            }) else {
                return;
            };
            let outcome = super::run::run(&server, &running).await;
            queries.finish(&server, &task_id, outcome).await;
        });
        registry.tasks.insert(id, task.abort_handle());
        Ok(())
    }

    /// Applies `change` to a query that has not finished; returns the new record.
    fn transition(&self, id: &str, change: impl FnOnce(&mut Execution)) -> Option<Execution> {
        let updated = {
            let mut registry = self.registry.lock().ok()?;
            let record = registry.records.get_mut(id)?;
            if record.state.is_final() {
                return None;
            }
            change(record);
            record.clone()
        };
        self.save(&updated);
        Some(updated)
    }

    async fn finish(
        &self,
        server: &ServerState,
        id: &str,
        outcome: crate::error::Result<Finished>,
    ) {
        let outcome = match (outcome, self.get(id)) {
            (Ok(finished), Some(execution)) => write_files(server, &execution, &finished)
                .await
                .map(|()| finished),
            (outcome, _) => outcome,
        };
        let results = outcome
            .as_ref()
            .ok()
            .map(|f| (f.results.clone(), f.data_scanned));
        self.transition(id, |e| {
            e.completed = Some(now());
            match outcome {
                Ok(finished) => {
                    e.state = QueryState::Succeeded;
                    e.data_scanned = finished.data_scanned;
                    e.update_count = finished.update_count;
                    e.columns = finished.results.columns.clone();
                    e.header = finished.results.header;
                }
                Err(error) => {
                    e.state = QueryState::Failed;
                    e.state_change_reason = Some(error.to_string());
                    e.error = Some(query_error(&error));
                }
            }
        });
        if let Some((results, scanned)) = results {
            self.scanned_bytes
                .fetch_add(scanned, std::sync::atomic::Ordering::Relaxed);
            self.remember(id, results);
        }
        if let Ok(mut registry) = self.registry.lock() {
            registry.tasks.remove(id);
        }
    }

    /// Keeps a result set for paging, dropping the oldest beyond [`CACHED_RESULTS`].
    fn remember(&self, id: &str, results: Arc<ResultSet>) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.cache.push_back((id.to_string(), results));
            while registry.cache.len() > CACHED_RESULTS {
                registry.cache.pop_front();
            }
        }
    }

    /// Stops a queued or running query (its plan is dropped, which cancels it).
    pub fn stop(&self, id: &str) -> Result<(), ApiError> {
        self.get(id).ok_or_else(|| not_found(id))?;
        let cancelled = self.transition(id, |e| {
            e.state = QueryState::Cancelled;
            e.completed = Some(now());
            e.state_change_reason = Some("Query cancelled by user".to_string());
        });
        if cancelled.is_some()
            && let Ok(mut registry) = self.registry.lock()
            && let Some(task) = registry.tasks.remove(id)
        {
            task.abort();
        }
        Ok(())
    }

    /// An execution's record.
    pub fn get(&self, id: &str) -> Option<Execution> {
        self.registry.lock().ok()?.records.get(id).cloned()
    }

    /// Ids of a work group's executions, newest first.
    pub fn list(&self, work_group: &str) -> Vec<String> {
        let Ok(registry) = self.registry.lock() else {
            return Vec::new();
        };
        registry
            .order
            .iter()
            .rev()
            .filter(|id| {
                registry
                    .records
                    .get(*id)
                    .is_some_and(|e| e.work_group == work_group)
            })
            .cloned()
            .collect()
    }

    /// The result set of a succeeded query (from memory, or read back from its file).
    pub async fn results(
        &self,
        server: &ServerState,
        id: &str,
    ) -> Result<Arc<ResultSet>, ApiError> {
        let execution = self.get(id).ok_or_else(|| not_found(id))?;
        if execution.state != QueryState::Succeeded {
            return Err(ApiError::invalid_request(format!(
                "Query has not yet finished. Current state: {}",
                execution.state.name()
            )));
        }
        if let Ok(registry) = self.registry.lock()
            && let Some((_, cached)) = registry.cache.iter().find(|(cid, _)| cid == id)
        {
            return Ok(cached.clone());
        }
        let contents = server
            .buckets
            .read(&execution.result_file)
            .await
            .map_err(|e| {
                ApiError::invalid_request(format!("the results of query {id} are gone: {e}"))
            })?;
        let set = ResultSet::from_file(execution.columns.clone(), execution.header, &contents)
            .map_err(|e| ApiError::internal("InternalServerException", e.to_string()))?;
        let set = Arc::new(set);
        self.remember(id, set.clone());
        Ok(set)
    }

    fn save(&self, execution: &Execution) {
        if let Err(e) = self.history.save(execution) {
            tracing::error!("{e}");
        }
    }
}

/// Writes a finished query's result file and, for a write statement, its data manifest
/// (the written files' URIs, one per line, as Athena writes it for CTAS and UNLOAD).
async fn write_files(
    server: &ServerState,
    execution: &Execution,
    finished: &Finished,
) -> crate::error::Result<()> {
    server
        .buckets
        .write(&execution.result_file, &finished.results.file_contents())
        .await?;
    if let (Some(files), Some(manifest)) = (&finished.written_files, &execution.manifest_location) {
        let mut text = files.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        server.buckets.write(manifest, text.as_bytes()).await?;
    }
    Ok(())
}

/// The error for an unknown query id.
pub fn not_found(id: &str) -> ApiError {
    ApiError::invalid_request(format!("QueryExecution {id} was not found"))
}

fn now() -> f64 {
    epoch_seconds(std::time::SystemTime::now())
}

/// `AthenaError` of a failed statement: user errors are type 1000, ours 200.
fn query_error(error: &LakeError) -> QueryError {
    let code = error.code();
    let user = code.category() == ErrorCategory::User;
    QueryError {
        category: if user { 2 } else { 1 },
        error_type: if user { 1000 } else { 200 },
        code: code.as_str().to_string(),
        message: error.to_string(),
    }
}

/// Whether results of this statement type have a header row (DML does).
pub fn has_header(statement_type: AthenaStatementType) -> bool {
    statement_type == AthenaStatementType::Dml
}
