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
use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};
use datafusion::scalar::ScalarValue;

use super::config::{ColumnProjection, ProjectionConfig, ProjectionKind, placeholders};
use super::date::{DatePattern, DateUnit};
use crate::catalog::partition_path::partition_path;
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

/// Derives one column's allowed intervals from a filter expression.
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

impl<'a> Extractor<'a> {
    fn new(column: &'a ColumnProjection, data_type: DataType) -> Self {
        Extractor {
            column,
            data_type,
            used_date_cast: false,
            error: None,
            inexact: false,
        }
    }

    fn column_form(&self, e: &Expr) -> Option<ColumnForm> {
        match e {
            Expr::Column(c) if c.name == self.column.name => Some(ColumnForm::Plain),
            Expr::Cast(c) => self.cast_form(&c.expr, c.field.data_type()),
            Expr::TryCast(c) => self.cast_form(&c.expr, c.field.data_type()),
            _ => None,
        }
    }

    /// The form of `CAST(inner AS to)` when `inner` is the column and `to` a date or
    /// timestamp.
    fn cast_form(&self, inner: &Expr, to: &DataType) -> Option<ColumnForm> {
        if !matches!(inner, Expr::Column(col) if col.name == self.column.name) {
            return None;
        }
        match to {
            DataType::Date32 | DataType::Date64 => Some(ColumnForm::AsDate),
            DataType::Timestamp(..) => Some(ColumnForm::AsTimestamp),
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
        let column = self.column;
        let text_column = is_text(&self.data_type);
        match (&column.kind, form) {
            (
                ProjectionKind::Integer {
                    min, max, digits, ..
                },
                ColumnForm::Plain,
            ) if text_column => {
                let text = scalar_text(v)?;
                if ordered && !sorts_as_number(&text, *min, *max, *digits) {
                    return None;
                }
                text.trim().parse::<i128>().ok().map(Key::Int)
            }
            (ProjectionKind::Integer { .. }, ColumnForm::Plain) => scalar_int(v).map(Key::Int),
            (ProjectionKind::Date { pattern, .. }, ColumnForm::Plain) if text_column => {
                self.text_date_key(pattern, v, ordered)
            }
            (ProjectionKind::Date { .. }, _) => scalar_time(v).map(Key::Time),
            (ProjectionKind::Enum(_) | ProjectionKind::Injected, ColumnForm::Plain) if !ordered => {
                scalar_text(v).map(Key::Text)
            }
            _ => None,
        }
    }

    /// The key of a literal compared with a text date column; records an error when the
    /// literal is not in the column's format.
    fn text_date_key(
        &mut self,
        pattern: &DatePattern,
        v: &ScalarValue,
        ordered: bool,
    ) -> Option<Key> {
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
    }

    /// The intervals `e` allows; `None` when it cannot be turned into intervals.
    fn extract(&mut self, e: &Expr) -> Allowed {
        match e {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::And,
                right,
            }) => self.extract_and(left, right),
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Or,
                right,
            }) => self.extract_or(left, right),
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                self.extract_comparison(left, *op, right)
            }
            Expr::Between(b) if !b.negated => self.extract_between(b),
            Expr::InList(list) if !list.negated => self.extract_in_list(list),
            _ => None,
        }
    }

    /// Both sides; a side that cannot be extracted leaves a superset.
    fn extract_and(&mut self, left: &Expr, right: &Expr) -> Allowed {
        let l = self.extract(left);
        let r = self.extract(right);
        if l.is_none() || r.is_none() {
            self.inexact = true;
        }
        intersect(l, r)
    }

    fn extract_or(&mut self, left: &Expr, right: &Expr) -> Allowed {
        let mut l = self.extract(left)?;
        l.extend(self.extract(right)?);
        Some(l)
    }

    /// `column <op> literal`, either way round.
    fn extract_comparison(&mut self, left: &Expr, op: Operator, right: &Expr) -> Allowed {
        let (form, lit, op) = self.comparison(left, op, right)?;
        let key = self.key(&form, &lit, op != Operator::Eq)?;
        if !matches!(form, ColumnForm::Plain) {
            self.used_date_cast = true;
        }
        let interval = match (&form, key) {
            (ColumnForm::AsDate, Key::Time(day)) => day_interval(op, day)?,
            (_, key) => key_interval(op, key)?,
        };
        Some(vec![interval])
    }

    /// The column's form, the literal and the operator with the column on the left.
    fn comparison(
        &self,
        left: &Expr,
        op: Operator,
        right: &Expr,
    ) -> Option<(ColumnForm, ScalarValue, Operator)> {
        match (self.column_form(left), Self::literal(right)) {
            (Some(f), Some(v)) => Some((f, v, op)),
            _ => match (self.column_form(right), Self::literal(left)) {
                (Some(f), Some(v)) => Some((f, v, op.swap()?)),
                _ => None,
            },
        }
    }

    /// `column BETWEEN low AND high` as `>= low` and `<= high`.
    fn extract_between(&mut self, b: &Between) -> Allowed {
        self.column_form(&b.expr)?;
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
        let l = self.extract(&ge)?;
        let r = self.extract(&le)?;
        intersect(Some(l), Some(r))
    }

    /// `column IN (literals)`, on the plain column only.
    fn extract_in_list(&mut self, list: &InList) -> Allowed {
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
}

/// The keys `column <op> key` allows.
fn key_interval(op: Operator, key: Key) -> Option<Interval> {
    Some(match op {
        Operator::Eq => (Bound::Included(key.clone()), Bound::Included(key)),
        Operator::Lt => (Bound::Unbounded, Bound::Excluded(key)),
        Operator::LtEq => (Bound::Unbounded, Bound::Included(key)),
        Operator::Gt => (Bound::Excluded(key), Bound::Unbounded),
        Operator::GtEq => (Bound::Included(key), Bound::Unbounded),
        _ => return None,
    })
}

/// The instants `CAST(column AS DATE) <op> day` allows: the cast truncates, so the
/// comparison is against whole days.
fn day_interval(op: Operator, day: NaiveDateTime) -> Option<Interval> {
    let next = day.checked_add_signed(Duration::days(1))?;
    let (d, n) = (Key::Time(day), Key::Time(next));
    Some(match op {
        Operator::Eq => (Bound::Included(d), Bound::Excluded(n)),
        Operator::Lt => (Bound::Unbounded, Bound::Excluded(d)),
        Operator::LtEq => (Bound::Unbounded, Bound::Excluded(n)),
        Operator::Gt => (Bound::Included(n), Bound::Unbounded),
        Operator::GtEq => (Bound::Included(d), Bound::Unbounded),
        _ => return None,
    })
}

/// Whether a text column of integers compares as numbers: padded non-negative numbers of
/// one width.
fn sorts_as_number(text: &str, min: i64, max: i64, digits: Option<usize>) -> bool {
    digits.is_some_and(|width| {
        min >= 0
            && max.to_string().len() <= width
            && text.len() == width
            && text.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
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
    let generator = ValueGenerator {
        column,
        allowed,
        cap,
    };
    let out = match &column.kind {
        ProjectionKind::Enum(values) => generator.enum_values(values),
        ProjectionKind::Injected => generator.injected_values()?,
        ProjectionKind::Integer {
            min,
            max,
            interval,
            digits,
        } => generator.integer_values(*min, *max, *interval, *digits)?,
        ProjectionKind::Date {
            start,
            end,
            pattern,
            interval,
            unit,
        } => {
            let steps = DateSteps {
                start: *start,
                end: *end,
                interval: *interval,
                unit: *unit,
            };
            generator.date_values(&steps, pattern)?
        }
    };
    if out.len() as u64 > cap {
        return Err(generator.over_cap());
    }
    Ok(out)
}

/// Generates one column's values inside the allowed intervals, failing past `cap`.
struct ValueGenerator<'a> {
    column: &'a ColumnProjection,
    allowed: &'a Allowed,
    cap: u64,
}

impl ValueGenerator<'_> {
    fn over_cap(&self) -> LakeError {
        LakeError::semantic(
            ErrorCode::HiveExceededPartitionLimit,
            format!(
                "the query would project more than {MAX_PROJECTED_PARTITIONS} partitions; \
                 constrain partition column '{}' (or the others) in the WHERE clause",
                self.column.name
            ),
        )
    }

    /// Appends `v`; `Err` once there are more than `cap` values.
    fn push_capped<T>(&self, out: &mut Vec<T>, v: T) -> Result<()> {
        out.push(v);
        if out.len() as u64 > self.cap {
            return Err(self.over_cap());
        }
        Ok(())
    }

    fn inside(&self, k: &Key) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|ivs| ivs.iter().any(|iv| contains(iv, k)))
    }

    fn enum_values(&self, values: &[String]) -> Vec<String> {
        values
            .iter()
            .filter(|v| self.inside(&Key::Text((*v).clone())))
            .cloned()
            .collect()
    }

    /// The values the query names: only points are allowed.
    fn injected_values(&self) -> Result<Vec<String>> {
        let ivs = self
            .allowed
            .as_ref()
            .ok_or_else(|| injected_error(self.column))?;
        let mut out: Vec<String> = Vec::new();
        for (lo, hi) in ivs {
            match (lo, hi) {
                (Bound::Included(Key::Text(a)), Bound::Included(Key::Text(b))) if a == b => {
                    if !out.contains(a) {
                        out.push(a.clone());
                    }
                }
                _ => return Err(injected_error(self.column)),
            }
        }
        Ok(out)
    }

    /// The steps of `min..=max` inside the allowed intervals, zero-padded to `digits`.
    fn integer_values(
        &self,
        min: i64,
        max: i64,
        interval: i64,
        digits: Option<usize>,
    ) -> Result<Vec<String>> {
        let (min, max, step) = (min as i128, max as i128, interval as i128);
        let mut values: Vec<i128> = Vec::new();
        for (lo, hi) in self.integer_ranges(min, max) {
            if lo > hi {
                continue;
            }
            let mut v = min + ((lo - min) + step - 1).div_euclid(step) * step;
            while v <= hi {
                self.push_capped(&mut values, v)?;
                v += step;
            }
        }
        values.sort();
        values.dedup();
        Ok(values
            .into_iter()
            .map(|v| match digits {
                Some(d) => format!("{v:0width$}", width = d),
                None => v.to_string(),
            })
            .collect())
    }

    /// The allowed intervals as inclusive integer ranges clipped to `min..=max`.
    fn integer_ranges(&self, min: i128, max: i128) -> Vec<(i128, i128)> {
        let Some(ivs) = self.allowed else {
            return vec![(min, max)];
        };
        ivs.iter()
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
            .collect()
    }

    /// The steps of the date domain inside the allowed intervals, rendered with `pattern`.
    fn date_values(&self, steps: &DateSteps, pattern: &DatePattern) -> Result<Vec<String>> {
        let mut instants: Vec<NaiveDateTime> = Vec::new();
        for range in steps.ranges(self.allowed) {
            self.push_steps_in(steps, &range, &mut instants)?;
        }
        instants.sort();
        instants.dedup();
        let mut out: Vec<String> = instants.into_iter().map(|t| pattern.format(t)).collect();
        out.dedup();
        Ok(out)
    }

    fn push_steps_in(
        &self,
        steps: &DateSteps,
        range: &TimeRange,
        instants: &mut Vec<NaiveDateTime>,
    ) -> Result<()> {
        let Some(mut t) = steps.first_at_or_after(range.lo) else {
            return Ok(());
        };
        while !range.starts_by(t) {
            match steps.next(t) {
                Some(n) => t = n,
                None => break,
            }
        }
        while range.starts_by(t) && range.ends_by(t) {
            self.push_capped(instants, t)?;
            match steps.next(t) {
                Some(n) => t = n,
                None => break,
            }
        }
        Ok(())
    }
}

/// A `date` column's domain: `start..=end` stepping by `interval` `unit`s.
struct DateSteps {
    start: NaiveDateTime,
    end: NaiveDateTime,
    interval: i64,
    unit: DateUnit,
}

/// A range of instants inside a date domain.
struct TimeRange {
    lo: NaiveDateTime,
    lo_included: bool,
    hi: NaiveDateTime,
    hi_included: bool,
}

impl TimeRange {
    /// Whether `t` is past the low end.
    fn starts_by(&self, t: NaiveDateTime) -> bool {
        t > self.lo || (t == self.lo && self.lo_included)
    }

    /// Whether `t` is before the high end.
    fn ends_by(&self, t: NaiveDateTime) -> bool {
        t < self.hi || (self.hi_included && t == self.hi)
    }
}

impl DateSteps {
    /// The allowed intervals clipped to the domain.
    fn ranges(&self, allowed: &Allowed) -> Vec<TimeRange> {
        let Some(ivs) = allowed else {
            return vec![TimeRange {
                lo: self.start,
                lo_included: true,
                hi: self.end,
                hi_included: true,
            }];
        };
        ivs.iter()
            .filter_map(|(lo, hi)| {
                let (lo, lo_included) = self.clip_low(lo)?;
                let (hi, hi_included) = self.clip_high(hi)?;
                Some(TimeRange {
                    lo,
                    lo_included,
                    hi,
                    hi_included,
                })
            })
            .collect()
    }

    fn clip_low(&self, lo: &Bound<Key>) -> Option<(NaiveDateTime, bool)> {
        let start = self.start;
        Some(match lo {
            Bound::Included(Key::Time(t)) if *t < start => (start, true),
            Bound::Included(Key::Time(t)) => (*t, true),
            Bound::Excluded(Key::Time(t)) if *t < start => (start, true),
            Bound::Excluded(Key::Time(t)) => (*t, false),
            Bound::Unbounded => (start, true),
            _ => return None,
        })
    }

    fn clip_high(&self, hi: &Bound<Key>) -> Option<(NaiveDateTime, bool)> {
        let end = self.end;
        Some(match hi {
            Bound::Included(Key::Time(t)) => ((*t).min(end), true),
            Bound::Excluded(Key::Time(t)) if *t > end => (end, true),
            Bound::Excluded(Key::Time(t)) => (*t, false),
            Bound::Unbounded => (end, true),
            _ => return None,
        })
    }

    /// Where to start looking for steps at or after `lo`: the first such step for
    /// fixed-length units, the domain's start for months and years.
    fn first_at_or_after(&self, lo: NaiveDateTime) -> Option<NaiveDateTime> {
        let Some(s) = step(self.unit, self.interval) else {
            return Some(self.start);
        };
        let ms = s.num_milliseconds().max(1) as i128;
        let offset = (lo - self.start).num_milliseconds().max(0) as i128;
        let k = (offset + ms - 1) / ms;
        i64::try_from(k * ms)
            .ok()
            .and_then(Duration::try_milliseconds)
            .and_then(|d| self.start.checked_add_signed(d))
    }

    /// The step after `t`, if it moves forward.
    fn next(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        self.unit.add(t, self.interval).filter(|n| *n > t)
    }
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
    let sampling = Sampling {
        count,
        per_column_cap,
    };
    let columns = config
        .columns
        .iter()
        .map(|column| sampling.column_values(column))
        .collect::<Result<Vec<_>>>()?;
    if columns.iter().any(|c| c.is_empty()) {
        return Ok(vec![]);
    }
    let total: usize = columns.iter().map(|c| c.len()).product::<usize>().max(1);
    let keys = table.partition_key_names();
    Ok(sampling
        .picks(total)
        .into_iter()
        .map(|n| partition_location(table, config, &keys, &nth_combination(&columns, n)))
        .collect())
}

/// How many partitions to sample, and how many values of a column to consider.
struct Sampling {
    count: usize,
    per_column_cap: u64,
}

impl Sampling {
    /// The values of one column to pick samples from.
    fn column_values(&self, column: &ColumnProjection) -> Result<Vec<String>> {
        match &column.kind {
            ProjectionKind::Injected => Err(LakeError::invalid(format!(
                "column '{}' is injected: its values come only from queries, so there is nothing \
                 to sample",
                column.name
            ))),
            ProjectionKind::Date { start, end, .. } => Ok(self.date_windows(column, *start, *end)),
            _ => match column_values(column, &None, self.per_column_cap) {
                Ok(v) => Ok(v),
                Err(_) => self.leading_values(column),
            },
        }
    }

    /// The first value of each of `count` evenly spaced windows over the whole range,
    /// found without generating the range.
    fn date_windows(
        &self,
        column: &ColumnProjection,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Vec<String> {
        let span = (end - start).num_seconds().max(0);
        let gap = span / (self.count.max(2) as i64 - 1);
        let mut out: Vec<String> = (0..self.count.max(1) as i64)
            .filter_map(|i| {
                let at = start + Duration::seconds(gap * i);
                let window: Allowed = Some(vec![(
                    Bound::Included(Key::Time(at)),
                    Bound::Included(Key::Time(at + Duration::seconds(gap))),
                )]);
                column_values(column, &window, self.per_column_cap)
                    .ok()
                    .and_then(|v| v.into_iter().next())
            })
            .collect();
        out.dedup();
        out
    }

    /// The first `per_column_cap` values of a column with too many to list.
    fn leading_values(&self, column: &ColumnProjection) -> Result<Vec<String>> {
        let (min, max) = match column.kind {
            ProjectionKind::Integer { min, max, .. } => (min as i128, max as i128),
            _ => (0, 0),
        };
        let window: Allowed = Some(vec![(
            Bound::Included(Key::Int(min)),
            Bound::Included(Key::Int(max.min(min + self.per_column_cap as i128 - 1))),
        )]);
        column_values(column, &window, self.per_column_cap)
    }

    /// Up to `count` indexes spread evenly over `0..total`, first and last included.
    fn picks(&self, total: usize) -> Vec<usize> {
        if total <= self.count {
            return (0..total).collect();
        }
        let mut p: Vec<usize> = (0..self.count)
            .map(|i| i * (total - 1) / (self.count - 1).max(1))
            .collect();
        p.dedup();
        p
    }
}

/// The `n`th combination of one value per column, the last column varying fastest.
fn nth_combination(columns: &[Vec<String>], mut n: usize) -> Vec<String> {
    let mut values = vec![String::new(); columns.len()];
    for (i, c) in columns.iter().enumerate().rev() {
        values[i] = c[n % c.len()].clone();
        n /= c.len();
    }
    values
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
    let mut conjuncts = Conjuncts::of(filters);
    let mut per_column: Vec<Vec<String>> = Vec::new();
    let mut product: u64 = 1;
    for (key, column) in table.partition_keys.iter().zip(&config.columns) {
        let data_type = key.parsed_type()?.to_arrow();
        let allowed = conjuncts.allowed(column, &data_type)?;
        let cap = MAX_PROJECTED_PARTITIONS / product.max(1);
        let values = column_values(column, &allowed, cap)?;
        product = product.saturating_mul(values.len() as u64);
        if product > MAX_PROJECTED_PARTITIONS {
            return Err(table_partition_limit_error(table));
        }
        per_column.push(values);
    }
    let remaining = conjuncts.remaining();
    let domain = config
        .columns
        .iter()
        .fold(1u64, |acc, c| acc.saturating_mul(domain_size(&c.kind)));
    let rows = all_combinations(table, config, &per_column);
    Ok((rows, domain, remaining))
}

fn table_partition_limit_error(table: &Table) -> LakeError {
    LakeError::semantic(
        ErrorCode::HiveExceededPartitionLimit,
        format!(
            "the query would project more than {MAX_PROJECTED_PARTITIONS} partitions of {}; \
             constrain the partition columns in the WHERE clause",
            table.qualified_name()
        ),
    )
}

/// A query's filter conjuncts, and which of them the projection answers exactly.
struct Conjuncts<'e> {
    exprs: Vec<&'e Expr>,
    handled: Vec<bool>,
}

impl<'e> Conjuncts<'e> {
    fn of(filters: &'e [Expr]) -> Self {
        let exprs: Vec<&Expr> = filters.iter().flat_map(|f| split_conjunction(f)).collect();
        let handled = vec![false; exprs.len()];
        Conjuncts { exprs, handled }
    }

    /// The intervals the conjuncts on `column` alone allow (`None`: unconstrained).
    fn allowed(&mut self, column: &ColumnProjection, data_type: &DataType) -> Result<Allowed> {
        let mut allowed: Allowed = None;
        for (i, c) in self.exprs.iter().enumerate() {
            if !refers_only_to(c, &column.name) {
                continue;
            }
            let mut ex = Extractor::new(column, data_type.clone());
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
                if ex.used_date_cast && is_text(data_type) && !ex.inexact {
                    self.handled[i] = true;
                }
            }
        }
        Ok(allowed)
    }

    /// The conjuncts still to evaluate over the candidates.
    fn remaining(self) -> Vec<Expr> {
        self.exprs
            .into_iter()
            .zip(self.handled)
            .filter(|(_, handled)| !handled)
            .map(|(c, _)| c.clone())
            .collect()
    }
}

fn refers_only_to(e: &Expr, column: &str) -> bool {
    let refs = e.column_refs();
    refs.len() == 1 && refs.iter().all(|r| r.name == column)
}

/// One partition per combination of one value per column, the last column varying
/// fastest.
fn all_combinations(
    table: &Table,
    config: &ProjectionConfig,
    per_column: &[Vec<String>],
) -> Vec<PartitionLocation> {
    if per_column.iter().any(|v| v.is_empty()) {
        return Vec::new();
    }
    let keys = table.partition_key_names();
    let mut rows = Vec::with_capacity(per_column.iter().map(Vec::len).product());
    let mut index = vec![0usize; per_column.len()];
    loop {
        let values: Vec<String> = index
            .iter()
            .zip(per_column)
            .map(|(i, v)| v[*i].clone())
            .collect();
        rows.push(partition_location(table, config, &keys, &values));
        if !advance(&mut index, per_column) {
            return rows;
        }
    }
}

/// Moves an odometer over the columns one step; `false` once it has gone all the way
/// round.
fn advance(index: &mut [usize], per_column: &[Vec<String>]) -> bool {
    for pos in (0..index.len()).rev() {
        index[pos] += 1;
        if index[pos] < per_column[pos].len() {
            return true;
        }
        index[pos] = 0;
    }
    false
}

fn partition_location(
    table: &Table,
    config: &ProjectionConfig,
    keys: &[&str],
    values: &[String],
) -> PartitionLocation {
    PartitionLocation {
        spec: partition_path(keys, values),
        location: render_location(table, config, keys, values),
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
        None => join_location(
            &table.storage_descriptor.location,
            &format!("{}/", partition_path(keys, values)),
        ),
    }
}
