//! The catalog store as DataFusion's catalog (`awsdatacatalog`) and schemas (databases).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result as DfResult};

use super::partition_index::PartitionCache;
use super::{LakeTable, ScanStats};
use crate::catalog::CatalogStore;
use crate::error::LakeError;

/// DataFusion catalog over a [`CatalogStore`]: one schema per database.
#[derive(Debug)]
pub struct LakeCatalog {
    store: Arc<dyn CatalogStore>,
    stats: Arc<ScanStats>,
    partitions: Arc<PartitionCache>,
}

impl LakeCatalog {
    /// A catalog over `store`, whose scans record into `stats`.
    pub fn new(store: Arc<dyn CatalogStore>, stats: Arc<ScanStats>) -> Self {
        LakeCatalog {
            store,
            stats,
            partitions: Arc::default(),
        }
    }
}

impl CatalogProvider for LakeCatalog {
    fn schema_names(&self) -> Vec<String> {
        self.store
            .list_databases()
            .map(|dbs| dbs.into_iter().map(|d| d.name).collect())
            .unwrap_or_default()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        let name = name.to_lowercase();
        // A store error still yields a schema, so that the table lookup reports the real
        // error instead of "schema not found".
        match self.store.get_database(&name) {
            Ok(None) => None,
            Ok(Some(_)) | Err(_) => Some(Arc::new(LakeSchema {
                database: name,
                store: self.store.clone(),
                stats: self.stats.clone(),
                partitions: self.partitions.clone(),
            })),
        }
    }
}

/// One database as a DataFusion schema; tables are looked up when a query names them.
#[derive(Debug)]
pub struct LakeSchema {
    database: String,
    store: Arc<dyn CatalogStore>,
    stats: Arc<ScanStats>,
    partitions: Arc<PartitionCache>,
}

#[async_trait]
impl SchemaProvider for LakeSchema {
    fn table_names(&self) -> Vec<String> {
        self.store.list_tables(&self.database).unwrap_or_default()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        // One indexed point lookup: cheaper inline than a hop to the blocking pool.
        let table = self
            .store
            .get_table(&self.database, &name.to_lowercase())
            .map_err(DataFusionError::from)?;
        match table {
            None => Ok(None),
            Some(t) => {
                let provider = LakeTable::try_new(
                    t,
                    self.store.clone(),
                    self.stats.clone(),
                    self.partitions.clone(),
                )
                .map_err(DataFusionError::from)?;
                Ok(Some(Arc::new(provider)))
            }
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        matches!(
            self.store.get_table(&self.database, &name.to_lowercase()),
            Ok(Some(_))
        )
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
