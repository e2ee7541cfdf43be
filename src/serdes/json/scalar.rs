//! Scalar values of a JSON record converted to their column's type, as Athena's (Trino's)
//! OpenX reader converts them: a value that does not fit its type is NULL for tables,
//! and an error for casts.

use chrono::NaiveDate;
use datafusion::arrow::compute::kernels::cast_utils::string_to_timestamp_nanos;
use datafusion::arrow::datatypes::{DataType, TimeUnit};

/// A JSON scalar as read: a string, a number's text or a boolean.
pub enum Raw<'a> {
    /// A JSON string.
    Str(&'a str),
    /// A JSON number, as written.
    Num(&'a str),
    /// `true` or `false`.
    Bool(bool),
}

/// The JSON literal arrow-json reads as `raw` converted to `target`, or `None` when it
/// does not fit. `lenient` is OpenX's rule for booleans (only `true`, in any case, is
/// true); otherwise a boolean must be one.
pub fn convert(raw: &Raw, target: &DataType, lenient: bool) -> Option<String> {
    match target {
        DataType::Boolean => boolean(raw, lenient),
        DataType::Int8 => integer(raw, i8::MIN.into(), i8::MAX.into()),
        DataType::Int16 => integer(raw, i16::MIN.into(), i16::MAX.into()),
        DataType::Int32 => integer(raw, i32::MIN.into(), i32::MAX.into()),
        DataType::Int64 => integer(raw, i64::MIN, i64::MAX),
        DataType::Float32 | DataType::Float64 => float(raw),
        DataType::Decimal128(..) | DataType::Decimal256(..) => decimal(raw),
        DataType::Timestamp(unit, _) => timestamp(raw, unit),
        DataType::Date32 => date(raw),
        _ => match raw {
            Raw::Str(s) => Some(super::quoted(s)),
            _ => None,
        },
    }
}

fn text<'a>(raw: &'a Raw) -> Option<&'a str> {
    match raw {
        Raw::Str(s) | Raw::Num(s) => Some(s.trim()),
        Raw::Bool(_) => None,
    }
}

fn boolean(raw: &Raw, lenient: bool) -> Option<String> {
    let value = match raw {
        Raw::Bool(b) => *b,
        Raw::Str(s) if lenient => s.trim().eq_ignore_ascii_case("true"),
        Raw::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return None,
        },
        Raw::Num(_) if lenient => false,
        Raw::Num(_) => return None,
    };
    Some(value.to_string())
}

fn integer(raw: &Raw, min: i64, max: i64) -> Option<String> {
    let n: i64 = text(raw)?.parse().ok()?;
    (min..=max).contains(&n).then(|| n.to_string())
}

fn float(raw: &Raw) -> Option<String> {
    let f: f64 = text(raw)?.parse().ok()?;
    f.is_finite().then(|| f.to_string())
}

fn decimal(raw: &Raw) -> Option<String> {
    let t = text(raw)?;
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let valid = !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| super::quoted(t))
}

/// Numbers are epoch seconds when they have at most 12 integer digits, milliseconds
/// otherwise (OpenX's rule); strings are ISO 8601 / `yyyy-MM-dd HH:mm:ss[.f]` forms.
fn timestamp(raw: &Raw, unit: &TimeUnit) -> Option<String> {
    let nanos: i128 = match raw {
        Raw::Num(n) => {
            let value: f64 = n.trim().parse().ok()?;
            let digits = (value.abs().trunc() as u128).to_string().len();
            let scale = if digits <= 12 { 1e9 } else { 1e6 };
            (value * scale).round() as i128
        }
        Raw::Str(s) => string_to_timestamp_nanos(s.trim()).ok()?.into(),
        Raw::Bool(_) => return None,
    };
    let per_unit: i128 = match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    i64::try_from(nanos.div_euclid(per_unit))
        .ok()
        .map(|v| v.to_string())
}

fn date(raw: &Raw) -> Option<String> {
    let Raw::Str(s) = raw else {
        return None;
    };
    let day = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((day - epoch).num_days().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openx_value_rules() {
        let ms = DataType::Timestamp(TimeUnit::Millisecond, None);
        assert_eq!(
            convert(&Raw::Num("1715940000"), &ms, true).unwrap(),
            "1715940000000"
        );
        assert_eq!(
            convert(&Raw::Num("1715940000123"), &ms, true).unwrap(),
            "1715940000123"
        );
        assert_eq!(
            convert(&Raw::Str("2024-05-17 10:00:00"), &ms, true).unwrap(),
            "1715940000000"
        );
        assert!(convert(&Raw::Str("garbage"), &ms, true).is_none());
        assert!(convert(&Raw::Str("-"), &DataType::Int64, true).is_none());
        assert!(convert(&Raw::Num("12345678901234567890"), &DataType::Int64, true).is_none());
        assert!(convert(&Raw::Num("300"), &DataType::Int8, true).is_none());
        assert_eq!(
            convert(&Raw::Str("yes"), &DataType::Boolean, true).unwrap(),
            "false"
        );
        assert!(convert(&Raw::Str("yes"), &DataType::Boolean, false).is_none());
        assert_eq!(
            convert(&Raw::Str("2024-05-17"), &DataType::Date32, true).unwrap(),
            "19860"
        );
        assert!(convert(&Raw::Str("1e5"), &DataType::Decimal128(10, 2), true).is_none());
    }
}
