//! Glue's database operations: GetDatabases, GetDatabase, CreateDatabase,
//! UpdateDatabase and DeleteDatabase, on the catalog's databases (Athena's schemas).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogStore, Database, check_droppable_database};
use crate::serve::protocol::{ApiResult, input};

use super::errors::{INVALID_INPUT, already_exists, invalid, lake, not_found};
use super::inputs::{DatabaseInput, database_of};
use super::lookup::{database, name};
use crate::catalog::glue_json::render::database_json;
use crate::serve::page::Page;

/// GetDatabases' largest page.
const MAX_DATABASES: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// `GetDatabases`: every database, sorted by name, a page at a time.
pub async fn get_databases(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListInput = input(body, INVALID_INPUT)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_DATABASES,
        INVALID_INPUT,
    )?;
    let databases = catalog.list_databases().await.map_err(lake)?;
    let (databases, next) = page.slice(&databases);
    let mut out = json!({"DatabaseList": databases.iter().map(database_json).collect::<Vec<_>>()});
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameInput {
    name: String,
}

/// `GetDatabase`.
pub async fn get_database(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: NameInput = input(body, INVALID_INPUT)?;
    let db = database(catalog, &name(&request.name)).await?;
    Ok(json!({"Database": database_json(&db)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    database_input: DatabaseInput,
}

/// `CreateDatabase`.
pub async fn create_database(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: CreateInput = input(body, INVALID_INPUT)?;
    let db = database_of(&request.database_input)?;
    check_name(&db.name)?;
    match catalog.create_database(&db, true).await.map_err(lake)? {
        true => Ok(json!({})),
        false => Err(already_exists(format!(
            "Database {} already exists.",
            db.name
        ))),
    }
}

fn check_name(db: &str) -> Result<(), crate::serve::protocol::ApiError> {
    if db.is_empty() {
        return Err(invalid("the database name must not be empty"));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    name: String,
    database_input: DatabaseInput,
}

/// `UpdateDatabase`. The catalog has no call that changes a database in place, so a
/// changed definition is written by dropping and re-creating the database, which is only
/// possible (and only atomic enough) while it has no tables; a database with tables can
/// only be "updated" to its current definition.
pub async fn update_database(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: UpdateInput = input(body, INVALID_INPUT)?;
    let db_name = name(&request.name);
    let current = database(catalog, &db_name).await?;
    let mut wanted = database_of(&request.database_input)?;
    if wanted.name != db_name {
        return Err(invalid(format!(
            "database {db_name} cannot be renamed to {}",
            wanted.name
        )));
    }
    wanted.create_time = current.create_time;
    if same_definition(&current, &wanted) {
        return Ok(json!({}));
    }
    if !catalog
        .list_tables(&db_name)
        .await
        .map_err(lake)?
        .is_empty()
    {
        return Err(invalid(format!(
            "lakesql cannot change database {db_name} while it has tables"
        )));
    }
    check_droppable_database(&db_name).map_err(lake)?;
    catalog
        .drop_database(&db_name, false, false)
        .await
        .map_err(lake)?;
    catalog
        .create_database(&wanted, false)
        .await
        .map_err(lake)?;
    Ok(json!({}))
}

fn same_definition(a: &Database, b: &Database) -> bool {
    a.description == b.description
        && a.location_uri == b.location_uri
        && a.parameters == b.parameters
}

/// `DeleteDatabase`: as in Glue, the database's tables and partitions go with it. The
/// default database stays (lakesql's rule).
pub async fn delete_database(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: NameInput = input(body, INVALID_INPUT)?;
    let db = name(&request.name);
    check_droppable_database(&db).map_err(lake)?;
    match catalog.drop_database(&db, true, true).await.map_err(lake)? {
        true => Ok(json!({})),
        false => Err(not_found(format!("Database {db} not found."))),
    }
}
