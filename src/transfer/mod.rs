//! Moving catalog definitions between catalogs and files: `lakesql catalog export`,
//! `import` and `copy`.
//!
//! Definitions travel as Glue's own JSON (the answers of `aws glue get-databases`,
//! `get-tables`, `get-partitions`), so an export can be read by the AWS tooling, the raw
//! output of the AWS CLI can be imported, and a Glue catalog can be copied to a local
//! file for offline work (`copy --from glue://… --to catalog.db`).
//!
//! - [`snapshot`]: a catalog's contents, read from a store or from JSON documents.
//! - [`import`]: writing a snapshot into a store as one unit (planned, then applied with
//!   an undo log), with a report of what was created, updated and kept.

pub mod import;
pub mod snapshot;

use std::path::Path;

pub use import::{ImportLine, ImportReport, import};
pub use snapshot::Snapshot;

use crate::catalog::CatalogStore;
use crate::error::{LakeError, Result};

/// Writes `databases` (all when empty) of `store` as Glue JSON to `output` (stdout when
/// `None`).
pub async fn export(
    store: &dyn CatalogStore,
    databases: &[String],
    output: Option<&Path>,
) -> Result<Snapshot> {
    let snapshot = Snapshot::read(store, databases).await?;
    let mut text = serde_json::to_string_pretty(&snapshot.to_glue_json())
        .map_err(|e| LakeError::internal(format!("cannot write the export: {e}")))?;
    text.push('\n');
    match output {
        Some(path) => write_atomically(path, &text)?,
        None => print!("{text}"),
    }
    Ok(snapshot)
}

/// Reads Glue JSON documents from `files` (each the export of lakesql or the output of
/// an AWS CLI `get-*` command) as one snapshot, keeping `databases` (all when empty).
pub fn read_files(files: &[impl AsRef<Path>], databases: &[String]) -> Result<Snapshot> {
    let mut documents = Vec::new();
    for file in files {
        let path = file.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| LakeError::io(format!("cannot read {}", path.display()), e))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| LakeError::invalid(format!("{}: not JSON: {e}", path.display())))?;
        documents.push((path.display().to_string(), value));
    }
    Ok(Snapshot::from_glue_json(&documents)?.only(databases))
}

/// Copies `databases` (all when empty) of `from` into `to`, as an import does.
pub async fn copy(
    from: &dyn CatalogStore,
    to: &dyn CatalogStore,
    databases: &[String],
    dry_run: bool,
) -> Result<ImportReport> {
    let snapshot = Snapshot::read(from, databases).await?;
    import(to, &snapshot, dry_run).await
}

/// Writes `text` to `path` through a temporary file renamed into place, so a failed
/// export never leaves a cut-short file where a good one was.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let temporary = path.with_extension("lakesql-export.tmp");
    std::fs::write(&temporary, text)
        .map_err(|e| LakeError::io(format!("cannot write {}", temporary.display()), e))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        LakeError::io(
            format!(
                "cannot move the export into place at {} (in {})",
                path.display(),
                dir.map_or(".".into(), |d| d.display().to_string())
            ),
            e,
        )
    })
}
