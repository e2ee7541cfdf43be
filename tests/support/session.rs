//! Running statements in a library session from the tests, failing with the statement.
#![allow(dead_code)]

use datafusion::arrow::array::Int64Array;
use lakesql::{Session, StatementOutput};

/// Runs `sql`; panics with the statement and the error.
pub async fn run(session: &mut Session, sql: &str) -> Vec<StatementOutput> {
    session
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The first value (a bigint, as `count(*)` gives) of the last statement of `sql`.
pub async fn count(session: &mut Session, sql: &str) -> i64 {
    let out = run(session, sql).await;
    let batch = &out.last().expect("a statement").batches[0];
    batch
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("a bigint column")
        .value(0)
}
