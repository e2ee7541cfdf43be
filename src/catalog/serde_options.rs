//! The settings of the text SerDes lakesql decodes itself (JSON, RegexSerDe, CloudTrail,
//! delimited text with several header or footer lines), read from a table's SerDe
//! properties when the table is defined.
//!
//! Every property these SerDes accept either changes how lakesql reads the table or is
//! refused with an error naming it: a property that is accepted and ignored would give a
//! silently different answer from Athena's.

use regex::Regex;

use super::model::Properties;
use super::storage_format::TextOptions;
use crate::error::{ErrorCode, LakeError, Result};

/// How a table's files are read as records, and how each record becomes a row.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordOptions {
    /// How files divide into records.
    pub framing: Framing,
    /// How a record becomes a row.
    pub serde: RecordSerde,
}

/// How a file divides into records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One record per line (Hadoop's text input format), after skipping the first
    /// `skip_header` and the last `skip_footer` lines of each file.
    Lines {
        /// `skip.header.line.count`.
        skip_header: usize,
        /// `skip.footer.line.count`.
        skip_footer: usize,
    },
    /// CloudTrail log files: one JSON document `{"Records": [...]}` per file, each
    /// element a record (`CloudTrailInputFormat`).
    CloudTrail,
}

/// How a record becomes a row.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordSerde {
    /// A JSON object; columns matched to keys.
    Json(JsonOptions),
    /// A line matched by a regular expression; groups to columns by position.
    Regex(RegexOptions),
    /// Delimited fields; columns by position.
    Delimited(TextOptions),
}

/// JSON SerDe settings (OpenX `org.openx.data.jsonserde.JsonSerDe`, Hive's hcatalog
/// `JsonSerDe`, EMR's `CloudTrailSerde`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonOptions {
    /// `case.insensitive` (default true): keys match columns and struct fields whatever
    /// their case.
    pub case_insensitive: bool,
    /// `mapping.<column>` = `<json key>`: (column, key) pairs.
    pub mappings: Vec<(String, String)>,
    /// `ignore.malformed.json`: a line that is not a JSON object reads as a row of NULLs.
    pub ignore_malformed: bool,
    /// `dots.in.keys`: a dot in a key reads as `_` (key `a.b` fills column `a_b`).
    pub dots_in_keys: bool,
    /// Whether an object read into a string column has its keys lower-cased: OpenX
    /// stores keys lower-case when matching case-insensitively (the Athena GuardDuty
    /// queries rely on it: `json_extract_scalar(resource, '$.instancedetails.instanceid')`);
    /// the hcatalog and CloudTrail SerDes keep them as written.
    pub lower_case_text_keys: bool,
}

/// Properties every SerDe may carry without changing how lakesql reads: Glue and Hive
/// write them for information (`serialization.format`, the crawler's `paths`).
fn informational(key: &str) -> bool {
    key.starts_with("serialization.") || key == "paths"
}

impl JsonOptions {
    /// Reads the SerDe properties of a JSON table, refusing those lakesql cannot honour.
    pub fn of(serde: &str, params: &Properties) -> Result<JsonOptions> {
        let mut options = JsonOptions {
            case_insensitive: true,
            mappings: Vec::new(),
            ignore_malformed: false,
            dots_in_keys: false,
            lower_case_text_keys: false,
        };
        for (key, value) in params {
            let lower = key.to_lowercase();
            match lower.as_str() {
                "case.insensitive" => options.case_insensitive = boolean(key, value)?,
                "ignore.malformed.json" => options.ignore_malformed = boolean(key, value)?,
                "dots.in.keys" => options.dots_in_keys = boolean(key, value)?,
                k if k.starts_with("mapping.") && k.len() > "mapping.".len() => options
                    .mappings
                    .push((k["mapping.".len()..].to_string(), value.clone())),
                k if informational(k) => {}
                _ => return Err(unknown_property(serde, key, JSON_PROPERTIES)),
            }
        }
        options.mappings.sort();
        options.lower_case_text_keys =
            serde == super::storage_format::classes::OPENX_JSON_SERDE && options.case_insensitive;
        Ok(options)
    }
}

const JSON_PROPERTIES: &str =
    "'case.insensitive', 'mapping.<column>', 'ignore.malformed.json', 'dots.in.keys'";

/// RegexSerDe settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexOptions {
    /// `input.regex`, as written in the DDL (Java syntax).
    pub pattern: String,
    /// `input.regex.case.insensitive`.
    pub case_insensitive: bool,
}

impl RegexOptions {
    /// Reads RegexSerDe's properties and checks that the expression compiles.
    pub fn of(params: &Properties) -> Result<RegexOptions> {
        let mut pattern = None;
        let mut case_insensitive = false;
        for (key, value) in params {
            match key.to_lowercase().as_str() {
                "input.regex" => pattern = Some(value.clone()),
                "input.regex.case.insensitive" => case_insensitive = boolean(key, value)?,
                // How Hive writes rows back; lakesql does not write through RegexSerDe.
                "output.format.string" => {}
                k if informational(k) => {}
                _ => {
                    return Err(unknown_property(
                        "org.apache.hadoop.hive.serde2.RegexSerDe",
                        key,
                        "'input.regex', 'input.regex.case.insensitive'",
                    ));
                }
            }
        }
        let pattern = pattern.ok_or_else(|| {
            LakeError::semantic(
                ErrorCode::InvalidTableProperty,
                "RegexSerDe needs the SerDe property 'input.regex'",
            )
        })?;
        let options = RegexOptions {
            pattern,
            case_insensitive,
        };
        options.compile()?;
        Ok(options)
    }

    /// The expression matched against whole lines (Java's `Matcher.matches`).
    pub fn compile(&self) -> Result<Regex> {
        let flags = if self.case_insensitive { "(?i)" } else { "" };
        let anchored = format!("{flags}^(?:{})$", java_to_rust_regex(&self.pattern));
        Regex::new(&anchored).map_err(|e| {
            LakeError::semantic(
                ErrorCode::InvalidTableProperty,
                format!(
                    "property 'input.regex' is not a regular expression lakesql can run \
                     (Rust regex syntax, which lacks look-around and back-references): {e}"
                ),
            )
        })
    }
}

/// Rewrites the Java regex constructs whose Rust spelling differs: `\Q…\E` quoting and
/// an escaped character that Rust reads otherwise. Java's `\"` (common in Athena's log
/// DDLs) is a quote in both.
pub fn java_to_rust_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Q') => {
                let mut quoted = String::new();
                while let Some(q) = chars.next() {
                    if q == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        break;
                    }
                    quoted.push(q);
                }
                out.push_str(&regex::escape(&quoted));
            }
            // Java's `\h` is a horizontal space.
            Some('h') => out
                .push_str(r"[ \t\x{A0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn boolean(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(LakeError::semantic(
            ErrorCode::InvalidTableProperty,
            format!("SerDe property '{key}' must be 'true' or 'false', got '{value}'"),
        )),
    }
}

fn unknown_property(serde: &str, key: &str, supported: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::InvalidTableProperty,
        format!("SerDe property '{key}' is not supported with {serde} (lakesql reads {supported})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Properties {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn json_options_read_and_refuse() {
        let o = JsonOptions::of(
            "openx",
            &props(&[
                ("case.insensitive", "FALSE"),
                ("mapping.ts", "timestamp"),
                ("ignore.malformed.json", "true"),
                ("serialization.format", "1"),
            ]),
        )
        .unwrap();
        assert!(!o.case_insensitive && o.ignore_malformed && !o.dots_in_keys);
        assert_eq!(o.mappings, vec![("ts".into(), "timestamp".into())]);
        let e = JsonOptions::of("openx", &props(&[("timestamp.formats", "x")])).unwrap_err();
        assert!(e.to_string().contains("'timestamp.formats'"), "{e}");
        assert!(JsonOptions::of("openx", &props(&[("dots.in.keys", "yes")])).is_err());
    }

    #[test]
    fn regex_is_anchored_and_java_quotes_work() {
        let o = RegexOptions::of(&props(&[(
            "input.regex",
            r#"([^ ]*) \"([^\"]*)\" \Q[x]\E"#,
        )]))
        .unwrap();
        let re = o.compile().unwrap();
        let caps = re.captures(r#"a "b c" [x]"#).unwrap();
        assert_eq!((&caps[1], &caps[2]), ("a", "b c"));
        assert!(!re.is_match(r#"a "b c" [x] tail"#));
        assert!(RegexOptions::of(&props(&[("input.regex", "(a)\\1")])).is_err());
        assert!(RegexOptions::of(&props(&[])).is_err());
    }
}
