//! Trino's URL functions. Trino reads URLs with `java.net.URI`: a URL that `URI`
//! rejects (a space, an unescaped `"<>\^`{|}`, a bad `%` escape) gives NULL; path,
//! query and fragment come back percent-decoded, parameters as written.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use crate::functions::common::{
    RowFunction, Want, any_null, coerce_args, invalid, ret_i64, ret_utf8, strings,
};

/// The URL functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("url_extract_host", &[], coerce_one, ret_utf8, host),
        RowFunction::udf("url_extract_path", &[], coerce_one, ret_utf8, path),
        RowFunction::udf("url_extract_protocol", &[], coerce_one, ret_utf8, protocol),
        RowFunction::udf("url_extract_query", &[], coerce_one, ret_utf8, query),
        RowFunction::udf("url_extract_fragment", &[], coerce_one, ret_utf8, fragment),
        RowFunction::udf("url_extract_port", &[], coerce_one, ret_i64, port),
        RowFunction::udf(
            "url_extract_parameter",
            &[],
            coerce_two,
            ret_utf8,
            parameter,
        ),
        RowFunction::udf("url_encode", &[], coerce_one, ret_utf8, url_encode),
        RowFunction::udf("url_decode", &[], coerce_one, ret_utf8, url_decode),
    ]
}

fn coerce_one(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str]])
}

fn coerce_two(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str, Want::Str]])
}

/// A URI split as RFC 3986 appendix B splits it (components raw, not decoded).
#[derive(Debug, Default, PartialEq)]
struct Uri<'a> {
    scheme: Option<&'a str>,
    host: Option<&'a str>,
    port: Option<i64>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn valid_chars(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c <= b' ' || c == 0x7f || b"\"<>\\^`{|}".contains(&c) => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

fn parse_uri(s: &str) -> Option<Uri<'_>> {
    if !valid_chars(s) {
        return None;
    }
    let mut uri = Uri::default();
    let (rest, fragment) = match s.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (s, None),
    };
    uri.fragment = fragment;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    uri.query = query;
    let rest = match rest.find(':') {
        Some(i) if !rest[..i].contains('/') && i > 0 => {
            let scheme = &rest[..i];
            let ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !ok {
                return None;
            }
            uri.scheme = Some(scheme);
            &rest[i + 1..]
        }
        _ => rest,
    };
    match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find('/').unwrap_or(r.len());
            authority(&r[..end], &mut uri)?;
            uri.path = &r[end..];
        }
        None => uri.path = rest,
    }
    Some(uri)
}

/// Reads `user@host:port`; a host `URI` would not accept as a server leaves it NULL.
fn authority<'a>(a: &'a str, uri: &mut Uri<'a>) -> Option<()> {
    let hostport = a.rsplit_once('@').map_or(a, |(_, h)| h);
    let (host, port) = match hostport.rfind(':') {
        Some(i) if !hostport[i..].contains(']') => (&hostport[..i], Some(&hostport[i + 1..])),
        _ => (hostport, None),
    };
    let host_ok = (host.starts_with('[') && host.ends_with(']'))
        || (!host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with('-'));
    let port_ok = port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if host_ok && port_ok {
        uri.host = Some(host);
        uri.port = port.and_then(|p| p.parse().ok());
    }
    Some(())
}

/// Decodes `%XX` escapes as UTF-8 (malformed sequences become U+FFFD, as in `URI`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%').then(|| s.get(i + 1..i + 3)).flatten();
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn each_url(args: &[ArrayRef], f: impl Fn(&Uri, usize) -> Option<String>) -> ArrayRef {
    let urls = strings(args, 0);
    let out: StringArray = (0..urls.len())
        .map(|row| {
            if any_null(args, row) {
                return None;
            }
            parse_uri(urls.value(row)).and_then(|u| f(&u, row))
        })
        .collect();
    Arc::new(out)
}

fn host(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    Ok(each_url(args, |u, _| u.host.map(String::from)))
}

fn path(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    Ok(each_url(args, |u, _| Some(percent_decode(u.path))))
}

fn protocol(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    Ok(each_url(args, |u, _| u.scheme.map(String::from)))
}

fn query(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    Ok(each_url(args, |u, _| u.query.map(percent_decode)))
}

fn fragment(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    Ok(each_url(args, |u, _| u.fragment.map(percent_decode)))
}

fn port(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let urls = strings(args, 0);
    let out: Int64Array = urls.iter().map(|u| parse_uri(u?)?.port).collect();
    Ok(Arc::new(out))
}

fn parameter(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let names = strings(args, 1);
    Ok(each_url(args, |u, row| {
        let name = names.value(row);
        u.query?.split('&').find_map(|arg| {
            let mut kv = arg.splitn(2, '=');
            (kv.next() == Some(name)).then(|| kv.next().unwrap_or("").to_string())
        })
    }))
}

fn url_encode(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: StringArray = strings(args, 0)
        .iter()
        .map(|s| {
            s.map(|s| {
                s.bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                            (b as char).to_string()
                        }
                        b' ' => "+".to_string(),
                        other => format!("%{other:02X}"),
                    })
                    .collect::<String>()
            })
        })
        .collect();
    Ok(Arc::new(out))
}

fn url_decode(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let mut out = Vec::with_capacity(args[0].len());
    for s in strings(args, 0).iter() {
        out.push(match s {
            None => None,
            Some(s) => {
                let plus = s.replace('+', " ");
                if !valid_escapes(&plus) {
                    return invalid(
                        "url_decode",
                        format!("URLDecoder: Illegal hex characters in escape (%) pattern: '{s}'"),
                    );
                }
                Some(percent_decode(&plus))
            }
        });
    }
    Ok(Arc::new(StringArray::from(out)))
}

fn valid_escapes(s: &str) -> bool {
    s.match_indices('%').all(|(i, _)| {
        s.get(i + 1..i + 3)
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_java_uri() {
        let u = parse_uri("https://user@www.example.com:8080/a%20b/c?x=1&y=%41#frag").unwrap();
        assert_eq!(u.scheme, Some("https"));
        assert_eq!(u.host, Some("www.example.com"));
        assert_eq!(u.port, Some(8080));
        assert_eq!(percent_decode(u.path), "/a b/c");
        assert_eq!(u.query, Some("x=1&y=%41"));
        assert_eq!(u.fragment, Some("frag"));
        assert_eq!(parse_uri("http://a b/"), None);
        assert_eq!(parse_uri("/rel/path?q").unwrap().path, "/rel/path");
        assert_eq!(parse_uri("http://my_host/").unwrap().host, None);
    }
}
