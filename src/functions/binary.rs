//! `varbinary` conversions: `to_utf8`/`from_utf8`, `to_hex`/`from_hex` (upper-case
//! hex, as Trino), `to_base64`/`from_base64` and their URL-safe forms, and `md5`
//! returning bytes (DataFusion's returns hex text).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::common::ScalarValue;
use datafusion::common::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

use crate::functions::common::{
    RowFunction, Want, coerce_args, invalid, ret_binary, ret_utf8, strings,
};

/// The binary functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("to_utf8", &[], coerce_str, ret_binary, to_utf8),
        RowFunction::udf("from_utf8", &[], coerce_bin, ret_utf8, from_utf8),
        RowFunction::udf("to_hex", &[], coerce_bin, ret_utf8, to_hex),
        RowFunction::udf("from_hex", &[], coerce_str, ret_binary, from_hex),
        RowFunction::udf("to_base64", &[], coerce_bin, ret_utf8, to_base64),
        RowFunction::udf("from_base64", &[], coerce_str, ret_binary, from_base64),
        RowFunction::udf("to_base64url", &[], coerce_bin, ret_utf8, to_base64url),
        RowFunction::udf(
            "from_base64url",
            &[],
            coerce_str,
            ret_binary,
            from_base64url,
        ),
        RowFunction::udf("md5", &[], coerce_bin, ret_binary, md5),
    ]
}

fn coerce_str(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Str]])
}

pub fn coerce_bin(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Bin]])
}

pub fn bytes(args: &[ArrayRef]) -> &BinaryArray {
    args[0].as_binary::<i32>()
}

fn to_utf8(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: BinaryArray = strings(args, 0)
        .iter()
        .map(|s| s.map(str::as_bytes))
        .collect();
    Ok(Arc::new(out))
}

fn from_utf8(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: StringArray = bytes(args)
        .iter()
        .map(|b| b.map(|b| String::from_utf8_lossy(b).into_owned()))
        .collect();
    Ok(Arc::new(out))
}

fn to_hex(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let out: StringArray = bytes(args)
        .iter()
        .map(|b| b.map(|b| b.iter().map(|x| format!("{x:02X}")).collect::<String>()))
        .collect();
    Ok(Arc::new(out))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Decodes each string with `decode`, failing with `message` for malformed input.
fn decode_each(
    name: &str,
    args: &[ArrayRef],
    decode: fn(&str) -> Option<Vec<u8>>,
) -> Result<ArrayRef> {
    let mut out = Vec::with_capacity(args[0].len());
    for s in strings(args, 0).iter() {
        out.push(match s {
            None => None,
            Some(s) => match decode(s) {
                Some(b) => Some(b),
                None => return invalid(name, format!("invalid input '{s}'")),
            },
        });
    }
    Ok(Arc::new(BinaryArray::from_iter(out)))
}

fn from_hex(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    decode_each("from_hex", args, decode_hex)
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_base64(data: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn decode_base64(s: &str, alphabet: &[u8; 64]) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = alphabet.iter().position(|a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

fn encode_each(args: &[ArrayRef], alphabet: &[u8; 64]) -> Result<ArrayRef> {
    let out: StringArray = bytes(args)
        .iter()
        .map(|b| b.map(|b| encode_base64(b, alphabet)))
        .collect();
    Ok(Arc::new(out))
}

fn to_base64(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    encode_each(args, STANDARD)
}

fn to_base64url(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    encode_each(args, URL_SAFE)
}

fn from_base64(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    decode_each("from_base64", args, |s| decode_base64(s, STANDARD))
}

fn from_base64url(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    decode_each("from_base64url", args, |s| decode_base64(s, URL_SAFE))
}

/// MD5 digests as bytes, computed by DataFusion's `digest(x, 'md5')`.
fn md5(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    digest_bytes(args, "md5")
}

/// DataFusion's `digest(x, method)` of the first argument, as bytes.
pub fn digest_bytes(args: &[ArrayRef], method: &str) -> Result<ArrayRef> {
    let digest = datafusion::functions::crypto::digest();
    let call = ScalarFunctionArgs {
        args: vec![
            ColumnarValue::Array(Arc::clone(&args[0])),
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(method.into()))),
        ],
        arg_fields: vec![
            Arc::new(Field::new("data", DataType::Binary, true)),
            Arc::new(Field::new("method", DataType::Utf8, false)),
        ],
        number_rows: args[0].len(),
        return_field: Arc::new(Field::new(method, DataType::Binary, true)),
        config_options: Arc::new(ConfigOptions::default()),
    };
    digest.invoke_with_args(call)?.into_array(args[0].len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for (raw, text) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(encode_base64(raw.as_bytes(), STANDARD), text);
            assert_eq!(decode_base64(text, STANDARD).unwrap(), raw.as_bytes());
        }
        assert_eq!(decode_base64("Zm9v!", STANDARD), None);
        assert_eq!(decode_hex("0aFF"), Some(vec![10, 255]));
        assert_eq!(decode_hex("0"), None);
    }
}
