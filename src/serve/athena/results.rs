//! A query's result set: its columns and its rows as text, written to the result file
//! Athena writes (`<id>.csv`: a header line and every value double-quoted, NULL an empty
//! unquoted field; `<id>.txt` for DDL and utility statements: tab-separated, no header)
//! and read back from it to answer `GetQueryResults` after a restart.

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use super::values::{ColumnInfo, column_text};
use crate::error::{LakeError, Result};

/// The rows of a result set, as text.
pub type TextRows = Vec<Vec<Option<String>>>;

/// A finished query's result set.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    /// Columns.
    pub columns: Vec<ColumnInfo>,
    /// Rows (without a header).
    pub rows: TextRows,
    /// Whether the result file and the first page start with the column names (DML
    /// results do; DDL and utility results do not).
    pub header: bool,
}

impl ResultSet {
    /// The result of a statement, from its schema and batches.
    pub fn of(schema: &SchemaRef, batches: &[RecordBatch], header: bool) -> Result<Self> {
        let columns = schema.fields().iter().map(|f| ColumnInfo::of(f)).collect();
        let mut rows: TextRows = Vec::new();
        for batch in batches {
            let texts = batch
                .columns()
                .iter()
                .map(column_text)
                .collect::<Result<Vec<_>>>()?;
            for row in 0..batch.num_rows() {
                rows.push(texts.iter().map(|c| c[row].clone()).collect());
            }
        }
        Ok(ResultSet {
            columns,
            rows,
            header,
        })
    }

    /// The rows a client pages through: the header row first when there is one.
    pub fn page_rows(&self) -> usize {
        self.rows.len() + usize::from(self.header)
    }

    /// Row `i` of what a client pages through.
    pub fn page_row(&self, i: usize) -> Vec<Option<String>> {
        if self.header {
            if i == 0 {
                return self.columns.iter().map(|c| Some(c.name.clone())).collect();
            }
            return self.rows[i - 1].clone();
        }
        self.rows[i].clone()
    }

    /// The result file's contents: Athena's CSV with a header, or tab-separated text.
    pub fn file_contents(&self) -> Vec<u8> {
        let mut out = String::new();
        if self.header {
            let names: Vec<Option<String>> =
                self.columns.iter().map(|c| Some(c.name.clone())).collect();
            write_csv_line(&mut out, &names);
            for row in &self.rows {
                write_csv_line(&mut out, row);
            }
        } else {
            for row in &self.rows {
                let fields: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("")).collect();
                out.push_str(&fields.join("\t"));
                out.push('\n');
            }
        }
        out.into_bytes()
    }

    /// Reads a result file back (the columns come from the execution's record).
    pub fn from_file(columns: Vec<ColumnInfo>, header: bool, contents: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(contents)
            .map_err(|_| LakeError::internal("a result file is not UTF-8"))?;
        let mut rows: TextRows = if header {
            parse_csv(text)?
        } else {
            text.lines()
                .map(|line| {
                    line.split('\t')
                        .map(|v| (!v.is_empty()).then(|| v.to_string()))
                        .collect()
                })
                .collect()
        };
        if header && !rows.is_empty() {
            rows.remove(0);
        }
        if !header && columns.len() == 1 {
            // A one-column utility result: an empty line is an empty value.
            for row in &mut rows {
                if row.is_empty() {
                    row.push(None);
                }
            }
        }
        Ok(ResultSet {
            columns,
            rows,
            header,
        })
    }
}

fn write_csv_line(out: &mut String, values: &[Option<String>]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(v) = value {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        }
    }
    out.push('\n');
}

/// Parses Athena's CSV: quoted values (`""` inside for a quote, newlines allowed),
/// unquoted empty fields as NULL.
fn parse_csv(text: &str) -> Result<TextRows> {
    let mut rows = Vec::new();
    let mut row: Vec<Option<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    let bad = || LakeError::internal("a result file is not Athena's CSV");
    while chars.peek().is_some() {
        let value = if chars.peek() == Some(&'"') {
            chars.next();
            let mut v = String::new();
            loop {
                match chars.next().ok_or_else(bad)? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        v.push('"');
                    }
                    '"' => break,
                    c => v.push(c),
                }
            }
            Some(v)
        } else {
            None
        };
        row.push(value);
        match chars.next() {
            Some(',') => {}
            Some('\n') | None => rows.push(std::mem::take(&mut row)),
            Some(_) => return Err(bad()),
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(header: bool) -> ResultSet {
        ResultSet {
            columns: vec![
                ColumnInfo {
                    name: "a".into(),
                    type_name: "varchar".into(),
                    precision: 2_147_483_647,
                    scale: 0,
                },
                ColumnInfo {
                    name: "b".into(),
                    type_name: "integer".into(),
                    precision: 10,
                    scale: 0,
                },
            ],
            rows: vec![
                vec![Some("say \"hi\",\nthen".into()), Some("1".into())],
                vec![Some("".into()), None],
            ],
            header,
        }
    }

    #[test]
    fn csv_quotes_every_value_and_leaves_null_empty() {
        let set = sample(true);
        let text = String::from_utf8(set.file_contents()).unwrap();
        assert_eq!(
            text,
            "\"a\",\"b\"\n\"say \"\"hi\"\",\nthen\",\"1\"\n\"\",\n"
        );
        let back = ResultSet::from_file(set.columns.clone(), true, text.as_bytes()).unwrap();
        assert_eq!(back, set);
        assert_eq!(set.page_rows(), 3);
        assert_eq!(set.page_row(0), vec![Some("a".into()), Some("b".into())]);
    }

    #[test]
    fn utility_results_are_tab_separated_without_header() {
        let mut set = sample(false);
        set.rows = vec![vec![Some("x".into()), Some("1".into())]];
        let text = String::from_utf8(set.file_contents()).unwrap();
        assert_eq!(text, "x\t1\n");
        assert_eq!(
            ResultSet::from_file(set.columns.clone(), false, text.as_bytes()).unwrap(),
            set
        );
    }
}
