//! Importing a [`Snapshot`] into a catalog as one unit: every change is planned first
//! (what `--dry-run` prints), then applied with an undo log, so a failure half-way
//! (a refused table, a lost connection to Glue) undoes what was done and the catalog is
//! left as it was.
//!
//! What each object becomes:
//! - a database that exists is kept as it is; a missing one is created;
//! - a table that does not exist is created with its partitions; one whose definition
//!   differs (times aside) is replaced; an identical one is left alone;
//! - partitions missing from an existing table are added; registered ones whose location
//!   or parameters differ are updated;
//! - a table lakesql cannot query (ORC, Iceberg, a SerDe it does not read) is **kept**,
//!   so a snapshot of a Glue catalog stays complete and exports again unchanged, and is
//!   marked in the report with the reason; querying it gives that reason as the error.

use crate::catalog::storage_format::DataFormat;
use crate::catalog::{CatalogStore, Partition, Table, TableChange};
use crate::error::{LakeError, Result};

use super::snapshot::Snapshot;

/// What happened (or, in a dry run, would happen) to one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLine {
    /// `database`, `table`, `view` or `partitions`.
    pub object: &'static str,
    /// `db` or `db.table`.
    pub name: String,
    /// `created`, `updated`, `unchanged`, `kept` (an existing database), `added N`.
    pub action: String,
    /// Why a table cannot be queried, or other remarks.
    pub note: String,
}

/// The report of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// One line per database, table and table's partitions.
    pub lines: Vec<ImportLine>,
    /// Whether nothing was written (`--dry-run`).
    pub dry_run: bool,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in &self.lines {
            write!(f, "{:<10} {:<40} {}", line.object, line.name, line.action)?;
            if !line.note.is_empty() {
                write!(f, "  ({})", line.note)?;
            }
            writeln!(f)?;
        }
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        Ok(())
    }
}

/// A change made, and how to take it back.
enum Undo {
    DropDatabase(String),
    DropTable(String, String),
    Restore(Box<Table>),
    DropPartitions(String, String, Vec<Vec<String>>),
    RestorePartitions(String, String, Vec<Partition>),
}

/// One planned change.
enum Step {
    CreateDatabase(crate::catalog::Database),
    CreateTable(Box<Table>, Vec<Partition>),
    ReplaceTable(Box<Table>, Box<Table>),
    AddPartitions(Box<Table>, Vec<Partition>),
    UpdatePartitions(Box<Table>, Vec<Partition>, Vec<Partition>),
}

/// Imports `snapshot` into `store`; with `dry_run`, only reports what would change.
pub async fn import(
    store: &dyn CatalogStore,
    snapshot: &Snapshot,
    dry_run: bool,
) -> Result<ImportReport> {
    let (steps, lines) = plan(store, snapshot).await?;
    if !dry_run {
        apply(store, steps).await?;
    }
    Ok(ImportReport { lines, dry_run })
}

async fn plan(
    store: &dyn CatalogStore,
    snapshot: &Snapshot,
) -> Result<(Vec<Step>, Vec<ImportLine>)> {
    let mut steps = Vec::new();
    let mut lines = Vec::new();
    for db in &snapshot.databases {
        let exists = store.get_database(&db.name).await?.is_some();
        lines.push(line(
            "database",
            &db.name,
            if exists { "kept" } else { "created" },
            "",
        ));
        if !exists {
            steps.push(Step::CreateDatabase(db.clone()));
        }
    }
    for (table, partitions) in &snapshot.tables {
        let object = if table.is_view() { "view" } else { "table" };
        let name = table.qualified_name();
        let note = unreadable(table);
        match store.get_table(&table.database_name, &table.name).await? {
            None => {
                lines.push(line(object, &name, "created", &note));
                if !partitions.is_empty() {
                    let added = format!("added {}", partitions.len());
                    lines.push(line("partitions", &name, &added, ""));
                }
                steps.push(Step::CreateTable(
                    Box::new(table.clone()),
                    partitions.clone(),
                ));
            }
            Some(current) => {
                let action = if same_definition(&current, table) {
                    "unchanged"
                } else {
                    steps.push(Step::ReplaceTable(
                        Box::new(current.clone()),
                        Box::new(table.clone()),
                    ));
                    "updated"
                };
                lines.push(line(object, &name, action, &note));
                let registered = if current.is_partitioned() {
                    store
                        .list_partitions(&table.database_name, &table.name)
                        .await?
                } else {
                    Vec::new()
                };
                plan_partitions(table, partitions, registered, &mut steps, &mut lines);
            }
        }
    }
    Ok((steps, lines))
}

/// Partitions to add to, or update in, an existing table.
fn plan_partitions(
    table: &Table,
    partitions: &[Partition],
    registered: Vec<Partition>,
    steps: &mut Vec<Step>,
    lines: &mut Vec<ImportLine>,
) {
    let find = |p: &Partition| registered.iter().find(|r| r.values == p.values);
    let new: Vec<Partition> = partitions
        .iter()
        .filter(|p| find(p).is_none())
        .cloned()
        .collect();
    let (mut old, mut changed) = (Vec::new(), Vec::new());
    for p in partitions {
        if let Some(r) = find(p)
            && (r.location != p.location || r.parameters != p.parameters)
        {
            old.push(r.clone());
            changed.push(p.clone());
        }
    }
    let name = table.qualified_name();
    if !new.is_empty() {
        lines.push(line(
            "partitions",
            &name,
            &format!("added {}", new.len()),
            "",
        ));
        steps.push(Step::AddPartitions(Box::new(table.clone()), new));
    }
    if !changed.is_empty() {
        let action = format!("updated {}", changed.len());
        lines.push(line("partitions", &name, &action, ""));
        steps.push(Step::UpdatePartitions(
            Box::new(table.clone()),
            old,
            changed,
        ));
    }
}

/// Applies the steps in order; on a failure, undoes those applied and reports it.
async fn apply(store: &dyn CatalogStore, steps: Vec<Step>) -> Result<()> {
    let mut undo = Vec::new();
    for step in steps {
        if let Err(e) = apply_step(store, step, &mut undo).await {
            let undone = roll_back(store, undo).await;
            let outcome = match undone {
                Ok(()) => "the catalog was put back as it was".to_string(),
                Err(u) => format!("putting the catalog back failed too: {u}"),
            };
            return Err(LakeError::invalid(format!("import failed: {e}; {outcome}")));
        }
    }
    Ok(())
}

async fn apply_step(store: &dyn CatalogStore, step: Step, undo: &mut Vec<Undo>) -> Result<()> {
    match step {
        Step::CreateDatabase(db) => {
            store.create_database(&db, false).await?;
            undo.push(Undo::DropDatabase(db.name));
        }
        Step::CreateTable(table, partitions) => {
            let (db, name) = (table.database_name.clone(), table.name.clone());
            store.create_table(&table, false).await?;
            undo.push(Undo::DropTable(db.clone(), name.clone()));
            if !partitions.is_empty() {
                store.add_partitions(&db, &name, &partitions, false).await?;
            }
        }
        Step::ReplaceTable(current, wanted) => {
            let replacement = (*wanted).clone();
            let change: TableChange = Box::new(move |t: &mut Table| {
                let created = t.create_time;
                *t = replacement.clone();
                t.create_time = created;
                Ok(())
            });
            store
                .modify_table(&wanted.database_name, &wanted.name, change)
                .await?;
            undo.push(Undo::Restore(current));
        }
        Step::AddPartitions(table, partitions) => {
            let (db, name) = (table.database_name.clone(), table.name.clone());
            store.add_partitions(&db, &name, &partitions, false).await?;
            let values = partitions.into_iter().map(|p| p.values).collect();
            undo.push(Undo::DropPartitions(db, name, values));
        }
        Step::UpdatePartitions(table, old, changed) => {
            let (db, name) = (table.database_name.clone(), table.name.clone());
            for p in &changed {
                store.update_partition(&db, &name, p).await?;
            }
            undo.push(Undo::RestorePartitions(db, name, old));
        }
    }
    Ok(())
}

/// Takes back applied changes, newest first.
async fn roll_back(store: &dyn CatalogStore, undo: Vec<Undo>) -> Result<()> {
    for step in undo.into_iter().rev() {
        match step {
            Undo::DropDatabase(db) => {
                store.drop_database(&db, true, true).await?;
            }
            Undo::DropTable(db, name) => {
                store.drop_table(&db, &name, true).await?;
            }
            Undo::Restore(table) => {
                let old = (*table).clone();
                let change: TableChange = Box::new(move |t: &mut Table| {
                    *t = old.clone();
                    Ok(())
                });
                store
                    .modify_table(&table.database_name, &table.name, change)
                    .await?;
            }
            Undo::DropPartitions(db, name, values) => {
                store.drop_partitions(&db, &name, &values, true).await?;
            }
            Undo::RestorePartitions(db, name, partitions) => {
                for p in &partitions {
                    store.update_partition(&db, &name, p).await?;
                }
            }
        }
    }
    Ok(())
}

/// Whether two definitions are the same, times aside.
fn same_definition(a: &Table, b: &Table) -> bool {
    let mut b = b.clone();
    b.create_time = a.create_time;
    b.update_time = a.update_time;
    *a == b
}

/// Why lakesql cannot query `table`, or `""`.
fn unreadable(table: &Table) -> String {
    let checked = if table.is_view() {
        table.view_definition().map(|_| ())
    } else {
        DataFormat::of_table(table).map(|_| ())
    };
    match checked {
        Ok(()) => String::new(),
        Err(e) => format!("kept; lakesql cannot query it: {e}"),
    }
}

fn line(object: &'static str, name: &str, action: &str, note: &str) -> ImportLine {
    ImportLine {
        object,
        name: name.to_string(),
        action: action.to_string(),
        note: note.to_string(),
    }
}
