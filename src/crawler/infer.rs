//! Schema inference for text formats from a sample of lines: the CSV classifier (delimiter,
//! header and column types, by Glue's rules) and JSON lines (nested objects → struct,
//! arrays → array).

use serde_json::Value;

use super::types::{classify_text, is_date, is_timestamp, widen};
use crate::catalog::hive_type::HiveType;

/// A column: lower-case name and type.
pub type Columns = Vec<(String, HiveType)>;

/// What the CSV classifier found.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvShape {
    /// Field delimiter.
    pub delimiter: u8,
    /// The first line is a header.
    pub header: bool,
    /// Some field is quoted (the table gets OpenCSVSerde).
    pub quoted: bool,
    /// Columns.
    pub columns: Columns,
    /// Sampled rows whose field count differs from the usual one.
    pub ragged_rows: usize,
    /// Conflicting values that made a column `string`.
    pub conflicts: Vec<String>,
}

/// Delimiters tried, in Glue's order.
const DELIMITERS: [u8; 5] = [b',', b'|', b'\t', b';', 0x01];

/// The delimiter that splits the sample most consistently.
struct Split {
    /// Share of rows with the usual field count.
    consistent: f64,
    /// The usual field count.
    mode: usize,
    delimiter: u8,
    rows: Vec<Vec<String>>,
}

/// Tries each delimiter: the most consistent field count wins, then the most fields.
fn best_split(lines: &[String]) -> Option<Split> {
    let mut best: Option<Split> = None;
    for delimiter in DELIMITERS {
        let rows = split_rows(lines, delimiter);
        if rows.len() < 2 {
            continue;
        }
        let mode = mode_of(rows.iter().map(Vec::len));
        if mode < 2 {
            continue;
        }
        let consistent = rows.iter().filter(|r| r.len() == mode).count() as f64 / rows.len() as f64;
        if best.as_ref().is_none_or(|b| {
            consistent > b.consistent || (consistent == b.consistent && mode > b.mode)
        }) {
            best = Some(Split {
                consistent,
                mode,
                delimiter,
                rows,
            });
        }
    }
    best
}

/// Column types of `width` columns over `data` (`None`: no value seen), with the
/// conflicting values that widened a column (at most 20).
fn column_types(
    data: &[Vec<String>],
    width: usize,
) -> (Vec<Option<HiveType>>, Vec<(usize, String)>) {
    let mut types: Vec<Option<HiveType>> = vec![None; width];
    let mut conflicts = Vec::new();
    for row in data {
        for (i, value) in row.iter().enumerate() {
            let Some(t) = classify_text(value) else {
                continue;
            };
            types[i] = Some(match types[i].take() {
                None => t,
                Some(prev) => {
                    let (w, conflict) = widen(&prev, &t);
                    if conflict && conflicts.len() < 20 {
                        conflicts.push((
                            i,
                            format!("'{value}' ({t}) among {prev} values; read as {w}"),
                        ));
                    }
                    w
                }
            });
        }
    }
    (types, conflicts)
}

/// Classifies `lines` as delimited text, or says why not.
pub fn infer_csv(lines: &[String]) -> Result<CsvShape, String> {
    let Some(Split {
        consistent,
        mode,
        delimiter,
        rows,
    }) = best_split(lines)
    else {
        return Err(
            "not delimited text: no delimiter (, | tab ; ^A) gives two or more columns over two \
             or more rows"
                .to_string(),
        );
    };
    if consistent < 0.5 {
        return Err(format!(
            "not delimited text: rows have too many different field counts (only {:.0}% have \
             {mode})",
            consistent * 100.0
        ));
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(mode);
    let (data_types, _) = column_types(&rows[1..], width);
    let first = &rows[0];
    // A header is text over typed data.
    let header = looks_like_header(first)
        && data_types
            .iter()
            .any(|t| t.as_ref().is_some_and(|t| *t != HiveType::String));
    let (types, conflicts) = column_types(if header { &rows[1..] } else { &rows }, width);
    if header && rows.len() < 3 {
        return Err("delimited text needs two data rows after its header".to_string());
    }
    let names = if header {
        column_names(first, width)
    } else {
        (1..=width).map(|i| format!("col{i}")).collect()
    };
    let conflicts = conflicts
        .into_iter()
        .map(|(i, why)| format!("column {}: {why}", names[i]))
        .collect();
    let columns = names
        .into_iter()
        .zip(types)
        .map(|(n, t)| (n, t.unwrap_or(HiveType::String)))
        .collect();
    Ok(CsvShape {
        delimiter,
        header,
        quoted: lines.iter().any(|l| l.contains('"')),
        columns,
        ragged_rows: rows.iter().filter(|r| r.len() != mode).count(),
        conflicts,
    })
}

fn split_rows(lines: &[String], delimiter: u8) -> Vec<Vec<String>> {
    let text = lines.join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(|r| r.ok())
        .filter(|r| !(r.len() == 1 && r[0].trim().is_empty()))
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

fn mode_of(counts: impl Iterator<Item = usize>) -> usize {
    let mut freq = std::collections::BTreeMap::new();
    for c in counts {
        *freq.entry(c).or_insert(0usize) += 1;
    }
    freq.into_iter()
        .max_by_key(|(count, n)| (*n, *count))
        .map_or(0, |(count, _)| count)
}

/// Glue's header test: every field is text (not a number, boolean, date or timestamp),
/// non-empty (but possibly the last), under 150 characters and a usable column name.
fn looks_like_header(row: &[String]) -> bool {
    row.iter().enumerate().all(|(i, f)| {
        let f = f.trim();
        if f.is_empty() {
            return i + 1 == row.len();
        }
        f.len() < 150
            && classify_text(f) == Some(HiveType::String)
            && f.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
            && f.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '-' | '.'))
    })
}

/// Header fields as Hive column names: lower case, other characters as `_`, unique.
fn column_names(header: &[String], width: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for i in 0..width {
        let raw = header.get(i).map(|s| s.trim()).unwrap_or("");
        let mut name: String = raw
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if name.is_empty() {
            name = format!("col{}", i + 1);
        }
        let base = name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// What the JSON classifier found.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonShape {
    /// Top-level keys, in order of first appearance, with merged types.
    pub columns: Columns,
    /// Lines that were not JSON objects.
    pub bad_lines: usize,
    /// Conflicting types that made a column `string`.
    pub conflicts: Vec<String>,
}

/// Infers the columns of JSON lines; an error when most lines are not JSON objects.
pub fn infer_json(lines: &[String]) -> Result<JsonShape, String> {
    let mut columns: Vec<(String, Option<HiveType>)> = Vec::new();
    let (mut good, mut bad) = (0usize, 0usize);
    let mut conflicts = Vec::new();
    for line in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
            bad += 1;
            continue;
        };
        good += 1;
        for (key, value) in map {
            add_json_column(&mut columns, key.to_lowercase(), &value, &mut conflicts);
        }
    }
    if good == 0 || bad > good {
        return Err(format!(
            "not JSON lines: {bad} of {} sampled lines are not JSON objects",
            good + bad
        ));
    }
    Ok(JsonShape {
        columns: columns
            .into_iter()
            .map(|(n, t)| (n, t.unwrap_or(HiveType::String)))
            .collect(),
        bad_lines: bad,
        conflicts,
    })
}

/// Adds a top-level key's value to the columns: a new column, or the type widened (at
/// most 20 conflicts noted).
fn add_json_column(
    columns: &mut Vec<(String, Option<HiveType>)>,
    key: String,
    value: &Value,
    conflicts: &mut Vec<String>,
) {
    let t = json_type(value);
    let Some((_, slot)) = columns.iter_mut().find(|(n, _)| *n == key) else {
        columns.push((key, t));
        return;
    };
    let Some(t) = t else {
        return;
    };
    *slot = Some(match slot.take() {
        None => t,
        Some(prev) => {
            let (w, conflict) = widen(&prev, &t);
            if conflict && conflicts.len() < 20 {
                conflicts.push(format!("key {key}: {prev} and {t} values, read as string"));
            }
            w
        }
    });
}

/// The Hive type of one JSON value; `None` for `null` (no evidence).
fn json_type(value: &Value) -> Option<HiveType> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => HiveType::Boolean,
        Value::Number(n) if n.is_i64() => HiveType::BigInt,
        Value::Number(_) => HiveType::Double,
        // Strings stay strings, but for the date and timestamp forms the JSON SerDes read.
        Value::String(s) if is_date(s) => HiveType::Date,
        Value::String(s) if is_timestamp(s) => HiveType::Timestamp,
        Value::String(_) => HiveType::String,
        Value::Array(items) => {
            let mut element: Option<HiveType> = None;
            for t in items.iter().filter_map(json_type) {
                element = Some(match element {
                    None => t,
                    Some(prev) => widen(&prev, &t).0,
                });
            }
            HiveType::Array(Box::new(element.unwrap_or(HiveType::String)))
        }
        Value::Object(map) => {
            let mut fields: Vec<(String, HiveType)> = Vec::new();
            for (k, v) in map {
                let Some(t) = json_type(v) else { continue };
                let k = k.to_lowercase();
                match fields.iter_mut().find(|(n, _)| *n == k) {
                    Some((_, existing)) => *existing = widen(existing, &t).0,
                    None => fields.push((k, t)),
                }
            }
            if fields.is_empty() {
                return None;
            }
            HiveType::Struct(fields)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn csv_with_header_and_quotes() {
        let shape = infer_csv(&lines(
            "id,name,signup,vip,score\n1,\"Ann, B\",2024-01-02,true,1.5\n2,Bo,2024-01-03,false,2\n",
        ))
        .unwrap();
        assert_eq!(shape.delimiter, b',');
        assert!(shape.header && shape.quoted);
        let types: Vec<String> = shape
            .columns
            .iter()
            .map(|(n, t)| format!("{n} {t}"))
            .collect();
        assert_eq!(
            types,
            [
                "id bigint",
                "name string",
                "signup date",
                "vip boolean",
                "score double"
            ]
        );
    }

    #[test]
    fn all_string_file_has_no_header_and_tabs_are_found() {
        let shape = infer_csv(&lines("a\tb\nc\td\ne\tf\n")).unwrap();
        assert_eq!(shape.delimiter, b'\t');
        assert!(!shape.header);
        assert_eq!(shape.columns[0].0, "col1");
        let shape = infer_csv(&lines("x|1\ny|2\nz|3\n")).unwrap();
        assert_eq!(shape.delimiter, b'|');
        assert_eq!(shape.columns[1].1, HiveType::BigInt);
    }

    #[test]
    fn ragged_rows_and_conflicts_are_counted() {
        let shape = infer_csv(&lines("k,v\n1,2\n3,4,5\n6,x\n7,8\n")).unwrap();
        assert_eq!(shape.ragged_rows, 1);
        assert_eq!(shape.columns.len(), 3);
        assert_eq!(shape.columns[1].1, HiveType::String);
        assert!(!shape.conflicts.is_empty());
        assert!(infer_csv(&lines("just one column\nand another\n")).is_err());
        assert!(infer_csv(&lines("a,b\n")).is_err());
    }

    #[test]
    fn json_lines_nest_and_merge() {
        let shape = infer_json(&lines(
            "{\"id\":1,\"tags\":[\"a\"],\"d\":{\"os\":\"ios\"},\"ts\":\"2024-05-01 10:00:00\"}\n\
             {\"id\":2.5,\"extra\":null,\"d\":{\"ver\":3}}\n",
        ))
        .unwrap();
        let types: Vec<String> = shape
            .columns
            .iter()
            .map(|(n, t)| format!("{n} {t}"))
            .collect();
        assert_eq!(
            types,
            // serde_json orders keys by name.
            [
                "d struct<os:string,ver:bigint>",
                "id double",
                "tags array<string>",
                "ts timestamp",
                "extra string"
            ]
        );
        assert!(infer_json(&lines("a,b\nc,d\n")).is_err());
    }
}
