//! Deciding where tables are: which folder is a table root, which folder levels below it
//! are partitions, and which files belong together.
//!
//! Bottom-up over the walked tree: a folder with files and no sub-folders is a table of
//! its own; sub-folders that are `key=value` with one key are always partitions of their
//! parent (their schemas are merged, the seed's "varying columns" case); plain
//! sub-folders are partitions (`partition_0`, …) when grouping is on and they hold
//! tables of the same format, depth and similar columns; otherwise each is its own table.

use std::collections::{BTreeMap, HashMap};

use object_store::ObjectMeta;

use super::infer::Columns;
use super::sample::{FileKind, Sampled};
use super::types::widen;
use super::walk::{Tree, join};
use crate::catalog::partition_path::unescape_path_name;

/// A data file with what sampling found.
#[derive(Clone, Debug)]
pub struct PlannedFile {
    /// Folder, relative to the crawl root.
    pub folder: String,
    /// The object.
    pub meta: ObjectMeta,
    /// Its classification.
    pub sampled: Sampled,
}

/// One table the crawl found.
#[derive(Clone, Debug)]
pub struct Planned {
    /// Root folder, relative to the crawl root.
    pub root: String,
    /// Partition levels below the root: `Some(key)` for `key=value` folders.
    pub levels: Vec<Option<String>>,
    /// Data files, all `levels.len()` folders below the root.
    pub files: Vec<PlannedFile>,
    /// Format of the files.
    pub kind: FileKind,
    /// Merged columns.
    pub columns: Columns,
    /// What merging found (widened or conflicting columns).
    pub notes: Vec<String>,
}

impl Planned {
    /// The compression of the first compressed file, if any.
    pub fn compression(&self) -> Option<&'static str> {
        self.files.iter().find_map(|f| f.sampled.compression)
    }

    /// Partition key names: the folder keys, or `partition_N` by depth, as Glue names them.
    pub fn key_names(&self) -> Vec<String> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, l)| l.clone().unwrap_or_else(|| format!("partition_{i}")))
            .collect()
    }

    /// Every partition: values (folder values, unescaped) and the folder relative to the
    /// crawl root, sorted.
    pub fn partitions(&self) -> BTreeMap<Vec<String>, String> {
        let mut out = BTreeMap::new();
        for f in &self.files {
            let below = f
                .folder
                .strip_prefix(&self.root)
                .unwrap_or(&f.folder)
                .trim_start_matches('/');
            if below.is_empty() {
                continue;
            }
            let values = below
                .split('/')
                .zip(&self.levels)
                .map(|(segment, level)| match (level, segment.split_once('=')) {
                    (Some(_), Some((_, v))) => unescape_path_name(v),
                    _ => segment.to_string(),
                })
                .collect();
            out.insert(values, f.folder.clone());
        }
        out
    }
}

/// Why files were left out.
pub type Skips = Vec<(String, String)>;

/// Plans the tables below the crawl root.
pub fn plan_tables(
    tree: &Tree,
    sampled: &HashMap<String, Sampled>,
    group: bool,
    skipped: &mut Skips,
) -> Vec<Planned> {
    let planner = Planner {
        tree,
        sampled,
        group,
    };
    planner.plan("", skipped)
}

struct Planner<'a> {
    tree: &'a Tree,
    sampled: &'a HashMap<String, Sampled>,
    group: bool,
}

/// Skips the files of folder `rel`, for the same reason.
fn skip_all(rel: &str, files: Vec<PlannedFile>, why: &str, skipped: &mut Skips) {
    for f in files {
        skipped.push((
            join(rel, f.meta.location.filename().unwrap_or("")),
            why.to_string(),
        ));
    }
}

/// `key` when `name` is `key=value`.
fn kv_key(name: &str) -> Option<&str> {
    name.split_once('=')
        .map(|(k, _)| k)
        .filter(|k| !k.is_empty())
}

impl Planner<'_> {
    fn plan(&self, rel: &str, skipped: &mut Skips) -> Vec<Planned> {
        let Some(folder) = self.tree.folders.get(rel) else {
            return vec![];
        };
        let own: Vec<PlannedFile> = folder
            .files
            .iter()
            .filter_map(|meta| {
                let path = join(rel, meta.location.filename().unwrap_or(""));
                self.sampled.get(&path).map(|s| PlannedFile {
                    folder: rel.to_string(),
                    meta: meta.clone(),
                    sampled: s.clone(),
                })
            })
            .collect();
        let children: Vec<(String, Vec<Planned>)> = folder
            .children
            .iter()
            .map(|c| (c.clone(), self.plan(&join(rel, c), skipped)))
            .filter(|(_, p)| !p.is_empty())
            .collect();
        if children.is_empty() {
            return leaf(rel, own, skipped).into_iter().collect();
        }
        let key = children
            .first()
            .and_then(|(n, _)| kv_key(n))
            .filter(|k| children.iter().all(|(n, _)| kv_key(n) == Some(k)))
            .map(str::to_string);
        let singles: Option<Vec<&Planned>> = children
            .iter()
            .map(|(name, plans)| {
                (plans.len() == 1 && plans[0].root == join(rel, name)).then(|| &plans[0])
            })
            .collect();
        if let Some(singles) = singles
            && let Some(merged) = self.merge(rel, key, &singles, skipped)
        {
            let why = "file beside partition folders (not at the partition depth)";
            skip_all(rel, own, why, skipped);
            return vec![merged];
        }
        skip_all(
            rel,
            own,
            "file beside sub-folders that hold other tables",
            skipped,
        );
        children.into_iter().flat_map(|(_, p)| p).collect()
    }

    /// Merges single-table children into one table rooted at `rel`, or `None` when they
    /// should stay separate.
    fn merge(
        &self,
        rel: &str,
        key: Option<String>,
        children: &[&Planned],
        skipped: &mut Skips,
    ) -> Option<Planned> {
        let depth = children[0].levels.len();
        if children.iter().any(|c| c.levels.len() != depth) {
            return None;
        }
        // `key=value` folders are always partitions; plain ones only when grouping similar
        // tables.
        if key.is_none() && !(self.group && all_similar(children)) {
            return None;
        }
        // The format most files have; files of other formats are skipped.
        let majority = majority_kind(children.iter().flat_map(|c| c.files.iter()));
        let levels = merged_levels(key, children, depth);
        let files = files_of_kind(children, &majority, skipped);
        let mut kind = majority;
        let (files, columns, notes) = merge_files(files, &mut kind, skipped);
        Some(Planned {
            root: rel.to_string(),
            levels,
            files,
            kind,
            columns,
            notes,
        })
    }
}

/// Whether the tables have compatible formats and similar columns.
fn all_similar(children: &[&Planned]) -> bool {
    let first = children[0];
    children
        .iter()
        .all(|c| c.kind.compatible(&first.kind) && similar(&c.columns, &first.columns))
}

/// The partition levels of merged tables: `key` above theirs; a level keeps its key name
/// only when every table has it.
fn merged_levels(key: Option<String>, children: &[&Planned], depth: usize) -> Vec<Option<String>> {
    let mut levels = vec![key];
    for i in 0..depth {
        let first = &children[0].levels[i];
        levels.push(if children.iter().all(|c| &c.levels[i] == first) {
            first.clone()
        } else {
            None
        });
    }
    levels
}

/// The files of the tables of kind `majority`; the others are skipped.
fn files_of_kind(
    children: &[&Planned],
    majority: &FileKind,
    skipped: &mut Skips,
) -> Vec<PlannedFile> {
    let mut files = Vec::new();
    for c in children {
        if c.kind.compatible(majority) {
            files.extend(c.files.iter().cloned());
            continue;
        }
        for f in &c.files {
            skipped.push((
                join(&f.folder, f.meta.location.filename().unwrap_or("")),
                format!(
                    "mixed formats: {} file in a {} table",
                    f.sampled.kind.classification(),
                    majority.classification()
                ),
            ));
        }
    }
    files
}

/// A table of the files directly in one folder.
fn leaf(rel: &str, files: Vec<PlannedFile>, skipped: &mut Skips) -> Option<Planned> {
    if files.is_empty() {
        return None;
    }
    let majority = majority_kind(files.iter());
    let (keep, other): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|f| f.sampled.kind.compatible(&majority));
    for f in other {
        skipped.push((
            join(rel, f.meta.location.filename().unwrap_or("")),
            format!(
                "mixed formats in one folder: {} file among {} files",
                describe(&f.sampled.kind),
                describe(&majority)
            ),
        ));
    }
    let mut kind = majority;
    let (files, columns, notes) = merge_files(keep, &mut kind, skipped);
    if files.is_empty() {
        return None;
    }
    Some(Planned {
        root: rel.to_string(),
        levels: vec![],
        files,
        kind,
        columns,
        notes,
    })
}

fn describe(kind: &FileKind) -> String {
    match kind {
        FileKind::Csv(s) => format!(
            "csv ({} delimited{})",
            match s.delimiter {
                b'\t' => "tab".to_string(),
                0x01 => "^A".to_string(),
                d => format!("'{}'", d as char),
            },
            if s.header { ", with header" } else { "" }
        ),
        k => k.classification().to_string(),
    }
}

fn majority_kind<'a>(files: impl Iterator<Item = &'a PlannedFile>) -> FileKind {
    let mut counts: Vec<(FileKind, usize)> = Vec::new();
    for f in files {
        match counts
            .iter_mut()
            .find(|(k, _)| k.compatible(&f.sampled.kind))
        {
            Some((_, n)) => *n += 1,
            None => counts.push((f.sampled.kind.clone(), 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
        .unwrap_or(FileKind::Json)
}

/// Columns shared enough to be one table: half or more of the names in common (or the
/// same width, for text without a header).
fn similar(a: &Columns, b: &Columns) -> bool {
    let headerless = |c: &Columns| c.iter().all(|(n, _)| n.starts_with("col"));
    if headerless(a) && headerless(b) {
        return a.len() == b.len();
    }
    let common = a
        .iter()
        .filter(|(n, _)| b.iter().any(|(m, _)| m == n))
        .count();
    let union = a.len() + b.len() - common;
    union > 0 && common * 2 >= union
}

/// Why a text file's columns cannot be read by position as the table's, if they cannot
/// (neither list is a prefix of the other).
fn out_of_order(file: &Columns, table: &Columns) -> Option<String> {
    let names: Vec<&str> = file.iter().map(|c| c.0.as_str()).collect();
    let current: Vec<&str> = table.iter().map(|c| c.0.as_str()).collect();
    let common = names.len().min(current.len());
    (names[..common] != current[..common]).then(|| {
        format!(
            "columns ({}) are not in the order of the table's ({}): delimited text \
             is read by position",
            names.join(", "),
            current.join(", ")
        )
    })
}

/// Merges the files of one table: the union of their columns by name (first appearance
/// order) with widened types. Delimited text is read by position, so a text file whose
/// columns do not line up with the table's (one list a prefix of the other) is skipped.
/// A text table is quoted (OpenCSVSerde) when any of its files is.
pub fn merge_files(
    files: Vec<PlannedFile>,
    kind: &mut FileKind,
    skipped: &mut Skips,
) -> (Vec<PlannedFile>, Columns, Vec<String>) {
    let positional = matches!(kind, FileKind::Csv(_));
    let mut columns: Columns = Vec::new();
    let mut notes = Vec::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    let mut kept = Vec::new();
    for f in files {
        let path = join(&f.folder, f.meta.location.filename().unwrap_or(""));
        if positional && let Some(why) = out_of_order(&f.sampled.columns, &columns) {
            skipped.push((path, why));
            continue;
        }
        for (name, t) in &f.sampled.columns {
            match columns.iter_mut().find(|(n, _)| n == name) {
                None => {
                    first_seen.insert(name.clone(), path.clone());
                    columns.push((name.clone(), t.clone()));
                }
                Some((_, existing)) if existing != t => {
                    let (w, conflict) = widen(existing, t);
                    if conflict && notes.len() < 50 {
                        notes.push(format!(
                            "column {name}: {existing} in {} but {t} in {path}; read as {w}",
                            first_seen.get(name).map_or("", String::as_str)
                        ));
                    }
                    *existing = w;
                }
                Some(_) => {}
            }
        }
        kept.push(f);
    }
    if let FileKind::Csv(shape) = kind {
        shape.quoted = kept
            .iter()
            .any(|f| matches!(&f.sampled.kind, FileKind::Csv(s) if s.quoted));
    }
    (kept, columns, notes)
}
