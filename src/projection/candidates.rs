//! From a query's partition filters to the partitions a projected table may have.
//!
//! Each column's filters (`=`, `IN`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `OR` and `AND` of
//! those) become a set of intervals, intersected with the column's domain; only the values
//! inside are generated, so the work grows with the candidates, not with the domain. The
//! product of the columns is capped, rendered through the location template, and the full
//! partition filter then runs vectorised over the candidates (see
//! [`crate::provider::partition_index`]).

use std::ops::Bound;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use datafusion::scalar::ScalarValue;

use super::config::{ColumnProjection, ProjectionConfig, ProjectionKind, placeholders};
use super::date::DateUnit;
use crate::catalog::partition_path::{escape_path_name, partition_path};
use crate::catalog::{PartitionLocation, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::storage::location::join_location;

/// Athena's limit on the partitions one query may project.
pub const MAX_PROJECTED_PARTITIONS: u64 = 1_000_000;

/// A value of a column's key space.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
enum Key {
    Int(i128),
    Time(NaiveDateTime),
    Text(String),
}

type Interval = (Bound<Key>, Bound<Key>);

/// `None`: unconstrained. `Some(v)`: the union of `v` (empty: nothing).
type Allowed = Option<Vec<Interval>>;

fn point(k: Key) -> Vec<Interval> {
    vec![(Bound::Included(k.clone()), Bound::Included(k))]
}

fn contains(iv: &Interval, k: &Key) -> bool {
    let lo = match &iv.0 {
        Bound::Included(b) => b <= k,
        Bound::Excluded(b) => b < k,
        Bound::Unbounded => true,
    };
    let hi = match &iv.1 {
        Bound::Included(b) => k <= b,
        Bound::Excluded(b) => k < b,
        Bound::Unbounded => true,
    };
    lo && hi
}

fn max_lo(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x > y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

fn min_hi(a: Bound<Key>, b: Bound<Key>) -> Bound<Key> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x < y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

/// Whether an interval holds no key.
fn is_empty(iv: &Interval) -> bool {
    match (&iv.0, &iv.1) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
            a >= b
        }
        _ => false,
    }
}

/// More intervals than this per column are not worth tracking: the column is then treated
/// as unconstrained (a superset), and the vectorised filter does the rest.
const MAX_INTERVALS: usize = 10_000;

fn intersect(a: Allowed, b: Allowed) -> Allowed {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            if a.len().saturating_mul(b.len()) > MAX_INTERVALS * 10 {
                return None;
            }
            let out: Vec<Interval> = a
                .iter()
                .flat_map(|x| {
                    b.iter().map(move |y| {
                        (
                            max_lo(x.0.clone(), y.0.clone()),
                            min_hi(x.1.clone(), y.1.clone()),
                        )
                    })
                })
                .filter(|iv| !is_empty(iv))
                .collect();
            (out.len() <= MAX_INTERVALS).then_some(out)
        }
    }
}

/// How the column appears in a comparison.
enum ColumnForm {
    Plain,
    /// `CAST(col AS DATE)`.
    AsDate,
    /// `CAST(col AS TIMESTAMP)`.
    AsTimestamp,
}

struct Extractor<'a> {
    column: &'a ColumnProjection,
    /// The column's declared Arrow type.
    data_type: DataType,
    /// Whether any extracted comparison went through a cast of a text date column.
    used_date_cast: bool,
    /// A literal that cannot be a value of the column (e.g. not in the date format).
    error: Option<String>,
    /// Set when part of an AND could not be extracted, so the result is a superset.
    inexact: bool,
}

impl Extractor<'_> {
    fn column_form(&self, e: &Expr) -> Option<ColumnForm> {
        match e {
            Expr::Column(c) if c.name == self.column.name => Some(ColumnForm::Plain),
            Expr::Cast(c) if matches!(&*c.expr, Expr::Column(col) if col.name == self.column.name) => {
                match c.field.data_type() {
                    DataType::Date32 | DataType::Date64 => Some(ColumnForm::AsDate),
                    DataType::Timestamp(..) => Some(ColumnForm::AsTimestamp),
                    _ => None,
                }
            }
            Expr::TryCast(c) if matches!(&*c.expr, Expr::Column(col) if col.name == self.column.name) => {
                match c.field.data_type() {
                    DataType::Date32 | DataType::Date64 => Some(ColumnForm::AsDate),
                    DataType::Timestamp(..) => Some(ColumnForm::AsTimestamp),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn literal(e: &Expr) -> Option<ScalarValue> {
        match e {
            Expr::Literal(v, _) if !v.is_null() => Some(v.clone()),
            Expr::Cast(c) => {
                Self::literal(&c.expr).and_then(|v| v.cast_to(c.field.data_type()).ok())
            }
            _ => None,
        }
    }

    /// The key of a literal compared with the column; `ordered` when the comparison is a
    /// range (string comparisons are ranges of keys only when string order is key order).
    fn key(&mut self, form: &ColumnForm, v: &ScalarValue, ordered: bool) -> Option<Key> {
        let text_column = matches!(
            self.data_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        );
        match (&self.column.kind, form) {
            (
                ProjectionKind::Integer {
                    min, max, digits, ..
                },
                ColumnForm::Plain,
            ) => {
                if text_column {
                    let s = scalar_text(v)?;
                    if ordered {
                        // Padded non-negative numbers of one width sort as numbers.
                        let width = (*digits)?;
                        if *min < 0
                            || max.to_string().len() > width
                            || s.len() != width
                            || !s.bytes().all(|b| b.is_ascii_digit())
                        {
                            return None;
                        }
                    }
                    s.trim().parse::<i128>().ok().map(Key::Int)
                } else {
                    scalar_int(v).map(Key::Int)
                }
            }
            (ProjectionKind::Date { pattern, .. }, ColumnForm::Plain) => {
                if text_column {
                    let text = scalar_text(v)?;
                    let parsed = pattern.parse_value(&text);
                    if parsed.is_none() {
                        self.error = Some(format!(
                            "'{text}' cannot be a value of the projected column '{}': it does \
                             not match the format '{}'",
                            self.column.name, pattern.java
                        ));
                    }
                    if ordered && !pattern.sortable {
                        return None;
                    }
                    parsed.map(Key::Time)
                } else {
                    scalar_time(v).map(Key::Time)
                }
            }
            (ProjectionKind::Date { .. }, ColumnForm::AsDate | ColumnForm::AsTimestamp) => {
                scalar_time(v).map(Key::Time)
            }
            (ProjectionKind::Enum(_) | ProjectionKind::Injected, ColumnForm::Plain) if !ordered => {
                scalar_text(v).map(Key::Text)
            }
            _ => None,
        }
    }

    fn extract(&mut self, e: &Expr) -> Allowed {
        match e {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::And,
                right,
            }) => {
                let l = self.extract(left);
                let r = self.extract(right);
                if l.is_none() || r.is_none() {
                    self.inexact = true;
                }
                intersect(l, r)
            }
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Or,
                right,
            }) => {
                let mut l = self.extract(left)?;
                l.extend(self.extract(right)?);
                Some(l)
            }
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                let (form, lit, op) = match (self.column_form(left), Self::literal(right)) {
                    (Some(f), Some(v)) => (f, v, *op),
                    _ => match (self.column_form(right), Self::literal(left)) {
                        (Some(f), Some(v)) => (f, v, op.swap()?),
                        _ => return None,
                    },
                };
                let ordered = op != Operator::Eq;
                let key = self.key(&form, &lit, ordered)?;
                if !matches!(form, ColumnForm::Plain) {
                    self.used_date_cast = true;
                }
                if let (ColumnForm::AsDate, Key::Time(day)) = (&form, &key) {
                    // CAST(col AS DATE) truncates: compare against whole days.
                    let next = day.checked_add_signed(Duration::days(1))?;
                    let (d, n) = (Key::Time(*day), Key::Time(next));
                    return Some(vec![match op {
                        Operator::Eq => (Bound::Included(d), Bound::Excluded(n)),
                        Operator::Lt => (Bound::Unbounded, Bound::Excluded(d)),
                        Operator::LtEq => (Bound::Unbounded, Bound::Excluded(n)),
                        Operator::Gt => (Bound::Included(n), Bound::Unbounded),
                        Operator::GtEq => (Bound::Included(d), Bound::Unbounded),
                        _ => return None,
                    }]);
                }
                Some(vec![match op {
                    Operator::Eq => (Bound::Included(key.clone()), Bound::Included(key)),
                    Operator::Lt => (Bound::Unbounded, Bound::Excluded(key)),
                    Operator::LtEq => (Bound::Unbounded, Bound::Included(key)),
                    Operator::Gt => (Bound::Excluded(key), Bound::Unbounded),
                    Operator::GtEq => (Bound::Included(key), Bound::Unbounded),
                    _ => return None,
                }])
            }
            Expr::Between(b) if !b.negated => {
                let form = self.column_form(&b.expr)?;
                let ge = Expr::BinaryExpr(BinaryExpr::new(
                    b.expr.clone(),
                    Operator::GtEq,
                    b.low.clone(),
                ));
                let le = Expr::BinaryExpr(BinaryExpr::new(
                    b.expr.clone(),
                    Operator::LtEq,
                    b.high.clone(),
                ));
                let _ = form;
                let l = self.extract(&ge)?;
                let r = self.extract(&le)?;
                intersect(Some(l), Some(r))
            }
            Expr::InList(list) if !list.negated => {
                let form = self.column_form(&list.expr)?;
                if !matches!(form, ColumnForm::Plain) {
                    return None;
                }
                let mut out = Vec::new();
                for item in &list.list {
                    out.extend(point(self.key(&form, &Self::literal(item)?, false)?));
                }
                Some(out)
            }
            _ => None,
        }
    }
}

fn scalar_text(v: &ScalarValue) -> Option<String> {
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s.clone()),
        v if !v.is_null() => Some(v.to_string()),
        _ => None,
    }
}

fn scalar_int(v: &ScalarValue) -> Option<i128> {
    match v.cast_to(&DataType::Int64).ok()? {
        ScalarValue::Int64(Some(n)) => Some(n as i128),
        _ => None,
    }
}

fn scalar_time(v: &ScalarValue) -> Option<NaiveDateTime> {
    match v {
        ScalarValue::Date32(Some(d)) => {
            NaiveDate::from_num_days_from_ce_opt(d.checked_add(719_163)?)?.and_hms_opt(0, 0, 0)
        }
        ScalarValue::Date64(Some(ms)) => {
            DateTime::from_timestamp_millis(*ms).map(|t| t.naive_utc())
        }
        ScalarValue::TimestampSecond(Some(s), _) => {
            DateTime::from_timestamp(*s, 0).map(|t| t.naive_utc())
        }
        ScalarValue::TimestampMillisecond(Some(ms), _) => {
            DateTime::from_timestamp_millis(*ms).map(|t| t.naive_utc())
        }
        ScalarValue::TimestampMicrosecond(Some(us), _) => {
            DateTime::from_timestamp_micros(*us).map(|t| t.naive_utc())
        }
        ScalarValue::TimestampNanosecond(Some(ns), _) => {
            Some(DateTime::from_timestamp_nanos(*ns).naive_utc())
        }
        ScalarValue::Utf8(Some(s)) => s.parse::<NaiveDateTime>().ok().or_else(|| {
            s.parse::<NaiveDate>()
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        }),
        _ => None,
    }
}

fn step(unit: DateUnit, interval: i64) -> Option<Duration> {
    Some(match unit {
        DateUnit::Weeks => Duration::try_weeks(interval)?,
        DateUnit::Days => Duration::try_days(interval)?,
        DateUnit::Hours => Duration::try_hours(interval)?,
        DateUnit::Minutes => Duration::try_minutes(interval)?,
        DateUnit::Seconds => Duration::try_seconds(interval)?,
        DateUnit::Milliseconds => Duration::try_milliseconds(interval)?,
        DateUnit::Years | DateUnit::Months => return None,
    })
}

/// Number of values in a column's domain (saturating).
pub fn domain_size(kind: &ProjectionKind) -> u64 {
    match kind {
        ProjectionKind::Enum(v) => v.len() as u64,
        ProjectionKind::Integer {
            min, max, interval, ..
        } => (((*max as i128 - *min as i128) / *interval as i128) + 1).min(u64::MAX as i128) as u64,
        ProjectionKind::Date {
            start,
            end,
            interval,
            unit,
            ..
        } => match step(*unit, *interval) {
            Some(s) => {
                let span = (*end - *start).num_milliseconds().max(0) as u128;
                (span / s.num_milliseconds().max(1) as u128 + 1).min(u64::MAX as u128) as u64
            }
            None => {
                let months_per = if *unit == DateUnit::Years { 12i64 } else { 1 }
                    .saturating_mul(*interval)
                    .max(1);
                let months = (end.year_month_index() - start.year_month_index()).max(0);
                (months / months_per + 1) as u64
            }
        },
        ProjectionKind::Injected => 1,
    }
}

trait YearMonth {
    fn year_month_index(&self) -> i64;
}

impl YearMonth for NaiveDateTime {
    fn year_month_index(&self) -> i64 {
        use chrono::Datelike;
        self.year() as i64 * 12 + self.month0() as i64
    }
}

/// The values of one column inside `allowed`, at most `cap` of them (`Err` past it).
fn column_values(column: &ColumnProjection, allowed: &Allowed, cap: u64) -> Result<Vec<String>> {
    let over = || {
        LakeError::semantic(
            ErrorCode::HiveExceededPartitionLimit,
            format!(
                "the query would project more than {MAX_PROJECTED_PARTITIONS} partitions; \
                 constrain partition column '{}' (or the others) in the WHERE clause",
                column.name
            ),
        )
    };
    let inside = |k: &Key| {
        allowed
            .as_ref()
            .is_none_or(|ivs| ivs.iter().any(|iv| contains(iv, k)))
    };
    let mut out: Vec<String> = Vec::new();
    match &column.kind {
        ProjectionKind::Enum(values) => {
            for v in values {
                if inside(&Key::Text(v.clone())) {
                    out.push(v.clone());
                }
            }
        }
        ProjectionKind::Injected => {
            let ivs = allowed.as_ref().ok_or_else(|| injected_error(column))?;
            for (lo, hi) in ivs {
                match (lo, hi) {
                    (Bound::Included(Key::Text(a)), Bound::Included(Key::Text(b))) if a == b => {
                        if !out.contains(a) {
                            out.push(a.clone());
                        }
                    }
                    _ => return Err(injected_error(column)),
                }
            }
        }
        ProjectionKind::Integer {
            min,
            max,
            interval,
            digits,
        } => {
            let (min, max, step) = (*min as i128, *max as i128, *interval as i128);
            let ranges: Vec<(i128, i128)> = match allowed {
                None => vec![(min, max)],
                Some(ivs) => ivs
                    .iter()
                    .filter_map(|(lo, hi)| {
                        let lo = match lo {
                            Bound::Included(Key::Int(v)) => *v,
                            Bound::Excluded(Key::Int(v)) => v + 1,
                            Bound::Unbounded => min,
                            _ => return None,
                        };
                        let hi = match hi {
                            Bound::Included(Key::Int(v)) => *v,
                            Bound::Excluded(Key::Int(v)) => v - 1,
                            Bound::Unbounded => max,
                            _ => return None,
                        };
                        Some((lo.max(min), hi.min(max)))
                    })
                    .collect(),
            };
            let mut values: Vec<i128> = Vec::new();
            for (lo, hi) in ranges {
                if lo > hi {
                    continue;
                }
                let first = min + ((lo - min) + step - 1).div_euclid(step) * step;
                let mut v = first;
                while v <= hi {
                    values.push(v);
                    if values.len() as u64 > cap {
                        return Err(over());
                    }
                    v += step;
                }
            }
            values.sort();
            values.dedup();
            out = values
                .into_iter()
                .map(|v| match digits {
                    Some(d) => format!("{v:0width$}", width = *d),
                    None => v.to_string(),
                })
                .collect();
        }
        ProjectionKind::Date {
            start,
            end,
            pattern,
            interval,
            unit,
        } => {
            // (low, low included, high, high included), clipped to the domain.
            let ranges: Vec<(NaiveDateTime, bool, NaiveDateTime, bool)> = match allowed {
                None => vec![(*start, true, *end, true)],
                Some(ivs) => ivs
                    .iter()
                    .filter_map(|(lo, hi)| {
                        let (lo, lo_in) = match lo {
                            Bound::Included(Key::Time(t)) if *t < *start => (*start, true),
                            Bound::Included(Key::Time(t)) => (*t, true),
                            Bound::Excluded(Key::Time(t)) if *t < *start => (*start, true),
                            Bound::Excluded(Key::Time(t)) => (*t, false),
                            Bound::Unbounded => (*start, true),
                            _ => return None,
                        };
                        let (hi, hi_in) = match hi {
                            Bound::Included(Key::Time(t)) => ((*t).min(*end), true),
                            Bound::Excluded(Key::Time(t)) if *t > *end => (*end, true),
                            Bound::Excluded(Key::Time(t)) => (*t, false),
                            Bound::Unbounded => (*end, true),
                            _ => return None,
                        };
                        Some((lo, lo_in, hi, hi_in))
                    })
                    .collect(),
            };
            let mut instants: Vec<NaiveDateTime> = Vec::new();
            for (lo, lo_in, hi, hi_in) in ranges {
                // The first step at or after `lo`: jump for fixed-length units.
                let first = match step(*unit, *interval) {
                    Some(s) => {
                        let ms = s.num_milliseconds().max(1) as i128;
                        let offset = (lo - *start).num_milliseconds().max(0) as i128;
                        let k = (offset + ms - 1) / ms;
                        i64::try_from(k * ms)
                            .ok()
                            .and_then(Duration::try_milliseconds)
                            .and_then(|d| start.checked_add_signed(d))
                    }
                    None => Some(*start),
                };
                let Some(mut t) = first else { continue };
                while t < lo || (t == lo && !lo_in) {
                    match unit.add(t, *interval) {
                        Some(n) if n > t => t = n,
                        _ => break,
                    }
                }
                while (t > lo || (t == lo && lo_in)) && (t < hi || (hi_in && t == hi)) {
                    instants.push(t);
                    if instants.len() as u64 > cap {
                        return Err(over());
                    }
                    match unit.add(t, *interval) {
                        Some(n) if n > t => t = n,
                        _ => break,
                    }
                }
            }
            instants.sort();
            instants.dedup();
            out = instants.into_iter().map(|t| pattern.format(t)).collect();
            out.dedup();
        }
    }
    if out.len() as u64 > cap {
        return Err(over());
    }
    Ok(out)
}

fn injected_error(column: &ColumnProjection) -> LakeError {
    LakeError::semantic(
        ErrorCode::ConstraintViolation,
        format!(
            "for the injected projected partition column '{}', the WHERE clause must contain \
             only equality (=) or IN conditions on it",
            column.name
        ),
    )
}

/// Up to `count` partitions spread evenly over the projected domain (first and last
/// included), for sampling storage. Columns with more than `per_column_cap` values are
/// sampled from their first `per_column_cap` values.
pub fn sample_partitions(
    table: &Table,
    config: &ProjectionConfig,
    count: usize,
    per_column_cap: u64,
) -> Result<Vec<PartitionLocation>> {
    let keys: Vec<&str> = table
        .partition_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    let mut columns: Vec<Vec<String>> = Vec::new();
    for column in &config.columns {
        if column.kind == ProjectionKind::Injected {
            return Err(LakeError::invalid(format!(
                "column '{}' is injected: its values come only from queries, so there is nothing \
                 to sample",
                column.name
            )));
        }
        let values = match &column.kind {
            ProjectionKind::Date { start, end, .. } => {
                // Sample the whole range without generating it: a few evenly spaced windows.
                let span = (*end - *start).num_seconds().max(0);
                let mut out = Vec::new();
                let gap = span / (count.max(2) as i64 - 1);
                for i in 0..count.max(1) as i64 {
                    let at = *start + Duration::seconds(gap * i);
                    let window: Allowed = Some(vec![(
                        Bound::Included(Key::Time(at)),
                        Bound::Included(Key::Time(at + Duration::seconds(gap))),
                    )]);
                    if let Some(v) = column_values(column, &window, per_column_cap)
                        .ok()
                        .and_then(|v| v.into_iter().next())
                    {
                        out.push(v);
                    }
                }
                out.dedup();
                out
            }
            _ => match column_values(column, &None, per_column_cap) {
                Ok(v) => v,
                Err(_) => {
                    let (min, max) = match column.kind {
                        ProjectionKind::Integer { min, max, .. } => (min as i128, max as i128),
                        _ => (0, 0),
                    };
                    let window: Allowed = Some(vec![(
                        Bound::Included(Key::Int(min)),
                        Bound::Included(Key::Int(max.min(min + per_column_cap as i128 - 1))),
                    )]);
                    column_values(column, &window, per_column_cap)?
                }
            },
        };
        columns.push(values);
    }
    if columns.iter().any(|c| c.is_empty()) {
        return Ok(vec![]);
    }
    let total: usize = columns.iter().map(|c| c.len()).product::<usize>().max(1);
    let picks: Vec<usize> = if total <= count {
        (0..total).collect()
    } else {
        let mut p: Vec<usize> = (0..count)
            .map(|i| i * (total - 1) / (count - 1).max(1))
            .collect();
        p.dedup();
        p
    };
    Ok(picks
        .into_iter()
        .map(|mut n| {
            let mut values = vec![String::new(); columns.len()];
            for (i, c) in columns.iter().enumerate().rev() {
                values[i] = c[n % c.len()].clone();
                n /= c.len();
            }
            PartitionLocation {
                spec: partition_path(&keys, &values),
                location: render_location(table, config, &keys, &values),
            }
        })
        .collect())
}

/// Projected partitions of a table for `filters` (which reference partition keys only).
/// Returns the candidates (spec and location), the size of the whole projected domain,
/// and the filters still to evaluate over the candidates (those not answered exactly
/// through a date cast).
pub fn project_partitions(
    table: &Table,
    config: &ProjectionConfig,
    filters: &[Expr],
) -> Result<(Vec<PartitionLocation>, u64, Vec<Expr>)> {
    let conjuncts: Vec<&Expr> = filters.iter().flat_map(|f| split_conjunction(f)).collect();
    let mut remaining: Vec<Expr> = Vec::new();
    let mut per_column: Vec<Vec<String>> = Vec::new();
    let mut handled = vec![false; conjuncts.len()];
    let mut product: u64 = 1;
    for (key, column) in table.partition_keys.iter().zip(&config.columns) {
        let data_type = key.parsed_type()?.to_arrow();
        let mut allowed: Allowed = None;
        for (i, c) in conjuncts.iter().enumerate() {
            let refs = c.column_refs();
            if refs.len() != 1 || !refs.iter().all(|r| r.name == column.name) {
                continue;
            }
            let mut ex = Extractor {
                column,
                data_type: data_type.clone(),
                used_date_cast: false,
                error: None,
                inexact: false,
            };
            let found = ex.extract(c);
            if let Some(message) = ex.error {
                return Err(LakeError::semantic(
                    ErrorCode::InvalidFunctionArgument,
                    message,
                ));
            }
            if let Some(found) = found {
                allowed = intersect(allowed, Some(found));
                // Casts of a text date column cannot be evaluated on the text; their
                // extraction is exact, so they need no second evaluation.
                let text_column = matches!(
                    data_type,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                );
                if ex.used_date_cast && text_column && !ex.inexact {
                    handled[i] = true;
                }
            }
        }
        let cap = MAX_PROJECTED_PARTITIONS / product.max(1);
        let values = column_values(column, &allowed, cap)?;
        product = product.saturating_mul(values.len() as u64);
        if product > MAX_PROJECTED_PARTITIONS {
            return Err(LakeError::semantic(
                ErrorCode::HiveExceededPartitionLimit,
                format!(
                    "the query would project more than {MAX_PROJECTED_PARTITIONS} partitions of {}; \
                     constrain the partition columns in the WHERE clause",
                    table.qualified_name()
                ),
            ));
        }
        per_column.push(values);
    }
    for (i, c) in conjuncts.iter().enumerate() {
        if !handled[i] {
            remaining.push((*c).clone());
        }
    }
    let domain = config
        .columns
        .iter()
        .fold(1u64, |acc, c| acc.saturating_mul(domain_size(&c.kind)));

    let keys: Vec<&str> = table
        .partition_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    let mut rows = Vec::with_capacity(product as usize);
    let mut index = vec![0usize; per_column.len()];
    if per_column.iter().any(|v| v.is_empty()) {
        return Ok((rows, domain, remaining));
    }
    loop {
        let values: Vec<String> = index
            .iter()
            .zip(&per_column)
            .map(|(i, v)| v[*i].clone())
            .collect();
        rows.push(PartitionLocation {
            spec: partition_path(&keys, &values),
            location: render_location(table, config, &keys, &values),
        });
        // Odometer over the columns.
        let mut pos = per_column.len();
        loop {
            if pos == 0 {
                return Ok((rows, domain, remaining));
            }
            pos -= 1;
            index[pos] += 1;
            if index[pos] < per_column[pos].len() {
                break;
            }
            index[pos] = 0;
        }
    }
}

/// The location of a projected partition: the template with `${key}` replaced, or the
/// Hive layout under the table location.
pub fn render_location(
    table: &Table,
    config: &ProjectionConfig,
    keys: &[&str],
    values: &[String],
) -> String {
    match &config.template {
        Some(t) => {
            let mut out = t.clone();
            for name in placeholders(t) {
                if let Some(i) = keys.iter().position(|k| k.eq_ignore_ascii_case(&name)) {
                    out = out.replace(&format!("${{{name}}}"), &values[i]);
                }
            }
            out
        }
        None => {
            let spec: Vec<String> = keys
                .iter()
                .zip(values)
                .map(|(k, v)| format!("{}={}", escape_path_name(k), escape_path_name(v)))
                .collect();
            join_location(
                &table.storage_descriptor.location,
                &format!("{}/", spec.join("/")),
            )
        }
    }
}
