//! The table-name filter of Glue's `GetTables` and Athena's `ListTableMetadata`
//! (`Expression`): a regular expression in which `*` also works as a wildcard, matched
//! against the whole name, ignoring case. awswrangler sends `prefix*`, `*part*` and
//! `*suffix`; Hive-style alternatives (`a*|b*`) work as regex alternation.

use regex::Regex;

use crate::serve::protocol::ApiError;

/// A compiled name filter.
#[derive(Debug)]
pub struct NamePattern(Regex);

impl NamePattern {
    /// Compiles `pattern`; a pattern that is not a valid expression is the caller's
    /// error, reported with `code`.
    pub fn new(pattern: &str, code: &'static str) -> Result<Self, ApiError> {
        let mut body = String::with_capacity(pattern.len() + 8);
        let mut previous = None;
        for c in pattern.trim().chars() {
            if c == '*' && previous != Some('.') && previous != Some('\\') {
                body.push_str(".*");
            } else {
                body.push(c);
            }
            previous = Some(c);
        }
        Regex::new(&format!("(?i)^(?:{body})$"))
            .map(NamePattern)
            .map_err(|e| {
                ApiError::client(code, format!("Expression '{pattern}' is not valid: {e}"))
            })
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        self.0.is_match(name)
    }
}

/// The names `pattern` (if any) selects.
pub fn filter_names(
    names: Vec<String>,
    pattern: Option<&str>,
    code: &'static str,
) -> Result<Vec<String>, ApiError> {
    match pattern.filter(|p| !p.trim().is_empty()) {
        None => Ok(names),
        Some(p) => {
            let pattern = NamePattern::new(p, code)?;
            Ok(names.into_iter().filter(|n| pattern.matches(n)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pattern: &str) -> Vec<String> {
        let all = ["events", "events_raw", "raw_events", "users"].map(String::from);
        filter_names(all.to_vec(), Some(pattern), "X").unwrap()
    }

    #[test]
    fn star_is_a_wildcard_over_the_whole_name() {
        assert_eq!(names("events*"), ["events", "events_raw"]);
        assert_eq!(names("*events"), ["events", "raw_events"]);
        assert_eq!(names("*raw*"), ["events_raw", "raw_events"]);
        assert_eq!(names("events"), ["events"]);
        assert_eq!(names("EVENTS"), ["events"]);
        assert_eq!(names("users|events"), ["events", "users"]);
        assert_eq!(names("ev.*"), ["events", "events_raw"]);
    }

    #[test]
    fn an_invalid_pattern_is_the_callers_error() {
        let e = NamePattern::new("(", "InvalidInputException").unwrap_err();
        assert_eq!(e.code, "InvalidInputException");
    }
}
