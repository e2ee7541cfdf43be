//! MySQL date patterns (`%Y-%m-%d %H:%i:%s`), as Trino's `date_format` and `date_parse`
//! read them.

use super::pattern::{Item, Pattern};

/// Compiles a MySQL pattern; `%D %U %u %V %w %X` are refused as Trino refuses them.
pub fn compile(pattern: &str) -> Result<Pattern, String> {
    let mut items = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            push_lit(&mut items, c);
            continue;
        }
        let Some(spec) = chars.next() else {
            break;
        };
        compile_spec(spec, &mut items)?;
    }
    Ok(items)
}

fn push_lit(items: &mut Pattern, c: char) {
    if let Some(Item::Lit(s)) = items.last_mut() {
        s.push(c);
    } else {
        items.push(Item::Lit(c.to_string()));
    }
}

fn time_items(items: &mut Pattern, hour: Item) {
    items.push(hour);
    items.push(Item::Lit(":".into()));
    items.push(Item::Minute { min: 2 });
    items.push(Item::Lit(":".into()));
    items.push(Item::Second { min: 2 });
}

fn compile_spec(spec: char, items: &mut Pattern) -> Result<(), String> {
    let item = match spec {
        'a' => Item::DayOfWeekText { short: true },
        'b' => Item::MonthText { short: true },
        'c' => Item::Month { min: 1 },
        'd' => Item::Day { min: 2 },
        'e' => Item::Day { min: 1 },
        'f' => Item::Fraction { digits: 6, max: 9 },
        'H' => Item::Hour { min: 2 },
        'h' | 'I' => Item::ClockHalfdayHour { min: 2 },
        'i' => Item::Minute { min: 2 },
        'j' => Item::DayOfYear { min: 3 },
        'k' => Item::Hour { min: 1 },
        'l' => Item::ClockHalfdayHour { min: 1 },
        'M' => Item::MonthText { short: false },
        'm' => Item::Month { min: 2 },
        'p' => Item::Halfday,
        'r' => {
            time_items(items, Item::ClockHalfdayHour { min: 2 });
            items.push(Item::Lit(" ".into()));
            Item::Halfday
        }
        'S' | 's' => Item::Second { min: 2 },
        'T' => {
            time_items(items, Item::Hour { min: 2 });
            return Ok(());
        }
        'v' => Item::Week { min: 2 },
        'x' => Item::WeekYear { min: 4, max: 4 },
        'W' => Item::DayOfWeekText { short: false },
        'Y' => Item::Year { min: 4, max: 4 },
        'y' => Item::TwoDigitYear { pivot: 2020 },
        'D' | 'U' | 'u' | 'V' | 'w' | 'X' => {
            return Err(format!("%{spec} not supported in date format string"));
        }
        other => {
            push_lit(items, other);
            return Ok(());
        }
    };
    items.push(item);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::pattern::{format, parse};
    use super::compile;
    use chrono::NaiveDateTime;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn fmt(pattern: &str, t: &str) -> String {
        format(&compile(pattern).unwrap(), at(t), 0, "UTC")
    }

    #[test]
    fn formats_like_trino() {
        let t = "2001-01-09 13:04:05.321";
        assert_eq!(fmt("%Y-%m-%d %H:%i:%s", t), "2001-01-09 13:04:05");
        assert_eq!(fmt("%a %b %e %c %j %f", t), "Tue Jan 9 1 009 321000");
        assert_eq!(fmt("%W %M %y %k %l %p", t), "Tuesday January 01 13 1 PM");
        assert_eq!(fmt("%r|%T|%%|%q", t), "01:04:05 PM|13:04:05|%|q");
        assert_eq!(fmt("%x-%v", "2021-01-01 00:00:00"), "2020-53");
    }

    #[test]
    fn refuses_unsupported_specifiers() {
        for p in ["%D", "%U", "%u", "%V", "%w", "%X"] {
            assert!(compile(p).unwrap_err().contains("not supported"));
        }
    }

    #[test]
    fn parses_like_trino() {
        let p = |pattern: &str, s: &str| parse(&compile(pattern).unwrap(), s).map(|r| r.0);
        assert_eq!(
            p("%Y-%m-%d %H:%i:%s", "2022-10-20 05:10:00"),
            Ok(at("2022-10-20 05:10:00"))
        );
        assert_eq!(p("%Y/%m/%d", "2024/5/7"), Ok(at("2024-05-07 00:00:00")));
        assert_eq!(
            p("%d/%b/%Y:%H:%i:%s", "17/may/2024:10:05:09"),
            Ok(at("2024-05-17 10:05:09"))
        );
        assert_eq!(p("%h:%i %p", "12:30 AM"), Ok(at("1970-01-01 00:30:00")));
        assert_eq!(p("%y", "69"), Ok(at("2069-01-01 00:00:00")));
        assert_eq!(p("%y", "70"), Ok(at("1970-01-01 00:00:00")));
        assert_eq!(p("%s.%f", "01.5"), Ok(at("1970-01-01 00:00:01.5")));
        assert!(
            p("%Y-%m-%d", "2024-13-01")
                .unwrap_err()
                .contains("monthOfYear")
        );
        assert!(p("%Y-%m-%d", "2024-02-30").is_err());
        assert!(p("%Y-%m-%d", "2024-01-01x").is_err());
    }
}
