//! Calendar arithmetic: `date_add`, `date_diff`, `date_trunc`, `last_day_of_month`.
//!
//! Units are Trino's (`millisecond` … `year`, `week`, `quarter`), case-insensitive; a
//! DATE accepts only `day` and larger. Months clamp to the month's last day (Joda).

use std::sync::Arc;

use chrono::{Datelike, Duration, Months, NaiveDateTime, NaiveTime, Timelike};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use super::{from_wall_clock, wall_clock};
use crate::functions::common::{
    RowFunction, Want, coerce_args, invalid, ret_date, ret_i64, strings,
};

/// The arithmetic functions.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("date_add", &[], coerce_add, ret_third, date_add),
        RowFunction::udf("date_diff", &[], coerce_diff, ret_i64, date_diff),
        RowFunction::udf("date_trunc", &[], coerce_trunc, ret_second, date_trunc),
        RowFunction::udf(
            "last_day_of_month",
            &[],
            coerce_last_day,
            ret_date,
            last_day_of_month,
        ),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn parse(name: &str, text: &str, date_only: bool) -> Result<Unit> {
        let unit = match text.to_ascii_lowercase().as_str() {
            "millisecond" => Unit::Millisecond,
            "second" => Unit::Second,
            "minute" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "quarter" => Unit::Quarter,
            "year" => Unit::Year,
            _ => return invalid(name, format!("'{text}' is not a valid Timestamp field")),
        };
        if date_only && unit < Unit::Day {
            return invalid(name, format!("'{text}' is not a valid DATE field"));
        }
        Ok(unit)
    }

    /// The unit's length in milliseconds, for the units shorter than a month.
    fn millis(self) -> Option<i64> {
        Some(match self {
            Unit::Millisecond => 1,
            Unit::Second => 1_000,
            Unit::Minute => 60_000,
            Unit::Hour => 3_600_000,
            Unit::Day => 86_400_000,
            Unit::Week => 7 * 86_400_000,
            _ => return None,
        })
    }

    fn months(self) -> i64 {
        match self {
            Unit::Quarter => 3,
            Unit::Year => 12,
            _ => 1,
        }
    }
}

fn coerce_add(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Int, Want::Temporal]])
}

fn coerce_diff(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    let mut out = coerce_args(name, types, &[&[Want::Str, Want::Temporal, Want::Temporal]])?;
    if out[1] != out[2] {
        // A DATE compared with a timestamp is read as a timestamp, as Trino coerces it.
        let wider = if out[1] == DataType::Date32 {
            out[2].clone()
        } else {
            out[1].clone()
        };
        out[1] = wider.clone();
        out[2] = wider;
    }
    Ok(out)
}

fn coerce_trunc(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Temporal]])
}

fn coerce_last_day(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Temporal]])
}

fn ret_third(types: &[DataType]) -> Result<DataType> {
    Ok(types[2].clone())
}

fn ret_second(types: &[DataType]) -> Result<DataType> {
    Ok(types[1].clone())
}

/// Adds `n` units to a wall-clock time.
fn add(t: NaiveDateTime, unit: Unit, n: i64) -> Option<NaiveDateTime> {
    match unit.millis() {
        Some(ms) => t.checked_add_signed(Duration::milliseconds(n.checked_mul(ms)?)),
        None => {
            let months = n.checked_mul(unit.months())?;
            let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
            if months >= 0 {
                t.checked_add_months(m)
            } else {
                t.checked_sub_months(m)
            }
        }
    }
}

fn date_add(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let units = strings(args, 0);
    let amounts = args[1].as_primitive::<Int64Type>();
    let (times, zone) = wall_clock(&args[2])?;
    let date_only = args[2].data_type() == &DataType::Date32;
    let mut out = Vec::with_capacity(times.len());
    for (row, t) in times.into_iter().enumerate() {
        if units.is_null(row) || amounts.is_null(row) {
            out.push(None);
            continue;
        }
        let unit = Unit::parse("date_add", units.value(row), date_only)?;
        out.push(match t {
            Some(t) => Some(match add(t, unit, amounts.value(row)) {
                Some(v) => v,
                None => return invalid("date_add", "result out of range"),
            }),
            None => None,
        });
    }
    from_wall_clock(args[2].data_type(), out, &zone)
}

/// Whole months from `a` to `b`, as Joda counts them (the day of a month's last day
/// matches any later day).
fn months_between(a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    if b < a {
        return -months_between(b, a);
    }
    let mut months =
        i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month());
    let b_last = b.day() == super::days_in_month(b.year(), b.month());
    let a_rest = (
        if b_last && a.day() > b.day() {
            b.day()
        } else {
            a.day()
        },
        a.time(),
    );
    if (b.day(), b.time()) < a_rest {
        months -= 1;
    }
    months
}

/// Whole years from `a` to `b`, comparing the time since each one's new year (Joda).
fn years_between(a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    if b < a {
        return -years_between(b, a);
    }
    let since_new_year = |t: NaiveDateTime| {
        t - t
            .with_ordinal(1)
            .unwrap_or(t)
            .date()
            .and_time(NaiveTime::MIN)
    };
    let mut years = i64::from(b.year() - a.year());
    if since_new_year(b) < since_new_year(a) {
        years -= 1;
    }
    years
}

fn diff(unit: Unit, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    match (unit, unit.millis()) {
        (_, Some(ms)) => (b - a).num_milliseconds() / ms,
        (Unit::Year, _) => years_between(a, b),
        _ => months_between(a, b) / unit.months(),
    }
}

fn date_diff(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let units = strings(args, 0);
    let (starts, _) = wall_clock(&args[1])?;
    let (ends, _) = wall_clock(&args[2])?;
    let date_only = args[1].data_type() == &DataType::Date32;
    let mut out = Vec::with_capacity(starts.len());
    for (row, (a, b)) in starts.into_iter().zip(ends).enumerate() {
        match (a, b, units.is_null(row)) {
            (Some(a), Some(b), false) => {
                let unit = Unit::parse("date_diff", units.value(row), date_only)?;
                out.push(Some(diff(unit, a, b)));
            }
            _ => out.push(None),
        }
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn truncate(t: NaiveDateTime, unit: Unit) -> NaiveDateTime {
    let date = t.date();
    let day_start = date.and_time(NaiveTime::MIN);
    let first_of = |month: u32| date.with_day(1).and_then(|d| d.with_month(month));
    match unit {
        Unit::Millisecond => t
            .with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
            .unwrap_or(t),
        Unit::Second => t.with_nanosecond(0).unwrap_or(t),
        Unit::Minute => t
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .unwrap_or(t),
        Unit::Hour => date.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Unit::Day => day_start,
        Unit::Week => day_start - Duration::days(i64::from(date.weekday().num_days_from_monday())),
        Unit::Month => first_of(date.month()).map_or(t, |d| d.and_time(NaiveTime::MIN)),
        Unit::Quarter => {
            first_of(date.month0() / 3 * 3 + 1).map_or(t, |d| d.and_time(NaiveTime::MIN))
        }
        Unit::Year => first_of(1).map_or(t, |d| d.and_time(NaiveTime::MIN)),
    }
}

fn date_trunc(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let units = strings(args, 0);
    let (times, zone) = wall_clock(&args[1])?;
    let date_only = args[1].data_type() == &DataType::Date32;
    let mut out = Vec::with_capacity(times.len());
    for (row, t) in times.into_iter().enumerate() {
        match (t, units.is_null(row)) {
            (Some(t), false) => {
                let unit = Unit::parse("date_trunc", units.value(row), date_only)?;
                out.push(Some(truncate(t, unit)));
            }
            _ => out.push(None),
        }
    }
    from_wall_clock(args[1].data_type(), out, &zone)
}

fn last_day_of_month(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let (times, zone) = wall_clock(&args[0])?;
    let out = times
        .into_iter()
        .map(|t| {
            t.map(|t| {
                let last = super::days_in_month(t.year(), t.month());
                t.with_day(last).unwrap_or(t)
            })
        })
        .collect();
    from_wall_clock(&DataType::Date32, out, &zone)
}
