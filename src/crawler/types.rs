//! Column types as the crawler infers them: value classification, widening when files
//! disagree, and the Arrow → Hive mapping for self-describing formats.

use chrono::{NaiveDate, NaiveDateTime};

use crate::catalog::hive_type::HiveType;

/// The type a text value reads as, from narrowest to widest (Glue's classifier types).
pub fn classify_text(value: &str) -> Option<HiveType> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
        return Some(HiveType::Boolean);
    }
    if is_integer(v) {
        return Some(if v.parse::<i64>().is_ok() {
            HiveType::BigInt
        } else {
            HiveType::Double
        });
    }
    if is_decimal_number(v) {
        return Some(HiveType::Double);
    }
    if is_date(v) {
        return Some(HiveType::Date);
    }
    if is_timestamp(v) {
        return Some(HiveType::Timestamp);
    }
    Some(HiveType::String)
}

fn is_integer(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `1.5`, `-0.25`, `1e10`: a plain decimal or scientific number (not `NaN`, `inf`).
fn is_decimal_number(v: &str) -> bool {
    v.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.parse::<f64>().is_ok()
}

/// `yyyy-MM-dd`.
pub fn is_date(v: &str) -> bool {
    v.len() == 10 && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

/// `yyyy-MM-dd HH:mm:ss[.fff]` (or with `T`), as Hive and Athena read timestamps.
pub fn is_timestamp(v: &str) -> bool {
    v.len() >= 19
        && v.as_bytes()[4] == b'-'
        && ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok())
}

/// The narrowest type both `a` and `b` values fit, and whether that was a conflict
/// (types that do not widen into each other end as `string`).
pub fn widen(a: &HiveType, b: &HiveType) -> (HiveType, bool) {
    use HiveType::*;
    if a == b {
        return (a.clone(), false);
    }
    match (a, b) {
        (String, _) | (_, String) => (String, true),
        _ if numeric_rank(a).is_some() && numeric_rank(b).is_some() => (widen_numeric(a, b), false),
        (Decimal(p1, s1), Decimal(p2, s2)) => {
            let scale = (*s1).max(*s2);
            let int_digits = (p1 - s1).max(p2 - s2);
            match int_digits.checked_add(scale) {
                Some(p) if p <= 38 => (Decimal(p, scale), false),
                _ => (Double, false),
            }
        }
        (Decimal(..), t) | (t, Decimal(..)) if numeric_rank(t).is_some() => (Double, false),
        (Date, Timestamp) | (Timestamp, Date) => (Timestamp, false),
        (Array(x), Array(y)) => {
            let (t, conflict) = widen(x, y);
            (Array(Box::new(t)), conflict)
        }
        (Map(k1, v1), Map(k2, v2)) => {
            let (k, c1) = widen(k1, k2);
            let (v, c2) = widen(v1, v2);
            (Map(Box::new(k), Box::new(v)), c1 || c2)
        }
        (Struct(f1), Struct(f2)) => widen_struct(f1, f2),
        _ => (String, true),
    }
}

/// The order of the numeric types, narrowest first; `None` for other types.
fn numeric_rank(t: &HiveType) -> Option<u8> {
    use HiveType::*;
    match t {
        TinyInt => Some(1),
        SmallInt => Some(2),
        Int => Some(3),
        BigInt => Some(4),
        Float => Some(5),
        Double => Some(6),
        _ => None,
    }
}

/// The wider of two numeric types; `float` with a 64-bit integer needs `double`.
fn widen_numeric(a: &HiveType, b: &HiveType) -> HiveType {
    let wider = if numeric_rank(a) >= numeric_rank(b) {
        a
    } else {
        b
    };
    let has_bigint = matches!(a, HiveType::BigInt) || matches!(b, HiveType::BigInt);
    if matches!(wider, HiveType::Float) && has_bigint {
        HiveType::Double
    } else {
        wider.clone()
    }
}

/// The fields of both structs by name (first appearance order), widened.
fn widen_struct(f1: &[(String, HiveType)], f2: &[(String, HiveType)]) -> (HiveType, bool) {
    let mut fields = f1.to_vec();
    let mut conflict = false;
    for (name, t) in f2 {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some((_, existing)) => {
                let (w, c) = widen(existing, t);
                *existing = w;
                conflict |= c;
            }
            None => fields.push((name.clone(), t.clone())),
        }
    }
    (HiveType::Struct(fields), conflict)
}

/// A partition value's type: `int`/`bigint` for canonical integers (no leading zeros, so
/// the folder name round-trips), `date` for `yyyy-MM-dd`, otherwise `string`.
pub fn partition_value_type<'a>(values: impl Iterator<Item = &'a str>) -> HiveType {
    let mut best = None::<HiveType>;
    for v in values {
        let t = if is_integer(v)
            && !(v.len() > 1 && (v.starts_with('0') || v.starts_with("-0")))
            && !v.starts_with('+')
        {
            match v.parse::<i64>() {
                Ok(n) if i32::try_from(n).is_ok() => HiveType::Int,
                Ok(_) => HiveType::BigInt,
                Err(_) => HiveType::String,
            }
        } else if is_date(v) {
            HiveType::Date
        } else {
            HiveType::String
        };
        best = Some(match best {
            None => t,
            Some(b) => {
                let (w, _) = widen(&b, &t);
                // Mixed integers and dates do not widen to timestamp here.
                if matches!((&b, &t), (HiveType::Date, HiveType::Int | HiveType::BigInt))
                    || matches!((&b, &t), (HiveType::Int | HiveType::BigInt, HiveType::Date))
                {
                    HiveType::String
                } else {
                    w
                }
            }
        });
        if best == Some(HiveType::String) {
            break;
        }
    }
    best.unwrap_or(HiveType::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_classify_like_glue() {
        let t = |v| classify_text(v);
        assert_eq!(t("TRUE"), Some(HiveType::Boolean));
        assert_eq!(t("-42"), Some(HiveType::BigInt));
        assert_eq!(t("99999999999999999999"), Some(HiveType::Double));
        assert_eq!(t("1.5e3"), Some(HiveType::Double));
        assert_eq!(t("NaN"), Some(HiveType::String));
        assert_eq!(t("2024-02-29"), Some(HiveType::Date));
        assert_eq!(t("2023-02-29"), Some(HiveType::String));
        assert_eq!(t("2024-05-01 10:00:00.123"), Some(HiveType::Timestamp));
        assert_eq!(t("2024-05-01T10:00:00"), Some(HiveType::Timestamp));
        assert_eq!(t("  "), None);
        assert_eq!(t("e"), Some(HiveType::String));
    }

    #[test]
    fn types_widen_and_conflicts_become_string() {
        use HiveType::*;
        assert_eq!(widen(&Int, &BigInt), (BigInt, false));
        assert_eq!(widen(&BigInt, &Double), (Double, false));
        assert_eq!(widen(&Date, &Timestamp), (Timestamp, false));
        assert_eq!(widen(&Boolean, &BigInt), (String, true));
        assert_eq!(
            widen(&Decimal(10, 2), &Decimal(12, 4)),
            (Decimal(12, 4), false)
        );
        assert_eq!(
            widen(&Decimal(10, 0), &Decimal(12, 4)),
            (Decimal(14, 4), false)
        );
        assert_eq!(widen(&BigInt, &String), (String, true));
        let a = Struct(vec![("x".into(), Int)]);
        let b = Struct(vec![("y".into(), String), ("x".into(), BigInt)]);
        assert_eq!(
            widen(&a, &b),
            (
                Struct(vec![("x".into(), BigInt), ("y".into(), String)]),
                false
            )
        );
        assert_eq!(widen(&Array(Box::new(Int)), &Int), (String, true));
    }

    #[test]
    fn partition_values_keep_their_folder_names() {
        let t = |v: &[&str]| partition_value_type(v.iter().copied());
        assert_eq!(t(&["2023", "2024"]), HiveType::Int);
        assert_eq!(t(&["05", "12"]), HiveType::String);
        assert_eq!(t(&["1", "10000000000"]), HiveType::BigInt);
        assert_eq!(t(&["2024-01-01", "2024-01-02"]), HiveType::Date);
        assert_eq!(t(&["2024-01-01", "7"]), HiveType::String);
        assert_eq!(t(&["eu", "us"]), HiveType::String);
    }
}
