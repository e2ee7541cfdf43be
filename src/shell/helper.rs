//! rustyline helper: multi-line input (a statement runs once it ends with `;`) and
//! completion of keywords, databases, tables, columns and meta commands.

use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper, Highlighter, Hinter};

use super::meta::META_HELP;
use tokio::runtime::Handle;

use crate::catalog::CatalogStore;
use crate::sql::script::is_complete;

/// Keywords offered by completion.
const KEYWORDS: &[&str] = &[
    "S3",
    "SETTINGS",
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "ON",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "BETWEEN",
    "LIKE",
    "IS",
    "NULL",
    "DISTINCT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "WITH",
    "UNION",
    "ALL",
    "OVER",
    "PARTITION",
    "CAST",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "EXPLAIN",
    "ANALYZE",
    "CREATE",
    "EXTERNAL",
    "TABLE",
    "DATABASE",
    "SCHEMA",
    "IF",
    "EXISTS",
    "PARTITIONED",
    "ROW",
    "FORMAT",
    "DELIMITED",
    "FIELDS",
    "TERMINATED",
    "SERDE",
    "SERDEPROPERTIES",
    "STORED",
    "PARQUET",
    "TEXTFILE",
    "JSON",
    "AVRO",
    "INPUTFORMAT",
    "OUTPUTFORMAT",
    "LOCATION",
    "TBLPROPERTIES",
    "COMMENT",
    "DROP",
    "ALTER",
    "ADD",
    "SET",
    "USE",
    "SHOW",
    "DATABASES",
    "TABLES",
    "PARTITIONS",
    "COLUMNS",
    "DESCRIBE",
    "FORMATTED",
    "CASCADE",
    "string",
    "int",
    "bigint",
    "double",
    "boolean",
    "date",
    "timestamp",
    "decimal",
    "array",
    "map",
    "struct",
];

/// The REPL's rustyline helper.
#[derive(Helper, Hinter, Highlighter)]
pub struct LakeHelper {
    catalog: Arc<dyn CatalogStore>,
    runtime: Handle,
    database: Arc<Mutex<String>>,
}

impl LakeHelper {
    /// A helper completing from `catalog` (read on `runtime`: rustyline calls it outside
    /// the runtime); `database` tracks the session's current one.
    pub fn new(
        catalog: Arc<dyn CatalogStore>,
        runtime: Handle,
        database: Arc<Mutex<String>>,
    ) -> Self {
        LakeHelper {
            catalog,
            runtime,
            database,
        }
    }

    fn candidates(&self, word: &str) -> Vec<String> {
        self.runtime.block_on(self.candidates_from_catalog(word))
    }

    async fn candidates_from_catalog(&self, word: &str) -> Vec<String> {
        let lower = word.to_lowercase();
        let db = self.database.lock().map(|d| d.clone()).unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        if let Some((qualifier, _)) = word.rsplit_once('.') {
            // `db.tab…` → tables of db; `tab.col…` → columns of a table in the current db.
            let qualifier = qualifier.to_lowercase();
            if let Ok(tables) = self.catalog.list_tables(&qualifier).await {
                out.extend(tables.into_iter().map(|t| format!("{qualifier}.{t}")));
            }
            if let Ok(Some(t)) = self.catalog.get_table(&db, &qualifier).await {
                out.extend(t.all_columns().map(|c| format!("{qualifier}.{}", c.name)));
            }
        } else {
            let lower_case_typing = word.chars().any(|c| c.is_lowercase());
            out.extend(KEYWORDS.iter().map(|k| {
                if lower_case_typing {
                    k.to_lowercase()
                } else {
                    k.to_string()
                }
            }));
            if let Ok(dbs) = self.catalog.list_databases().await {
                out.extend(dbs.into_iter().map(|d| d.name));
            }
            if let Ok(tables) = self.catalog.list_tables(&db).await {
                for t in tables {
                    if let Ok(Some(table)) = self.catalog.get_table(&db, &t).await {
                        out.extend(table.all_columns().map(|c| c.name.clone()));
                    }
                    out.push(t);
                }
            }
        }
        out.retain(|c| c.to_lowercase().starts_with(&lower));
        out.sort();
        out.dedup();
        out
    }
}

impl Completer for LakeHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if before.trim_start().starts_with('\\') && !before.contains(' ') {
            let start = before.find('\\').unwrap_or(0);
            let pairs = META_HELP
                .iter()
                .filter_map(|(usage, _)| usage.split(' ').next())
                .filter(|c| c.starts_with(&before[start..]))
                .map(|c| Pair {
                    display: c.to_string(),
                    replacement: c.to_string(),
                })
                .collect();
            return Ok((start, pairs));
        }
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let pairs = self
            .candidates(word)
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Validator for LakeHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty() || input.starts_with('\\') || is_complete(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}
