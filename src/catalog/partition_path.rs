//! Hive's partition folder names: `key=value` with Hive's path escaping.
//!
//! Mirrors Hive's `FileUtils.escapePathName` / `unescapePathName`: control characters and
//! `"#%'*/:=?\{[]^` and DEL become `%XX` (upper-case hex); a NULL or empty value is
//! `__HIVE_DEFAULT_PARTITION__`.

/// Hive's folder name for a NULL or empty partition value.
pub const DEFAULT_PARTITION_NAME: &str = "__HIVE_DEFAULT_PARTITION__";

fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{01}'
            ..='\u{1F}'
                | '"'
                | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '\u{7F}'
                | '{'
                | '['
                | ']'
                | '^'
    )
}

/// Escapes a key or value for use in a folder name.
pub fn escape_path_name(value: &str) -> String {
    if value.is_empty() {
        return DEFAULT_PARTITION_NAME.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if needs_escape(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Reverses [`escape_path_name`]: every `%XX` with two hex digits becomes its character.
pub fn unescape_path_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Two hex digits exactly (`u8::from_str_radix` would also take a sign).
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
            && let Ok(b) = u8::from_str_radix(&name[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `k1=v1/k2=v2` for the given keys and values (escaped), as `SHOW PARTITIONS` prints
/// and as default partition folders are named.
pub fn partition_path(keys: &[&str], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{}={}", escape_path_name(k), escape_path_name(v)))
        .collect::<Vec<_>>()
        .join("/")
}

/// Splits an escaped `k1=v1/k2=v2` into unescaped (key, value) pairs.
pub fn parse_partition_path(spec: &str) -> Vec<(String, String)> {
    spec.split('/')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (unescape_path_name(k), unescape_path_name(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_hive() {
        assert_eq!(escape_path_name("2024-01-01 10:00"), "2024-01-01 10%3A00");
        assert_eq!(escape_path_name("a/b=c%"), "a%2Fb%3Dc%25");
        assert_eq!(escape_path_name(""), DEFAULT_PARTITION_NAME);
        assert_eq!(escape_path_name("\u{1}x"), "%01x");
        assert_eq!(unescape_path_name("%+1%-1%4"), "%+1%-1%4");
        for v in ["a/b=c%", "10:00", "plain", "ü#?"] {
            assert_eq!(unescape_path_name(&escape_path_name(v)), v);
        }
        assert_eq!(unescape_path_name("100%"), "100%");
        assert_eq!(unescape_path_name("%zz"), "%zz");
        let spec = partition_path(&["year", "dt"], &["2024".into(), "1/2=3".into()]);
        assert_eq!(spec, "year=2024/dt=1%2F2%3D3");
        assert_eq!(
            parse_partition_path(&spec),
            [
                ("year".into(), "2024".into()),
                ("dt".into(), "1/2=3".into())
            ]
        );
    }
}
