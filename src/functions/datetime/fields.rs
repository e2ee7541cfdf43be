//! Field extraction: `year`, `month`, `day_of_week`, … (all `bigint`, as in Trino).

use std::sync::Arc;

use chrono::{Datelike, NaiveDateTime, Timelike};
use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use super::wall_clock;
use crate::functions::common::{RowFunction, Want, coerce_args, ret_i64};

fn coerce_date(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Temporal]])
}

fn coerce_time(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Timestamp]])
}

fn extract(args: &[ArrayRef], field: fn(NaiveDateTime) -> i64) -> Result<ArrayRef> {
    let (values, _) = wall_clock(&args[0])?;
    Ok(Arc::new(Int64Array::from(
        values.into_iter().map(|v| v.map(field)).collect::<Vec<_>>(),
    )))
}

macro_rules! field_functions {
    ($( $kernel:ident, $coerce:ident, $name:literal, [$($alias:literal),*], $field:expr; )*) => {
        $(
            fn $kernel(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
                extract(args, $field)
            }
        )*

        /// The field functions.
        pub fn functions() -> Vec<ScalarUDF> {
            vec![$( RowFunction::udf($name, &[$($alias),*], $coerce, ret_i64, $kernel), )*]
        }
    };
}

field_functions! {
    year_kernel, coerce_date, "year", [], |t| i64::from(t.year());
    quarter_kernel, coerce_date, "quarter", [], |t| i64::from(t.month0() / 3 + 1);
    month_kernel, coerce_date, "month", [], |t| i64::from(t.month());
    week_kernel, coerce_date, "week", ["week_of_year"], |t| i64::from(t.iso_week().week());
    year_of_week_kernel, coerce_date, "year_of_week", ["yow"], |t| i64::from(t.iso_week().year());
    day_kernel, coerce_date, "day", ["day_of_month"], |t| i64::from(t.day());
    day_of_week_kernel, coerce_date, "day_of_week", ["dow"],
        |t| i64::from(t.weekday().number_from_monday());
    day_of_year_kernel, coerce_date, "day_of_year", ["doy"], |t| i64::from(t.ordinal());
    hour_kernel, coerce_time, "hour", [], |t| i64::from(t.hour());
    minute_kernel, coerce_time, "minute", [], |t| i64::from(t.minute());
    second_kernel, coerce_time, "second", [], |t| i64::from(t.second());
    millisecond_kernel, coerce_time, "millisecond", [],
        |t| i64::from(t.nanosecond() % 1_000_000_000 / 1_000_000);
}
