//! Trino's date and time functions.
//!
//! Types: Trino `date` is Arrow `Date32`; `timestamp(3)` is `Timestamp(Millisecond,
//! None)`; `timestamp(3) with time zone` is `Timestamp(Millisecond, Some(zone))`. Arrow
//! keeps one zone per column, not per value, so functions that produce a zoned
//! timestamp from text (`from_iso8601_timestamp`, `parse_datetime`) keep the instant and
//! give it the zone `UTC`: the instant is Trino's, the printed offset may not be.
//! Other timestamp units are read as milliseconds (finer digits are dropped).
//! Kernels work on wall-clock [`NaiveDateTime`]s in the value's zone ([`Zone`]).

mod arith;
mod convert;
mod fields;
pub mod joda;
pub mod mysql;
pub mod pattern;
mod unixtime;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMillisecondType};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::ScalarUDF;

/// The date and time functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    let mut all = fields::functions();
    all.extend(arith::functions());
    all.extend(convert::functions());
    all.push(unixtime::from_unixtime());
    all
}

/// The type of a zoned timestamp this package produces.
pub fn timestamp_tz() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The type of Trino's `timestamp(3)`.
pub fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, None)
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| chrono::Datelike::day(&d))
}

/// The zone a timestamp column's wall-clock values are read in (none: UTC).
#[derive(Clone, Debug)]
pub struct Zone {
    tz: Option<Tz>,
    name: String,
}

impl Zone {
    /// The zone of a coerced temporal type.
    pub fn of(data_type: &DataType) -> Result<Zone> {
        match data_type {
            DataType::Timestamp(_, Some(name)) => Ok(Zone {
                tz: Some(name.parse()?),
                name: name.to_string(),
            }),
            _ => Ok(Zone {
                tz: None,
                name: "UTC".into(),
            }),
        }
    }

    /// The wall-clock time of an instant in milliseconds.
    pub fn local(&self, ms: i64) -> Option<NaiveDateTime> {
        let utc = DateTime::from_timestamp_millis(ms)?.naive_utc();
        Some(match &self.tz {
            Some(tz) => tz.from_utc_datetime(&utc).naive_local(),
            None => utc,
        })
    }

    /// The zone's offset from UTC at an instant, in seconds.
    pub fn offset_secs(&self, ms: i64) -> i32 {
        match (&self.tz, DateTime::from_timestamp_millis(ms)) {
            (Some(tz), Some(t)) => tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
            _ => 0,
        }
    }

    /// The instant of a wall-clock time (the earlier one when a clock change repeats it).
    pub fn instant(&self, local: NaiveDateTime) -> Result<i64> {
        match &self.tz {
            None => Ok(local.and_utc().timestamp_millis()),
            Some(tz) => match tz.from_local_datetime(&local).earliest() {
                Some(t) => Ok(t.timestamp_millis()),
                None => exec_err!("{local} does not exist in zone {}", self.name),
            },
        }
    }

    /// The zone's name as Joda prints it (`UTC` for timestamps without a zone).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The rows of a coerced temporal array (`Date32` or `Timestamp(ms, _)`) as wall-clock
/// times, with the zone they are read in.
pub fn wall_clock(array: &ArrayRef) -> Result<(Vec<Option<NaiveDateTime>>, Zone)> {
    let zone = Zone::of(array.data_type())?;
    let values = match array.data_type() {
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .iter()
            .map(|d| {
                d.and_then(date_from_days)
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .collect(),
        DataType::Timestamp(TimeUnit::Millisecond, _) => array
            .as_primitive::<TimestampMillisecondType>()
            .iter()
            .map(|ms| ms.and_then(|ms| zone.local(ms)))
            .collect(),
        other => return exec_err!("expected a date or timestamp, got {other}"),
    };
    Ok((values, zone))
}

/// Builds an array of `data_type` (a DATE or a millisecond timestamp) from wall-clock
/// times in `zone`.
pub fn from_wall_clock(
    data_type: &DataType,
    values: Vec<Option<NaiveDateTime>>,
    zone: &Zone,
) -> Result<ArrayRef> {
    match data_type {
        DataType::Date32 => Ok(Arc::new(Date32Array::from(
            values
                .into_iter()
                .map(|v| v.map(|t| days_from_date(t.date())))
                .collect::<Vec<_>>(),
        ))),
        DataType::Timestamp(TimeUnit::Millisecond, tz) => {
            let ms = values
                .into_iter()
                .map(|v| v.map(|t| zone.instant(t)).transpose())
                .collect::<Result<Vec<_>>>()?;
            Ok(Arc::new(
                TimestampMillisecondArray::from(ms).with_timezone_opt(tz.clone()),
            ))
        }
        other => exec_err!("expected a date or timestamp, got {other}"),
    }
}

/// Days since 1970-01-01 of a date.
pub fn days_from_date(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The date `days` after 1970-01-01.
pub fn date_from_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(chrono::Duration::days(i64::from(days)))
}
