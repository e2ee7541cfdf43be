//! Text and number conversions: `date_format`/`date_parse` (MySQL patterns),
//! `format_datetime`/`parse_datetime` (Joda patterns), ISO 8601, UNIX time, `date`.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Float64Array, StringArray, TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use super::pattern::{self, Pattern};
use super::{days_from_date, joda, mysql, timestamp, timestamp_tz, wall_clock};
use crate::functions::common::{
    RowFunction, Want, coerce_args, invalid, ret_date, ret_f64, ret_utf8, strings,
};

/// The conversion functions.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("date_format", &[], coerce_format, ret_utf8, date_format),
        RowFunction::udf(
            "format_datetime",
            &[],
            coerce_format,
            ret_utf8,
            format_datetime,
        ),
        RowFunction::udf("date_parse", &[], coerce_parse, ret_ts, date_parse),
        RowFunction::udf(
            "parse_datetime",
            &[],
            coerce_parse,
            ret_ts_tz,
            parse_datetime,
        ),
        RowFunction::udf(
            "from_iso8601_timestamp",
            &[],
            coerce_text,
            ret_ts_tz,
            from_iso_ts,
        ),
        RowFunction::udf(
            "from_iso8601_date",
            &[],
            coerce_text,
            ret_date,
            from_iso_date,
        ),
        RowFunction::udf("to_iso8601", &[], coerce_temporal, ret_utf8, to_iso8601),
        RowFunction::udf("to_unixtime", &[], coerce_temporal, ret_f64, to_unixtime),
        RowFunction::udf("date", &[], coerce_date, ret_date, date),
    ]
}

fn coerce_format(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Temporal, Want::Str]])
}

fn coerce_parse(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str]])
}

fn coerce_text(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str]])
}

fn coerce_temporal(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Temporal]])
}

fn coerce_date(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View] => Ok(vec![DataType::Utf8]),
        _ => coerce_args(name, types, &[&[Want::Temporal]]),
    }
}

fn ret_ts(_: &[DataType]) -> Result<DataType> {
    Ok(timestamp())
}

fn ret_ts_tz(_: &[DataType]) -> Result<DataType> {
    Ok(timestamp_tz())
}

/// Compiles each row's pattern, reusing the last one while the text repeats.
struct PatternCache {
    compile: fn(&str) -> Result<Pattern, String>,
    name: &'static str,
    last: Option<(String, Pattern)>,
}

impl PatternCache {
    fn new(name: &'static str, compile: fn(&str) -> Result<Pattern, String>) -> Self {
        PatternCache {
            compile,
            name,
            last: None,
        }
    }

    fn get(&mut self, text: &str) -> Result<&Pattern> {
        if self.last.as_ref().is_none_or(|(t, _)| t != text) {
            match (self.compile)(text) {
                Ok(p) => self.last = Some((text.to_string(), p)),
                Err(e) => return invalid(self.name, e),
            }
        }
        Ok(&self.last.as_ref().expect("compiled above").1)
    }
}

fn format_with(args: &[ArrayRef], mut cache: PatternCache) -> Result<ArrayRef> {
    let (times, zone) = wall_clock(&args[0])?;
    let ms = args[0].as_primitive_opt::<datafusion::arrow::datatypes::TimestampMillisecondType>();
    let patterns = strings(args, 1);
    let mut out = Vec::with_capacity(times.len());
    for (row, t) in times.into_iter().enumerate() {
        match (t, patterns.is_null(row)) {
            (Some(t), false) => {
                let offset = ms.map_or(0, |a| zone.offset_secs(a.value(row)));
                let p = cache.get(patterns.value(row))?;
                out.push(Some(pattern::format(p, t, offset, zone.name())));
            }
            _ => out.push(None),
        }
    }
    Ok(Arc::new(StringArray::from(out)))
}

fn date_format(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    format_with(args, PatternCache::new("date_format", mysql::compile))
}

fn format_datetime(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    format_with(args, PatternCache::new("format_datetime", joda::compile))
}

/// Parses each row into an instant (a parsed offset wins over UTC).
fn parse_with(args: &[ArrayRef], mut cache: PatternCache) -> Result<Vec<Option<i64>>> {
    let texts = strings(args, 0);
    let patterns = strings(args, 1);
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        if texts.is_null(row) || patterns.is_null(row) {
            out.push(None);
            continue;
        }
        let name = cache.name;
        let p = cache.get(patterns.value(row))?;
        match pattern::parse(p, texts.value(row)) {
            Ok((t, offset)) => out.push(Some(instant(t, offset))),
            Err(e) => return invalid(name, e),
        }
    }
    Ok(out)
}

fn instant(local: NaiveDateTime, offset_secs: Option<i32>) -> i64 {
    local.and_utc().timestamp_millis() - i64::from(offset_secs.unwrap_or(0)) * 1000
}

fn date_parse(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let ms = parse_with(args, PatternCache::new("date_parse", mysql::compile))?;
    Ok(Arc::new(TimestampMillisecondArray::from(ms)))
}

fn parse_datetime(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let ms = parse_with(args, PatternCache::new("parse_datetime", joda::compile))?;
    Ok(Arc::new(
        TimestampMillisecondArray::from(ms).with_timezone("UTC"),
    ))
}

/// Splits an ISO 8601 zone suffix (`Z`, `+05`, `+05:30`, `-0530`) off a timestamp text.
fn split_offset(s: &str) -> Option<(&str, Option<i32>)> {
    if let Some(body) = s.strip_suffix('Z') {
        return Some((body, Some(0)));
    }
    let time_start = s.find('T')?;
    let Some(at) = s[time_start..].rfind(['+', '-']).map(|i| i + time_start) else {
        return Some((s, None));
    };
    let digits: String = s[at + 1..].chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 2 || digits.len() == 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    let sign = if &s[at..=at] == "-" { -1 } else { 1 };
    Some((&s[..at], Some(sign * (hours * 3600 + minutes * 60))))
}

/// A calendar date `yyyy`, `yyyy-MM` or `yyyy-MM-dd`.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = s.split('-').collect();
    let number = |i: usize, len: usize| -> Option<u32> {
        match parts.get(i) {
            None => Some(1),
            Some(p) if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
            Some(_) => None,
        }
    };
    if parts.len() > 3 || parts[0].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(1, 2)?, number(2, 2)?)
}

/// A time `HH`, `HH:mm`, `HH:mm:ss` or `HH:mm:ss.SSS` (fraction with `.` or `,`).
fn iso_time(s: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let parts: Vec<u32> = clock
        .split(':')
        .map(|p| (p.len() == 2).then(|| p.parse().ok()).flatten())
        .collect::<Option<_>>()?;
    if parts.len() > 3 || (!fraction.is_empty() && parts.len() != 3) || fraction.len() > 9 {
        return None;
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    let get = |i: usize| parts.get(i).copied().unwrap_or(0);
    NaiveTime::from_hms_nano_opt(get(0), get(1), get(2), nanos)
}

fn parse_iso_timestamp(s: &str) -> Option<i64> {
    let (body, offset) = split_offset(s).unwrap_or((s, None));
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (iso_date(d)?, iso_time(t)?),
        None => (iso_date(body)?, NaiveTime::MIN),
    };
    Some(instant(date.and_time(time), offset))
}

fn from_iso_ts(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let texts = strings(args, 0);
    let mut out = Vec::with_capacity(texts.len());
    for text in texts.iter() {
        out.push(match text {
            Some(t) => match parse_iso_timestamp(t.trim()) {
                Some(ms) => Some(ms),
                None => {
                    return invalid("from_iso8601_timestamp", format!("Invalid format: \"{t}\""));
                }
            },
            None => None,
        });
    }
    Ok(Arc::new(
        TimestampMillisecondArray::from(out).with_timezone("UTC"),
    ))
}

fn dates_from_text(
    name: &str,
    texts: &StringArray,
    parse: fn(&str) -> Option<NaiveDate>,
) -> Result<ArrayRef> {
    let mut out = Vec::with_capacity(texts.len());
    for text in texts.iter() {
        out.push(match text {
            Some(t) => match parse(t.trim()) {
                Some(d) => Some(days_from_date(d)),
                None => return invalid(name, format!("Invalid format: \"{t}\"")),
            },
            None => None,
        });
    }
    Ok(Arc::new(Date32Array::from(out)))
}

fn from_iso_date(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    dates_from_text("from_iso8601_date", strings(args, 0), iso_date)
}

fn to_iso8601(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (times, zone) = wall_clock(&args[0])?;
    let ms = args[0].as_primitive_opt::<datafusion::arrow::datatypes::TimestampMillisecondType>();
    let zoned = matches!(args[0].data_type(), DataType::Timestamp(_, Some(_)));
    let out: Vec<Option<String>> = times
        .into_iter()
        .enumerate()
        .map(|(row, t)| {
            let t = t?;
            Some(match (ms, zoned) {
                (None, _) => t.format("%Y-%m-%d").to_string(),
                (Some(_), false) => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                (Some(a), true) => {
                    let offset = zone.offset_secs(a.value(row));
                    let suffix = if offset == 0 {
                        "Z".into()
                    } else {
                        pattern::offset_text(offset, true)
                    };
                    format!("{}{suffix}", t.format("%Y-%m-%dT%H:%M:%S%.3f"))
                }
            })
        })
        .collect();
    Ok(Arc::new(StringArray::from(out)))
}

fn to_unixtime(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: Vec<Option<f64>> = match args[0]
        .as_primitive_opt::<datafusion::arrow::datatypes::TimestampMillisecondType>()
    {
        Some(ms) => ms.iter().map(|v| v.map(|v| v as f64 / 1000.0)).collect(),
        None => {
            let (times, _) = wall_clock(&args[0])?;
            times
                .into_iter()
                .map(|t| t.map(|t| t.and_utc().timestamp() as f64))
                .collect()
        }
    };
    Ok(Arc::new(Float64Array::from(out)))
}

fn parse_date_text(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn date(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    if args[0].data_type() == &DataType::Utf8 {
        return dates_from_text("date", strings(args, 0), parse_date_text);
    }
    let (times, _) = wall_clock(&args[0])?;
    Ok(Arc::new(Date32Array::from(
        times
            .into_iter()
            .map(|t| t.map(|t| days_from_date(t.date())))
            .collect::<Vec<_>>(),
    )))
}
