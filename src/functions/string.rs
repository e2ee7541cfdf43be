//! Trino's string functions whose names or semantics DataFusion lacks: `split`,
//! `split_part`, `strpos`, `lpad`/`rpad`, `levenshtein_distance`, `hamming_distance`,
//! `codepoint`. Positions count characters (code points) from 1, as in Trino.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, ListBuilder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use crate::functions::common::{
    RowFunction, Want, any_null, coerce_args, invalid, ret_i64, ret_utf8, strings,
};

/// The string functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("split", &[], coerce_split, ret_string_list, split),
        RowFunction::udf("split_part", &[], coerce_split_part, ret_utf8, split_part),
        RowFunction::udf("strpos", &[], coerce_strpos, ret_i64, strpos),
        RowFunction::udf("lpad", &[], coerce_pad, ret_utf8, lpad),
        RowFunction::udf("rpad", &[], coerce_pad, ret_utf8, rpad),
        RowFunction::udf(
            "levenshtein_distance",
            &[],
            coerce_two,
            ret_i64,
            levenshtein,
        ),
        RowFunction::udf("hamming_distance", &[], coerce_two, ret_i64, hamming),
        RowFunction::udf("codepoint", &[], coerce_one, ret_i64, codepoint),
    ]
}

/// `array(varchar)`.
pub fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn ret_string_list(_: &[DataType]) -> Result<DataType> {
    Ok(string_list())
}

fn coerce_split(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(
        name,
        types,
        &[&[Want::Str, Want::Str], &[Want::Str, Want::Str, Want::Int]],
    )
}

fn coerce_split_part(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str, Want::Int]])
}

fn coerce_strpos(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(
        name,
        types,
        &[&[Want::Str, Want::Str], &[Want::Str, Want::Str, Want::Int]],
    )
}

fn coerce_pad(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(
        name,
        types,
        &[&[Want::Str, Want::Int], &[Want::Str, Want::Int, Want::Str]],
    )
}

fn coerce_two(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str]])
}

fn coerce_one(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str]])
}

/// The optional integer argument `i` at `row` (`None` when absent).
fn opt_int(args: &[ArrayRef], i: usize, row: usize) -> Option<i64> {
    args.get(i)
        .map(|a| a.as_primitive::<Int64Type>().value(row))
}

fn split(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, delims) = (strings(args, 0), strings(args, 1));
    let mut out = ListBuilder::new(StringBuilder::new());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        let delim = delims.value(row);
        if delim.is_empty() {
            return invalid("split", "The delimiter may not be the empty string");
        }
        let limit = match opt_int(args, 2, row) {
            Some(l) if l <= 0 => return invalid("split", "Limit must be positive"),
            Some(l) => usize::try_from(l).unwrap_or(usize::MAX),
            None => usize::MAX,
        };
        for part in texts.value(row).splitn(limit, delim) {
            out.values().append_value(part);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

fn split_part(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, delims) = (strings(args, 0), strings(args, 1));
    let mut out = StringBuilder::new();
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        let index = opt_int(args, 2, row).unwrap_or(0);
        if index <= 0 {
            return invalid("split_part", "Index must be greater than zero");
        }
        let (text, delim) = (texts.value(row), delims.value(row));
        let part = if delim.is_empty() {
            text.chars().nth(index as usize - 1).map(String::from)
        } else {
            text.split(delim).nth(index as usize - 1).map(String::from)
        };
        out.append_option(part);
    }
    Ok(Arc::new(out.finish()))
}

/// The 1-based character position of the `instance`th occurrence (from the end when
/// negative), 0 when there is none.
fn position(text: &str, sub: &str, instance: i64) -> i64 {
    let starts: Vec<usize> = if sub.is_empty() {
        (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect()
    } else {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = text[from..].find(sub) {
            found.push(from + i);
            from += i + text[from + i..].chars().next().map_or(1, char::len_utf8);
        }
        found
    };
    let at = if instance > 0 {
        starts.get(instance as usize - 1)
    } else {
        starts
            .len()
            .checked_sub(instance.unsigned_abs() as usize)
            .and_then(|i| starts.get(i))
    };
    at.map_or(0, |b| text[..*b].chars().count() as i64 + 1)
}

fn strpos(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (texts, subs) = (strings(args, 0), strings(args, 1));
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.push(None);
            continue;
        }
        let instance = opt_int(args, 2, row).unwrap_or(1);
        if instance == 0 {
            return invalid(
                "strpos",
                "'instance' must be a positive or negative number.",
            );
        }
        out.push(Some(position(texts.value(row), subs.value(row), instance)));
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn pad(name: &str, args: &[ArrayRef], left: bool) -> Result<ArrayRef> {
    let texts = strings(args, 0);
    let sizes = args[1].as_primitive::<Int64Type>();
    let fills = args.get(2).map(|a| a.as_string::<i32>());
    let mut out = StringBuilder::new();
    for row in 0..texts.len() {
        if any_null(args, row) {
            out.append_null();
            continue;
        }
        let size = sizes.value(row);
        let fill = fills.map_or(" ", |f| f.value(row));
        if size < 0 || size > i64::from(i32::MAX) {
            return invalid(name, "Target length must be in the range [0..2147483647]");
        }
        if fill.is_empty() {
            return invalid(name, "Padding string must not be empty");
        }
        let text: Vec<char> = texts.value(row).chars().collect();
        let size = size as usize;
        if text.len() >= size {
            out.append_value(text[..size].iter().collect::<String>());
            continue;
        }
        let padding: String = fill.chars().cycle().take(size - text.len()).collect();
        let text: String = text.into_iter().collect();
        out.append_value(if left {
            padding + &text
        } else {
            text + &padding
        });
    }
    Ok(Arc::new(out.finish()))
}

fn lpad(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    pad("lpad", args, true)
}

fn rpad(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    pad("rpad", args, false)
}

fn pairs(args: &[ArrayRef], f: impl Fn(&[char], &[char]) -> Result<i64>) -> Result<ArrayRef> {
    let (a, b) = (strings(args, 0), strings(args, 1));
    let mut out = Vec::with_capacity(a.len());
    for row in 0..a.len() {
        if any_null(args, row) {
            out.push(None);
            continue;
        }
        let x: Vec<char> = a.value(row).chars().collect();
        let y: Vec<char> = b.value(row).chars().collect();
        out.push(Some(f(&x, &y)?));
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn levenshtein(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    pairs(args, |x, y| {
        let mut prev: Vec<usize> = (0..=y.len()).collect();
        for (i, cx) in x.iter().enumerate() {
            let mut cur = vec![i + 1; y.len() + 1];
            for (j, cy) in y.iter().enumerate() {
                let cost = usize::from(cx != cy);
                cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            }
            prev = cur;
        }
        Ok(prev[y.len()] as i64)
    })
}

fn hamming(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    pairs(args, |x, y| {
        if x.len() != y.len() {
            return invalid(
                "hamming_distance",
                "The input strings to hamming_distance function must have the same length",
            );
        }
        Ok(x.iter().zip(y).filter(|(a, b)| a != b).count() as i64)
    })
}

fn codepoint(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let texts = strings(args, 0);
    let mut out = Vec::with_capacity(texts.len());
    for text in texts.iter() {
        out.push(match text {
            None => None,
            Some(t) => {
                let mut chars = t.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some(i64::from(u32::from(c))),
                    _ => {
                        return invalid(
                            "codepoint",
                            "Input string must be a single character string",
                        );
                    }
                }
            }
        });
    }
    Ok(Arc::new(Int64Array::from(out)))
}

/// Strings as an Arrow array (used by other modules' kernels).
pub fn string_array(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}
