//! Java (Joda) date-time patterns (`yyyy-MM-dd'T'HH:mm:ss.SSSZ`), as Trino's
//! `format_datetime` and `parse_datetime` read them.

use chrono::Datelike;

use super::pattern::{Item, Pattern};

/// Compiles a Joda pattern; letters lakesql cannot honour (`z`, `C`, `K`…) are refused.
pub fn compile(pattern: &str) -> Result<Pattern, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut items: Pattern = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        if c == '\'' {
            i = quoted(&chars, i, &mut items)?;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            push_lit(&mut items, &c.to_string().repeat(run));
            i += run;
            continue;
        }
        let next_numeric = chars
            .get(i + run)
            .is_some_and(|d| is_numeric_letter(*d, &chars[i + run..]));
        items.push(letter(c, run, next_numeric)?);
        i += run;
    }
    Ok(items)
}

fn push_lit(items: &mut Pattern, text: &str) {
    if let Some(Item::Lit(s)) = items.last_mut() {
        s.push_str(text);
    } else {
        items.push(Item::Lit(text.to_string()));
    }
}

/// Reads `'text'` (with `''` as a quote) starting at `start`; returns the next index. As
/// in Joda, a literal left open runs to the end of the pattern (the Athena ALB query's
/// `'yyyy-MM-dd''T''HH:mm:ss.SSSSSS''Z'` ends in the open literal `'Z`).
fn quoted(chars: &[char], start: usize, items: &mut Pattern) -> Result<usize, String> {
    if chars.get(start + 1) == Some(&'\'') {
        push_lit(items, "'");
        return Ok(start + 2);
    }
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                push_lit(items, &text);
                return Ok(i);
            }
            Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                text.push('\'');
                i += 2;
            }
            Some('\'') => break,
            Some(c) => {
                text.push(*c);
                i += 1;
            }
        }
    }
    push_lit(items, &text);
    Ok(i + 1)
}

/// Whether the field starting at `rest` is numeric (Joda then bounds the year's digits).
fn is_numeric_letter(c: char, rest: &[char]) -> bool {
    let run = rest.iter().take_while(|&&d| d == c).count();
    match c {
        'M' => run < 3,
        'y' | 'Y' | 'x' | 'w' | 'e' | 'D' | 'd' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'S' | 'C' => {
            true
        }
        _ => false,
    }
}

fn letter(c: char, n: usize, next_numeric: bool) -> Result<Item, String> {
    let max = if next_numeric { n } else { 9 };
    Ok(match c {
        'y' | 'Y' if n == 2 => Item::TwoDigitYear {
            pivot: chrono::Utc::now().year() - 30,
        },
        'y' | 'Y' => Item::Year { min: n, max },
        'x' => Item::WeekYear { min: n, max },
        'w' => Item::Week { min: n },
        'e' => Item::DayOfWeek { min: n },
        'E' => Item::DayOfWeekText { short: n <= 3 },
        'D' => Item::DayOfYear { min: n },
        'M' if n >= 3 => Item::MonthText { short: n == 3 },
        'M' => Item::Month { min: n },
        'd' => Item::Day { min: n },
        'a' => Item::Halfday,
        'K' => Item::HalfdayHour { min: n },
        'h' => Item::ClockHalfdayHour { min: n },
        'H' => Item::Hour { min: n },
        'k' => Item::ClockHour { min: n },
        'm' => Item::Minute { min: n },
        's' => Item::Second { min: n },
        'S' => Item::Fraction { digits: n, max: n },
        'Z' if n <= 2 => Item::Offset { colon: n == 2 },
        'Z' => Item::ZoneId,
        'G' => Item::Era,
        'z' | 'C' => return Err(format!("pattern letter '{c}' is not supported")),
        _ => {
            return Err(format!(
                "Illegal pattern component: {}",
                c.to_string().repeat(n)
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::pattern::{format, parse};
    use super::compile;
    use chrono::NaiveDateTime;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn formats_like_joda() {
        let t = at("2024-05-07 13:04:05.120");
        let f = |p: &str| format(&compile(p).unwrap(), t, 0, "UTC");
        assert_eq!(
            f("yyyy-MM-dd'T'HH:mm:ss.SSSZ"),
            "2024-05-07T13:04:05.120+0000"
        );
        assert_eq!(f("dd/MMM/yyyy:HH:mm:ss ZZ"), "07/May/2024:13:04:05 +00:00");
        assert_eq!(f("EEE, d MMMM yy h:m a"), "Tue, 7 May 24 1:4 PM");
        assert_eq!(
            f("EEEE D e 'o''clock' ''x'' ZZZ"),
            "Tuesday 128 2 o'clock '2024' UTC"
        );
        assert_eq!(f("S SS y"), "1 12 2024");
    }

    #[test]
    fn refuses_unknown_letters() {
        assert!(compile("yyyy z").unwrap_err().contains("'z'"));
        assert!(
            compile("q")
                .unwrap_err()
                .contains("Illegal pattern component")
        );
        // As in Joda, an open literal runs to the end of the pattern.
        assert!(compile("'open").is_ok());
    }

    #[test]
    fn parses_like_joda() {
        let p = |pattern: &str, s: &str| parse(&compile(pattern).unwrap(), s);
        assert_eq!(
            p("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2024-05-17T10:05:09.250-0200"),
            Ok((at("2024-05-17 10:05:09.250"), Some(-7200)))
        );
        assert_eq!(
            p("dd/MMM/yyyy:HH:mm:ss Z", "17/May/2024:10:05:09 +0000"),
            Ok((at("2024-05-17 10:05:09"), Some(0)))
        );
        assert_eq!(
            p("yyyyMMdd", "20240517"),
            Ok((at("2024-05-17 00:00:00"), None))
        );
        let far = chrono::NaiveDate::from_ymd_opt(12345, 1, 2).unwrap();
        assert_eq!(
            p("yyyy-MM-dd", "12345-01-02").unwrap().0,
            far.and_hms_opt(0, 0, 0).unwrap()
        );
        assert!(p("yyyy-MM-dd", "2024-05").is_err());
    }
}
