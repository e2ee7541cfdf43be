//! Dates for `date` projections: Java `DateTimeFormatter` patterns, `NOW±N UNIT` bounds,
//! and stepping by an interval.

use chrono::format::{Parsed, StrftimeItems};
use chrono::{DateTime, Duration, Months, NaiveDateTime, Utc};

/// Units of `projection.<col>.interval.unit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateUnit {
    /// Calendar years.
    Years,
    /// Calendar months.
    Months,
    /// Weeks.
    Weeks,
    /// Days.
    Days,
    /// Hours.
    Hours,
    /// Minutes.
    Minutes,
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Milliseconds,
}

impl DateUnit {
    /// Parses a unit name (`DAYS`, `day`, …), case-insensitive.
    pub fn parse(text: &str) -> Option<DateUnit> {
        let t = text.trim().to_ascii_uppercase();
        let t = t.strip_suffix('S').unwrap_or(&t);
        Some(match t {
            "YEAR" => DateUnit::Years,
            "MONTH" => DateUnit::Months,
            "WEEK" => DateUnit::Weeks,
            "DAY" => DateUnit::Days,
            "HOUR" => DateUnit::Hours,
            "MINUTE" => DateUnit::Minutes,
            "SECOND" => DateUnit::Seconds,
            "MILLISECOND" => DateUnit::Milliseconds,
            _ => return None,
        })
    }

    /// `t` moved by `n` units (negative moves back); `None` when out of range.
    pub fn add(self, t: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
        match self {
            DateUnit::Years | DateUnit::Months => {
                let months = if self == DateUnit::Years {
                    n.checked_mul(12)?
                } else {
                    n
                };
                let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
                if months >= 0 {
                    t.checked_add_months(m)
                } else {
                    t.checked_sub_months(m)
                }
            }
            DateUnit::Weeks => t.checked_add_signed(Duration::try_weeks(n)?),
            DateUnit::Days => t.checked_add_signed(Duration::try_days(n)?),
            DateUnit::Hours => t.checked_add_signed(Duration::try_hours(n)?),
            DateUnit::Minutes => t.checked_add_signed(Duration::try_minutes(n)?),
            DateUnit::Seconds => t.checked_add_signed(Duration::try_seconds(n)?),
            DateUnit::Milliseconds => t.checked_add_signed(Duration::try_milliseconds(n)?),
        }
    }
}

/// A Java `DateTimeFormatter` pattern translated to chrono, with what it can express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatePattern {
    /// The pattern as written.
    pub java: String,
    /// chrono's equivalent.
    pub chrono: String,
    /// Finest unit the pattern shows.
    pub precision: DateUnit,
    /// Whether string order equals time order (fixed-width fields, most significant first).
    pub sortable: bool,
}

impl DatePattern {
    /// Translates a Java pattern; letters other than `y M d H m s S` are refused.
    pub fn parse(java: &str) -> Result<DatePattern, String> {
        let mut t = PatternTranslator {
            java,
            chars: java.chars().collect(),
            i: 0,
            out: String::new(),
            precision: None,
            order: Vec::new(),
        };
        while let Some(&c) = t.chars.get(t.i) {
            if c == '\'' {
                t.quoted()?;
            } else if !c.is_ascii_alphabetic() {
                push_literal(&mut t.out, c);
                t.i += 1;
            } else {
                t.field(c)?;
            }
        }
        t.finish()
    }

    /// Renders an instant.
    pub fn format(&self, t: NaiveDateTime) -> String {
        t.format(&self.chrono).to_string()
    }

    /// Parses text written in this pattern; fields the pattern lacks default to the start
    /// of their period.
    pub fn parse_value(&self, text: &str) -> Option<NaiveDateTime> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text.trim(), StrftimeItems::new(&self.chrono)).ok()?;
        if parsed.month().is_none() {
            parsed.set_month(1).ok()?;
        }
        if parsed.day().is_none() {
            parsed.set_day(1).ok()?;
        }
        if parsed.hour_div_12().is_none() {
            parsed.set_hour(0).ok()?;
        }
        if parsed.minute().is_none() {
            parsed.set_minute(0).ok()?;
        }
        if parsed.second().is_none() {
            parsed.set_second(0).ok()?;
        }
        let date = parsed.to_naive_date().ok()?;
        let time = parsed.to_naive_time().ok()?;
        Some(date.and_time(time))
    }
}

/// Walks a Java pattern, building chrono's equivalent.
struct PatternTranslator<'a> {
    java: &'a str,
    chars: Vec<char>,
    /// Position in `chars`.
    i: usize,
    /// The chrono pattern so far.
    out: String,
    /// Finest unit seen so far.
    precision: Option<DateUnit>,
    /// Each field's letter and width, in order.
    order: Vec<(char, usize)>,
}

impl PatternTranslator<'_> {
    /// Quoted literal text at the current quote; `''` is a quote.
    fn quoted(&mut self) -> Result<(), String> {
        let chars = &self.chars;
        let mut j = self.i + 1;
        if j < chars.len() && chars[j] == '\'' {
            self.out.push('\'');
            self.i += 2;
            return Ok(());
        }
        while j < chars.len() && chars[j] != '\'' {
            push_literal(&mut self.out, chars[j]);
            j += 1;
        }
        if j == chars.len() {
            let java = self.java;
            return Err(format!("unterminated quote in date pattern '{java}'"));
        }
        self.i = j + 1;
        Ok(())
    }

    /// The run of letter `c` at the current position, as one date field.
    fn field(&mut self, c: char) -> Result<(), String> {
        let mut n = 1;
        while self.chars.get(self.i + n) == Some(&c) {
            n += 1;
        }
        let Some((spec, unit)) = field_spec(c, n) else {
            let java = self.java;
            return Err(format!(
                "unsupported field '{}' in date pattern '{java}' (supported: yyyy, yy, \
                 MM, M, dd, d, HH, H, mm, m, ss, s, SSS and quoted text)",
                c.to_string().repeat(n)
            ));
        };
        self.out.push_str(spec);
        self.order.push((c, n));
        self.precision = Some(match self.precision {
            Some(p) if rank(p) >= rank(unit) => p,
            _ => unit,
        });
        self.i += n;
        Ok(())
    }

    fn finish(self) -> Result<DatePattern, String> {
        let java = self.java;
        let precision = self
            .precision
            .ok_or_else(|| format!("date pattern '{java}' has no date fields"))?;
        Ok(DatePattern {
            java: java.to_string(),
            sortable: is_sortable(&self.order),
            chrono: self.out,
            precision,
        })
    }
}

/// The chrono specifier and unit of `n` repetitions of the Java letter `c`.
fn field_spec(c: char, n: usize) -> Option<(&'static str, DateUnit)> {
    Some(match (c, n) {
        ('y' | 'u', 2) => ("%y", DateUnit::Years),
        ('y' | 'u', 4) => ("%Y", DateUnit::Years),
        ('M', 1) => ("%-m", DateUnit::Months),
        ('M', 2) => ("%m", DateUnit::Months),
        ('d', 1) => ("%-d", DateUnit::Days),
        ('d', 2) => ("%d", DateUnit::Days),
        ('H', 1) => ("%-H", DateUnit::Hours),
        ('H', 2) => ("%H", DateUnit::Hours),
        ('m', 1) => ("%-M", DateUnit::Minutes),
        ('m', 2) => ("%M", DateUnit::Minutes),
        ('s', 1) => ("%-S", DateUnit::Seconds),
        ('s', 2) => ("%S", DateUnit::Seconds),
        ('S', 3) => ("%3f", DateUnit::Milliseconds),
        _ => return None,
    })
}

/// Whether fields in this order sort as time: fixed width, most significant first,
/// starting with a four-digit year.
fn is_sortable(order: &[(char, usize)]) -> bool {
    let expected = ['y', 'M', 'd', 'H', 'm', 's', 'S'];
    order.iter().all(|(_, n)| *n >= 2)
        && order.windows(2).all(|w| {
            expected.iter().position(|e| *e == w[0].0) < expected.iter().position(|e| *e == w[1].0)
        })
        && order
            .first()
            .is_some_and(|(c, n)| (*c == 'y' || *c == 'u') && *n == 4)
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

fn rank(u: DateUnit) -> u8 {
    match u {
        DateUnit::Years => 0,
        DateUnit::Months => 1,
        DateUnit::Weeks => 2,
        DateUnit::Days => 3,
        DateUnit::Hours => 4,
        DateUnit::Minutes => 5,
        DateUnit::Seconds => 6,
        DateUnit::Milliseconds => 7,
    }
}

/// A range bound: `NOW`, `NOW-3YEARS`, `NOW + 1 MONTH`, or a date in the pattern.
pub fn parse_bound(
    text: &str,
    pattern: &DatePattern,
    now: DateTime<Utc>,
) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    if t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("NOW")) {
        let rest = t[3..].trim();
        let now = now.naive_utc();
        if rest.is_empty() {
            return Ok(now);
        }
        let (sign, rest) = match rest.chars().next() {
            Some('+') => (1, rest[1..].trim()),
            Some('-') => (-1, rest[1..].trim()),
            _ => return Err(format!("'{text}' is not NOW, NOW+N UNIT or NOW-N UNIT")),
        };
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let amount: i64 = digits
            .parse()
            .map_err(|_| format!("'{text}' has no number after the sign"))?;
        let unit_text = rest[digits.len()..].trim();
        let unit = DateUnit::parse(unit_text)
            .filter(|u| *u != DateUnit::Milliseconds)
            .ok_or_else(|| format!("'{text}': unknown unit '{unit_text}'"))?;
        return unit
            .add(now, sign * amount)
            .ok_or_else(|| format!("'{text}' is out of range"));
    }
    pattern
        .parse_value(t)
        .ok_or_else(|| format!("'{t}' does not match the format '{}'", pattern.java))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-20T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn patterns_translate_and_round_trip() {
        let p = DatePattern::parse("yyyy/MM/dd").unwrap();
        assert_eq!(p.chrono, "%Y/%m/%d");
        assert_eq!(p.precision, DateUnit::Days);
        assert!(p.sortable);
        let t = p.parse_value("2024/05/17").unwrap();
        assert_eq!(p.format(t), "2024/05/17");
        let p = DatePattern::parse("yyyy-MM-dd'T'HH").unwrap();
        assert_eq!(
            p.format(p.parse_value("2024-05-17T09").unwrap()),
            "2024-05-17T09"
        );
        assert_eq!(
            p.parse_value("2024-05-17T09").unwrap().to_string(),
            "2024-05-17 09:00:00"
        );
        assert!(p.parse_value("2024-05-17").is_none());
        assert_eq!(p.precision, DateUnit::Hours);
        let p = DatePattern::parse("yyyyMM").unwrap();
        assert_eq!(p.precision, DateUnit::Months);
        assert_eq!(p.format(p.parse_value("202405").unwrap()), "202405");
        assert!(!DatePattern::parse("dd-MM-yyyy").unwrap().sortable);
        assert!(!DatePattern::parse("yy-MM").unwrap().sortable);
        assert!(parse_bound("2€,NOW", &DatePattern::parse("yyyy").unwrap(), now()).is_err());
        assert!(DatePattern::parse("yyyy-MMM").is_err());
        assert!(DatePattern::parse("'x").is_err());
        assert!(DatePattern::parse("---").is_err());
    }

    #[test]
    fn now_arithmetic() {
        let p = DatePattern::parse("yyyy-MM-dd").unwrap();
        let at = |s: &str| parse_bound(s, &p, now()).unwrap().to_string();
        assert_eq!(at("NOW"), "2024-05-20 10:30:00");
        assert_eq!(at("NOW-3YEARS"), "2021-05-20 10:30:00");
        assert_eq!(at(" now + 1 month "), "2024-06-20 10:30:00");
        assert_eq!(at("NOW-2WEEKS"), "2024-05-06 10:30:00");
        assert_eq!(at("2020-01-31"), "2020-01-31 00:00:00");
        assert!(parse_bound("NOW-3FORTNIGHTS", &p, now()).is_err());
        assert!(parse_bound("NOW*3DAYS", &p, now()).is_err());
        assert!(parse_bound("2020/01/31", &p, now()).is_err());
    }
}
