//! AWS Signature Version 4, checked for the JSON (Athena, Glue) and Query (STS) calls:
//! rebuild the canonical request from what arrived, sign it with the secret of the
//! access key the `Authorization` header names, and compare. Requests more than 15
//! minutes from the server's clock are refused, as AWS refuses them.

use axum::http::{HeaderMap, Method};
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{Keys, Refusal};

/// How far `X-Amz-Date` may be from the server's clock.
const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// What arrived: the request line, the headers and the whole body.
pub struct SignedRequest<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// The path as sent (still percent-encoded).
    pub path: &'a str,
    /// The query string as sent, without `?`.
    pub query: &'a str,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    /// `date/region/service/aws4_request`.
    scope: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

/// Checks a request's signature; on success returns its access key id.
pub fn verify(
    request: &SignedRequest<'_>,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<String, Refusal> {
    let header = match request.headers.get("authorization") {
        None => return Err(Refusal::Missing),
        Some(value) => value
            .to_str()
            .map_err(|_| Refusal::Incomplete("the Authorization header is not text".into()))?,
    };
    let auth = parse_authorization(header)?;
    let amz_date = header_text(request.headers, "x-amz-date").ok_or_else(|| {
        Refusal::Incomplete(
            "Authorization header requires existence of a 'X-Amz-Date' header".to_string(),
        )
    })?;
    let time = parse_amz_date(&amz_date)?;
    if !auth.scope.starts_with(&amz_date[..8]) {
        return Err(Refusal::Incomplete(format!(
            "Date in Credential scope does not match YYYYMMDD from X-Amz-Date {amz_date}"
        )));
    }
    let Some(secret) = keys.secret(auth.access_key_id) else {
        return Err(Refusal::UnknownKey);
    };
    check_clock(time, now, &amz_date)?;
    let canonical = canonical_request(request, &auth.signed_headers)?;
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        auth.scope,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let expected = hex::encode(hmac(&signing_key(secret, auth.scope), to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(auth.access_key_id.to_string())
    } else {
        Err(Refusal::BadSignature)
    }
}

/// Splits the header into credential, signed headers and signature.
fn parse_authorization(header: &str) -> Result<Authorization<'_>, Refusal> {
    let incomplete = |what: &str| {
        Refusal::Incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={header}"
        ))
    };
    let Some(rest) = header.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(Refusal::Incomplete(
            "only AWS4-HMAC-SHA256 (SigV4) Authorization headers are accepted".to_string(),
        ));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature"))?;
    let (access_key_id, scope) = credential
        .split_once('/')
        .filter(|(_, scope)| scope.split('/').count() == 4 && scope.ends_with("/aws4_request"))
        .ok_or_else(|| {
            Refusal::Incomplete(format!(
                "Credential should be AKID/yyyymmdd/region/service/aws4_request, not {credential}"
            ))
        })?;
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

fn parse_amz_date(text: &str) -> Result<DateTime<Utc>, Refusal> {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .map(|t| t.and_utc())
        .map_err(|_| Refusal::Incomplete(format!("X-Amz-Date {text} is not yyyyMMddTHHmmssZ")))
}

fn check_clock(time: DateTime<Utc>, now: DateTime<Utc>, amz_date: &str) -> Result<(), Refusal> {
    let format = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    if time < now - MAX_SKEW {
        return Err(Refusal::Expired(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            format(now - MAX_SKEW),
            format(now)
        )));
    }
    if time > now + MAX_SKEW {
        return Err(Refusal::Expired(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format(now + MAX_SKEW),
            format(now)
        )));
    }
    Ok(())
}

/// Method, path, query, signed headers and the payload's hash, one per line.
fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &[&str],
) -> Result<String, Refusal> {
    let mut headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(Refusal::BadSignature);
        }
        headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = hex::encode(Sha256::digest(request.body));
    Ok(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{payload}",
        request.method,
        encode(request.path, true),
        canonical_query(request.query),
        signed_headers.join(";"),
    ))
}

/// The query's parameters, decoded, re-encoded strictly and sorted.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// SigV4's URI encoding: everything but unreserved characters (and `/` in a path) as
/// `%XX`. A path is encoded as received, so it ends up encoded twice, as the JSON and
/// Query services expect.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte);
        if unreserved || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_string)
}

/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, scope: &str) -> Vec<u8> {
    scope
        .split('/')
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac(&key, part.as_bytes())
        })
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn keys() -> Keys {
        Keys::parse(&format!(
            "[[keys]]\naccess_key_id = \"AKIDEXAMPLE\"\nsecret_access_key = \"{SECRET}\"\n"
        ))
        .unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        parse_amz_date(text).unwrap()
    }

    /// AWS's published SigV4 test suite, case `get-vanilla`.
    fn get_vanilla(signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={signature}"
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        headers
    }

    fn request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> SignedRequest<'a> {
        SignedRequest {
            method: &Method::GET,
            path: "/",
            query: "",
            headers,
            body,
        }
    }

    const VANILLA: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    #[test]
    fn the_aws_test_vector_verifies() {
        let headers = get_vanilla(VANILLA);
        let now = at("20150830T123600Z");
        assert_eq!(
            verify(&request(&headers, b""), &keys(), now),
            Ok("AKIDEXAMPLE".to_string())
        );
    }

    #[test]
    fn a_changed_request_or_signature_is_refused() {
        let now = at("20150830T123600Z");
        let wrong = get_vanilla(&VANILLA.replace('5', "6"));
        assert_eq!(
            verify(&request(&wrong, b""), &keys(), now),
            Err(Refusal::BadSignature)
        );
        let headers = get_vanilla(VANILLA);
        assert_eq!(
            verify(&request(&headers, b"{}"), &keys(), now),
            Err(Refusal::BadSignature),
            "the body is part of the signature"
        );
        let other = Keys::parse(
            "[[keys]]\naccess_key_id = \"AKIDEXAMPLE\"\nsecret_access_key = \"other\"\n",
        )
        .unwrap();
        assert_eq!(
            verify(&request(&headers, b""), &other, now),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn unknown_keys_old_requests_and_bad_headers_are_refused() {
        let headers = get_vanilla(VANILLA);
        let nobody =
            Keys::parse("[[keys]]\naccess_key_id = \"SOMEONE\"\nsecret_access_key = \"x\"\n")
                .unwrap();
        let now = at("20150830T123600Z");
        assert_eq!(
            verify(&request(&headers, b""), &nobody, now),
            Err(Refusal::UnknownKey)
        );
        let late = at("20150830T125200Z");
        assert!(matches!(
            verify(&request(&headers, b""), &keys(), late),
            Err(Refusal::Expired(m)) if m.starts_with("Signature expired: 20150830T123600Z")
        ));
        assert_eq!(
            verify(&request(&HeaderMap::new(), b""), &keys(), now),
            Err(Refusal::Missing)
        );
        let mut broken = get_vanilla(VANILLA);
        broken.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x"),
        );
        assert!(matches!(
            verify(&request(&broken, b""), &keys(), now),
            Err(Refusal::Incomplete(_))
        ));
    }

    #[test]
    fn queries_are_sorted_and_encoded_strictly() {
        assert_eq!(canonical_query("b=2&a=x%20y&a=1"), "a=1&a=x%20y&b=2");
        assert_eq!(canonical_query("Param1=value+1"), "Param1=value%201");
        assert_eq!(encode("/a b/c~", true), "/a%20b/c~");
        assert_eq!(encode("/a%20b", true), "/a%2520b");
    }
}
