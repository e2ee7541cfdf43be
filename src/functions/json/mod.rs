//! Trino's JSON functions over JSON held as `varchar` text (lakesql has no JSON type).
//!
//! As in Trino, extraction from malformed JSON gives NULL, while `json_parse`,
//! `json_format` and `is_json_scalar` reject it with an error. Values are parsed with
//! [`value::parse`], which keeps key order and number text as Trino's Jackson does.

mod path;
mod value;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use super::json_type::returning_json;
use crate::functions::common::{
    RowFunction, Want, coerce_args, invalid, ret_bool, ret_i64, ret_utf8, strings,
};
use path::JsonPath;
use value::Json;

/// The JSON functions, for [`super::register_all`].
/// The JSON functions; those returning JSON mark their result as Trino's JSON type
/// ([`super::json_type`]).
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        returning_json(RowFunction::udf(
            "json_extract",
            &[],
            coerce_path,
            ret_utf8,
            json_extract,
        )),
        RowFunction::udf(
            "json_extract_scalar",
            &[],
            coerce_path,
            ret_utf8,
            json_extract_scalar,
        ),
        RowFunction::udf("json_size", &[], coerce_path, ret_i64, json_size),
        returning_json(RowFunction::udf(
            "json_parse",
            &[],
            coerce_text,
            ret_utf8,
            json_parse,
        )),
        RowFunction::udf("json_format", &[], coerce_text, ret_utf8, json_format),
        RowFunction::udf(
            "json_array_length",
            &[],
            coerce_text,
            ret_i64,
            json_array_length,
        ),
        returning_json(RowFunction::udf(
            "json_array_get",
            &[],
            coerce_get,
            ret_utf8,
            json_array_get,
        )),
        RowFunction::udf(
            "json_array_contains",
            &[],
            coerce_contains,
            ret_bool,
            json_array_contains,
        ),
        RowFunction::udf("is_json_scalar", &[], coerce_text, ret_bool, is_json_scalar),
    ]
}

fn coerce_path(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str]])
}

fn coerce_text(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str]])
}

fn coerce_get(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Int]])
}

fn coerce_contains(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    let want = match &types.get(1) {
        Some(DataType::Boolean) => Want::Bool,
        Some(t) if t.is_integer() => Want::Int,
        Some(t) if t.is_numeric() => Want::Float,
        _ => Want::Str,
    };
    coerce_args(name, types, &[&[Want::Str, want]])
}

/// Applies `f` to each row's parsed document and compiled path (NULL when the document
/// is malformed or either argument is NULL).
fn with_path<T>(
    name: &str,
    args: &[ArrayRef],
    f: impl Fn(&Json, &JsonPath) -> Option<T>,
) -> Result<Vec<Option<T>>> {
    let docs = strings(args, 0);
    let paths = strings(args, 1);
    let mut compiled: Option<(String, JsonPath)> = None;
    let mut out = Vec::with_capacity(docs.len());
    for row in 0..docs.len() {
        if docs.is_null(row) || paths.is_null(row) {
            out.push(None);
            continue;
        }
        let text = paths.value(row);
        if compiled.as_ref().is_none_or(|(t, _)| t != text) {
            match JsonPath::compile(text) {
                Ok(p) => compiled = Some((text.to_string(), p)),
                Err(e) => return invalid(name, e),
            }
        }
        let path = &compiled.as_ref().expect("compiled above").1;
        out.push(value::parse(docs.value(row)).and_then(|doc| f(&doc, path)));
    }
    Ok(out)
}

fn json_extract(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out = with_path("json_extract", args, |doc, p| {
        p.find(doc).map(Json::to_text)
    })?;
    Ok(Arc::new(StringArray::from(out)))
}

fn json_extract_scalar(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out = with_path("json_extract_scalar", args, |doc, p| {
        p.find(doc).and_then(Json::scalar_text)
    })?;
    Ok(Arc::new(StringArray::from(out)))
}

fn json_size(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out = with_path("json_size", args, |doc, p| {
        p.find(doc).map(|v| match v {
            Json::Array(items) => items.len() as i64,
            Json::Object(entries) => entries.len() as i64,
            _ => 0,
        })
    })?;
    Ok(Arc::new(Int64Array::from(out)))
}

/// Each row's document, or an error naming `name` when one is malformed.
fn parse_strict(name: &str, args: &[ArrayRef]) -> Result<Vec<Option<Json>>> {
    strings(args, 0)
        .iter()
        .map(|text| match text {
            None => Ok(None),
            Some(t) => match value::parse(t) {
                Some(v) => Ok(Some(v)),
                None => invalid(name, format!("Cannot convert value to JSON: '{t}'")),
            },
        })
        .collect()
}

fn json_parse(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let docs = parse_strict("json_parse", args)?;
    Ok(Arc::new(StringArray::from(
        docs.into_iter()
            .map(|d| d.map(|d| d.sorted().to_text()))
            .collect::<Vec<_>>(),
    )))
}

fn json_format(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let docs = parse_strict("json_format", args)?;
    Ok(Arc::new(StringArray::from(
        docs.into_iter()
            .map(|d| d.map(|d| d.to_text()))
            .collect::<Vec<_>>(),
    )))
}

fn is_json_scalar(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let docs = parse_strict("is_json_scalar", args)?;
    Ok(Arc::new(BooleanArray::from(
        docs.into_iter()
            .map(|d| d.map(|d| !matches!(d, Json::Array(_) | Json::Object(_))))
            .collect::<Vec<_>>(),
    )))
}

/// The elements of each row's document when it is an array (NULL otherwise).
fn arrays(args: &[ArrayRef]) -> Vec<Option<Vec<Json>>> {
    strings(args, 0)
        .iter()
        .map(|t| match value::parse(t?)? {
            Json::Array(items) => Some(items),
            _ => None,
        })
        .collect()
}

fn json_array_length(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: Vec<Option<i64>> = arrays(args)
        .into_iter()
        .map(|a| a.map(|a| a.len() as i64))
        .collect();
    Ok(Arc::new(Int64Array::from(out)))
}

/// `json_array_get`: 0-based, negative from the end; scalars come back as their text
/// (a string unquoted), containers as JSON, as Trino returns them.
fn json_array_get(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let indexes = args[1].as_primitive::<Int64Type>();
    let out: Vec<Option<String>> = arrays(args)
        .into_iter()
        .enumerate()
        .map(|(row, items)| {
            let items = items?;
            let i = indexes.is_valid(row).then(|| indexes.value(row))?;
            let at = if i < 0 {
                items.len().checked_sub(i.unsigned_abs() as usize)?
            } else {
                i as usize
            };
            let item = items.get(at)?;
            match item {
                Json::Array(_) | Json::Object(_) => Some(item.to_text()),
                other => other.scalar_text(),
            }
        })
        .collect();
    Ok(Arc::new(StringArray::from(out)))
}

fn json_array_contains(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let needle = &args[1];
    let matches = |item: &Json, row: usize| -> bool {
        match (item, needle.data_type()) {
            (Json::Bool(b), DataType::Boolean) => *b == needle.as_boolean().value(row),
            (Json::Number(n), DataType::Int64) => {
                n.parse::<i64>().ok() == Some(needle.as_primitive::<Int64Type>().value(row))
            }
            (Json::Number(n), DataType::Float64) => {
                n.parse::<f64>().ok() == Some(needle.as_primitive::<Float64Type>().value(row))
            }
            (Json::String(s), DataType::Utf8) => s == needle.as_string::<i32>().value(row),
            _ => false,
        }
    };
    let out: Vec<Option<bool>> = arrays(args)
        .into_iter()
        .enumerate()
        .map(|(row, items)| {
            let items = items?;
            needle
                .is_valid(row)
                .then(|| items.iter().any(|i| matches(i, row)))
        })
        .collect();
    Ok(Arc::new(BooleanArray::from(out)))
}
