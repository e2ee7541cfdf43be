//! Finding the database, table or partition a request names, with Glue's
//! `EntityNotFoundException` when it is missing. Glue folds names to lower case, and so
//! does the catalog contract, so every name a request carries passes through [`name`].

use crate::catalog::partition_values::TypedKeys;
use crate::catalog::{CatalogStore, Database, Partition, Table};
use crate::serve::protocol::ApiError;

use super::errors::{invalid, lake, not_found};

pub use crate::catalog::glue_json::parse::name;

/// The database `db`, or `EntityNotFoundException`.
pub async fn database(catalog: &dyn CatalogStore, db: &str) -> Result<Database, ApiError> {
    catalog
        .get_database(db)
        .await
        .map_err(lake)?
        .ok_or_else(|| not_found(format!("Database {db} not found.")))
}

/// The table `db.table`, or `EntityNotFoundException` naming whichever is missing.
pub async fn table(catalog: &dyn CatalogStore, db: &str, table: &str) -> Result<Table, ApiError> {
    if let Some(found) = catalog.get_table(db, table).await.map_err(lake)? {
        return Ok(found);
    }
    database(catalog, db).await?;
    Err(not_found(format!("Table {table} not found.")))
}

/// Checks that `values` has one value per partition key.
pub fn check_values(table: &Table, values: &[String]) -> Result<(), ApiError> {
    let keys = table.partition_keys.len();
    if values.len() == keys {
        return Ok(());
    }
    Err(invalid(format!(
        "table {} has {keys} partition keys, but {} values were given",
        table.qualified_name(),
        values.len()
    )))
}

/// The registered partition `values` stand for. Values compare as their key's type, as
/// everywhere in lakesql (`month=5` finds the partition registered as `month=05`).
pub fn find_partition<'p>(
    table: &Table,
    partitions: &'p [Partition],
    values: &[String],
) -> Result<Option<&'p Partition>, ApiError> {
    check_values(table, values)?;
    let keys = TypedKeys::of(table).map_err(lake)?;
    let wanted = keys.identities(values);
    Ok(partitions
        .iter()
        .find(|p| p.values == values || keys.identities(&p.values) == wanted))
}

/// `EntityNotFoundException` for a partition.
pub fn partition_not_found(table: &Table, values: &[String]) -> ApiError {
    not_found(format!(
        "Cannot find partition ({}) of table {}.",
        values.join(", "),
        table.name
    ))
}
