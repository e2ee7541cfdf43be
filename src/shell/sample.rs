//! The sample lake that ships with lakesql: registered on the first interactive start so
//! that `cargo run --release` opens a shell with tables ready to query.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::session::Session;

/// The `queries/setup.sql` script, built in.
pub const SETUP_SQL: &str = include_str!("../../queries/setup.sql");

/// The database the setup script creates.
pub const SAMPLE_DATABASE: &str = "sample";

/// The source tree the binary was built from; the setup script's relative LOCATIONs
/// (`sample-data/…`) resolve against it.
pub fn source_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Registers the sample tables when the catalog lacks the `sample` database and the
/// sample data is present. Returns whether it did.
pub async fn ensure_sample(session: &mut Session) -> Result<bool> {
    let root = source_dir();
    if session
        .catalog()
        .get_database(SAMPLE_DATABASE)
        .await?
        .is_some()
        || !Path::new(&root).join("sample-data").is_dir()
    {
        return Ok(false);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| root.clone());
    let database = session.database().to_string();
    session.set_base_dir(root);
    let result = session.execute(SETUP_SQL).await;
    session.set_base_dir(cwd);
    // The setup script switches databases; go back to where the user was.
    session.use_database(&database).await?;
    result.map(|_| true)
}
