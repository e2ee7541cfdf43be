//! Trino's `regexp_*` functions. Trino takes Java regular expressions; patterns are
//! rewritten by [`translate`] for Rust's `regex` crate, and constructs it cannot run
//! are refused with an error rather than matched differently.
//! Known differences: `.` and `$` treat only `\n` as a line end (Java also `\r`,
//! `\u0085`, `\u2028`, `\u2029`).

pub mod translate;

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListBuilder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;
use regex::Regex;

use crate::functions::common::{
    RowFunction, Want, any_null, coerce_args, invalid, ret_bool, ret_i64, ret_utf8, strings,
};
use crate::functions::string::string_list;

/// The regular-expression functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("regexp_like", &[], coerce_two, ret_bool, regexp_like),
        RowFunction::udf(
            "regexp_extract",
            &[],
            coerce_group,
            ret_utf8,
            regexp_extract,
        ),
        RowFunction::udf(
            "regexp_extract_all",
            &[],
            coerce_group,
            ret_list,
            regexp_extract_all,
        ),
        RowFunction::udf(
            "regexp_replace",
            &[],
            coerce_replace,
            ret_utf8,
            regexp_replace,
        ),
        RowFunction::udf("regexp_split", &[], coerce_two, ret_list, regexp_split),
        RowFunction::udf("regexp_count", &[], coerce_two, ret_i64, regexp_count),
        RowFunction::udf(
            "regexp_position",
            &[],
            coerce_position,
            ret_i64,
            regexp_position,
        ),
    ]
}

fn coerce_two(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str]])
}

fn coerce_group(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(
        name,
        types,
        &[&[Want::Str, Want::Str], &[Want::Str, Want::Str, Want::Int]],
    )
}

fn coerce_replace(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(
        name,
        types,
        &[&[Want::Str, Want::Str], &[Want::Str, Want::Str, Want::Str]],
    )
}

fn coerce_position(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    use Want::{Int, Str};
    coerce_args(
        name,
        types,
        &[&[Str, Str], &[Str, Str, Int], &[Str, Str, Int, Int]],
    )
}

fn ret_list(_: &[DataType]) -> Result<DataType> {
    Ok(string_list())
}

/// Compiles each row's pattern, reusing the last one while the text repeats.
struct Patterns {
    name: &'static str,
    last: Option<(String, Regex)>,
}

impl Patterns {
    fn new(name: &'static str) -> Self {
        Patterns { name, last: None }
    }

    fn get(&mut self, java: &str) -> Result<&Regex> {
        if self.last.as_ref().is_none_or(|(p, _)| p != java) {
            let rust = match translate::pattern(java) {
                Ok(r) => r,
                Err(e) => return invalid(self.name, format!("{e} (pattern '{java}')")),
            };
            match Regex::new(&rust) {
                Ok(re) => self.last = Some((java.to_string(), re)),
                Err(e) => return invalid(self.name, format!("invalid pattern '{java}': {e}")),
            }
        }
        Ok(&self.last.as_ref().expect("compiled above").1)
    }
}

/// The group argument (default 0), checked against the pattern's groups.
fn group_of(name: &str, args: &[ArrayRef], row: usize, re: &Regex) -> Result<usize> {
    let group = args
        .get(2)
        .map_or(0, |a| a.as_primitive::<Int64Type>().value(row));
    let groups = re.captures_len() - 1;
    if group < 0 || group as usize > groups {
        return invalid(
            name,
            format!("Pattern has {groups} groups. Cannot access group {group}"),
        );
    }
    Ok(group as usize)
}

fn regexp_like(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let mut cache = Patterns::new("regexp_like");
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        out.push(if any_null(args, row) {
            None
        } else {
            Some(cache.get(patterns.value(row))?.is_match(texts.value(row)))
        });
    }
    Ok(Arc::new(BooleanArray::from(out)))
}

fn regexp_extract(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let mut cache = Patterns::new("regexp_extract");
    let mut out = StringBuilder::new();
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        let re = cache.get(patterns.value(row))?;
        let group = group_of("regexp_extract", args, row, re)?;
        let found = re.captures(texts.value(row)).and_then(|c| c.get(group));
        out.append_option(found.map(|m| m.as_str()));
    }
    Ok(Arc::new(out.finish()))
}

fn regexp_extract_all(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let mut cache = Patterns::new("regexp_extract_all");
    let mut out = ListBuilder::new(StringBuilder::new());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        let re = cache.get(patterns.value(row))?;
        let group = group_of("regexp_extract_all", args, row, re)?;
        for caps in re.captures_iter(texts.value(row)) {
            out.values()
                .append_option(caps.get(group).map(|m| m.as_str()));
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

fn regexp_replace(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let replacements = args.get(2).map(|a| a.as_string::<i32>());
    let mut cache = Patterns::new("regexp_replace");
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.push(None);
            continue;
        }
        let re = cache.get(patterns.value(row))?;
        let java = replacements.map_or("", |r| r.value(row));
        let rust = match translate::replacement(java, re.captures_len() - 1) {
            Ok(r) => r,
            Err(e) => return invalid("regexp_replace", format!("{e} in replacement '{java}'")),
        };
        out.push(Some(
            re.replace_all(texts.value(row), rust.as_str()).into_owned(),
        ));
    }
    Ok(Arc::new(StringArray::from(out)))
}

fn regexp_split(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let mut cache = Patterns::new("regexp_split");
    let mut out = ListBuilder::new(StringBuilder::new());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        for part in cache.get(patterns.value(row))?.split(texts.value(row)) {
            out.values().append_value(part);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

fn regexp_count(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let mut cache = Patterns::new("regexp_count");
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        out.push(if any_null(args, row) {
            None
        } else {
            Some(
                cache
                    .get(patterns.value(row))?
                    .find_iter(texts.value(row))
                    .count() as i64,
            )
        });
    }
    Ok(Arc::new(Int64Array::from(out)))
}

/// `regexp_position(s, p[, start[, occurrence]])`: the 1-based character index of the
/// match, -1 when there is none.
fn regexp_position(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, patterns) = (strings(args, 0), strings(args, 1));
    let int = |i: usize, row: usize| {
        args.get(i)
            .map(|a| a.as_primitive::<Int64Type>().value(row))
    };
    let mut cache = Patterns::new("regexp_position");
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.push(None);
            continue;
        }
        let (start, occurrence) = (int(2, row).unwrap_or(1), int(3, row).unwrap_or(1));
        if start < 1 {
            return invalid("regexp_position", "start position cannot be smaller than 1");
        }
        if occurrence < 1 {
            return invalid("regexp_position", "occurrence cannot be smaller than 1");
        }
        let text = texts.value(row);
        let Some((from, _)) = text.char_indices().nth(start as usize - 1) else {
            out.push(Some(-1));
            continue;
        };
        let re = cache.get(patterns.value(row))?;
        let found = re.find_iter(&text[from..]).nth(occurrence as usize - 1);
        out.push(Some(found.map_or(-1, |m| {
            text[..from + m.start()].chars().count() as i64 + 1
        })));
    }
    Ok(Arc::new(Int64Array::from(out)))
}
