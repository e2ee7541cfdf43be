//! Writing what the crawl found: new tables with their partitions, or, for tables that
//! exist, the schema-change policy and the new partitions — one catalog transaction per
//! table, so a failure never leaves half a table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::infer::CsvShape;
use super::sample::{FileKind, Sampled};
use super::tables::Planned;
use super::types::{partition_value_type, widen};
use super::walk::Tree;
use super::{CrawlOptions, CrawlReport, Recrawl, SchemaChange};
use crate::catalog::CatalogStore;
use crate::catalog::hive_type::HiveType;
use crate::catalog::model::Properties;
use crate::catalog::model::{
    Column, Database, Partition, SerDeInfo, StorageDescriptor, Table, now_seconds,
};
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::storage_format::{DataFormat, classes, stored_as};
use crate::error::{LakeError, Result};
use crate::storage::location::normalize_dir;

/// The crawl location as a folder URL (one trailing `/`).
fn folder_url(location: &str, rel: &str) -> String {
    let base = normalize_dir(location);
    if rel.is_empty() {
        base
    } else {
        format!("{base}{rel}/")
    }
}

/// `rel` of a location below the crawl root, or `None` when it is elsewhere.
fn relative_to<'a>(location: &'a str, root: &str) -> Option<&'a str> {
    let root = normalize_dir(root);
    let dir = location.trim_end_matches('/');
    if normalize_dir(dir) == root {
        return Some("");
    }
    dir.strip_prefix(root.as_str())
}

/// When recrawling new folders only: the folders already registered (partition
/// locations, or the root of an unpartitioned table) below the crawl root, with their
/// table.
pub async fn known_folders(
    catalog: &Arc<dyn CatalogStore>,
    db: &str,
    location: &str,
    options: &CrawlOptions,
) -> Result<HashMap<String, Table>> {
    let mut known = HashMap::new();
    if options.recrawl != Recrawl::NewFolders || catalog.get_database(db).await?.is_none() {
        return Ok(known);
    }
    for name in catalog.list_tables(db).await? {
        let Some(table) = catalog.get_table(db, &name).await? else {
            continue;
        };
        if relative_to(&table.storage_descriptor.location, location).is_none() {
            continue;
        }
        if table.is_partitioned() {
            for p in catalog.list_partitions(db, &name).await? {
                if let Some(rel) = relative_to(&p.location, location) {
                    known.insert(rel.to_string(), table.clone());
                }
            }
        } else if let Some(rel) = relative_to(&table.storage_descriptor.location, location) {
            known.insert(rel.to_string(), table.clone());
        }
    }
    Ok(known)
}

/// What a catalog table's files are, as the sampler would describe them, with the
/// table's columns; `None` when lakesql cannot read the table's format.
fn kind_of_table(table: &Table) -> Option<(FileKind, Vec<(String, HiveType)>)> {
    let columns: Vec<(String, HiveType)> = table
        .storage_descriptor
        .columns
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.parsed_type().ok()?)))
        .collect();
    let kind = match DataFormat::of_table(table).ok()? {
        DataFormat::Parquet => FileKind::Parquet,
        DataFormat::Json => FileKind::Json,
        DataFormat::Avro => FileKind::Avro,
        DataFormat::Text(o) => FileKind::Csv(CsvShape {
            delimiter: o.delimiter,
            header: o.skip_header > 0,
            quoted: o.quote.is_some(),
            columns: columns.clone(),
            ragged_rows: 0,
            conflicts: vec![],
        }),
    };
    Some((kind, columns))
}

/// Stand-ins for files in known folders (not read): the table's own format and columns.
pub fn known_files(tree: &Tree, known: &HashMap<String, Table>) -> HashMap<String, Sampled> {
    let mut out = HashMap::new();
    for (rel, table) in known {
        let (Some(folder), Some((kind, columns))) = (tree.folders.get(rel), kind_of_table(table))
        else {
            continue;
        };
        for meta in &folder.files {
            let path = super::walk::join(rel, meta.location.filename().unwrap_or(""));
            out.insert(
                path,
                Sampled {
                    kind: kind.clone(),
                    columns: columns.clone(),
                    compression: None,
                    notes: vec![],
                },
            );
        }
    }
    out
}

/// A Hive table name from a folder name: lower case, other characters as `_`.
fn sanitize(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `prefix` + `name`, starting with a letter or `_` (`t_` is put before a leading digit).
fn prefixed(prefix: &str, name: &str) -> String {
    let out = format!("{prefix}{name}");
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t_{out}")
    } else {
        out
    }
}

fn table_name(prefix: &str, location: &str, rel: &str, used: &mut HashSet<String>) -> String {
    let last = if rel.is_empty() {
        location
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("root")
            .to_string()
    } else {
        rel.rsplit('/').next().unwrap_or(rel).to_string()
    };
    let mut name = prefixed(prefix, &sanitize(&last));
    if used.contains(&name) && rel.contains('/') {
        name = prefixed(prefix, &sanitize(&rel.replace('/', "_")));
    }
    let base = name.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}

/// The catalog definition of a planned table.
fn build_table(
    db: &str,
    name: &str,
    location: &str,
    planned: &Planned,
    columns: &[(String, HiveType)],
    keys: &[(String, HiveType)],
) -> Table {
    let (input, output, default_serde) = match planned.kind {
        FileKind::Parquet => stored_as("PARQUET"),
        FileKind::Avro => stored_as("AVRO"),
        _ => stored_as("TEXTFILE"),
    }
    .expect("known format");
    let mut parameters = Properties::new();
    parameters.insert(
        "classification".into(),
        planned.kind.classification().into(),
    );
    let serde_info = match &planned.kind {
        FileKind::Csv(shape) => {
            let delimiter = (shape.delimiter as char).to_string();
            if shape.header {
                parameters.insert("skip.header.line.count".into(), "1".into());
            }
            if shape.quoted {
                SerDeInfo {
                    serialization_library: Some(classes::OPEN_CSV_SERDE.into()),
                    parameters: [
                        ("separatorChar".to_string(), delimiter),
                        ("quoteChar".to_string(), "\"".to_string()),
                    ]
                    .into(),
                }
            } else {
                SerDeInfo {
                    serialization_library: Some(classes::LAZY_SIMPLE_SERDE.into()),
                    parameters: [
                        ("field.delim".to_string(), delimiter.clone()),
                        ("serialization.format".to_string(), delimiter),
                    ]
                    .into(),
                }
            }
        }
        FileKind::Json => SerDeInfo {
            serialization_library: Some(classes::OPENX_JSON_SERDE.into()),
            parameters: BTreeMap::new(),
        },
        _ => SerDeInfo {
            serialization_library: Some(default_serde.into()),
            parameters: BTreeMap::new(),
        },
    };
    let compression = planned.files.iter().find_map(|f| f.sampled.compression);
    if let Some(c) = compression {
        parameters.insert("compressionType".into(), c.into());
    }
    parameters.insert("UPDATED_BY_CRAWLER".into(), "lakesql".into());
    parameters.insert("objectCount".into(), planned.files.len().to_string());
    parameters.insert(
        "sizeKey".into(),
        planned
            .files
            .iter()
            .map(|f| f.meta.size)
            .sum::<u64>()
            .to_string(),
    );
    let column = |(n, t): &(String, HiveType)| Column {
        name: n.clone(),
        hive_type: t.to_string(),
        comment: None,
    };
    let storage = StorageDescriptor {
        columns: columns.iter().map(column).collect(),
        location: location.to_string(),
        input_format: Some(input.into()),
        output_format: Some(output.into()),
        compressed: compression.is_some(),
        serde_info,
    };
    let mut table = Table::external(db, name, storage);
    table.partition_keys = keys.iter().map(column).collect();
    table.parameters = parameters;
    table
}

/// Partitions of `planned` as catalog rows.
fn partitions_of(planned: &Planned, location: &str) -> Vec<Partition> {
    let now = now_seconds();
    planned
        .partitions()
        .into_iter()
        .map(|(values, rel)| Partition {
            values,
            location: folder_url(location, &rel),
            parameters: BTreeMap::new(),
            create_time: now,
        })
        .collect()
}

/// Creates or updates every planned table.
pub async fn apply(
    catalog: &Arc<dyn CatalogStore>,
    db: &str,
    location: &str,
    planned: &[Planned],
    options: &CrawlOptions,
    report: &mut CrawlReport,
) -> Result<()> {
    if catalog.get_database(db).await?.is_none() {
        if !options.dry_run {
            catalog
                .create_database(
                    &Database {
                        name: db.to_string(),
                        description: None,
                        location_uri: None,
                        parameters: BTreeMap::new(),
                        create_time: now_seconds(),
                    },
                    true,
                )
                .await?;
        }
        report.line("database created", db, "");
    }
    // Tables already in the database keep their names when the crawl finds them at their
    // location again; new tables get names no existing table has.
    let mut used: HashSet<String> = HashSet::new();
    let mut by_location: HashMap<String, String> = HashMap::new();
    if catalog.get_database(db).await?.is_some() {
        for name in catalog.list_tables(db).await? {
            if let Some(t) = catalog.get_table(db, &name).await? {
                by_location.insert(normalize_dir(&t.storage_descriptor.location), name.clone());
            }
            used.insert(name);
        }
    }
    for p in planned {
        let table_location = folder_url(location, &p.root);
        let name = match by_location.get(&table_location) {
            Some(existing) => existing.clone(),
            None => table_name(&options.table_prefix, location, &p.root, &mut used),
        };
        let qualified = format!("{db}.{name}");
        // One table's failure is reported; the others are still written.
        if let Err(e) = apply_one(
            catalog,
            db,
            &name,
            &table_location,
            location,
            p,
            options,
            report,
        )
        .await
        {
            report.line("table failed", qualified, e.to_string());
        }
    }
    Ok(())
}

/// Creates or updates one planned table.
#[allow(clippy::too_many_arguments)]
async fn apply_one(
    catalog: &Arc<dyn CatalogStore>,
    db: &str,
    name: &str,
    table_location: &str,
    location: &str,
    p: &Planned,
    options: &CrawlOptions,
    report: &mut CrawlReport,
) -> Result<()> {
    let qualified = format!("{db}.{name}");
    let key_names = p.key_names();
    let partitions = partitions_of(p, location);
    let keys: Vec<(String, HiveType)> = key_names
        .iter()
        .enumerate()
        .map(|(i, k)| {
            // Plain folders (`partition_N`) are strings, as Glue makes them; named
            // `key=value` levels get the type their values share.
            let t = match p.levels[i] {
                Some(_) => {
                    partition_value_type(partitions.iter().map(|part| part.values[i].as_str()))
                }
                None => HiveType::String,
            };
            (k.to_lowercase(), t)
        })
        .collect();
    let positional = matches!(p.kind, FileKind::Csv(_));
    let mut columns: Vec<(String, HiveType)> = Vec::new();
    for (n, t) in &p.columns {
        if keys.iter().any(|(k, _)| k == n) {
            if positional {
                // Text is read by position: keep the column, under another name.
                let renamed = format!("{n}_data");
                report.line(
                    "column renamed",
                    format!("{qualified}.{n}"),
                    format!("a partition key has the same name; the file column is {renamed}"),
                );
                columns.push((renamed, t.clone()));
            } else {
                report.line(
                    "column dropped",
                    format!("{qualified}.{n}"),
                    "a partition key has the same name; the partition value is read",
                );
            }
        } else {
            columns.push((n.clone(), t.clone()));
        }
    }
    for note in &p.notes {
        report.line("type conflict", qualified.clone(), note.clone());
    }
    // Every type must read back as written (odd nested names are back-quoted).
    for (n, t) in columns.iter().chain(&keys) {
        t.to_string().parse::<HiveType>().map_err(|e| {
            LakeError::invalid(format!(
                "column {n} has a type lakesql cannot store ({t}): {e}"
            ))
        })?;
    }
    match catalog.get_table(db, name).await? {
        None => {
            let table = build_table(db, name, table_location, p, &columns, &keys);
            DataFormat::of_table(&table)
                .map_err(|e| LakeError::invalid(format!("crawled table {qualified}: {e}")))?;
            if !options.dry_run {
                catalog
                    .save_crawled_table(&table, true, &partitions)
                    .await?;
            }
            report.tables_created += 1;
            report.partitions_added += partitions.len();
            let keys_text: Vec<String> = keys.iter().map(|(k, t)| format!("{k} {t}")).collect();
            report.line(
                "table created",
                qualified,
                format!(
                    "{}{}, {} column(s), {} file(s){}",
                    p.kind.classification(),
                    p.files
                        .iter()
                        .find_map(|f| f.sampled.compression)
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    columns.len(),
                    p.files.len(),
                    if keys.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", partitioned by ({}), {} partition(s)",
                            keys_text.join(", "),
                            partitions.len()
                        )
                    }
                ),
            );
            Ok(())
        }
        Some(existing) => {
            update_table(
                catalog, existing, p, &columns, &key_names, partitions, options, report,
            )
            .await
        }
    }
}

/// A rerun over an existing table: the schema-change policy, then new partitions.
#[allow(clippy::too_many_arguments)]
async fn update_table(
    catalog: &Arc<dyn CatalogStore>,
    existing: Table,
    p: &Planned,
    columns: &[(String, HiveType)],
    key_names: &[String],
    partitions: Vec<Partition>,
    options: &CrawlOptions,
    report: &mut CrawlReport,
) -> Result<()> {
    let qualified = existing.qualified_name();
    let existing_keys: Vec<String> = existing
        .partition_keys
        .iter()
        .map(|k| k.name.clone())
        .collect();
    // The crawl only finds a table again at its own location; its files must still be
    // of the table's format.
    let format_matches = kind_of_table(&existing).is_some_and(|(k, _)| k.compatible(&p.kind));
    if !format_matches
        || existing_keys
            != key_names
                .iter()
                .map(|k| k.to_lowercase())
                .collect::<Vec<_>>()
    {
        report.line(
            "table conflict",
            qualified,
            if format_matches {
                format!(
                    "the table is partitioned by ({}), its folders now by ({}); left unchanged",
                    existing_keys.join(", "),
                    key_names.join(", ")
                )
            } else {
                format!(
                    "its files are now {} and do not match the table's format ({}); left \
                     unchanged",
                    p.kind.classification(),
                    existing
                        .parameters
                        .get("classification")
                        .map_or("declared", String::as_str)
                )
            },
        );
        return Ok(());
    }

    // Text is read by position: the crawled columns must extend the table's, or the
    // table's extend them.
    if matches!(p.kind, FileKind::Csv(_)) {
        let have: Vec<&str> = existing
            .storage_descriptor
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let found: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
        let common = have.len().min(found.len());
        if have[..common] != found[..common] {
            report.line(
                "table conflict",
                qualified,
                format!(
                    "the files' columns ({}) are not in the table's order ({}); delimited text \
                     is read by position; left unchanged",
                    found.join(", "),
                    have.join(", ")
                ),
            );
            return Ok(());
        }
    }

    // Schema changes.
    let policy = if options.recrawl == Recrawl::NewFolders {
        SchemaChange::Log
    } else {
        options.schema_change
    };
    let mut table = existing.clone();
    let mut changes = Vec::new();
    for (name, t) in columns {
        match table
            .storage_descriptor
            .columns
            .iter_mut()
            .find(|c| &c.name == name)
        {
            None => {
                changes.push(format!("column added: {name} {t}"));
                table.storage_descriptor.columns.push(Column {
                    name: name.clone(),
                    hive_type: t.to_string(),
                    comment: None,
                });
            }
            Some(c) => {
                let Ok(current) = c.parsed_type() else {
                    continue;
                };
                let (wider, _) = widen(&current, t);
                if wider != current {
                    changes.push(format!("column widened: {name} {current} → {wider}"));
                    c.hive_type = wider.to_string();
                }
            }
        }
    }
    if policy == SchemaChange::Deprecate {
        let found: BTreeSet<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        for c in &mut table.storage_descriptor.columns {
            let already = c
                .comment
                .as_deref()
                .is_some_and(|m| m.starts_with("deprecated"));
            if !found.contains(c.name.as_str()) && !already {
                changes.push(format!("column deprecated: {}", c.name));
                c.comment = Some("deprecated: not found by a crawl".to_string());
            }
        }
    }
    let schema_changed = !changes.is_empty();
    if policy == SchemaChange::Log {
        for change in &changes {
            report.line(
                "schema change logged",
                qualified.clone(),
                format!("not applied: {change}"),
            );
        }
        table = existing.clone();
    }

    // New partitions, checked against the key types.
    let registered: HashSet<Vec<String>> = catalog
        .list_partitions(&existing.database_name, &existing.name)
        .await?
        .into_iter()
        .map(|p| p.values)
        .collect();
    let keys = TypedKeys::of(&existing)?;
    let mut added = Vec::new();
    for part in partitions {
        if registered.contains(&part.values) {
            continue;
        }
        let bad = (part.values.iter().enumerate()).find_map(|(i, v)| keys.typed(i, v).err());
        match bad {
            Some(e) => report.line("partition skipped", part.location.clone(), e.to_string()),
            None => added.push(part),
        }
    }
    let apply_schema = schema_changed && policy != SchemaChange::Log;
    if apply_schema {
        table.update_time = now_seconds();
        table
            .parameters
            .insert("UPDATED_BY_CRAWLER".into(), "lakesql".into());
    }
    if (apply_schema || !added.is_empty()) && !options.dry_run {
        catalog.save_crawled_table(&table, false, &added).await?;
    }
    report.partitions_added += added.len();
    if apply_schema {
        report.tables_updated += 1;
        report.line("table updated", qualified.clone(), changes.join("; "));
    } else {
        report.tables_unchanged += 1;
        report.line(
            "table unchanged",
            qualified.clone(),
            if schema_changed {
                "schema changes logged only"
            } else {
                "schema unchanged"
            },
        );
    }
    if !added.is_empty() {
        report.line(
            "partitions added",
            qualified,
            format!("{} partition(s)", added.len()),
        );
    }
    Ok(())
}
