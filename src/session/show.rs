//! SHOW and DESCRIBE: answered from the catalog as small result sets.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use regex::Regex;

use super::partition_ddl::matching_partitions;
use super::{Outcome, Session};
use crate::catalog::partition_path::partition_path;
use crate::catalog::{Column, StorageDescriptor, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::projection::ProjectionConfig;
use crate::sql::ast::{PartitionSpec, ShowStatement, TableName};

/// A result set of string columns.
pub(super) fn string_table(columns: &[&str], rows: Vec<Vec<String>>) -> Result<Outcome> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = (0..columns.len())
        .map(|i| {
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r[i].as_str()),
            )) as ArrayRef
        })
        .collect();
    let batch =
        RecordBatch::try_new(schema, arrays).map_err(datafusion::error::DataFusionError::from)?;
    Ok(Outcome::rows(batch))
}

/// Athena's SHOW pattern: `*` (and SQL's `%`) match any text, `|` separates
/// alternatives, matching is case-insensitive and whole-name.
pub fn show_pattern(pattern: &str) -> Result<Regex> {
    let alternatives: Vec<String> = pattern
        .split('|')
        .map(|alt| {
            alt.trim()
                .chars()
                .map(|c| match c {
                    '*' | '%' => ".*".to_string(),
                    c => regex::escape(&c.to_string()),
                })
                .collect()
        })
        .collect();
    Regex::new(&format!("(?i)^(?:{})$", alternatives.join("|")))
        .map_err(|e| LakeError::invalid(format!("invalid pattern '{pattern}': {e}")))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A property value as DDL writes it: property strings are read with Hive's backslash
/// escapes, so backslashes are doubled.
fn quote_property(s: &str) -> String {
    quote(&s.replace('\\', "\\\\"))
}

fn column_lines(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| {
            let mut line = format!("  `{}` {}", c.name, c.hive_type);
            if let Some(comment) = &c.comment {
                line.push_str(&format!(" COMMENT {}", quote(comment)));
            }
            line
        })
        .collect::<Vec<_>>()
        .join(", \n")
}

fn property_lines(props: &std::collections::BTreeMap<String, String>) -> String {
    props
        .iter()
        .map(|(k, v)| format!("  {}={}", quote_property(k), quote_property(v)))
        .collect::<Vec<_>>()
        .join(", \n")
}

/// The DDL that recreates `table` exactly (Athena's SHOW CREATE TABLE layout).
pub fn create_table_ddl(table: &Table) -> String {
    let sd = &table.storage_descriptor;
    let mut ddl = format!(
        "CREATE EXTERNAL TABLE `{}`.`{}`(\n{})\n",
        table.database_name,
        table.name,
        column_lines(&sd.columns)
    );
    if let Some(c) = &table.description {
        ddl.push_str(&format!("COMMENT {}\n", quote(c)));
    }
    if table.is_partitioned() {
        ddl.push_str(&format!(
            "PARTITIONED BY ( \n{})\n",
            column_lines(&table.partition_keys)
        ));
    }
    if let Some(serde) = &sd.serde_info.serialization_library {
        ddl.push_str(&format!("ROW FORMAT SERDE \n  {} \n", quote(serde)));
        if !sd.serde_info.parameters.is_empty() {
            ddl.push_str(&format!(
                "WITH SERDEPROPERTIES ( \n{})\n",
                property_lines(&sd.serde_info.parameters)
            ));
        }
    }
    if let (Some(i), Some(o)) = (&sd.input_format, &sd.output_format) {
        ddl.push_str(&format!(
            "STORED AS INPUTFORMAT \n  {} \nOUTPUTFORMAT \n  {}\n",
            quote(i),
            quote(o)
        ));
    }
    ddl.push_str(&format!("LOCATION\n  {}", quote(&sd.location)));
    if !table.parameters.is_empty() {
        ddl.push_str(&format!(
            "\nTBLPROPERTIES (\n{})",
            property_lines(&table.parameters)
        ));
    }
    ddl
}

fn time(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// A column as DESCRIBE lists it: name, type, comment.
fn column_row(c: &Column) -> Vec<String> {
    vec![
        c.name.clone(),
        c.hive_type.clone(),
        c.comment.clone().unwrap_or_default(),
    ]
}

fn describe_rows(table: &Table, formatted: bool) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if formatted {
        rows.push(text_row("# col_name", "data_type", "comment"));
    }
    rows.extend(table.storage_descriptor.columns.iter().map(column_row));
    rows.extend(table.partition_keys.iter().map(column_row));
    if table.is_partitioned() {
        rows.push(text_row("", "", ""));
        rows.push(text_row("# Partition Information", "", ""));
        rows.push(text_row("# col_name", "data_type", "comment"));
        rows.extend(table.partition_keys.iter().map(column_row));
    }
    if formatted {
        rows.extend(table_information_rows(table));
        if table.is_view() {
            rows.extend(view_information_rows(table));
        } else {
            rows.extend(storage_information_rows(&table.storage_descriptor));
        }
    }
    rows
}

/// DESCRIBE FORMATTED's "Statistics" section: what `ANALYZE` recorded, as recorded
/// (queries use an entry only while its file is unchanged).
fn statistics_rows(entries: &[crate::catalog::FileStatistics]) -> Vec<Vec<String>> {
    let mut rows = vec![text_row("", "", ""), text_row("# Statistics", "", "")];
    if entries.is_empty() {
        rows.push(text_row(
            "Analysed:",
            "never (ANALYZE TABLE … COMPUTE STATISTICS)",
            "",
        ));
        return rows;
    }
    let bytes: u64 = entries.iter().map(|e| e.size).sum();
    let counted: Vec<u64> = entries.iter().filter_map(|e| e.rows).collect();
    let first = entries
        .iter()
        .map(|e| e.analyzed_at)
        .min()
        .unwrap_or_default();
    let last = entries
        .iter()
        .map(|e| e.analyzed_at)
        .max()
        .unwrap_or_default();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for e in entries {
        for name in e.columns.keys() {
            *columns.entry(name).or_default() += 1;
        }
    }
    rows.push(text_row("Files analysed:", &entries.len().to_string(), ""));
    rows.push(text_row("Total size:", &format!("{bytes} bytes"), ""));
    rows.push(text_row(
        "Rows:",
        &counted.iter().sum::<u64>().to_string(),
        &format!("counted in {} of {} files", counted.len(), entries.len()),
    ));
    rows.push(text_row("Analysed at:", &time(last), ""));
    if first != last {
        rows.push(text_row("Earliest analysis:", &time(first), ""));
    }
    let described: Vec<String> = columns
        .iter()
        .map(|(name, n)| match *n == entries.len() {
            true => name.to_string(),
            false => format!("{name} ({n} files)"),
        })
        .collect();
    rows.push(text_row(
        "Column statistics:",
        &match described.is_empty() {
            true => "none (ANALYZE … FOR COLUMNS)".to_string(),
            false => described.join(", "),
        },
        "",
    ));
    rows
}

/// DESCRIBE FORMATTED's "View Information" section (Hive's).
fn view_information_rows(table: &Table) -> Vec<Vec<String>> {
    let sql = table
        .view_definition()
        .map(|d| d.sql)
        .unwrap_or_else(|e| e.to_string());
    vec![
        text_row("", "", ""),
        text_row("# View Information", "", ""),
        text_row("View Original Text:", &sql, ""),
        text_row(
            "View Expanded Text:",
            table.view_expanded_text.as_deref().unwrap_or_default(),
            "",
        ),
    ]
}

/// A DESCRIBE row of three cells.
fn text_row(a: &str, b: &str, c: &str) -> Vec<String> {
    vec![a.to_string(), b.to_string(), c.to_string()]
}

/// DESCRIBE FORMATTED's "Detailed Table Information" section.
fn table_information_rows(table: &Table) -> Vec<Vec<String>> {
    let mut rows = vec![
        text_row("", "", ""),
        text_row("# Detailed Table Information", "", ""),
        text_row("Database:", &table.database_name, ""),
        text_row("Table:", &table.name, ""),
        text_row("Owner:", table.owner.as_deref().unwrap_or_default(), ""),
        text_row("CreateTime:", &time(table.create_time), ""),
        text_row("LastAlterTime:", &time(table.update_time), ""),
        text_row("Location:", &table.storage_descriptor.location, ""),
        text_row("Table Type:", &table.table_type, ""),
    ];
    if let Some(c) = &table.description {
        rows.push(text_row("Comment:", c, ""));
    }
    rows.push(text_row("Table Parameters:", "", ""));
    for (k, v) in &table.parameters {
        rows.push(text_row("", k, v));
    }
    rows
}

/// DESCRIBE FORMATTED's "Storage Information" section.
fn storage_information_rows(sd: &StorageDescriptor) -> Vec<Vec<String>> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut rows = vec![
        text_row("", "", ""),
        text_row("# Storage Information", "", ""),
        text_row(
            "SerDe Library:",
            &opt(&sd.serde_info.serialization_library),
            "",
        ),
        text_row("InputFormat:", &opt(&sd.input_format), ""),
        text_row("OutputFormat:", &opt(&sd.output_format), ""),
        text_row("Compressed:", if sd.compressed { "Yes" } else { "No" }, ""),
        text_row("Storage Desc Params:", "", ""),
    ];
    for (k, v) in &sd.serde_info.parameters {
        rows.push(text_row("", k, v));
    }
    rows
}

/// Rows `SHOW PARTITIONS` lists for a projected table before it summarises the rest.
const SHOW_PROJECTED_CAP: usize = 1000;

fn show_projected_partitions(table: &Table, config: &ProjectionConfig) -> Result<Outcome> {
    if let Some(c) = config
        .columns
        .iter()
        .find(|c| c.kind == crate::projection::ProjectionKind::Injected)
    {
        return Err(LakeError::invalid(format!(
            "table {} projects '{}' as injected: its values come only from queries, so its \
             partitions cannot be listed",
            table.qualified_name(),
            c.name
        )));
    }
    let (rows, _, _) = crate::projection::project_partitions(table, config, &[])?;
    let total = rows.len();
    let mut out: Vec<Vec<String>> = rows
        .into_iter()
        .take(SHOW_PROJECTED_CAP)
        .map(|r| vec![r.spec])
        .collect();
    out.sort();
    if total > SHOW_PROJECTED_CAP {
        out.push(vec![format!(
            "… and {} more projected partitions",
            total - SHOW_PROJECTED_CAP
        )]);
    }
    string_table(&["partition"], out)
}

impl Session {
    /// Runs a SHOW or DESCRIBE statement.
    pub(super) async fn show(&mut self, stmt: ShowStatement) -> Result<Outcome> {
        match stmt {
            ShowStatement::Databases { pattern } => self.show_databases(pattern).await,
            ShowStatement::Tables { database, pattern } => {
                self.show_tables(database, pattern).await
            }
            ShowStatement::CreateTable(name) => {
                let table = self.load_data_table(&name, "SHOW CREATE TABLE").await?;
                let ddl = vec![vec![create_table_ddl(&table)]];
                string_table(&["createtab_stmt"], ddl)
            }
            ShowStatement::Columns(name) => {
                let table = self.load_table(&name).await?;
                let rows = table.all_columns().map(|c| vec![c.name.clone()]).collect();
                string_table(&["field"], rows)
            }
            ShowStatement::TblProperties { name, key } => {
                let table = self.load_table(&name).await?;
                string_table(&["prpt_name", "prpt_value"], property_rows(&table, key)?)
            }
            ShowStatement::Partitions { name, spec } => self.show_partitions(&name, spec).await,
            ShowStatement::Views { database, pattern } => self.show_views(database, pattern).await,
            ShowStatement::CreateView(name) => self.show_create_view(&name).await,
            ShowStatement::Describe {
                name,
                formatted,
                column,
            } => {
                let table = self.load_table(&name).await?;
                let rows = match column {
                    Some(c) => vec![column_row(find_column(&table, &c)?)],
                    None if formatted && !table.is_view() => {
                        let statistics = self
                            .catalog
                            .file_statistics(&table.database_name, &table.name, None)
                            .await?;
                        let mut rows = describe_rows(&table, formatted);
                        rows.extend(statistics_rows(&statistics));
                        rows
                    }
                    None => describe_rows(&table, formatted),
                };
                string_table(&["col_name", "data_type", "comment"], rows)
            }
        }
    }

    async fn show_databases(&self, pattern: Option<String>) -> Result<Outcome> {
        let re = pattern.as_deref().map(show_pattern).transpose()?;
        let rows = self
            .catalog
            .list_databases()
            .await?
            .into_iter()
            .filter(|d| re.as_ref().is_none_or(|re| re.is_match(&d.name)))
            .map(|d| vec![d.name])
            .collect();
        string_table(&["database_name"], rows)
    }

    async fn show_tables(
        &self,
        database: Option<String>,
        pattern: Option<String>,
    ) -> Result<Outcome> {
        let db = self.database_or_current(database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        let re = pattern.as_deref().map(show_pattern).transpose()?;
        let rows = self
            .catalog
            .list_tables(&db)
            .await?
            .into_iter()
            .filter(|t| re.as_ref().is_none_or(|re| re.is_match(t)))
            .map(|t| vec![t])
            .collect();
        string_table(&["tab_name"], rows)
    }

    async fn show_partitions(
        &self,
        name: &TableName,
        spec: Option<PartitionSpec>,
    ) -> Result<Outcome> {
        let table = self.load_data_table(name, "SHOW PARTITIONS").await?;
        if !table.is_partitioned() {
            return Err(LakeError::invalid(format!(
                "table {} is not partitioned",
                table.qualified_name()
            )));
        }
        if let Some(config) = ProjectionConfig::of_table(&table, crate::projection::clock::now()?)?
        {
            return show_projected_partitions(&table, &config);
        }
        let partitions = self
            .catalog
            .list_partitions(&table.database_name, &table.name)
            .await?;
        let selected: Vec<_> = match &spec {
            Some(spec) => matching_partitions(&table, spec, &partitions)?,
            None => partitions.iter().collect(),
        };
        let keys = table.partition_key_names();
        let mut rows: Vec<Vec<String>> = selected
            .iter()
            .map(|p| vec![partition_path(&keys, &p.values)])
            .collect();
        rows.sort();
        string_table(&["partition"], rows)
    }
}

/// `SHOW TBLPROPERTIES` rows: every property, or the one named.
fn property_rows(table: &Table, key: Option<String>) -> Result<Vec<Vec<String>>> {
    let Some(k) = key else {
        return Ok(table
            .parameters
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect());
    };
    let v = table.parameters.get(&k).ok_or_else(|| {
        LakeError::invalid(format!(
            "table {} has no property '{k}'",
            table.qualified_name()
        ))
    })?;
    Ok(vec![vec![k, v.clone()]])
}

fn find_column<'a>(table: &'a Table, name: &str) -> Result<&'a Column> {
    table.all_columns().find(|x| x.name == name).ok_or_else(|| {
        LakeError::semantic(
            ErrorCode::ColumnNotFound,
            format!("table {} has no column '{name}'", table.qualified_name()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_patterns() {
        let re = show_pattern("sa*|cust%").unwrap();
        assert!(re.is_match("sales"));
        assert!(re.is_match("CUSTOMERS"));
        assert!(!re.is_match("events"));
        assert!(!show_pattern("a.b").unwrap().is_match("axb"));
    }
}
