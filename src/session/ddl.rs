//! Catalog-changing statements: databases, tables, ALTER TABLE, partitions.
//!
//! Each statement validates everything first and then makes one store call, which is
//! one transaction: a statement that fails leaves the catalog as it was.

use std::collections::BTreeMap;

use super::{Session, StatementOutput};
use crate::catalog::model::now_seconds;
use crate::catalog::partition_path::partition_path;
use crate::catalog::storage_format::{DataFormat, classes, stored_as};
use crate::catalog::{Column, Database, Partition, SerDeInfo, StorageDescriptor, Table};
use crate::error::{LakeError, Result};
use crate::projection::ProjectionConfig;
use crate::provider::partition_values::typed_value;
use crate::sql::ast::{
    AlterTable, ColumnDef, CreateTable, LakeStatement, PartitionSpec, RowFormat, StoredAs,
    TableName,
};
use crate::storage::location::join_location;
use crate::storage::{LocationUrl, normalize_location};

fn column(def: &ColumnDef) -> Column {
    Column {
        name: def.name.clone(),
        hive_type: def.hive_type.to_string(),
        comment: def.comment.clone(),
    }
}

impl Session {
    pub(super) fn ddl(&mut self, stmt: LakeStatement) -> Result<StatementOutput> {
        match stmt {
            LakeStatement::CreateDatabase {
                name,
                if_not_exists,
                comment,
                location,
                properties,
            } => {
                let location_uri = location
                    .map(|l| normalize_location(&l, &self.base_dir))
                    .transpose()?;
                let db = Database {
                    name: name.clone(),
                    description: comment,
                    location_uri,
                    parameters: properties,
                    create_time: now_seconds(),
                };
                let created = self.store.create_database(&db, if_not_exists)?;
                Ok(StatementOutput::done(
                    "create_database",
                    if created {
                        format!("Database {name} created")
                    } else {
                        format!("Database {name} already exists")
                    },
                ))
            }
            LakeStatement::DropDatabase {
                name,
                if_exists,
                cascade,
            } => {
                if name == crate::catalog::DEFAULT_DATABASE {
                    return Err(LakeError::invalid(
                        "the 'default' database cannot be dropped",
                    ));
                }
                if name == self.database {
                    return Err(LakeError::invalid(format!(
                        "cannot drop database '{name}' while it is in use (USE another first)"
                    )));
                }
                let dropped = self.store.drop_database(&name, if_exists, cascade)?;
                Ok(StatementOutput::done(
                    "drop_database",
                    if dropped {
                        format!("Database {name} dropped")
                    } else {
                        format!("Database {name} does not exist")
                    },
                ))
            }
            LakeStatement::CreateTable(create) => self.create_table(*create),
            LakeStatement::DropTable { name, if_exists } => {
                let db = self.database_or_current(name.database.as_ref());
                let dropped = self.store.drop_table(&db, &name.name, if_exists)?;
                Ok(StatementOutput::done(
                    "drop_table",
                    if dropped {
                        format!("Table {db}.{} dropped", name.name)
                    } else {
                        format!("Table {db}.{} does not exist", name.name)
                    },
                ))
            }
            LakeStatement::AlterTable { name, operation } => self.alter_table(&name, operation),
            other => Err(LakeError::unsupported(format!(
                "statement {} is not a catalog change",
                other.kind()
            ))),
        }
    }

    /// Loads a table or fails with `TABLE_NOT_FOUND`.
    pub(super) fn load_table(&self, name: &TableName) -> Result<Table> {
        let db = self.database_or_current(name.database.as_ref());
        if self.store.get_database(&db)?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        self.store
            .get_table(&db, &name.name)?
            .ok_or_else(|| LakeError::table_not_found(&db, &name.name))
    }

    /// A warning when a local location does not exist (Athena allows it; so do we).
    fn location_warning(location: &str) -> Option<String> {
        let path = LocationUrl::parse(location).ok()?.local_path()?;
        (!path.exists()).then(|| format!("warning: location {location} does not exist yet"))
    }

    fn create_table(&mut self, ct: CreateTable) -> Result<StatementOutput> {
        let db_name = self.database_or_current(ct.name.database.as_ref());
        let db = self
            .store
            .get_database(&db_name)?
            .ok_or_else(|| LakeError::database_not_found(&db_name))?;
        let location = match (&ct.location, &db.location_uri) {
            (Some(l), _) => normalize_location(l, &self.base_dir)?,
            (None, Some(db_location)) => join_location(db_location, &ct.name.name),
            (None, None) => {
                return Err(LakeError::invalid(format!(
                    "table {db_name}.{}: LOCATION is required (database {db_name} has no \
                     LOCATION to place it under)",
                    ct.name.name
                )));
            }
        };

        let (mut input, mut output, default_serde) = match &ct.stored_as {
            Some(StoredAs::Named(n)) => {
                let (i, o, s) = stored_as(n).expect("parser checked the format name");
                (i.to_string(), o.to_string(), s.to_string())
            }
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
            None => {
                let (i, o, s) = stored_as("TEXTFILE").expect("static");
                (i.to_string(), o.to_string(), s.to_string())
            }
        };
        let serde_info = match ct.row_format {
            Some(RowFormat::Serde { class, properties }) => {
                // Without STORED AS, the SerDe decides the container format.
                if ct.stored_as.is_none() {
                    let implied = match class.as_str() {
                        classes::PARQUET_SERDE => stored_as("PARQUET"),
                        classes::AVRO_SERDE => stored_as("AVRO"),
                        classes::ORC_SERDE => stored_as("ORC"),
                        _ => None,
                    };
                    if let Some((i, o, _)) = implied {
                        (input, output) = (i.to_string(), o.to_string());
                    }
                }
                SerDeInfo {
                    serialization_library: Some(class),
                    parameters: properties,
                }
            }
            Some(RowFormat::Delimited(properties)) => SerDeInfo {
                serialization_library: Some(classes::LAZY_SIMPLE_SERDE.to_string()),
                parameters: properties,
            },
            None => SerDeInfo {
                serialization_library: Some(default_serde).filter(|s| !s.is_empty()),
                parameters: BTreeMap::new(),
            },
        };
        let now = now_seconds();
        let mut parameters = ct.properties;
        normalize_template(&mut parameters, &self.base_dir)?;
        let table = Table {
            name: ct.name.name.clone(),
            database_name: db_name.clone(),
            description: ct.comment,
            owner: std::env::var("USER").ok(),
            table_type: "EXTERNAL_TABLE".to_string(),
            partition_keys: ct.partition_keys.iter().map(column).collect(),
            storage_descriptor: StorageDescriptor {
                columns: ct.columns.iter().map(column).collect(),
                location,
                input_format: Some(input),
                output_format: Some(output),
                compressed: false,
                serde_info,
            },
            parameters,
            create_time: now,
            update_time: now,
        };
        DataFormat::of_table(&table)?;
        crate::repair::throws_on_invalid_paths(&table)?;
        ProjectionConfig::of_table(&table, crate::projection::clock::now()?)?;
        let created = self.store.create_table(&table, ct.if_not_exists)?;
        let mut out = StatementOutput::done(
            "create_table",
            if created {
                format!("Table {} created", table.qualified_name())
            } else {
                format!("Table {} already exists", table.qualified_name())
            },
        );
        if created && let Some(w) = Self::location_warning(&table.storage_descriptor.location) {
            out.messages.push(w);
        }
        Ok(out)
    }

    /// ALTERs that change the table definition: read, change, validate and write in one
    /// catalog transaction, so concurrent ALTERs cannot lose each other's changes.
    fn alter_definition(&mut self, name: &TableName, op: AlterTable) -> Result<StatementOutput> {
        let db = self.database_or_current(name.database.as_ref());
        if self.store.get_database(&db)?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        let location = match &op {
            AlterTable::SetLocation(l) => Some(normalize_location(l, &self.base_dir)?),
            _ => None,
        };
        let mut op = op;
        if let AlterTable::SetProperties(props) = &mut op {
            normalize_template(props, &self.base_dir)?;
        }
        let mut op = Some(op);
        let table = self
            .store
            .modify_table(&db, &name.name, &mut |table: &mut Table| {
                let qualified = table.qualified_name();
                match op.take() {
                    Some(AlterTable::SetProperties(props)) => table.parameters.extend(props),
                    Some(AlterTable::SetLocation(_)) => {
                        table.storage_descriptor.location = location.clone().unwrap_or_default();
                    }
                    Some(AlterTable::AddColumns(cols)) | Some(AlterTable::ReplaceColumns(cols))
                        if cols
                            .iter()
                            .any(|c| table.partition_keys.iter().any(|k| k.name == c.name)) =>
                    {
                        return Err(LakeError::invalid(format!(
                            "table {qualified}: a column cannot have the name of a partition key"
                        )));
                    }
                    Some(AlterTable::AddColumns(cols)) => {
                        for c in &cols {
                            if table
                                .storage_descriptor
                                .columns
                                .iter()
                                .any(|e| e.name == c.name)
                            {
                                return Err(LakeError::semantic(
                                    "COLUMN_ALREADY_EXISTS",
                                    format!("table {qualified} already has a column '{}'", c.name),
                                ));
                            }
                        }
                        table
                            .storage_descriptor
                            .columns
                            .extend(cols.iter().map(column));
                    }
                    Some(AlterTable::ReplaceColumns(cols)) => {
                        table.storage_descriptor.columns = cols.iter().map(column).collect();
                    }
                    _ => return Err(LakeError::invalid("not a table definition change")),
                }
                table.update_time = now_seconds();
                DataFormat::of_table(table)?;
                crate::repair::throws_on_invalid_paths(table)?;
                ProjectionConfig::of_table(table, crate::projection::clock::now()?)?;
                Ok(())
            })?;
        let mut out = StatementOutput::done(
            "alter_table",
            format!("Table {} altered", table.qualified_name()),
        );
        if let Some(l) = &location {
            out.messages.extend(Self::location_warning(l));
        }
        Ok(out)
    }

    fn alter_table(&mut self, name: &TableName, op: AlterTable) -> Result<StatementOutput> {
        if matches!(
            op,
            AlterTable::SetProperties(_)
                | AlterTable::SetLocation(_)
                | AlterTable::AddColumns(_)
                | AlterTable::ReplaceColumns(_)
        ) {
            return self.alter_definition(name, op);
        }
        let table = self.load_table(name)?;
        let qualified = table.qualified_name();
        let mut messages = Vec::new();
        match op {
            AlterTable::AddPartitions {
                if_not_exists,
                partitions,
            } => {
                let existing = self
                    .store
                    .list_partitions(&table.database_name, &table.name)?;
                let mut new: Vec<Partition> = Vec::with_capacity(partitions.len());
                for p in partitions {
                    let values = self.full_spec(&table, &p.spec)?;
                    // Values compare as their types: `hr=05` and `hr=5` are one partition.
                    let full: PartitionSpec = key_names(&table)
                        .iter()
                        .map(|k| k.to_string())
                        .zip(values.iter().cloned())
                        .collect();
                    let same = self.matching_partitions(&table, &full, &existing)?;
                    let already = same.first().map(|p| p.values.clone()).or_else(|| {
                        let added = self.matching_partitions(&table, &full, &new).ok()?;
                        added.first().map(|p| p.values.clone())
                    });
                    if let Some(found) = already {
                        if if_not_exists {
                            continue;
                        }
                        return Err(LakeError::semantic(
                            "ALREADY_EXISTS",
                            format!(
                                "partition ({}) already exists in {qualified} as {}",
                                describe_spec(&p.spec),
                                partition_path(&key_names(&table), &found)
                            ),
                        ));
                    }
                    let location = match p.location {
                        Some(l) => normalize_location(&l, &self.base_dir)?,
                        None => join_location(
                            &table.storage_descriptor.location,
                            &format!("{}/", partition_path(&key_names(&table), &values)),
                        ),
                    };
                    new.push(Partition {
                        values,
                        location,
                        parameters: BTreeMap::new(),
                        create_time: now_seconds(),
                    });
                }
                let added =
                    self.store
                        .add_partitions(&table.database_name, &table.name, &new, false)?;
                Ok(StatementOutput::done(
                    "alter_table",
                    format!("Added {added} partition(s) to {qualified}"),
                ))
            }
            AlterTable::DropPartitions { if_exists, specs } => {
                let existing = self
                    .store
                    .list_partitions(&table.database_name, &table.name)?;
                let mut to_drop: Vec<Vec<String>> = Vec::new();
                for spec in &specs {
                    let matches = self.matching_partitions(&table, spec, &existing)?;
                    if matches.is_empty() && !if_exists {
                        return Err(LakeError::semantic(
                            "PARTITION_NOT_FOUND",
                            format!(
                                "no partition of {qualified} matches ({})",
                                describe_spec(spec)
                            ),
                        ));
                    }
                    to_drop.extend(matches.into_iter().map(|p| p.values.clone()));
                }
                to_drop.sort();
                to_drop.dedup();
                let removed = self.store.drop_partitions(
                    &table.database_name,
                    &table.name,
                    &to_drop,
                    true,
                )?;
                Ok(StatementOutput::done(
                    "alter_table",
                    format!("Dropped {removed} partition(s) from {qualified}"),
                ))
            }
            AlterTable::SetPartitionLocation { spec, location } => {
                self.full_spec(&table, &spec)?;
                let location = normalize_location(&location, &self.base_dir)?;
                let existing = self
                    .store
                    .list_partitions(&table.database_name, &table.name)?;
                let mut partition = self
                    .matching_partitions(&table, &spec, &existing)?
                    .first()
                    .map(|p| (*p).clone())
                    .ok_or_else(|| {
                        LakeError::semantic(
                            "PARTITION_NOT_FOUND",
                            format!(
                                "partition ({}) of {qualified} does not exist",
                                describe_spec(&spec)
                            ),
                        )
                    })?;
                messages.extend(Self::location_warning(&location));
                partition.location = location;
                self.store
                    .update_partition(&table.database_name, &table.name, &partition)?;
                let mut out =
                    StatementOutput::done("alter_table", format!("Table {qualified} altered"));
                out.messages.extend(messages);
                Ok(out)
            }
            other => Err(LakeError::invalid(format!(
                "ALTER TABLE {qualified}: {other:?} is not a partition change"
            ))),
        }
    }

    /// Checks a spec names every partition key once with a valid value; returns the
    /// values in key order.
    pub(super) fn full_spec(&self, table: &Table, spec: &PartitionSpec) -> Result<Vec<String>> {
        check_spec_keys(table, spec)?;
        table
            .partition_keys
            .iter()
            .map(|key| {
                let (_, value) = spec.iter().find(|(k, _)| *k == key.name).ok_or_else(|| {
                    LakeError::invalid(format!(
                        "partition spec ({}) of {} is missing key '{}'",
                        describe_spec(spec),
                        table.qualified_name(),
                        key.name
                    ))
                })?;
                typed_value(key, &key.parsed_type()?, value)?;
                Ok(value.clone())
            })
            .collect()
    }

    /// The partitions matching a (possibly partial) spec; values compare as their types
    /// (`month=5` matches a partition registered as `month=05` for an `int` key).
    pub(super) fn matching_partitions<'p>(
        &self,
        table: &Table,
        spec: &PartitionSpec,
        partitions: &'p [Partition],
    ) -> Result<Vec<&'p Partition>> {
        check_spec_keys(table, spec)?;
        let mut wanted = Vec::new();
        for (k, v) in spec {
            let (i, key) = table
                .partition_keys
                .iter()
                .enumerate()
                .find(|(_, key)| key.name == *k)
                .expect("checked above");
            let t = key.parsed_type()?;
            wanted.push((i, key, t.clone(), typed_value(key, &t, v)?));
        }
        Ok(partitions
            .iter()
            .filter(|p| {
                wanted.iter().all(|(i, key, t, value)| {
                    p.values
                        .get(*i)
                        .and_then(|v| typed_value(key, t, v).ok())
                        .is_some_and(|pv| pv == *value)
                })
            })
            .collect())
    }
}

/// Resolves a relative `storage.location.template` like a LOCATION (stored absolute).
fn normalize_template(
    properties: &mut crate::catalog::model::Properties,
    base_dir: &std::path::Path,
) -> Result<()> {
    if let Some(t) = properties.get_mut("storage.location.template") {
        *t = normalize_location(t, base_dir)?;
    }
    Ok(())
}

fn check_spec_keys(table: &Table, spec: &PartitionSpec) -> Result<()> {
    if !table.is_partitioned() {
        return Err(LakeError::invalid(format!(
            "table {} is not partitioned",
            table.qualified_name()
        )));
    }
    for (k, _) in spec {
        if !table.partition_keys.iter().any(|key| key.name == *k) {
            return Err(LakeError::invalid(format!(
                "'{k}' is not a partition key of {} (keys: {})",
                table.qualified_name(),
                key_names(table).join(", ")
            )));
        }
    }
    Ok(())
}

fn key_names(table: &Table) -> Vec<&str> {
    table
        .partition_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect()
}

fn describe_spec(spec: &PartitionSpec) -> String {
    spec.iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
