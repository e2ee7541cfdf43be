//! Writing what the crawl found: new tables with their partitions, or, for tables that
//! exist, the schema-change policy and the new partitions — one catalog transaction per
//! table, so a failure never leaves half a table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::infer::{Columns, CsvShape};
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
use crate::catalog::storage_format::{
    DataFormat, Framing, RecordOptions, RecordSerde, classes, stored_as,
};
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
    if options.recrawl != Recrawl::NewFolders {
        return Ok(known);
    }
    // A database that does not exist yet lists no tables.
    for name in catalog.list_tables(db).await? {
        let Some(table) = catalog.get_table(db, &name).await? else {
            continue;
        };
        if table.is_view() {
            continue;
        }
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
        DataFormat::Records(RecordOptions {
            serde: RecordSerde::Json(_),
            framing: Framing::Lines { .. },
        }) => FileKind::Json,
        DataFormat::Records(_) => return None,
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

/// The Hive storage classes (input, output, default SerDe) of a file kind.
fn storage_classes(kind: &FileKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        FileKind::Parquet => stored_as("PARQUET"),
        FileKind::Avro => stored_as("AVRO"),
        _ => stored_as("TEXTFILE"),
    }
    .expect("known format")
}

/// The SerDe that reads a file kind: OpenCSV for quoted text, LazySimple for other text,
/// OpenX for JSON, the format's own otherwise.
fn serde_of(kind: &FileKind, default_serde: &str) -> SerDeInfo {
    let (library, parameters) = match kind {
        FileKind::Csv(shape) => {
            let delimiter = (shape.delimiter as char).to_string();
            if shape.quoted {
                (
                    classes::OPEN_CSV_SERDE,
                    [
                        ("separatorChar".to_string(), delimiter),
                        ("quoteChar".to_string(), "\"".to_string()),
                    ]
                    .into(),
                )
            } else {
                (
                    classes::LAZY_SIMPLE_SERDE,
                    [
                        ("field.delim".to_string(), delimiter.clone()),
                        ("serialization.format".to_string(), delimiter),
                    ]
                    .into(),
                )
            }
        }
        FileKind::Json => (classes::OPENX_JSON_SERDE, BTreeMap::new()),
        _ => (default_serde, BTreeMap::new()),
    };
    SerDeInfo {
        serialization_library: Some(library.into()),
        parameters,
    }
}

/// The table parameters a crawler writes: classification, header, compression, and the
/// file count and size.
fn table_parameters(planned: &Planned) -> Properties {
    let mut parameters = Properties::new();
    parameters.insert(
        "classification".into(),
        planned.kind.classification().into(),
    );
    if let FileKind::Csv(shape) = &planned.kind
        && shape.header
    {
        parameters.insert("skip.header.line.count".into(), "1".into());
    }
    if let Some(c) = planned.compression() {
        parameters.insert("compressionType".into(), c.into());
    }
    parameters.insert("UPDATED_BY_CRAWLER".into(), "lakesql".into());
    parameters.insert("objectCount".into(), planned.files.len().to_string());
    let size: u64 = planned.files.iter().map(|f| f.meta.size).sum();
    parameters.insert("sizeKey".into(), size.to_string());
    parameters
}

fn catalog_column((name, t): &(String, HiveType)) -> Column {
    Column {
        name: name.clone(),
        hive_type: t.to_string(),
        comment: None,
    }
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

/// Partition keys with their types: plain folders (`partition_N`) are strings, as Glue
/// makes them; named `key=value` levels get the type their values share.
fn key_types(planned: &Planned, key_names: &[String], partitions: &[Partition]) -> Columns {
    key_names
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let t = match planned.levels[i] {
                Some(_) => {
                    partition_value_type(partitions.iter().map(|part| part.values[i].as_str()))
                }
                None => HiveType::String,
            };
            (k.to_lowercase(), t)
        })
        .collect()
}

/// Every type must read back as written (odd nested names are back-quoted).
fn check_storable(columns: &Columns, keys: &Columns) -> Result<()> {
    for (n, t) in columns.iter().chain(keys) {
        t.to_string().parse::<HiveType>().map_err(|e| {
            LakeError::invalid(format!(
                "column {n} has a type lakesql cannot store ({t}): {e}"
            ))
        })?;
    }
    Ok(())
}

/// Why an existing table cannot take the crawled files: another format, or other
/// partition keys. The crawl only finds a table again at its own location.
fn layout_conflict(existing: &Table, draft: &TableDraft) -> Option<String> {
    let p = draft.planned;
    let existing_keys: Vec<String> = existing
        .partition_keys
        .iter()
        .map(|k| k.name.clone())
        .collect();
    let format_matches = kind_of_table(existing).is_some_and(|(k, _)| k.compatible(&p.kind));
    let crawled_keys: Vec<String> = draft.key_names.iter().map(|k| k.to_lowercase()).collect();
    if format_matches && existing_keys == crawled_keys {
        return None;
    }
    Some(if format_matches {
        format!(
            "the table is partitioned by ({}), its folders now by ({}); left unchanged",
            existing_keys.join(", "),
            draft.key_names.join(", ")
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
    })
}

/// Text is read by position: the crawled columns must extend the table's, or the table's
/// extend them.
fn column_order_conflict(existing: &Table, draft: &TableDraft) -> Option<String> {
    if !matches!(draft.planned.kind, FileKind::Csv(_)) {
        return None;
    }
    let have: Vec<&str> = existing
        .storage_descriptor
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let found: Vec<&str> = draft.columns.iter().map(|c| c.0.as_str()).collect();
    let common = have.len().min(found.len());
    (have[..common] != found[..common]).then(|| {
        format!(
            "the files' columns ({}) are not in the table's order ({}); delimited text \
             is read by position; left unchanged",
            found.join(", "),
            have.join(", ")
        )
    })
}

/// Adds the crawled columns the table lacks and widens those whose type grew.
fn add_and_widen(table: &mut Table, columns: &Columns, changes: &mut Vec<String>) {
    for (name, t) in columns {
        match table
            .storage_descriptor
            .columns
            .iter_mut()
            .find(|c| &c.name == name)
        {
            None => {
                changes.push(format!("column added: {name} {t}"));
                table
                    .storage_descriptor
                    .columns
                    .push(catalog_column(&(name.clone(), t.clone())));
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
}

/// Marks the table's columns the crawl did not find as deprecated (once).
fn deprecate_missing(table: &mut Table, columns: &Columns, changes: &mut Vec<String>) {
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

/// One planned table as it is to be written: name, location, columns and partitions.
struct TableDraft<'p> {
    planned: &'p Planned,
    name: String,
    qualified: String,
    location: String,
    key_names: Vec<String>,
    keys: Columns,
    columns: Columns,
    partitions: Vec<Partition>,
}

impl TableDraft<'_> {
    /// The catalog definition of a new table.
    fn catalog_table(&self, db: &str) -> Table {
        let (input, output, default_serde) = storage_classes(&self.planned.kind);
        let storage = StorageDescriptor {
            columns: self.columns.iter().map(catalog_column).collect(),
            location: self.location.clone(),
            input_format: Some(input.into()),
            output_format: Some(output.into()),
            compressed: self.planned.compression().is_some(),
            serde_info: serde_of(&self.planned.kind, default_serde),
        };
        let mut table = Table::external(db, &self.name, storage);
        table.partition_keys = self.keys.iter().map(catalog_column).collect();
        table.parameters = table_parameters(self.planned);
        table
    }

    /// The `table created` detail: format, compression, columns, files and partitioning.
    fn created_detail(&self) -> String {
        let p = self.planned;
        let partitioning = if self.keys.is_empty() {
            String::new()
        } else {
            let keys_text: Vec<String> =
                self.keys.iter().map(|(k, t)| format!("{k} {t}")).collect();
            format!(
                ", partitioned by ({}), {} partition(s)",
                keys_text.join(", "),
                self.partitions.len()
            )
        };
        format!(
            "{}{}, {} column(s), {} file(s){partitioning}",
            p.kind.classification(),
            p.compression()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            self.columns.len(),
            p.files.len(),
        )
    }
}

/// Table names in the database: tables already there keep their names when the crawl
/// finds them at their location again; new tables get names no existing table has.
#[derive(Default)]
struct TableNames {
    used: HashSet<String>,
    by_location: HashMap<String, String>,
}

impl TableNames {
    fn name_for(&mut self, prefix: &str, location: &str, planned: &Planned) -> String {
        let table_location = folder_url(location, &planned.root);
        match self.by_location.get(&table_location) {
            Some(existing) => existing.clone(),
            None => table_name(prefix, location, &planned.root, &mut self.used),
        }
    }
}

/// What every step of writing a crawl needs.
struct Writer<'a> {
    catalog: &'a Arc<dyn CatalogStore>,
    db: &'a str,
    location: &'a str,
    options: &'a CrawlOptions,
    report: &'a mut CrawlReport,
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
    let mut writer = Writer {
        catalog,
        db,
        location,
        options,
        report,
    };
    writer.ensure_database().await?;
    let mut names = writer.table_names().await?;
    for p in planned {
        let name = names.name_for(&options.table_prefix, location, p);
        // One table's failure is reported; the others are still written.
        if let Err(e) = writer.apply_one(&name, p).await {
            writer
                .report
                .line("table failed", format!("{db}.{name}"), e.to_string());
        }
    }
    Ok(())
}

impl Writer<'_> {
    /// Creates the database when it does not exist (reported, even in a dry run).
    async fn ensure_database(&mut self) -> Result<()> {
        if self.catalog.get_database(self.db).await?.is_some() {
            return Ok(());
        }
        if !self.options.dry_run {
            let database = Database {
                name: self.db.to_string(),
                description: None,
                location_uri: None,
                parameters: BTreeMap::new(),
                create_time: now_seconds(),
            };
            self.catalog.create_database(&database, true).await?;
        }
        self.report.line("database created", self.db, "");
        Ok(())
    }

    /// The names and locations of the tables already in the database.
    async fn table_names(&self) -> Result<TableNames> {
        // A database that does not exist (a dry run) lists no tables.
        let mut names = TableNames::default();
        for name in self.catalog.list_tables(self.db).await? {
            if let Some(t) = self.catalog.get_table(self.db, &name).await?
                && !t.is_view()
            {
                let location = normalize_dir(&t.storage_descriptor.location);
                names.by_location.insert(location, name.clone());
            }
            names.used.insert(name);
        }
        Ok(names)
    }

    /// Creates or updates one planned table.
    async fn apply_one(&mut self, name: &str, p: &Planned) -> Result<()> {
        let draft = self.draft(name, p);
        for note in &p.notes {
            self.report
                .line("type conflict", draft.qualified.clone(), note.clone());
        }
        check_storable(&draft.columns, &draft.keys)?;
        match self.catalog.get_table(self.db, name).await? {
            None => self.create_table(draft).await,
            // Names are chosen among unused ones; a view is never replaced by a table.
            Some(existing) if existing.is_view() => Err(LakeError::invalid(format!(
                "{} is a view; the crawler does not replace views",
                existing.qualified_name()
            ))),
            Some(existing) => self.update_table(existing, draft).await,
        }
    }

    /// The table `p` describes, named `name`.
    fn draft<'p>(&mut self, name: &str, p: &'p Planned) -> TableDraft<'p> {
        let qualified = format!("{}.{name}", self.db);
        let key_names = p.key_names();
        let partitions = partitions_of(p, self.location);
        let keys = key_types(p, &key_names, &partitions);
        let columns = self.data_columns(&qualified, p, &keys);
        TableDraft {
            planned: p,
            name: name.to_string(),
            qualified,
            location: folder_url(self.location, &p.root),
            key_names,
            keys,
            columns,
            partitions,
        }
    }

    /// The file columns beside the partition keys: a file column named like a key is
    /// renamed when text is read by position, dropped otherwise.
    fn data_columns(&mut self, qualified: &str, p: &Planned, keys: &Columns) -> Columns {
        let positional = matches!(p.kind, FileKind::Csv(_));
        let mut columns = Vec::new();
        for (n, t) in &p.columns {
            if !keys.iter().any(|(k, _)| k == n) {
                columns.push((n.clone(), t.clone()));
            } else if positional {
                let renamed = format!("{n}_data");
                self.report.line(
                    "column renamed",
                    format!("{qualified}.{n}"),
                    format!("a partition key has the same name; the file column is {renamed}"),
                );
                columns.push((renamed, t.clone()));
            } else {
                self.report.line(
                    "column dropped",
                    format!("{qualified}.{n}"),
                    "a partition key has the same name; the partition value is read",
                );
            }
        }
        columns
    }

    /// Writes a new table with its partitions.
    async fn create_table(&mut self, draft: TableDraft<'_>) -> Result<()> {
        let table = draft.catalog_table(self.db);
        DataFormat::of_table(&table)
            .map_err(|e| LakeError::invalid(format!("crawled table {}: {e}", draft.qualified)))?;
        if !self.options.dry_run {
            self.catalog
                .save_crawled_table(&table, true, &draft.partitions)
                .await?;
        }
        self.report.tables_created += 1;
        self.report.partitions_added += draft.partitions.len();
        let detail = draft.created_detail();
        self.report.line("table created", draft.qualified, detail);
        Ok(())
    }

    /// A rerun over an existing table: the schema-change policy, then new partitions.
    async fn update_table(&mut self, existing: Table, draft: TableDraft<'_>) -> Result<()> {
        let qualified = existing.qualified_name();
        let conflict =
            layout_conflict(&existing, &draft).or_else(|| column_order_conflict(&existing, &draft));
        if let Some(why) = conflict {
            self.report.line("table conflict", qualified, why);
            return Ok(());
        }
        let policy = self.schema_policy();
        let mut table = existing.clone();
        let mut changes = Vec::new();
        add_and_widen(&mut table, &draft.columns, &mut changes);
        if policy == SchemaChange::Deprecate {
            deprecate_missing(&mut table, &draft.columns, &mut changes);
        }
        let schema_changed = !changes.is_empty();
        if policy == SchemaChange::Log {
            self.log_changes(&qualified, &changes);
            table = existing.clone();
        }
        let added = self.new_partitions(&existing, draft.partitions).await?;
        let apply_schema = schema_changed && policy != SchemaChange::Log;
        if apply_schema {
            table.update_time = now_seconds();
            table
                .parameters
                .insert("UPDATED_BY_CRAWLER".into(), "lakesql".into());
        }
        if (apply_schema || !added.is_empty()) && !self.options.dry_run {
            self.catalog
                .save_crawled_table(&table, false, &added)
                .await?;
        }
        self.report_update(qualified, &changes, apply_schema, added.len());
        Ok(())
    }

    /// The schema-change policy; recrawling new folders only logs changes.
    fn schema_policy(&self) -> SchemaChange {
        if self.options.recrawl == Recrawl::NewFolders {
            SchemaChange::Log
        } else {
            self.options.schema_change
        }
    }

    fn log_changes(&mut self, qualified: &str, changes: &[String]) {
        for change in changes {
            self.report.line(
                "schema change logged",
                qualified,
                format!("not applied: {change}"),
            );
        }
    }

    /// The crawled partitions not yet registered whose values fit the key types; the
    /// others are reported as skipped.
    async fn new_partitions(
        &mut self,
        existing: &Table,
        partitions: Vec<Partition>,
    ) -> Result<Vec<Partition>> {
        let keys = TypedKeys::of(existing)?;
        // Values compare as their types: the folder `month=05` is a registered `month=5`.
        let registered: HashSet<Vec<String>> = self
            .catalog
            .list_partitions(&existing.database_name, &existing.name)
            .await?
            .iter()
            .map(|p| keys.identities(&p.values))
            .collect();
        let mut added = Vec::new();
        for part in partitions {
            if registered.contains(&keys.identities(&part.values)) {
                continue;
            }
            let bad = (part.values.iter().enumerate()).find_map(|(i, v)| keys.typed(i, v).err());
            match bad {
                Some(e) => {
                    self.report
                        .line("partition skipped", part.location.clone(), e.to_string())
                }
                None => added.push(part),
            }
        }
        Ok(added)
    }

    /// Reports what a rerun did to one table.
    fn report_update(
        &mut self,
        qualified: String,
        changes: &[String],
        applied: bool,
        added: usize,
    ) {
        self.report.partitions_added += added;
        if applied {
            self.report.tables_updated += 1;
            self.report
                .line("table updated", qualified.clone(), changes.join("; "));
        } else {
            self.report.tables_unchanged += 1;
            let detail = if changes.is_empty() {
                "schema unchanged"
            } else {
                "schema changes logged only"
            };
            self.report
                .line("table unchanged", qualified.clone(), detail);
        }
        if added > 0 {
            self.report.line(
                "partitions added",
                qualified,
                format!("{added} partition(s)"),
            );
        }
    }
}
