//! Athena's API (`AmazonAthena.*`, AWS JSON 1.1): query executions run on lakesql's
//! engine, their results in the results bucket as Athena writes them, and the work group
//! and data catalog calls the clients make around them.

pub mod execution;
mod history;
pub mod metadata;
pub mod queries;
mod results;
mod run;
mod values;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

pub use history::History;

use super::page::Page;
use super::protocol::{ApiError, ApiResult, epoch_seconds, input};
use super::state::{ACCOUNT_ID, ServerState};
use crate::sql::{StatementKind, parse_statement, split_script};
use execution::{Execution, QueryState};
use queries::{has_header, not_found};

/// The work group every client uses by default (the only one there is).
const PRIMARY: &str = "primary";

/// Athena's error code for the caller's mistakes.
const INVALID_REQUEST: &str = "InvalidRequestException";

/// The data catalog name Athena gives the Glue catalog.
const DATA_CATALOG: &str = "AwsDataCatalog";

/// Longest query text Athena accepts.
const MAX_QUERY_BYTES: usize = 262_144;

/// Runs one Athena operation.
pub async fn call(server: &Arc<ServerState>, operation: &str, body: &Value) -> ApiResult {
    if let Some(result) = metadata::call(server, operation, body).await {
        return result;
    }
    match operation {
        "StartQueryExecution" => start_query_execution(server, body),
        "GetQueryExecution" => get_query_execution(server, body),
        "BatchGetQueryExecution" => batch_get_query_execution(server, body),
        "ListQueryExecutions" => list_query_executions(server, body),
        "GetQueryResults" => get_query_results(server, body).await,
        "StopQueryExecution" => stop_query_execution(server, body),
        "GetWorkGroup" => get_work_group(server, body),
        "ListWorkGroups" => Ok(json!({"WorkGroups": [work_group_summary()]})),
        "GetDataCatalog" => get_data_catalog(body),
        "ListDataCatalogs" => Ok(json!({"DataCatalogsSummary": [
            {"CatalogName": DATA_CATALOG, "Type": "GLUE"}
        ]})),
        _ => Err(ApiError::client(
            "UnknownOperationException",
            format!("lakesql serve does not implement Athena's {operation}"),
        )),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StartInput {
    query_string: String,
    client_request_token: Option<String>,
    query_execution_context: Option<ContextInput>,
    result_configuration: Option<ResultConfigurationInput>,
    work_group: Option<String>,
    execution_parameters: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContextInput {
    database: Option<String>,
    catalog: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResultConfigurationInput {
    output_location: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdInput {
    query_execution_id: String,
}

fn start_query_execution(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: StartInput = input(body, INVALID_REQUEST)?;
    if let Some(token) = &request.client_request_token
        && let Some(id) = server.queries.by_token(token)?
    {
        return Ok(json!({"QueryExecutionId": id}));
    }
    let work_group = request.work_group.unwrap_or_else(|| PRIMARY.to_string());
    admit(server, &work_group, &request.query_string)?;
    let parameters = request.execution_parameters.unwrap_or_default();
    let kind = classify(&bind_parameters(&request.query_string, &parameters)?)?;
    let id = uuid::Uuid::new_v4().to_string();
    let location = request
        .result_configuration
        .and_then(|r| r.output_location)
        .unwrap_or_else(|| server.results_location.clone());
    let files = ResultFiles::of(kind, &location, &id)?;
    let (database, catalog) = match request.query_execution_context {
        Some(c) => (c.database, c.catalog),
        None => (None, None),
    };
    let athena_type = kind.athena_type();
    let execution = Execution {
        id: id.clone(),
        query: request.query_string,
        parameters,
        database,
        catalog,
        work_group,
        output_location: files.output_location,
        result_file: files.result_file,
        statement_type: athena_type.as_str().to_string(),
        substatement_type: kind.athena_substatement().to_string(),
        client_request_token: request.client_request_token,
        state: QueryState::Queued,
        state_change_reason: None,
        error: None,
        submitted: epoch_seconds(std::time::SystemTime::now()),
        started: None,
        completed: None,
        data_scanned: 0,
        update_count: None,
        columns: Vec::new(),
        header: has_header(athena_type),
        manifest_location: files.manifest_location,
    };
    server.queries.start(server.clone(), execution)?;
    Ok(json!({"QueryExecutionId": id}))
}

/// Refuses a start Athena would refuse: an unknown work group, too many active queries,
/// a query text over the length limit.
fn admit(server: &ServerState, work_group: &str, query: &str) -> Result<(), ApiError> {
    check_work_group(work_group)?;
    if let Some(limit) = server.max_active_queries
        && server.queries.active() >= limit
    {
        return Err(ApiError::client(
            "TooManyRequestsException",
            format!("You have exceeded the limit of {limit} queued and running queries"),
        ));
    }
    if query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::invalid_request(format!(
            "QueryString is {} bytes; the limit is {MAX_QUERY_BYTES}",
            query.len()
        )));
    }
    Ok(())
}

/// Where a query's results go, as Athena places them under the output location.
struct ResultFiles {
    /// The rows: `<id>.csv` for DML, `<id>.txt` for DDL and utility statements.
    result_file: String,
    /// What `OutputLocation` reports (CTAS: the `tables/<id>` folder).
    output_location: String,
    /// The data manifest of a write statement.
    manifest_location: Option<String>,
}

impl ResultFiles {
    fn of(kind: StatementKind, location: &str, id: &str) -> Result<Self, ApiError> {
        let location = location.trim_end_matches('/');
        if !location.starts_with("s3://") {
            return Err(ApiError::invalid_request(format!(
                "OutputLocation {location} is not an s3:// location"
            )));
        }
        let extension = if has_header(kind.athena_type()) {
            "csv"
        } else {
            "txt"
        };
        let result_file = format!("{location}/{id}.{extension}");
        let (output_location, manifest_location) = match kind {
            StatementKind::CreateTableAs => (
                format!("{location}/tables/{id}"),
                Some(format!("{location}/tables/{id}-manifest.csv")),
            ),
            StatementKind::Insert | StatementKind::Unload => (
                result_file.clone(),
                Some(format!("{location}/{id}-manifest.csv")),
            ),
            _ => (result_file.clone(), None),
        };
        Ok(ResultFiles {
            result_file,
            output_location,
            manifest_location,
        })
    }
}

/// The statement kind of a query text (a syntax error is the caller's, as in Athena,
/// and so is more than one statement).
fn classify(query: &str) -> Result<StatementKind, ApiError> {
    let mut statements =
        split_script(query).map_err(|e| ApiError::invalid_request(e.to_string()))?;
    if statements.len() != 1 {
        return Err(ApiError::invalid_request(format!(
            "Only one sql statement is allowed. Got: {}",
            statements.len()
        )));
    }
    let statement = statements.remove(0);
    let parsed =
        parse_statement(statement.tokens).map_err(|e| ApiError::invalid_request(e.to_string()))?;
    Ok(parsed.kind())
}

/// Replaces each `?` outside quotes with the next execution parameter (SQL literals, as
/// the clients send them).
pub(super) fn bind_parameters(query: &str, parameters: &[String]) -> Result<String, ApiError> {
    if parameters.is_empty() {
        return Ok(query.to_string());
    }
    let mut out = String::with_capacity(query.len());
    let mut next = parameters.iter();
    let mut quote: Option<char> = None;
    for c in query.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => out.push_str(next.next().ok_or_else(|| {
                ApiError::invalid_request(
                    "the query has more ? placeholders than ExecutionParameters",
                )
            })?),
            (None, c) => out.push(c),
        }
    }
    if next.next().is_some() {
        return Err(ApiError::invalid_request(
            "ExecutionParameters has more values than the query has ? placeholders",
        ));
    }
    Ok(out)
}

fn get_query_execution(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: IdInput = input(body, INVALID_REQUEST)?;
    let execution = server
        .queries
        .get(&request.query_execution_id)
        .ok_or_else(|| not_found(&request.query_execution_id))?;
    Ok(json!({"QueryExecution": execution.to_json()}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchInput {
    query_execution_ids: Vec<String>,
}

fn batch_get_query_execution(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: BatchInput = input(body, INVALID_REQUEST)?;
    if request.query_execution_ids.is_empty() || request.query_execution_ids.len() > 50 {
        return Err(ApiError::invalid_request(
            "QueryExecutionIds must hold 1 to 50 ids",
        ));
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in &request.query_execution_ids {
        match server.queries.get(id) {
            Some(e) => found.push(e.to_json()),
            None => missing.push(json!({
                "QueryExecutionId": id,
                "ErrorCode": "InvalidRequestException",
                "ErrorMessage": format!("QueryExecution {id} was not found"),
            })),
        }
    }
    Ok(json!({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    work_group: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

fn list_query_executions(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: ListInput = input(body, INVALID_REQUEST)?;
    let work_group = request.work_group.unwrap_or_else(|| PRIMARY.to_string());
    check_work_group(&work_group)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        50,
        INVALID_REQUEST,
    )?;
    let ids = server.queries.list(&work_group);
    let (ids, next) = page.slice(&ids);
    Ok(with_token(json!({"QueryExecutionIds": ids}), next))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResultsInput {
    query_execution_id: String,
    next_token: Option<String>,
    max_results: Option<i64>,
}

async fn get_query_results(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: ResultsInput = input(body, INVALID_REQUEST)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        1000,
        INVALID_REQUEST,
    )?;
    let results = server
        .queries
        .results(server, &request.query_execution_id)
        .await?;
    let (rows, next) = page.range(results.page_rows());
    let rows: Vec<Value> = rows
        .map(|i| {
            let data: Vec<Value> = results
                .page_row(i)
                .into_iter()
                .map(|v| match v {
                    Some(text) => json!({"VarCharValue": text}),
                    None => json!({}),
                })
                .collect();
            json!({"Data": data})
        })
        .collect();
    let columns: Vec<Value> = results.columns.iter().map(|c| c.to_json()).collect();
    let execution = server.queries.get(&request.query_execution_id);
    let out = json!({
        "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}},
        "UpdateCount": execution.and_then(|e| e.update_count).unwrap_or(0),
    });
    Ok(with_token(out, next))
}

fn stop_query_execution(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: IdInput = input(body, INVALID_REQUEST)?;
    server.queries.stop(&request.query_execution_id)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WorkGroupInput {
    work_group: String,
}

fn check_work_group(name: &str) -> Result<(), ApiError> {
    if name == PRIMARY {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "WorkGroup {name} is not found."
        )))
    }
}

fn work_group_summary() -> Value {
    json!({
        "Name": PRIMARY,
        "State": "ENABLED",
        "Description": "lakesql serve",
        "CreationTime": 0.0,
        "EngineVersion": {
            "SelectedEngineVersion": "AUTO",
            "EffectiveEngineVersion": "Athena engine version 3"
        }
    })
}

fn get_work_group(server: &Arc<ServerState>, body: &Value) -> ApiResult {
    let request: WorkGroupInput = input(body, INVALID_REQUEST)?;
    check_work_group(&request.work_group)?;
    Ok(json!({"WorkGroup": {
        "Name": PRIMARY,
        "State": "ENABLED",
        "Description": "lakesql serve",
        "CreationTime": 0.0,
        "Configuration": {
            "ResultConfiguration": {"OutputLocation": server.results_location},
            "EnforceWorkGroupConfiguration": false,
            "PublishCloudWatchMetricsEnabled": false,
            "RequesterPaysEnabled": false,
            "EngineVersion": {
                "SelectedEngineVersion": "AUTO",
                "EffectiveEngineVersion": "Athena engine version 3"
            }
        }
    }}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CatalogInput {
    name: String,
}

fn get_data_catalog(body: &Value) -> ApiResult {
    let request: CatalogInput = input(body, INVALID_REQUEST)?;
    if !request.name.eq_ignore_ascii_case(DATA_CATALOG) {
        return Err(ApiError::invalid_request(format!(
            "Catalog {} is not found.",
            request.name
        )));
    }
    Ok(json!({"DataCatalog": {
        "Name": DATA_CATALOG,
        "Description": "the lakesql catalog",
        "Type": "GLUE",
        "Parameters": {"catalog-id": ACCOUNT_ID}
    }}))
}

/// Adds `NextToken` to a listing's answer when there is a next page.
fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_fill_placeholders_outside_quotes() {
        let sql = bind_parameters("select '?', ? where x = ?", &["1".into(), "'a'".into()]);
        assert_eq!(sql.unwrap(), "select '?', 1 where x = 'a'");
        assert!(bind_parameters("select ?", &["1".into(), "2".into()]).is_err());
        assert_eq!(
            bind_parameters("select 1 -- ok?", &[]).unwrap(),
            "select 1 -- ok?"
        );
        assert!(bind_parameters("select 1", &["1".into()]).is_err());
    }
}
