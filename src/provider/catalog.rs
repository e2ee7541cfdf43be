//! The lakesql catalog as DataFusion's catalog (`awsdatacatalog`) and schemas (databases).
//!
//! DataFusion asks some catalog questions synchronously (which schemas exist, which tables
//! a schema has) while the catalog contract is async. The session therefore takes a
//! [`CatalogSnapshot`] asynchronously before planning each query ([`LakeCatalog::refresh`]),
//! and the synchronous questions are answered from it. Table definitions themselves are
//! fetched when a query names them, through the async [`SchemaProvider::table`]; a view
//! is planned then too ([`super::view`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result as DfResult};

use super::partition_index::PartitionCache;
use super::view::{self, UnreadableView, ViewPlanner};
use super::{LakeTable, ScanStats};
use crate::catalog::CatalogStore;
use crate::error::{LakeError, Result};

/// The names DataFusion may ask for synchronously during one statement.
#[derive(Debug, Default)]
pub struct CatalogSnapshot {
    /// Database names.
    databases: BTreeSet<String>,
    /// Table names per database, when the statement needs them (information_schema).
    tables: Option<BTreeMap<String, Vec<String>>>,
    /// Whether tables show Athena's pseudo-columns (the statement names one).
    pseudo_columns: bool,
}

/// DataFusion catalog over a [`CatalogStore`]: one schema per database.
#[derive(Debug)]
pub struct LakeCatalog {
    catalog: Arc<dyn CatalogStore>,
    stats: Arc<ScanStats>,
    partitions: Arc<PartitionCache>,
    snapshot: RwLock<Arc<CatalogSnapshot>>,
    views: Arc<ViewPlanner>,
}

impl LakeCatalog {
    /// A catalog over `catalog`, whose scans record into `stats`.
    pub fn new(catalog: Arc<dyn CatalogStore>, stats: Arc<ScanStats>) -> Self {
        LakeCatalog {
            catalog,
            stats,
            partitions: Arc::default(),
            snapshot: RwLock::default(),
            views: Arc::default(),
        }
    }

    /// The planner of views, to be given the session's state.
    pub fn views(&self) -> &ViewPlanner {
        &self.views
    }

    /// Takes the snapshot of names for the next statement; `with_tables` also lists every
    /// database's tables (for information_schema); `pseudo_columns` adds `"$path"` and the
    /// other pseudo-columns to the tables the statement reads.
    pub async fn refresh(&self, with_tables: bool, pseudo_columns: bool) -> Result<()> {
        let databases: BTreeSet<String> = self
            .catalog
            .list_databases()
            .await?
            .into_iter()
            .map(|d| d.name)
            .collect();
        let tables = if with_tables {
            let mut tables = BTreeMap::new();
            for db in &databases {
                tables.insert(db.clone(), self.catalog.list_tables(db).await?);
            }
            Some(tables)
        } else {
            None
        };
        let snapshot = Arc::new(CatalogSnapshot {
            databases,
            tables,
            pseudo_columns,
        });
        *self
            .snapshot
            .write()
            .map_err(|_| LakeError::internal("the catalog snapshot lock was poisoned"))? = snapshot;
        Ok(())
    }

    fn snapshot(&self) -> Arc<CatalogSnapshot> {
        self.snapshot
            .read()
            .map(|s| Arc::clone(&s))
            .unwrap_or_default()
    }
}

impl CatalogProvider for LakeCatalog {
    fn schema_names(&self) -> Vec<String> {
        self.snapshot().databases.iter().cloned().collect()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let name = name.to_lowercase();
        let snapshot = self.snapshot();
        if !snapshot.databases.contains(&name) {
            return None;
        }
        let table_names = snapshot
            .tables
            .as_ref()
            .and_then(|t| t.get(&name).cloned())
            .unwrap_or_default();
        Some(Arc::new(LakeSchema {
            database: name,
            table_names,
            lists_tables: snapshot.tables.is_some(),
            views: self.views.clone(),
            catalog: self.catalog.clone(),
            stats: self.stats.clone(),
            partitions: self.partitions.clone(),
            pseudo_columns: snapshot.pseudo_columns,
        }))
    }
}

/// One database as a DataFusion schema; tables are looked up when a query names them.
#[derive(Debug)]
pub struct LakeSchema {
    database: String,
    /// From the statement's snapshot (empty unless the statement lists tables).
    table_names: Vec<String>,
    /// Whether the statement lists every table (information_schema).
    lists_tables: bool,
    views: Arc<ViewPlanner>,
    catalog: Arc<dyn CatalogStore>,
    stats: Arc<ScanStats>,
    partitions: Arc<PartitionCache>,
    pseudo_columns: bool,
}

#[async_trait]
impl SchemaProvider for LakeSchema {
    fn table_names(&self) -> Vec<String> {
        self.table_names.clone()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let name = name.to_lowercase();
        view::check_not_expanding(&self.database, &name)?;
        let table = self
            .catalog
            .get_table(&self.database, &name)
            .await
            .map_err(DataFusionError::from)?;
        let Some(table) = table else {
            return Ok(None);
        };
        if table.is_view() {
            return match self.views.expand(&table, &self.catalog).await {
                Ok(provider) => Ok(Some(provider)),
                // Listing tables must not fail on a view that cannot be read.
                Err(e) if self.lists_tables => Ok(Some(Arc::new(UnreadableView::new(&table, &e)))),
                Err(e) => Err(e.into()),
            };
        }
        let provider = LakeTable::try_new(
            table,
            self.catalog.clone(),
            self.stats.clone(),
            self.partitions.clone(),
            view::pseudo_columns_in_view().unwrap_or(self.pseudo_columns),
        )
        .map_err(DataFusionError::from)?;
        Ok(Some(Arc::new(provider)))
    }

    /// Answered from the statement's snapshot of table names.
    fn table_exist(&self, name: &str) -> bool {
        self.table_names.iter().any(|t| *t == name.to_lowercase())
    }

    fn register_table(
        &self,
        name: String,
        _table: Arc<dyn TableProvider>,
    ) -> DfResult<Option<Arc<dyn TableProvider>>> {
        Err(LakeError::unsupported(format!(
            "cannot create '{name}': tables are created with CREATE EXTERNAL TABLE"
        ))
        .into())
    }
}
