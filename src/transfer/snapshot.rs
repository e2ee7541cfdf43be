//! A catalog's contents (databases, tables, partitions) read from any store, and written
//! as, or read from, the JSON of `aws glue get-databases`, `get-tables` and
//! `get-partitions`.
//!
//! An export is one JSON object with the three answers' lists side by side
//! (`DatabaseList`, `TableList`, `Partitions`); an import reads any JSON object holding
//! some of them, so the raw output of each AWS CLI command is accepted as it is (a
//! `get-tables` answer names each table's database in `DatabaseName`; a `get-partitions`
//! answer names each partition's table in `DatabaseName` and `TableName`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::catalog::glue_json::parse::{DatabaseInput, PartitionInput, TableInput, name};
use crate::catalog::glue_json::render::{database_json, partition_json, table_json};
use crate::catalog::{CatalogStore, DEFAULT_DATABASE, Database, Partition, Table};
use crate::error::{LakeError, Result};

/// The contents of a catalog, or of the databases chosen from it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Databases, sorted by name.
    pub databases: Vec<Database>,
    /// Tables and views, sorted by database and name, each with its partitions.
    pub tables: Vec<(Table, Vec<Partition>)>,
}

impl Snapshot {
    /// Reads `databases` (every database when empty) from `store`.
    pub async fn read(store: &dyn CatalogStore, databases: &[String]) -> Result<Self> {
        let mut snapshot = Snapshot::default();
        for db in store.list_databases().await? {
            if !databases.is_empty() && !databases.contains(&db.name) {
                continue;
            }
            for name in store.list_tables(&db.name).await? {
                let Some(table) = store.get_table(&db.name, &name).await? else {
                    continue; // dropped meanwhile
                };
                let partitions = if table.is_partitioned() {
                    store.list_partitions(&db.name, &name).await?
                } else {
                    Vec::new()
                };
                snapshot.tables.push((table, partitions));
            }
            snapshot.databases.push(db);
        }
        if let Some(missing) = databases
            .iter()
            .find(|d| !snapshot.databases.iter().any(|db| &&db.name == d))
        {
            return Err(LakeError::database_not_found(missing));
        }
        Ok(snapshot)
    }

    /// The snapshot as Glue's answers: `{"DatabaseList": …, "TableList": …,
    /// "Partitions": …}`.
    pub fn to_glue_json(&self) -> Value {
        let databases: Vec<Value> = self.databases.iter().map(database_json).collect();
        let tables: Vec<Value> = self.tables.iter().map(|(t, _)| table_json(t)).collect();
        let partitions: Vec<Value> = self
            .tables
            .iter()
            .flat_map(|(t, parts)| parts.iter().map(move |p| partition_json(t, p, true)))
            .collect();
        json!({"DatabaseList": databases, "TableList": tables, "Partitions": partitions})
    }

    /// Reads Glue answers (an export, or the output of the AWS CLI's `get-databases`,
    /// `get-tables`, `get-partitions`; `what` names each document in errors). A
    /// partition needs its table in the documents; a table whose database is not among
    /// them gets one (a `get-tables` answer alone is enough).
    pub fn from_glue_json(documents: &[(String, Value)]) -> Result<Self> {
        let mut collected = Collected::default();
        for (what, document) in documents {
            collected.read(what, document)?;
        }
        collected.attach_partitions()?;
        Ok(collected.into_snapshot())
    }

    /// Keeps only `databases` (all when empty).
    pub fn only(mut self, databases: &[String]) -> Self {
        if databases.is_empty() {
            return self;
        }
        self.databases.retain(|d| databases.contains(&d.name));
        self.tables
            .retain(|(t, _)| databases.contains(&t.database_name));
        self
    }
}

/// What the documents hold, gathered before partitions are matched to their tables.
#[derive(Default)]
struct Collected {
    databases: BTreeMap<String, Database>,
    tables: BTreeMap<(String, String), (Table, Vec<Partition>)>,
    /// (document, index, `Partition` object).
    partitions: Vec<(String, usize, Value)>,
}

impl Collected {
    /// Reads one document's databases and tables, and keeps its partitions for later.
    fn read(&mut self, what: &str, document: &Value) -> Result<()> {
        let Some(object) = document.as_object() else {
            return Err(bad(what, "the document is not a JSON object"));
        };
        let known = [
            "DatabaseList",
            "Database",
            "TableList",
            "Table",
            "Partitions",
        ];
        if !known.iter().any(|k| object.contains_key(*k)) {
            return Err(bad(
                what,
                "it holds none of DatabaseList, TableList or Partitions (the output of \
                 aws glue get-databases, get-tables or get-partitions)",
            ));
        }
        for (i, v) in list(document, "DatabaseList", "Database").enumerate() {
            let at = |e: &dyn std::fmt::Display| bad(what, &format!("DatabaseList[{i}]: {e}"));
            let input: DatabaseInput = serde_json::from_value(v.clone()).map_err(|e| at(&e))?;
            let db = input.to_database().map_err(|e| at(&e))?;
            self.databases.insert(db.name.clone(), db);
        }
        for (i, v) in list(document, "TableList", "Table").enumerate() {
            let input: TableInput = serde_json::from_value(v.clone())
                .map_err(|e| bad(what, &format!("TableList[{i}]: {e}")))?;
            let at = |e: &dyn std::fmt::Display| {
                bad(what, &format!("TableList[{i}] ({}): {e}", input.name))
            };
            let db = input
                .database_name
                .as_deref()
                .map(name)
                .ok_or_else(|| at(&"no DatabaseName"))?;
            let table = input.to_answered_table(&db).map_err(|e| at(&e))?;
            self.tables
                .insert((db, table.name.clone()), (table, Vec::new()));
        }
        for (i, v) in list(document, "Partitions", "Partition").enumerate() {
            self.partitions.push((what.to_string(), i, v.clone()));
        }
        Ok(())
    }

    /// Gives every partition to its table, checking its values against the keys.
    fn attach_partitions(&mut self) -> Result<()> {
        for (what, i, v) in std::mem::take(&mut self.partitions) {
            let owner = (
                v["DatabaseName"].as_str().map(name).unwrap_or_default(),
                v["TableName"].as_str().map(name).unwrap_or_default(),
            );
            let at = |why: String| bad(&what, &format!("Partitions[{i}]{why}"));
            let Some((table, list)) = self.tables.get_mut(&owner) else {
                return Err(at(format!(
                    " belongs to table {}.{}, which none of the files defines (import its \
                     get-tables output too)",
                    owner.0, owner.1
                )));
            };
            let input: PartitionInput =
                serde_json::from_value(v).map_err(|e| at(format!(": {e}")))?;
            if input.values.len() != table.partition_keys.len() {
                return Err(at(format!(
                    " of {} has {} values for {} partition keys",
                    table.qualified_name(),
                    input.values.len(),
                    table.partition_keys.len()
                )));
            }
            list.push(
                input
                    .to_partition(table)
                    .map_err(|e| at(format!(": {e}")))?,
            );
        }
        Ok(())
    }

    /// The snapshot, with a database for every table's (and `default`).
    fn into_snapshot(mut self) -> Snapshot {
        let owners: Vec<String> = self.tables.keys().map(|(db, _)| db.clone()).collect();
        for db in owners
            .into_iter()
            .chain(std::iter::once(DEFAULT_DATABASE.to_string()))
        {
            self.databases
                .entry(db.clone())
                .or_insert_with(|| Database {
                    name: db,
                    description: None,
                    location_uri: None,
                    parameters: Default::default(),
                    create_time: crate::catalog::model::now_seconds(),
                });
        }
        Snapshot {
            databases: self.databases.into_values().collect(),
            tables: self.tables.into_values().collect(),
        }
    }
}

/// The items of a list field, or the one object of a single-item answer (`get-table`).
fn list<'a>(document: &'a Value, plural: &str, single: &str) -> impl Iterator<Item = &'a Value> {
    let many = document[plural].as_array().into_iter().flatten();
    let one = document.get(single).filter(|v| v.is_object());
    many.chain(one)
}

fn bad(what: &str, why: &str) -> LakeError {
    LakeError::invalid(format!("{what}: {why}"))
}
