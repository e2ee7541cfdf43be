//! Query history that survives a restart: every execution's record, as JSON, in a small
//! SQLite file of the server's own (`<data dir>/.lakesql/queries.db`), written at each
//! state change. Result rows are not stored here: they are read back from the result
//! files in the results bucket.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, params};

use super::execution::Execution;
use crate::error::{LakeError, Result};

/// The persisted executions.
pub struct History {
    db: Mutex<Connection>,
}

fn db_error(what: &str, e: rusqlite::Error) -> LakeError {
    LakeError::internal(format!("query history: cannot {what}: {e}"))
}

impl History {
    /// Opens (or creates) the history file.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| LakeError::io(format!("cannot create {}", dir.display()), e))?;
        }
        let db = Connection::open(path).map_err(|e| db_error("open the file", e))?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| db_error("configure the file", e))?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS executions (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 id TEXT NOT NULL UNIQUE,
                 record TEXT NOT NULL
             );",
        )
        .map_err(|e| db_error("create its table", e))?;
        Ok(History { db: Mutex::new(db) })
    }

    /// Every execution, oldest first.
    pub fn load(&self) -> Result<Vec<Execution>> {
        let db = self
            .db
            .lock()
            .map_err(|_| LakeError::internal("history lock"))?;
        let mut stmt = db
            .prepare("SELECT record FROM executions ORDER BY seq")
            .map_err(|e| db_error("read", e))?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|e| db_error("read", e))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row.map_err(|e| db_error("read", e))?;
            let record = serde_json::from_str(&text)
                .map_err(|e| LakeError::internal(format!("query history: a bad record: {e}")))?;
            out.push(record);
        }
        Ok(out)
    }

    /// Saves an execution's current record.
    pub fn save(&self, execution: &Execution) -> Result<()> {
        let text = serde_json::to_string(execution)
            .map_err(|e| LakeError::internal(format!("query history: {e}")))?;
        let db = self
            .db
            .lock()
            .map_err(|_| LakeError::internal("history lock"))?;
        db.execute(
            "INSERT INTO executions (id, record) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET record = excluded.record",
            params![execution.id, text],
        )
        .map_err(|e| db_error("save", e))?;
        Ok(())
    }
}
