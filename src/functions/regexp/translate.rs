//! Java regular expressions rewritten for Rust's `regex` crate.
//!
//! Rewritten: `\Q…\E` quoting, POSIX classes `\p{Alpha}` (ASCII, as in Java),
//! `\p{IsLatin}` scripts, `\e`, and `$n`/`${name}` replacements. Refused, with an error
//! naming the construct: lookaround, atomic groups, possessive quantifiers,
//! back-references, `\G \Z \R \X \h \H \v \V \c \0`, Unicode blocks (`\p{InX}`), `java*`
//! classes, and flags other than `i m s x`.

/// Translates a Java pattern to `regex` syntax.
pub fn pattern(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len());
    let mut i = 0;
    let mut class_depth = 0usize;
    let mut after_quantifier = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i = escape(&chars, i, &mut out)?;
                after_quantifier = false;
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '(' if class_depth == 0 => {
                i = group(&chars, i, &mut out)?;
                after_quantifier = false;
                continue;
            }
            '+' if class_depth == 0 && after_quantifier => {
                return Err("possessive quantifiers are not supported".into());
            }
            '*' | '+' | '?' | '}' if class_depth == 0 => {
                out.push(c);
                after_quantifier = true;
                i += 1;
                // A lazy `?` after a quantifier is fine; a possessive `+` is not.
                if c != '?' && chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
                continue;
            }
            c => out.push(c),
        }
        after_quantifier = false;
        i += 1;
    }
    Ok(out)
}

fn group(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    if chars.get(i + 1) != Some(&'?') {
        out.push('(');
        return Ok(i + 1);
    }
    let next: String = chars[i + 2..chars.len().min(i + 4)].iter().collect();
    if next.starts_with('=')
        || next.starts_with('!')
        || next.starts_with("<=")
        || next.starts_with("<!")
    {
        return Err("lookahead and lookbehind are not supported".into());
    }
    if next.starts_with('>') {
        return Err("atomic groups (?>…) are not supported".into());
    }
    if next.starts_with('<') || next.starts_with(':') || next.starts_with('P') {
        out.push_str("(?");
        return Ok(i + 2);
    }
    // Inline flags: (?imsx-imsx) or (?imsx:…)
    let mut j = i + 2;
    while let Some(&f) = chars.get(j) {
        match f {
            'i' | 'm' | 's' | 'x' | '-' => j += 1,
            ')' | ':' => break,
            other => return Err(format!("the inline flag '{other}' is not supported")),
        }
    }
    out.push_str("(?");
    Ok(i + 2)
}

const POSIX: [(&str, &str); 13] = [
    ("Lower", "[a-z]"),
    ("Upper", "[A-Z]"),
    ("ASCII", "[\\x00-\\x7F]"),
    ("Alpha", "[a-zA-Z]"),
    ("Digit", "[0-9]"),
    ("Alnum", "[a-zA-Z0-9]"),
    ("Punct", "[!-/:-@\\[-`{-~]"),
    ("Graph", "[!-~]"),
    ("Print", "[ -~]"),
    ("Blank", "[ \\t]"),
    ("Cntrl", "[\\x00-\\x1F\\x7F]"),
    ("XDigit", "[0-9a-fA-F]"),
    ("Space", "[ \\t\\n\\x0B\\f\\r]"),
];

fn property(name: &str, negated: bool) -> Result<String, String> {
    let neg = if negated { "^" } else { "" };
    if let Some((_, class)) = POSIX.iter().find(|(n, _)| *n == name) {
        return Ok(format!("[{neg}{}]", &class[1..class.len() - 1]));
    }
    if name.starts_with("In") || name.starts_with("java") || name.starts_with("block=") {
        return Err(format!(
            "the character class \\p{{{name}}} is not supported"
        ));
    }
    let rust = name.strip_prefix("Is").unwrap_or(name);
    let letter = if negated { 'P' } else { 'p' };
    Ok(format!("\\{letter}{{{rust}}}"))
}

/// Translates the escape at `chars[i]` (a backslash); returns the index after it.
fn escape(chars: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let Some(&c) = chars.get(i + 1) else {
        return Err("the pattern ends with a backslash".into());
    };
    match c {
        'Q' => {
            let end =
                (i + 2..chars.len()).find(|&k| chars[k] == '\\' && chars.get(k + 1) == Some(&'E'));
            let quoted: String = chars[i + 2..end.unwrap_or(chars.len())].iter().collect();
            out.push_str(&regex::escape(&quoted));
            Ok(end.map_or(chars.len(), |k| k + 2))
        }
        'p' | 'P' => {
            let (name, next) = if chars.get(i + 2) == Some(&'{') {
                let close = (i + 3..chars.len())
                    .find(|&k| chars[k] == '}')
                    .ok_or("unterminated \\p{…}")?;
                (chars[i + 3..close].iter().collect::<String>(), close + 1)
            } else {
                let letter = chars.get(i + 2).ok_or("incomplete \\p")?;
                (letter.to_string(), i + 3)
            };
            out.push_str(&property(&name, c == 'P')?);
            Ok(next)
        }
        'e' => {
            out.push_str("\\x1B");
            Ok(i + 2)
        }
        '1'..='9' | 'k' => Err("back-references are not supported".into()),
        'G' | 'Z' | 'R' | 'X' | 'h' | 'H' | 'v' | 'V' | 'c' | '0' => {
            Err(format!("the escape \\{c} is not supported"))
        }
        _ => {
            out.push('\\');
            out.push(c);
            Ok(i + 2)
        }
    }
}

/// Translates a Java replacement (`$1`, `${name}`, `\$`) for `regex` (`${1}`, `$$`).
pub fn replacement(java: &str, groups: usize) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let c = *chars
                    .get(i + 1)
                    .ok_or("the replacement ends with a backslash")?;
                if c == '$' {
                    out.push_str("$$")
                } else {
                    out.push(c)
                }
                i += 2;
            }
            '$' => i = group_reference(&chars, i, groups, &mut out)?,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn group_reference(
    chars: &[char],
    i: usize,
    groups: usize,
    out: &mut String,
) -> Result<usize, String> {
    if chars.get(i + 1) == Some(&'{') {
        let end = chars[i..]
            .iter()
            .position(|c| *c == '}')
            .ok_or("unterminated ${…}")?
            + i;
        let name: String = chars[i + 2..end].iter().collect();
        out.push_str(&format!("${{{name}}}"));
        return Ok(end + 1);
    }
    let first = chars
        .get(i + 1)
        .and_then(|c| c.to_digit(10))
        .ok_or("Illegal group reference")?;
    let mut n = first as usize;
    let mut j = i + 2;
    // Further digits belong to the reference while the group exists (Java's rule).
    while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
        let longer = n * 10 + d as usize;
        if longer > groups {
            break;
        }
        n = longer;
        j += 1;
    }
    if n > groups {
        return Err(format!("No group {n}"));
    }
    out.push_str(&format!("${{{n}}}"));
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_java_only_syntax() {
        assert_eq!(pattern(r"\p{Alpha}+\d").unwrap(), r"[a-zA-Z]+\d");
        assert_eq!(pattern(r"[\p{Digit}x]").unwrap(), r"[[0-9]x]");
        assert_eq!(pattern(r"\P{Upper}").unwrap(), r"[^A-Z]");
        assert_eq!(pattern(r"\Qa.b\E.c").unwrap(), r"a\.b.c");
        assert_eq!(pattern(r"\p{IsLatin}\p{L}").unwrap(), r"\p{Latin}\p{L}");
        assert_eq!(pattern(r"(?i)a+?b*").unwrap(), r"(?i)a+?b*");
        assert_eq!(pattern(r"(?<year>\d{4})").unwrap(), r"(?<year>\d{4})");
    }

    #[test]
    fn refuses_what_rust_cannot_do() {
        for p in [
            r"a(?=b)",
            r"(?<!a)b",
            r"(?>a)",
            r"a*+",
            r"a{2}+",
            r"(a)\1",
            r"\Ga",
            r"\p{InGreek}",
            r"(?u)a",
        ] {
            assert!(pattern(p).is_err(), "{p}");
        }
    }

    #[test]
    fn rewrites_replacements() {
        assert_eq!(replacement("$1-$2", 2).unwrap(), "${1}-${2}");
        assert_eq!(replacement("$12", 1).unwrap(), "${1}2");
        assert_eq!(replacement(r"\$1 ${n}", 1).unwrap(), "$$1 ${n}");
        assert!(replacement("$3", 1).is_err());
        assert!(replacement("$x", 1).is_err());
    }
}
