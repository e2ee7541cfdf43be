//! Running one query execution: a session over the server's catalog, in the query's
//! database, executing the statement through `Session::execute`.

use super::execution::Execution;
use super::queries::{Finished, has_header};
use super::results::ResultSet;
use crate::error::Result;
use crate::serve::state::ServerState;
use crate::sql::StatementKind;

/// Runs `execution`'s statement and collects its result set.
pub async fn run(server: &ServerState, execution: &Execution) -> Result<Finished> {
    let mut session = server.session()?;
    if let Some(db) = &execution.database {
        session.set_database(db);
    }
    let query = super::bind_parameters(&execution.query, &execution.parameters)
        .map_err(|e| crate::error::LakeError::invalid(e.message))?;
    let mut outputs = session.execute(&query).await?;
    let output = outputs
        .pop()
        .ok_or_else(|| crate::error::LakeError::internal("the statement produced no output"))?;
    let header = has_header(output.kind.athena_type());
    let results = std::sync::Arc::new(ResultSet::of(&output.schema, &output.batches, header)?);
    let writes = matches!(
        output.kind,
        StatementKind::CreateTableAs | StatementKind::Insert | StatementKind::Unload
    );
    Ok(Finished {
        results,
        data_scanned: output.stats.bytes_scanned,
        update_count: writes.then_some(output.stats.rows_written),
        written_files: writes.then_some(output.written_files),
    })
}
