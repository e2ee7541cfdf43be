//! The `projection.*` and `storage.location.template` table properties, parsed and
//! validated. Errors name the table, the property and what is wrong.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::date::{DatePattern, DateUnit, parse_bound};
use crate::catalog::Table;
use crate::error::{ErrorCode, LakeError, Result};

/// How one partition column is projected.
#[derive(Clone, Debug, PartialEq)]
pub enum ProjectionKind {
    /// `enum`: the listed values.
    Enum(Vec<String>),
    /// `integer`: `min..=max` stepping by `interval`, zero-padded to `digits`.
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
        /// Step.
        interval: i64,
        /// Zero-padding width.
        digits: Option<usize>,
    },
    /// `date`: instants from `start` to `end` stepping by `interval` `unit`s, rendered
    /// with `pattern`.
    Date {
        /// First instant.
        start: NaiveDateTime,
        /// Last instant (inclusive).
        end: NaiveDateTime,
        /// Rendering.
        pattern: DatePattern,
        /// Step size.
        interval: i64,
        /// Step unit.
        unit: DateUnit,
    },
    /// `injected`: values come only from the query.
    Injected,
}

/// One partition key and its projection.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnProjection {
    /// Partition key name.
    pub name: String,
    /// The projection.
    pub kind: ProjectionKind,
}

/// A table's projection configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectionConfig {
    /// One per partition key, in key order.
    pub columns: Vec<ColumnProjection>,
    /// `storage.location.template`, when set.
    pub template: Option<String>,
}

fn property_error(table: &Table, property: &str, what: impl std::fmt::Display) -> LakeError {
    LakeError::semantic(
        ErrorCode::InvalidTableProperty,
        format!(
            "table {}: property '{property}' {what}",
            table.qualified_name()
        ),
    )
}

/// Whether `projection.enabled` is `true` on the table.
pub fn is_enabled(table: &Table) -> bool {
    table
        .parameters
        .get("projection.enabled")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

impl ProjectionConfig {
    /// The table's projection, `None` when projection is not enabled. `now` resolves
    /// `NOW` in date ranges.
    pub fn of_table(table: &Table, now: DateTime<Utc>) -> Result<Option<ProjectionConfig>> {
        if !is_enabled(table) {
            return Ok(None);
        }
        if !table.is_partitioned() {
            return Err(property_error(
                table,
                "projection.enabled",
                "is set, but the table has no partition keys",
            ));
        }
        let missing: Vec<&str> = table
            .partition_keys
            .iter()
            .filter(|k| {
                !table
                    .parameters
                    .contains_key(&format!("projection.{}.type", k.name))
            })
            .map(|k| k.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(LakeError::semantic(
                ErrorCode::InvalidTableProperty,
                format!(
                    "Table {} is configured for partition projection, but the following \
                     partition columns are missing projection configuration: [{}]",
                    table.qualified_name(),
                    missing.join(", ")
                ),
            ));
        }
        let mut columns = Vec::new();
        for key in &table.partition_keys {
            columns.push(ColumnProjection {
                name: key.name.clone(),
                kind: column_kind(table, &key.name, now)?,
            });
        }
        let template = table.parameters.get("storage.location.template").cloned();
        if let Some(t) = &template {
            check_template(table, t)?;
        }
        Ok(Some(ProjectionConfig { columns, template }))
    }
}

fn column_kind(table: &Table, name: &str, now: DateTime<Utc>) -> Result<ProjectionKind> {
    let props = ColumnProperties { table, name, now };
    let kind = props
        .get("type")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match kind.as_str() {
        "enum" => props.enum_kind(),
        "integer" => props.integer_kind(),
        "date" => props.date_kind(),
        "injected" => Ok(ProjectionKind::Injected),
        other => Err(props.error(
            "type",
            format!(
                "has an unknown projection type '{other}' (expected enum, integer, date or injected)"
            ),
        )),
    }
}

/// The `projection.<column>.*` properties of one partition column.
struct ColumnProperties<'a> {
    table: &'a Table,
    name: &'a str,
    /// Resolves `NOW` in date ranges.
    now: DateTime<Utc>,
}

impl<'a> ColumnProperties<'a> {
    /// The full name of property `projection.<column>.<p>`.
    fn prop(&self, p: &str) -> String {
        format!("projection.{}.{p}", self.name)
    }

    fn get(&self, p: &str) -> Option<&'a str> {
        self.table.parameters.get(&self.prop(p)).map(|v| v.as_str())
    }

    fn error(&self, p: &str, what: impl std::fmt::Display) -> LakeError {
        property_error(self.table, &self.prop(p), what)
    }

    /// The property's value, or an error saying `what` when it is not set.
    fn required(&self, p: &str, what: &str) -> Result<&'a str> {
        self.get(p).ok_or_else(|| self.error(p, what))
    }

    fn positive(&self, p: &str) -> Result<Option<i64>> {
        self.get(p)
            .map(|v| match v.trim().parse::<i64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(self.error(p, format!("must be a positive integer, got '{v}'"))),
            })
            .transpose()
    }

    fn enum_kind(&self) -> Result<ProjectionKind> {
        let values = self.required("values", "is required for type enum")?;
        let values: Vec<String> = values.split(',').map(str::to_string).collect();
        if values.iter().all(|v| v.trim().is_empty()) {
            return Err(self.error("values", "must list at least one value"));
        }
        Ok(ProjectionKind::Enum(values))
    }

    fn integer_kind(&self) -> Result<ProjectionKind> {
        let (min, max) = self.integer_range()?;
        let digits = self.digits()?;
        Ok(ProjectionKind::Integer {
            min,
            max,
            interval: self.positive("interval")?.unwrap_or(1),
            digits,
        })
    }

    /// `range` as `min,max`.
    fn integer_range(&self) -> Result<(i64, i64)> {
        let range = self.required("range", "is required for type integer")?;
        let bad = || {
            self.error(
                "range",
                format!("must be 'min,max' with integers, got '{range}'"),
            )
        };
        let (lo, hi) = range.split_once(',').ok_or_else(bad)?;
        let min: i64 = lo.trim().parse().map_err(|_| bad())?;
        let max: i64 = hi.trim().parse().map_err(|_| bad())?;
        if min > max {
            return Err(self.error("range", format!("is reversed: {min} > {max}")));
        }
        Ok((min, max))
    }

    fn digits(&self) -> Result<Option<usize>> {
        self.get("digits")
            .map(|d| match d.trim().parse::<usize>() {
                Ok(n @ 1..=20) => Ok(n),
                _ => Err(self.error(
                    "digits",
                    format!("must be an integer from 1 to 20, got '{d}'"),
                )),
            })
            .transpose()
    }

    fn date_kind(&self) -> Result<ProjectionKind> {
        let format = self.required("format", "is required for type date")?;
        let pattern = DatePattern::parse(format).map_err(|e| self.error("format", e))?;
        let (start, end) = self.date_range(&pattern)?;
        let interval = self.positive("interval")?;
        let unit = self.date_unit(&pattern, format)?;
        Ok(ProjectionKind::Date {
            start,
            end,
            pattern,
            interval: interval.unwrap_or(1),
            unit,
        })
    }

    /// `range` as `start,end`, each a date in the pattern or `NOW±N UNIT`.
    fn date_range(&self, pattern: &DatePattern) -> Result<(NaiveDateTime, NaiveDateTime)> {
        let range = self.required("range", "is required for type date")?;
        let (lo, hi) = range
            .split_once(',')
            .ok_or_else(|| self.error("range", format!("must be 'start,end', got '{range}'")))?;
        let start = parse_bound(lo, pattern, self.now).map_err(|e| self.error("range", e))?;
        let end = parse_bound(hi, pattern, self.now).map_err(|e| self.error("range", e))?;
        // Bounds take the format's precision (NOW-3DAYS keeps no time of day under
        // yyyy-MM-dd), so steps land where the folders' values are.
        let align = |t: NaiveDateTime| pattern.parse_value(&pattern.format(t)).unwrap_or(t);
        let (start, end) = (align(start), align(end));
        if start > end {
            return Err(self.error("range", format!("is reversed: '{lo}' is after '{hi}'")));
        }
        Ok((start, end))
    }

    /// `interval.unit`, defaulting to the format's precision when that is days or coarser.
    fn date_unit(&self, pattern: &DatePattern, format: &str) -> Result<DateUnit> {
        let unit = self
            .get("interval.unit")
            .map(|u| {
                DateUnit::parse(u).ok_or_else(|| {
                    self.error("interval.unit", format!(
                        "must be one of YEARS, MONTHS, WEEKS, DAYS, HOURS, MINUTES, SECONDS, MILLISECONDS, got '{u}'"
                    ))
                })
            })
            .transpose()?;
        match unit {
            Some(u) => Ok(u),
            None => match pattern.precision {
                DateUnit::Years | DateUnit::Months | DateUnit::Days => Ok(pattern.precision),
                _ => Err(self.error(
                    "interval.unit",
                    format!(
                        "is required: the format '{format}' is finer than a day, so \
                         'interval' and 'interval.unit' must be given"
                    ),
                )),
            },
        }
    }
}

/// `${name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 2..start + end].to_string());
        rest = &rest[start + end + 1..];
    }
    out
}

fn check_template(table: &Table, template: &str) -> Result<()> {
    let names = placeholders(template);
    for n in &names {
        if !table
            .partition_keys
            .iter()
            .any(|k| k.name.eq_ignore_ascii_case(n))
        {
            return Err(property_error(
                table,
                "storage.location.template",
                format!("refers to '${{{n}}}', which is not a partition column"),
            ));
        }
    }
    let missing: Vec<&str> = table
        .partition_keys
        .iter()
        .filter(|k| !names.iter().any(|n| n.eq_ignore_ascii_case(&k.name)))
        .map(|k| k.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(property_error(
            table,
            "storage.location.template",
            format!(
                "must contain templates for all partition columns; missing: {}",
                missing
                    .iter()
                    .map(|m| format!("${{{m}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(())
}
