//! Trino's JSONPath subset for `json_extract` and friends: `$`, `.key`, `["key"]`,
//! `[index]`. A numeric step indexes an array and names a key of an object, as Trino's
//! extractor does. Wildcards and filters are refused.

use super::value::Json;

/// A compiled path: the keys (or indexes) to follow from the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    /// Compiles a path; the error names the path.
    pub fn compile(path: &str) -> Result<JsonPath, String> {
        let bad = || format!("Invalid JSON path: '{path}'");
        let mut rest = path.trim().strip_prefix('$').ok_or_else(bad)?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let key = &r[..end];
                if key.is_empty() || key == "*" || key.contains(char::is_whitespace) {
                    return Err(bad());
                }
                steps.push(key.to_string());
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let (step, after) = subscript(r).ok_or_else(bad)?;
                steps.push(step);
                rest = after;
            } else {
                return Err(bad());
            }
        }
        Ok(JsonPath(steps))
    }

    /// The value at this path, if there is one.
    pub fn find<'a>(&self, root: &'a Json) -> Option<&'a Json> {
        let mut at = root;
        for step in &self.0 {
            at = match at {
                Json::Object(entries) => &entries.iter().find(|(k, _)| k == step)?.1,
                Json::Array(items) => items.get(step.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(at)
    }
}

/// Reads `123]` or `"key"]` (after the `[`); returns the step and the rest.
fn subscript(r: &str) -> Option<(String, &str)> {
    if let Some(quoted) = r.strip_prefix('"') {
        let mut key = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => key.push(chars.next()?.1),
                '"' => {
                    let after = quoted[i + 1..].strip_prefix(']')?;
                    return Some((key, after));
                }
                c => key.push(c),
            }
        }
        return None;
    }
    let end = r.find(']')?;
    let index = r[..end].trim();
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((index.to_string(), &r[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::super::value::parse;
    use super::JsonPath;

    #[test]
    fn follows_trino_paths() {
        let doc = parse(r#"{"a": {"b": [10, {"c d": true}]}, "0": "zero"}"#).unwrap();
        let find = |p: &str| {
            JsonPath::compile(p)
                .unwrap()
                .find(&doc)
                .map(|v| v.to_text())
        };
        assert_eq!(find("$.a.b[0]").as_deref(), Some("10"));
        assert_eq!(find("$.a.b.1[\"c d\"]").as_deref(), Some("true"));
        assert_eq!(find("$[\"0\"]").as_deref(), Some("\"zero\""));
        assert_eq!(find("$[0]").as_deref(), Some("\"zero\""));
        assert_eq!(find("$.a.x"), None);
        assert_eq!(find("$.a").as_deref(), Some(r#"{"b":[10,{"c d":true}]}"#));
    }

    #[test]
    fn refuses_what_trino_refuses() {
        for p in ["a.b", "$.a[*]", "$.*", "$..a", "$.a[", "$[-1]", "$.a b"] {
            assert!(JsonPath::compile(p).is_err(), "{p}");
        }
    }
}
