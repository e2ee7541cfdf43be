//! Date-time patterns as Joda builds them: a list of fields and literals that both
//! formats a local date-time and parses one back.
//!
//! Trino compiles its MySQL patterns (`date_format`, `date_parse`) and its Java patterns
//! (`format_datetime`, `parse_datetime`) into Joda formatters; both translators in this
//! folder produce a [`Pattern`], so printing and parsing follow Joda's rules once.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// One element of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Literal text.
    Lit(String),
    /// The year, padded to `min` digits, parsed with up to `max` digits.
    Year { min: usize, max: usize },
    /// The last two digits of the year; parsed into the 100 years from `pivot - 50`.
    TwoDigitYear { pivot: i32 },
    /// The ISO week-based year.
    WeekYear { min: usize, max: usize },
    /// The ISO week of the week-based year.
    Week { min: usize },
    /// The month number.
    Month { min: usize },
    /// The month name (`Jan` or `January`).
    MonthText { short: bool },
    /// The day of the month.
    Day { min: usize },
    /// The day of the year.
    DayOfYear { min: usize },
    /// The ISO day of the week as a number (Monday = 1).
    DayOfWeek { min: usize },
    /// The day name (`Mon` or `Monday`).
    DayOfWeekText { short: bool },
    /// The hour of the day, 0-23.
    Hour { min: usize },
    /// The hour of the day, 1-24.
    ClockHour { min: usize },
    /// The hour of the half day, 0-11.
    HalfdayHour { min: usize },
    /// The hour of the half day, 1-12.
    ClockHalfdayHour { min: usize },
    /// `AM` or `PM`.
    Halfday,
    /// The minute of the hour.
    Minute { min: usize },
    /// The second of the minute.
    Second { min: usize },
    /// The fraction of the second: `digits` printed, up to `max` parsed.
    Fraction { digits: usize, max: usize },
    /// The zone offset, `+0000` or with `colon` `+00:00`.
    Offset { colon: bool },
    /// The zone id (`UTC`, `Europe/Lisbon`).
    ZoneId,
    /// The era, `AD`.
    Era,
}

/// A compiled pattern.
pub type Pattern = Vec<Item>;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats `local` (wall time), whose zone has `offset_secs` and the name `zone`.
pub fn format(pattern: &[Item], local: NaiveDateTime, offset_secs: i32, zone: &str) -> String {
    let mut out = String::new();
    for item in pattern {
        format_item(&mut out, item, local, offset_secs, zone);
    }
    out
}

fn pad(out: &mut String, value: i64, min: usize) {
    if value < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0min$}", value.unsigned_abs()));
}

fn format_item(out: &mut String, item: &Item, t: NaiveDateTime, offset: i32, zone: &str) {
    let hour = i64::from(t.hour());
    match item {
        Item::Lit(s) => out.push_str(s),
        Item::Year { min, .. } => pad(out, i64::from(t.year()), *min),
        Item::TwoDigitYear { .. } => pad(out, i64::from(t.year().rem_euclid(100)), 2),
        Item::WeekYear { min, .. } => pad(out, i64::from(t.iso_week().year()), *min),
        Item::Week { min } => pad(out, i64::from(t.iso_week().week()), *min),
        Item::Month { min } => pad(out, i64::from(t.month()), *min),
        Item::MonthText { short } => out.push_str(abbreviate(MONTHS[t.month0() as usize], *short)),
        Item::Day { min } => pad(out, i64::from(t.day()), *min),
        Item::DayOfYear { min } => pad(out, i64::from(t.ordinal()), *min),
        Item::DayOfWeek { min } => pad(out, i64::from(t.weekday().number_from_monday()), *min),
        Item::DayOfWeekText { short } => out.push_str(abbreviate(
            DAYS[t.weekday().num_days_from_monday() as usize],
            *short,
        )),
        Item::Hour { min } => pad(out, hour, *min),
        Item::ClockHour { min } => pad(out, if hour == 0 { 24 } else { hour }, *min),
        Item::HalfdayHour { min } => pad(out, hour % 12, *min),
        Item::ClockHalfdayHour { min } => {
            pad(out, if hour % 12 == 0 { 12 } else { hour % 12 }, *min)
        }
        Item::Halfday => out.push_str(if hour < 12 { "AM" } else { "PM" }),
        Item::Minute { min } => pad(out, i64::from(t.minute()), *min),
        Item::Second { min } => pad(out, i64::from(t.second()), *min),
        Item::Fraction { digits, .. } => {
            let nanos = format!("{:09}", t.nanosecond() % 1_000_000_000);
            let shown: String = nanos
                .chars()
                .chain(std::iter::repeat('0'))
                .take(*digits)
                .collect();
            out.push_str(&shown);
        }
        Item::Offset { colon } => out.push_str(&offset_text(offset, *colon)),
        Item::ZoneId => out.push_str(zone),
        Item::Era => out.push_str(if t.year() > 0 { "AD" } else { "BC" }),
    }
}

fn abbreviate(name: &str, short: bool) -> &str {
    if short { &name[..3] } else { name }
}

/// `+hhmm` or `+hh:mm`.
pub fn offset_text(offset_secs: i32, colon: bool) -> String {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let minutes = offset_secs.abs() / 60;
    let sep = if colon { ":" } else { "" };
    format!("{sign}{:02}{sep}{:02}", minutes / 60, minutes % 60)
}

/// The fields read by [`parse`], before they are resolved into a date-time.
#[derive(Default, Debug)]
struct Fields {
    year: Option<i64>,
    week_year: Option<i64>,
    week: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    day_of_week: Option<i64>,
    hour: Option<i64>,
    halfday_hour: Option<i64>,
    pm: Option<bool>,
    minute: Option<i64>,
    second: Option<i64>,
    nanos: Option<i64>,
    offset: Option<i32>,
}

/// A parsed local date-time and, when the text had one, its zone offset in seconds.
pub type Parsed = (NaiveDateTime, Option<i32>);

/// Parses `text` completely; fields it lacks take Joda's defaults (1970-01-01 00:00).
pub fn parse(pattern: &[Item], text: &str) -> Result<Parsed, String> {
    let mut fields = Fields::default();
    let mut rest = text;
    for item in pattern {
        rest = parse_item(item, rest, &mut fields)
            .ok_or_else(|| format!("Invalid format: \"{text}\" is malformed at \"{rest}\""))?;
    }
    if !rest.is_empty() {
        return Err(format!(
            "Invalid format: \"{text}\" is malformed at \"{rest}\""
        ));
    }
    resolve(&fields).map_err(|e| format!("Cannot parse \"{text}\": {e}"))
}

fn parse_item<'a>(item: &Item, s: &'a str, f: &mut Fields) -> Option<&'a str> {
    match item {
        Item::Lit(lit) => strip_prefix_ci(s, lit),
        Item::Year { max, .. } => signed(s, *max, &mut f.year),
        Item::TwoDigitYear { pivot } => {
            let (v, rest) = digits(s, 2)?;
            if s.len() - rest.len() != 2 {
                return None;
            }
            let low = i64::from(*pivot) - 50;
            f.year = Some(low + (v - low).rem_euclid(100));
            Some(rest)
        }
        Item::WeekYear { max, .. } => signed(s, *max, &mut f.week_year),
        Item::Week { .. } => number(s, 2, &mut f.week),
        Item::Month { .. } => number(s, 2, &mut f.month),
        Item::MonthText { .. } => text(s, &MONTHS, &mut f.month),
        Item::Day { .. } => number(s, 2, &mut f.day),
        Item::DayOfYear { .. } => number(s, 3, &mut f.day_of_year),
        Item::DayOfWeek { .. } => number(s, 1, &mut f.day_of_week),
        Item::DayOfWeekText { .. } => text(s, &DAYS, &mut f.day_of_week),
        Item::Hour { .. } => number(s, 2, &mut f.hour),
        Item::ClockHour { .. } => {
            let rest = number(s, 2, &mut f.hour)?;
            f.hour = f.hour.map(|h| if h == 24 { 0 } else { h });
            Some(rest)
        }
        Item::HalfdayHour { .. } => number(s, 2, &mut f.halfday_hour),
        Item::ClockHalfdayHour { .. } => {
            let rest = number(s, 2, &mut f.halfday_hour)?;
            f.halfday_hour = f.halfday_hour.map(|h| if h == 12 { 0 } else { h });
            Some(rest)
        }
        Item::Halfday => parse_halfday(s, f),
        Item::Minute { .. } => number(s, 2, &mut f.minute),
        Item::Second { .. } => number(s, 2, &mut f.second),
        Item::Fraction { max, .. } => {
            let (v, rest) = digits(s, *max)?;
            let n = s.len() - rest.len();
            f.nanos = Some(v * 10i64.pow(9 - n.min(9) as u32));
            Some(rest)
        }
        Item::Offset { .. } => parse_offset(s, f),
        Item::ZoneId => parse_zone_id(s, f),
        Item::Era => strip_prefix_ci(s, "AD"),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn digits(s: &str, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn number<'a>(s: &'a str, max: usize, slot: &mut Option<i64>) -> Option<&'a str> {
    let (v, rest) = digits(s, max)?;
    *slot = Some(v);
    Some(rest)
}

fn signed<'a>(s: &'a str, max: usize, slot: &mut Option<i64>) -> Option<&'a str> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (v, rest) = digits(body, max)?;
    *slot = Some(if negative { -v } else { v });
    Some(rest)
}

fn text<'a>(s: &'a str, names: &[&str], slot: &mut Option<i64>) -> Option<&'a str> {
    for (i, name) in names.iter().enumerate() {
        for candidate in [*name, &name[..3]] {
            if let Some(rest) = strip_prefix_ci(s, candidate) {
                *slot = Some(i as i64 + 1);
                return Some(rest);
            }
        }
    }
    None
}

fn parse_halfday<'a>(s: &'a str, f: &mut Fields) -> Option<&'a str> {
    if let Some(rest) = strip_prefix_ci(s, "AM") {
        f.pm = Some(false);
        Some(rest)
    } else {
        let rest = strip_prefix_ci(s, "PM")?;
        f.pm = Some(true);
        Some(rest)
    }
}

fn parse_offset<'a>(s: &'a str, f: &mut Fields) -> Option<&'a str> {
    if let Some(rest) = s.strip_prefix('Z') {
        f.offset = Some(0);
        return Some(rest);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, rest) = digits(&s[1..], 2)?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (minutes, rest) = match digits(rest, 2) {
        Some((m, r)) => (m, r),
        None => (0, rest),
    };
    f.offset = Some(sign * (hours * 3600 + minutes * 60) as i32);
    Some(rest)
}

fn parse_zone_id<'a>(s: &'a str, f: &mut Fields) -> Option<&'a str> {
    let n = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || "/_+-:".contains(c)))
        .unwrap_or(s.len());
    let name = &s[..n];
    if name.eq_ignore_ascii_case("UTC") || name == "Z" {
        f.offset = Some(0);
        return Some(&s[n..]);
    }
    None
}

fn resolve(f: &Fields) -> Result<Parsed, String> {
    let date = resolve_date(f)?;
    let hour = match (f.halfday_hour, f.hour) {
        (Some(h), _) => {
            check("hourOfHalfday", h, 0, 11)?;
            h + if f.pm == Some(true) { 12 } else { 0 }
        }
        (None, Some(h)) => h,
        (None, None) => 0,
    };
    check("hourOfDay", hour, 0, 23)?;
    let minute = f.minute.unwrap_or(0);
    check("minuteOfHour", minute, 0, 59)?;
    let second = f.second.unwrap_or(0);
    check("secondOfMinute", second, 0, 59)?;
    let time = NaiveTime::from_hms_nano_opt(
        hour as u32,
        minute as u32,
        second as u32,
        f.nanos.unwrap_or(0) as u32,
    )
    .ok_or("invalid time")?;
    Ok((date.and_time(time), f.offset))
}

fn check(field: &str, v: i64, low: i64, high: i64) -> Result<(), String> {
    if v < low || v > high {
        return Err(format!(
            "Value {v} for {field} must be in the range [{low},{high}]"
        ));
    }
    Ok(())
}

fn resolve_date(f: &Fields) -> Result<NaiveDate, String> {
    if f.week_year.is_some() || f.week.is_some() {
        return Err("parsing week-based years and weeks is not supported".into());
    }
    let year = f.year.unwrap_or(1970);
    check("year", year, -292_275_054, 292_278_993)?;
    let date = if let Some(doy) = f.day_of_year {
        check("dayOfYear", doy, 1, 366)?;
        NaiveDate::from_yo_opt(year as i32, doy as u32).ok_or("invalid day of year")?
    } else {
        let month = f.month.unwrap_or(1);
        check("monthOfYear", month, 1, 12)?;
        let day = f.day.unwrap_or(1);
        let last = super::days_in_month(year as i32, month as u32);
        check("dayOfMonth", day, 1, i64::from(last))?;
        NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).ok_or("invalid date")?
    };
    match f.day_of_week {
        Some(dow) => {
            check("dayOfWeek", dow, 1, 7)?;
            let current = i64::from(date.weekday().number_from_monday());
            Ok(date + Duration::days(dow - current))
        }
        None => Ok(date),
    }
}
