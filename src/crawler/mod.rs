//! The crawler: discovers tables, schemas and partitions under a location, as a Glue
//! crawler does, and writes them to the catalog.
//!
//! [`crawl`] walks the location with delimiter listings ([`walk`]), samples each data
//! file — Parquet and Avro footers, the first lines of text ([`sample`], [`infer`]) —
//! decides table roots and partition levels ([`tables`]), and creates or updates each
//! table with its partitions in one catalog transaction per table ([`apply`]), following
//! the schema-change and recrawl policies. Everything it did or skipped is in the
//! [`CrawlReport`].

pub mod apply;
pub mod infer;
pub mod sample;
pub mod tables;
pub mod types;
pub mod walk;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::execution::context::SessionState;
use futures::StreamExt;
use object_store::{ObjectMeta, ObjectStore};

use crate::catalog::CatalogStore;
use crate::error::{LakeError, Result};
use crate::storage::LocationUrl;

/// What to do when a table's schema changed since the last crawl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaChange {
    /// Add new columns and widen types (Glue's `UPDATE_IN_DATABASE`).
    Update,
    /// Report the changes only (`LOG`).
    Log,
    /// Update, and mark columns no longer found as deprecated (`DEPRECATE_IN_DATABASE`).
    Deprecate,
}

/// Which folders a rerun reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recrawl {
    /// Sample every file again (`CRAWL_EVERYTHING`).
    Everything,
    /// Only partition folders not yet in the catalog; schema changes are only logged
    /// (`CRAWL_NEW_FOLDERS_ONLY`).
    NewFolders,
}

/// Crawl options (`CRAWL … WITH (…)`, or the `crawl` command's flags).
#[derive(Clone, Debug)]
pub struct CrawlOptions {
    /// Prefix for the names of created tables.
    pub table_prefix: String,
    /// Globs (relative to the location) of files and folders to leave out.
    pub exclude: Vec<String>,
    /// Schema-change policy.
    pub schema_change: SchemaChange,
    /// Recrawl policy.
    pub recrawl: Recrawl,
    /// Rows sampled per text file.
    pub sample_rows: usize,
    /// Group sibling folders with compatible schemas into one table.
    pub group: bool,
    /// Report only; write nothing.
    pub dry_run: bool,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            table_prefix: String::new(),
            exclude: Vec::new(),
            schema_change: SchemaChange::Update,
            recrawl: Recrawl::Everything,
            sample_rows: 1000,
            group: true,
            dry_run: false,
        }
    }
}

/// `true`/`yes`/`on`/`1` or `false`/`no`/`off`/`0`.
fn parse_flag(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn parse_schema_change(value: &str) -> Option<SchemaChange> {
    match value.to_ascii_lowercase().as_str() {
        "update" | "update_in_database" => Some(SchemaChange::Update),
        "log" => Some(SchemaChange::Log),
        "deprecate" | "deprecate_in_database" => Some(SchemaChange::Deprecate),
        _ => None,
    }
}

fn parse_recrawl(value: &str) -> Option<Recrawl> {
    match value.to_ascii_lowercase().as_str() {
        "everything" | "crawl_everything" => Some(Recrawl::Everything),
        "new_folders" | "new_folders_only" | "crawl_new_folders_only" => Some(Recrawl::NewFolders),
        _ => None,
    }
}

impl CrawlOptions {
    /// Applies one `key = value` option; unknown keys and bad values are errors that name
    /// them.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let bad = |expected: &str| {
            LakeError::invalid(format!(
                "CRAWL option {key} = '{value}': expected {expected}"
            ))
        };
        match key.to_ascii_lowercase().as_str() {
            "table_prefix" => self.table_prefix = value.to_lowercase(),
            "exclude" => self.add_excludes(value)?,
            "schema_change" | "schema_change_policy" => {
                self.schema_change =
                    parse_schema_change(value).ok_or_else(|| bad("update, log or deprecate"))?
            }
            "recrawl" | "recrawl_policy" => {
                self.recrawl =
                    parse_recrawl(value).ok_or_else(|| bad("everything or new_folders"))?
            }
            "sample_size" | "sample_rows" => {
                self.sample_rows = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| bad("a number of rows from 1 to 1000000"))?
            }
            "group" | "group_compatible_schemas" => {
                self.group = parse_flag(value).ok_or_else(|| bad("true or false"))?
            }
            "dry_run" => self.dry_run = parse_flag(value).ok_or_else(|| bad("true or false"))?,
            _ => {
                return Err(LakeError::invalid(format!(
                    "unknown CRAWL option '{key}'; options: table_prefix, exclude, \
                     schema_change, recrawl, sample_size, group, dry_run"
                )));
            }
        }
        Ok(())
    }

    /// Adds comma-separated exclude globs, checking that they build.
    fn add_excludes(&mut self, value: &str) -> Result<()> {
        self.exclude.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string),
        );
        walk::exclude_set(&self.exclude)?;
        Ok(())
    }
}

/// One line of the crawl report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportLine {
    /// What happened: `table created`, `table updated`, `file skipped`, ….
    pub action: &'static str,
    /// The table, column or file it concerns.
    pub subject: String,
    /// Details.
    pub detail: String,
}

/// What a crawl did.
#[derive(Clone, Debug, Default)]
pub struct CrawlReport {
    /// Lines, in order.
    pub lines: Vec<ReportLine>,
    /// Tables created.
    pub tables_created: usize,
    /// Tables whose definition changed.
    pub tables_updated: usize,
    /// Tables found unchanged.
    pub tables_unchanged: usize,
    /// Partitions added.
    pub partitions_added: usize,
    /// Files sampled.
    pub files_sampled: usize,
    /// Files skipped.
    pub files_skipped: usize,
    /// Folder listings.
    pub listings: usize,
}

impl CrawlReport {
    fn line(
        &mut self,
        action: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.lines.push(ReportLine {
            action,
            subject: subject.into(),
            detail: detail.into(),
        });
    }

    /// The lines as a dry run words them: what would be created or changed.
    pub fn as_dry_run(&mut self) {
        for line in &mut self.lines {
            line.action = match line.action {
                "database created" => "would create database",
                "table created" => "would create table",
                "table updated" => "would update table",
                "partitions added" => "would add partitions",
                other => other,
            };
        }
    }

    /// The one-line summary.
    pub fn summary(&self, location: &str, dry_run: bool) -> String {
        format!(
            "Crawl of {location}{}: {} table(s) created, {} updated, {} unchanged; {} \
             partition(s) added; {} file(s) sampled, {} skipped; {} folder listing(s)",
            if dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            self.tables_created,
            self.tables_updated,
            self.tables_unchanged,
            self.partitions_added,
            self.files_sampled,
            self.files_skipped,
            self.listings
        )
    }
}

/// Files sampled at once.
const SAMPLE_CONCURRENCY: usize = 16;

/// A file's path below the crawl root and what sampling it gave (or why it was skipped).
type SampleResult = (String, std::result::Result<sample::Sampled, String>);

/// Crawls `location` (a stored location URL) into database `db`.
pub async fn crawl(
    catalog: &Arc<dyn CatalogStore>,
    state: &SessionState,
    location: &str,
    db: &str,
    options: &CrawlOptions,
    progress: &(dyn Fn(String) + Send + Sync),
) -> Result<CrawlReport> {
    let root = LocationUrl::parse(location)?;
    let store: Arc<dyn ObjectStore> = state.runtime_env().object_store(&root.store)?;
    let exclude = walk::exclude_set(&options.exclude)?;
    let tree = walk::walk(
        &store,
        root.store.as_str(),
        &root.prefix,
        &exclude,
        progress,
    )
    .await?;
    let mut report = CrawlReport {
        listings: tree.listings,
        ..Default::default()
    };
    report.left_out(&tree);
    let known = apply::known_folders(catalog, db, location, options).await?;
    let to_sample = files_to_sample(&tree, &known);
    let results = sample_all(state, &store, to_sample, options, progress).await;
    let mut skipped: tables::Skips = Vec::new();
    let mut sampled = report.sampled(results, &mut skipped);
    sampled.extend(apply::known_files(&tree, &known));
    let planned = tables::plan_tables(&tree, &sampled, options.group, &mut skipped);
    report.skipped(skipped);
    if planned.is_empty() {
        report.nothing_found(&tree);
        return Ok(report);
    }
    apply::apply(catalog, db, location, &planned, options, &mut report).await?;
    if options.dry_run {
        report.as_dry_run();
    }
    Ok(report)
}

/// Every file not in an already-registered folder (all of them, unless recrawling new
/// folders only), with its path below the root.
fn files_to_sample(
    tree: &walk::Tree,
    known: &HashMap<String, crate::catalog::Table>,
) -> Vec<(String, ObjectMeta)> {
    let mut to_sample = Vec::new();
    for (rel, folder) in &tree.folders {
        for meta in &folder.files {
            let path = walk::join(rel, meta.location.filename().unwrap_or(""));
            if !known.contains_key(rel.as_str()) {
                to_sample.push((path, meta.clone()));
            }
        }
    }
    to_sample
}

/// Samples the files concurrently, reporting progress; the results are sorted by path.
async fn sample_all(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    to_sample: Vec<(String, ObjectMeta)>,
    options: &CrawlOptions,
    progress: &(dyn Fn(String) + Send + Sync),
) -> Vec<SampleResult> {
    let total = to_sample.len();
    let done = AtomicUsize::new(0);
    let mut results: Vec<SampleResult> =
        futures::stream::iter(to_sample.into_iter().map(|(path, meta)| {
            let store = store.clone();
            let done = &done;
            async move {
                let r = sample::sample_file(state, &store, &meta, options.sample_rows).await;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(100) || n == total {
                    progress(format!("crawl: {n}/{total} file(s) sampled"));
                }
                (path, r)
            }
        }))
        .buffer_unordered(SAMPLE_CONCURRENCY)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    results
}

impl CrawlReport {
    /// Reports the excluded paths and the folders too deep to walk.
    fn left_out(&mut self, tree: &walk::Tree) {
        for path in &tree.excluded {
            self.line("excluded", path.clone(), "matches an exclude pattern");
        }
        for path in &tree.too_deep {
            self.line(
                "not walked",
                path.clone(),
                format!(
                    "deeper than {} folder levels below the location",
                    walk::MAX_DEPTH
                ),
            );
        }
    }

    /// Counts and notes the sampled files; the unreadable ones go to `skipped`.
    fn sampled(
        &mut self,
        results: Vec<SampleResult>,
        skipped: &mut tables::Skips,
    ) -> HashMap<String, sample::Sampled> {
        let mut sampled = HashMap::new();
        for (path, r) in results {
            match r {
                Ok(s) => {
                    self.files_sampled += 1;
                    for note in &s.notes {
                        self.line("file note", path.clone(), note.clone());
                    }
                    sampled.insert(path, s);
                }
                Err(why) => skipped.push((
                    path,
                    format!("{why} (the file stays in its folder: a table over it reads it)"),
                )),
            }
        }
        sampled
    }

    /// Reports the skipped files, sorted.
    fn skipped(&mut self, mut skipped: tables::Skips) {
        skipped.sort();
        self.files_skipped = skipped.len();
        for (path, why) in skipped {
            self.line("file skipped", path, why);
        }
    }

    fn nothing_found(&mut self, tree: &walk::Tree) {
        self.line(
            "nothing found",
            "",
            if tree.file_count() == 0 {
                "no data files under this location".to_string()
            } else {
                "no readable data files under this location".to_string()
            },
        );
    }
}
