//! Databases and table definitions: CREATE/DROP DATABASE, CREATE EXTERNAL TABLE, DROP
//! TABLE and the ALTER TABLE forms that change the definition.
//!
//! Each statement validates everything first and then makes one catalog call, which is
//! atomic: a statement that fails leaves the catalog as it was.

use std::collections::BTreeMap;
use std::path::Path;

use super::views::refuse_view;
use super::{Outcome, Session};
use crate::catalog::model::{Properties, now_seconds};
use crate::catalog::storage_format::{DataFormat, classes, stored_as};
use crate::catalog::{
    Column, Database, SerDeInfo, StorageDescriptor, Table, check_droppable_database,
};
use crate::error::{ErrorCode, LakeError, Result};
use crate::projection::ProjectionConfig;
use crate::sql::ast::{
    CatalogDdl, ColumnDef, CreateDatabase, CreateTable, RowFormat, StoredAs, TableChange, TableName,
};
use crate::storage::location::join_location;
use crate::storage::{LocationUrl, normalize_location};

impl Session {
    /// Runs a statement that changes databases or table definitions.
    pub(super) async fn catalog_ddl(&mut self, ddl: CatalogDdl) -> Result<Outcome> {
        match ddl {
            CatalogDdl::CreateDatabase(create) => self.create_database(create).await,
            CatalogDdl::DropDatabase {
                name,
                if_exists,
                cascade,
            } => self.drop_database(&name, if_exists, cascade).await,
            CatalogDdl::CreateTable(create) => self.create_table(*create).await,
            CatalogDdl::DropTable { name, if_exists } => self.drop_table(&name, if_exists).await,
            CatalogDdl::AlterTable { name, change } => self.alter_table(&name, change).await,
        }
    }

    async fn create_database(&mut self, create: CreateDatabase) -> Result<Outcome> {
        let location_uri = create
            .location
            .map(|l| normalize_location(&l, &self.base_dir))
            .transpose()?;
        let name = create.name;
        let db = Database {
            name: name.clone(),
            description: create.comment,
            location_uri,
            parameters: create.properties,
            create_time: now_seconds(),
        };
        let created = self
            .catalog
            .create_database(&db, create.if_not_exists)
            .await?;
        Ok(Outcome::done(if created {
            format!("Database {name} created")
        } else {
            format!("Database {name} already exists")
        }))
    }

    async fn drop_database(
        &mut self,
        name: &str,
        if_exists: bool,
        cascade: bool,
    ) -> Result<Outcome> {
        check_droppable_database(name)?;
        if name == self.database {
            return Err(LakeError::invalid(format!(
                "cannot drop database '{name}' while it is in use (USE another first)"
            )));
        }
        let dropped = self.catalog.drop_database(name, if_exists, cascade).await?;
        Ok(Outcome::done(if dropped {
            format!("Database {name} dropped")
        } else {
            format!("Database {name} does not exist")
        }))
    }

    async fn drop_table(&mut self, name: &TableName, if_exists: bool) -> Result<Outcome> {
        let db = self.database_or_current(name.database.as_ref());
        if let Some(table) = self.catalog.get_table(&db, &name.name).await? {
            refuse_view(&table, "DROP TABLE")?;
        }
        let dropped = self.catalog.drop_table(&db, &name.name, if_exists).await?;
        Ok(Outcome::done(if dropped {
            format!("Table {db}.{} dropped", name.name)
        } else {
            format!("Table {db}.{} does not exist", name.name)
        }))
    }

    async fn create_table(&mut self, ct: CreateTable) -> Result<Outcome> {
        let db_name = self.database_or_current(ct.name.database.as_ref());
        let db = self
            .catalog
            .get_database(&db_name)
            .await?
            .ok_or_else(|| LakeError::database_not_found(&db_name))?;
        let location = self.table_location(&ct, &db)?;
        let mut table = Table::external(&db_name, &ct.name.name, storage_of(&ct, location));
        table.description = ct.comment;
        table.partition_keys = ct.partition_keys.iter().map(column).collect();
        table.parameters = ct.properties;
        normalize_template(&mut table.parameters, &self.base_dir)?;
        validate_definition(&table)?;
        let created = self.catalog.create_table(&table, ct.if_not_exists).await?;
        let qualified = table.qualified_name();
        if !created {
            return Ok(Outcome::done(format!("Table {qualified} already exists")));
        }
        let mut out = Outcome::done(format!("Table {qualified} created"));
        out.messages
            .extend(location_warning(&table.storage_descriptor.location));
        Ok(out)
    }

    /// The table's LOCATION, or a folder named after it under its database's LOCATION.
    fn table_location(&self, ct: &CreateTable, db: &Database) -> Result<String> {
        match (&ct.location, &db.location_uri) {
            (Some(l), _) => normalize_location(l, &self.base_dir),
            (None, Some(db_location)) => Ok(join_location(db_location, &ct.name.name)),
            (None, None) => Err(LakeError::invalid(format!(
                "table {}.{}: LOCATION is required (database {} has no LOCATION to place it \
                 under)",
                db.name, ct.name.name, db.name
            ))),
        }
    }

    /// ALTERs that change the table definition: read, change, validate and write
    /// atomically, so concurrent ALTERs cannot lose each other's changes.
    async fn alter_table(&mut self, name: &TableName, mut change: TableChange) -> Result<Outcome> {
        let db = self.database_or_current(name.database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        match &mut change {
            TableChange::SetLocation(l) => *l = normalize_location(l, &self.base_dir)?,
            TableChange::SetProperties(props) => normalize_template(props, &self.base_dir)?,
            TableChange::AddColumns(_) | TableChange::ReplaceColumns(_) => {}
        }
        let apply = change.clone();
        let table = self
            .catalog
            .modify_table(
                &db,
                &name.name,
                Box::new(move |table: &mut Table| apply_change(table, &apply)),
            )
            .await?;
        let mut out = Outcome::done(format!("Table {} altered", table.qualified_name()));
        if let TableChange::SetLocation(l) = &change {
            out.messages.extend(location_warning(l));
        }
        Ok(out)
    }
}

fn column(def: &ColumnDef) -> Column {
    Column {
        name: def.name.clone(),
        hive_type: def.hive_type.to_string(),
        comment: def.comment.clone(),
    }
}

/// Checks that lakesql can read a definition: its format, MSCK's path validation
/// property and its projection.
fn validate_definition(table: &Table) -> Result<()> {
    DataFormat::of_table(table)?;
    crate::repair::throws_on_invalid_paths(table)?;
    ProjectionConfig::of_table(table, crate::projection::clock::now()?)?;
    Ok(())
}

/// Applies one definition change and validates the result.
fn apply_change(table: &mut Table, change: &TableChange) -> Result<()> {
    refuse_view(table, "ALTER TABLE")?;
    match change {
        TableChange::SetProperties(props) => table.parameters.extend(props.clone()),
        TableChange::SetLocation(location) => {
            table.storage_descriptor.location = location.clone();
        }
        TableChange::AddColumns(cols) => {
            check_new_columns(table, cols)?;
            let columns = &mut table.storage_descriptor.columns;
            columns.extend(cols.iter().map(column));
        }
        TableChange::ReplaceColumns(cols) => {
            check_not_partition_keys(table, cols)?;
            table.storage_descriptor.columns = cols.iter().map(column).collect();
        }
    }
    table.update_time = now_seconds();
    validate_definition(table)
}

fn check_not_partition_keys(table: &Table, cols: &[ColumnDef]) -> Result<()> {
    if cols
        .iter()
        .any(|c| table.partition_keys.iter().any(|k| k.name == c.name))
    {
        return Err(LakeError::invalid(format!(
            "table {}: a column cannot have the name of a partition key",
            table.qualified_name()
        )));
    }
    Ok(())
}

fn check_new_columns(table: &Table, cols: &[ColumnDef]) -> Result<()> {
    check_not_partition_keys(table, cols)?;
    let existing = &table.storage_descriptor.columns;
    match cols
        .iter()
        .find(|c| existing.iter().any(|e| e.name == c.name))
    {
        Some(c) => Err(LakeError::semantic(
            ErrorCode::ColumnAlreadyExists,
            format!(
                "table {} already has a column '{}'",
                table.qualified_name(),
                c.name
            ),
        )),
        None => Ok(()),
    }
}

/// The storage descriptor of a CREATE EXTERNAL TABLE: columns, location, the input and
/// output formats of `STORED AS`, and the SerDe of `ROW FORMAT`.
fn storage_of(ct: &CreateTable, location: String) -> StorageDescriptor {
    let (mut input, mut output, default_serde) = stored_as_classes(ct.stored_as.as_ref());
    let serde_info = match &ct.row_format {
        Some(RowFormat::Serde { class, properties }) => {
            // Without STORED AS, the SerDe decides the container format.
            if ct.stored_as.is_none()
                && let Some((i, o)) = formats_implied_by(class)
            {
                (input, output) = (i, o);
            }
            SerDeInfo {
                serialization_library: Some(class.clone()),
                parameters: properties.clone(),
            }
        }
        Some(RowFormat::Delimited(properties)) => SerDeInfo {
            serialization_library: Some(classes::LAZY_SIMPLE_SERDE.to_string()),
            parameters: properties.clone(),
        },
        None => SerDeInfo {
            serialization_library: Some(default_serde).filter(|s| !s.is_empty()),
            parameters: BTreeMap::new(),
        },
    };
    StorageDescriptor {
        columns: ct.columns.iter().map(column).collect(),
        location,
        input_format: Some(input),
        output_format: Some(output),
        compressed: false,
        serde_info,
    }
}

/// Input format, output format and default SerDe of a `STORED AS` clause (TEXTFILE when
/// there is none).
fn stored_as_classes(stored: Option<&StoredAs>) -> (String, String, String) {
    let named = |name: &str| {
        let (i, o, s) = stored_as(name).expect("the parser checked the format name");
        (i.to_string(), o.to_string(), s.to_string())
    };
    match stored {
        Some(StoredAs::Named(n)) => named(n),
        Some(StoredAs::Formats { input, output }) => {
            // The SerDe Hive pairs with a known input format; none for others.
            let serde = match input.as_str() {
                classes::PARQUET_INPUT => classes::PARQUET_SERDE,
                classes::AVRO_INPUT => classes::AVRO_SERDE,
                classes::ORC_INPUT => classes::ORC_SERDE,
                classes::TEXT_INPUT => classes::LAZY_SIMPLE_SERDE,
                _ => "",
            };
            (input.clone(), output.clone(), serde.to_string())
        }
        None => named("TEXTFILE"),
    }
}

/// The container formats a SerDe implies (Parquet, Avro and ORC SerDes).
fn formats_implied_by(serde: &str) -> Option<(String, String)> {
    let implied = match serde {
        classes::PARQUET_SERDE => stored_as("PARQUET"),
        classes::AVRO_SERDE => stored_as("AVRO"),
        classes::ORC_SERDE => stored_as("ORC"),
        _ => None,
    };
    implied.map(|(i, o, _)| (i.to_string(), o.to_string()))
}

/// Resolves a relative `storage.location.template` like a LOCATION (stored absolute).
fn normalize_template(properties: &mut Properties, base_dir: &Path) -> Result<()> {
    if let Some(t) = properties.get_mut("storage.location.template") {
        *t = normalize_location(t, base_dir)?;
    }
    Ok(())
}

/// A warning when a local location does not exist (Athena allows it; so do we).
pub(super) fn location_warning(location: &str) -> Option<String> {
    let path = LocationUrl::parse(location).ok()?.local_path()?;
    (!path.exists()).then(|| format!("warning: location {location} does not exist yet"))
}
