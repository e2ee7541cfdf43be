//! Hive type strings (`array<struct<a:int,b:string>>`, `decimal(10,2)`, …): parsing,
//! canonical printing, and mapping to Arrow types.
//!
//! Glue stores column types as Hive type strings; they are the canonical form in the
//! catalog. Queries see the Arrow type [`HiveType::to_arrow`] gives.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};

use crate::error::{ErrorCode, LakeError};

/// Largest decimal precision Hive (and Arrow's Decimal128) supports.
pub const MAX_DECIMAL_PRECISION: u8 = 38;

/// Deepest nesting of `array`, `map` and `struct` a type may have. Hive and Athena
/// tables rarely go past a handful of levels; the limit keeps a hostile type string from
/// exhausting the stack of the parser and of everything that walks the type.
pub const MAX_TYPE_DEPTH: usize = 100;

/// A parsed Hive column type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HiveType {
    /// `boolean`
    Boolean,
    /// `tinyint`
    TinyInt,
    /// `smallint`
    SmallInt,
    /// `int` / `integer`
    Int,
    /// `bigint`
    BigInt,
    /// `float` / `real`
    Float,
    /// `double`
    Double,
    /// `decimal(precision, scale)`; `decimal` alone is `decimal(10,0)`.
    Decimal(u8, u8),
    /// `char(n)`
    Char(u32),
    /// `varchar(n)`
    Varchar(u32),
    /// `string`
    String,
    /// `binary`
    Binary,
    /// `date`
    Date,
    /// `timestamp` (millisecond precision, no time zone, as in Athena)
    Timestamp,
    /// `array<T>`
    Array(Box<HiveType>),
    /// `map<K,V>`
    Map(Box<HiveType>, Box<HiveType>),
    /// `struct<name:T,…>`
    Struct(Vec<(String, HiveType)>),
}

impl HiveType {
    /// The Hive type for an Arrow type (a Parquet footer's, a query result's); `None`
    /// when Hive has none.
    pub fn from_arrow(t: &DataType) -> Option<HiveType> {
        Some(match t {
            DataType::Boolean => HiveType::Boolean,
            DataType::Int8 => HiveType::TinyInt,
            DataType::Int16 | DataType::UInt8 => HiveType::SmallInt,
            DataType::Int32 | DataType::UInt16 => HiveType::Int,
            DataType::Int64 | DataType::UInt32 => HiveType::BigInt,
            DataType::UInt64 => HiveType::Decimal(20, 0),
            DataType::Float16 | DataType::Float32 => HiveType::Float,
            DataType::Float64 => HiveType::Double,
            DataType::Decimal32(p, s)
            | DataType::Decimal64(p, s)
            | DataType::Decimal128(p, s)
            | DataType::Decimal256(p, s) => {
                let scale = u8::try_from(*s).ok()?;
                if *p > 38 {
                    return Some(HiveType::String);
                }
                HiveType::Decimal(*p, scale)
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => HiveType::String,
            DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::FixedSizeBinary(_) => HiveType::Binary,
            DataType::Date32 | DataType::Date64 => HiveType::Date,
            DataType::Timestamp(TimeUnit::Second | TimeUnit::Millisecond, _)
            | DataType::Timestamp(TimeUnit::Microsecond | TimeUnit::Nanosecond, _) => {
                HiveType::Timestamp
            }
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                HiveType::Array(Box::new(HiveType::from_arrow(f.data_type())?))
            }
            DataType::Struct(fields) => {
                let fields = fields
                    .iter()
                    .map(|f| {
                        Some((
                            f.name().to_lowercase(),
                            HiveType::from_arrow(f.data_type())?,
                        ))
                    })
                    .collect::<Option<Vec<_>>>()?;
                // Hive names are case-insensitive: `A` and `a` cannot both be fields.
                let mut names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                if names.len() != fields.len() {
                    return None;
                }
                HiveType::Struct(fields)
            }
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => HiveType::Map(
                    Box::new(HiveType::from_arrow(kv[0].data_type())?),
                    Box::new(HiveType::from_arrow(kv[1].data_type())?),
                ),
                _ => return None,
            },
            DataType::Dictionary(_, v) => HiveType::from_arrow(v)?,
            _ => return None,
        })
    }

    /// The Arrow type queries see for this Hive type.
    pub fn to_arrow(&self) -> DataType {
        match self {
            HiveType::Boolean => DataType::Boolean,
            HiveType::TinyInt => DataType::Int8,
            HiveType::SmallInt => DataType::Int16,
            HiveType::Int => DataType::Int32,
            HiveType::BigInt => DataType::Int64,
            HiveType::Float => DataType::Float32,
            HiveType::Double => DataType::Float64,
            HiveType::Decimal(p, s) => DataType::Decimal128(*p, *s as i8),
            HiveType::Char(_) | HiveType::Varchar(_) | HiveType::String => DataType::Utf8,
            HiveType::Binary => DataType::Binary,
            HiveType::Date => DataType::Date32,
            HiveType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
            HiveType::Array(item) => {
                DataType::List(Arc::new(Field::new("item", item.to_arrow(), true)))
            }
            HiveType::Map(k, v) => {
                let entries = Field::new(
                    "entries",
                    DataType::Struct(Fields::from(vec![
                        Field::new("key", k.to_arrow(), false),
                        Field::new("value", v.to_arrow(), true),
                    ])),
                    false,
                );
                DataType::Map(Arc::new(entries), false)
            }
            HiveType::Struct(fields) => DataType::Struct(
                fields
                    .iter()
                    .map(|(name, t)| Field::new(name, t.to_arrow(), true))
                    .collect(),
            ),
        }
    }

    /// Whether the type is a scalar (not array, map or struct).
    pub fn is_primitive(&self) -> bool {
        !matches!(
            self,
            HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_)
        )
    }
}

impl fmt::Display for HiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiveType::Boolean => f.write_str("boolean"),
            HiveType::TinyInt => f.write_str("tinyint"),
            HiveType::SmallInt => f.write_str("smallint"),
            HiveType::Int => f.write_str("int"),
            HiveType::BigInt => f.write_str("bigint"),
            HiveType::Float => f.write_str("float"),
            HiveType::Double => f.write_str("double"),
            HiveType::Decimal(p, s) => write!(f, "decimal({p},{s})"),
            HiveType::Char(n) => write!(f, "char({n})"),
            HiveType::Varchar(n) => write!(f, "varchar({n})"),
            HiveType::String => f.write_str("string"),
            HiveType::Binary => f.write_str("binary"),
            HiveType::Date => f.write_str("date"),
            HiveType::Timestamp => f.write_str("timestamp"),
            HiveType::Array(t) => write!(f, "array<{t}>"),
            HiveType::Map(k, v) => write!(f, "map<{k},{v}>"),
            HiveType::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, (name, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    // Names that are not plain identifiers are back-quoted so they parse back.
                    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        write!(f, "{name}:{t}")?;
                    } else {
                        write!(f, "`{name}`:{t}")?;
                    }
                }
                f.write_str(">")
            }
        }
    }
}

impl FromStr for HiveType {
    type Err = LakeError;

    /// Parses a Hive type string; errors give the character offset of the problem.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut p = TypeParser {
            text: s,
            pos: 0,
            depth: 0,
        };
        let t = p.parse_type()?;
        p.skip_ws();
        if p.pos < s.len() {
            return Err(p.error("unexpected text after the type"));
        }
        Ok(t)
    }
}

/// Recursive-descent parser over the characters of a type string.
struct TypeParser<'a> {
    text: &'a str,
    pos: usize,
    /// Nesting of the type being parsed.
    depth: usize,
}

impl TypeParser<'_> {
    fn error(&self, what: &str) -> LakeError {
        // A long type string is cut short: the position says where the problem is.
        let shown = match self.text.char_indices().nth(200) {
            Some((end, _)) => format!("{}…", &self.text[..end]),
            None => self.text.to_string(),
        };
        LakeError::semantic(
            ErrorCode::InvalidColumnType,
            format!("{what} in type '{shown}' at character {}", self.pos + 1),
        )
    }

    /// Parses the type nested in an `array`, `map` or `struct`.
    fn nested_type(&mut self) -> Result<HiveType, LakeError> {
        if self.depth >= MAX_TYPE_DEPTH {
            return Err(self.error(&format!("types nest at most {MAX_TYPE_DEPTH} levels deep")));
        }
        self.depth += 1;
        let t = self.parse_type();
        self.depth -= 1;
        t
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.rest().chars().next().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), LakeError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    /// A name: letters, digits and `_`, or a back-quoted name.
    fn name(&mut self) -> Result<String, LakeError> {
        self.skip_ws();
        if self.eat('`') {
            let end = self
                .rest()
                .find('`')
                .ok_or_else(|| self.error("unterminated back-quoted name"))?;
            let name = self.rest()[..end].to_string();
            self.pos += end + 1;
            return Ok(name);
        }
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        let name = self.rest()[..len].to_string();
        self.pos += len;
        Ok(name)
    }

    fn number(&mut self) -> Result<u32, LakeError> {
        self.skip_ws();
        let len = self
            .rest()
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest().len());
        let n = self.rest()[..len]
            .parse()
            .map_err(|_| self.error("expected a number"))?;
        self.pos += len;
        Ok(n)
    }

    /// `(n)` after char/varchar.
    fn length(&mut self, type_name: &str) -> Result<u32, LakeError> {
        self.expect('(')?;
        let n = self.number()?;
        self.expect(')')?;
        if n == 0 {
            return Err(self.error(&format!("{type_name} length must be positive")));
        }
        Ok(n)
    }

    fn parse_type(&mut self) -> Result<HiveType, LakeError> {
        let start = self.pos;
        let name = self.name()?.to_ascii_lowercase();
        Ok(match name.as_str() {
            "boolean" => HiveType::Boolean,
            "tinyint" => HiveType::TinyInt,
            "smallint" => HiveType::SmallInt,
            "int" | "integer" => HiveType::Int,
            "bigint" => HiveType::BigInt,
            "float" | "real" => HiveType::Float,
            "double" => {
                self.skip_precision_keyword();
                HiveType::Double
            }
            "string" => HiveType::String,
            "binary" => HiveType::Binary,
            "date" => HiveType::Date,
            "timestamp" => HiveType::Timestamp,
            "char" => HiveType::Char(self.length("char")?),
            "varchar" => HiveType::Varchar(self.length("varchar")?),
            "decimal" | "numeric" => self.decimal()?,
            "array" => self.array()?,
            "map" => self.map()?,
            "struct" => self.struct_type()?,
            _ => {
                self.pos = start;
                self.skip_ws();
                return Err(self.error(&format!("unknown type '{name}'")));
            }
        })
    }

    /// Skips the `precision` of `double precision`, a synonym of `double`.
    fn skip_precision_keyword(&mut self) {
        let save = self.pos;
        self.skip_ws();
        if self.rest().len() >= 9 && self.rest()[..9].eq_ignore_ascii_case("precision") {
            self.pos += 9;
        } else {
            self.pos = save;
        }
    }

    /// The optional `(precision[, scale])` after decimal; `decimal(10,0)` without it.
    fn decimal(&mut self) -> Result<HiveType, LakeError> {
        let (mut p, mut s) = (10, 0);
        if self.eat('(') {
            p = self.number()?;
            s = if self.eat(',') { self.number()? } else { 0 };
            self.expect(')')?;
        }
        if p == 0 || p > MAX_DECIMAL_PRECISION as u32 {
            return Err(self.error("decimal precision must be between 1 and 38"));
        }
        if s > p {
            return Err(self.error("decimal scale must not exceed its precision"));
        }
        Ok(HiveType::Decimal(p as u8, s as u8))
    }

    /// `<T>` after array.
    fn array(&mut self) -> Result<HiveType, LakeError> {
        self.expect('<')?;
        let item = self.nested_type()?;
        self.expect('>')?;
        Ok(HiveType::Array(Box::new(item)))
    }

    /// `<K,V>` after map; keys must be primitive.
    fn map(&mut self) -> Result<HiveType, LakeError> {
        self.expect('<')?;
        let key = self.nested_type()?;
        if !key.is_primitive() {
            return Err(self.error("map keys must be a primitive type"));
        }
        self.expect(',')?;
        let value = self.nested_type()?;
        self.expect('>')?;
        Ok(HiveType::Map(Box::new(key), Box::new(value)))
    }

    /// `<name:T,…>` after struct; names are unique, ignoring case.
    fn struct_type(&mut self) -> Result<HiveType, LakeError> {
        self.expect('<')?;
        let mut fields: Vec<(String, HiveType)> = Vec::new();
        loop {
            let field = self.name()?;
            self.expect(':')?;
            let t = self.nested_type()?;
            if fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(&field)) {
                return Err(self.error(&format!("duplicate struct field '{field}'")));
            }
            fields.push((field, t));
            if !self.eat(',') {
                break;
            }
        }
        self.expect('>')?;
        Ok(HiveType::Struct(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) -> String {
        s.parse::<HiveType>().unwrap().to_string()
    }

    #[test]
    fn parses_and_prints_nested_types() {
        assert_eq!(round_trip("INT"), "int");
        assert_eq!(round_trip("integer"), "int");
        assert_eq!(round_trip("decimal"), "decimal(10,0)");
        assert_eq!(round_trip("DECIMAL( 12 , 3 )"), "decimal(12,3)");
        assert_eq!(
            round_trip("array< struct< a : int, `b c` : map<string, array<bigint>> > >"),
            "array<struct<a:int,`b c`:map<string,array<bigint>>>>"
        );
        assert_eq!(
            round_trip("struct<`user-agent`:string>"),
            "struct<`user-agent`:string>"
        );
        assert_eq!(round_trip("varchar(20)"), "varchar(20)");
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |depth: usize| format!("{}int{}", "array<".repeat(depth), ">".repeat(depth));
        assert!(nested(MAX_TYPE_DEPTH).parse::<HiveType>().is_ok());
        let err = nested(10_000).parse::<HiveType>().unwrap_err().to_string();
        assert!(err.contains("at most 100 levels"), "{err}");
        assert!(err.contains("at character 607"), "{err}");
        assert!(err.len() < 400, "{err}");
        let err = format!("{}int", "struct<a:".repeat(101))
            .parse::<HiveType>()
            .unwrap_err();
        assert!(err.to_string().contains("at most 100 levels"), "{err}");
    }

    #[test]
    fn maps_to_arrow() {
        let t: HiveType = "map<string,int>".parse().unwrap();
        assert!(matches!(t.to_arrow(), DataType::Map(_, false)));
        let t: HiveType = "timestamp".parse().unwrap();
        assert_eq!(
            t.to_arrow(),
            DataType::Timestamp(TimeUnit::Millisecond, None)
        );
    }

    #[test]
    fn rejects_bad_types_with_position() {
        let e = "array<strin>".parse::<HiveType>().unwrap_err().to_string();
        assert!(
            e.contains("unknown type 'strin'") && e.contains("character 7"),
            "{e}"
        );
        let e = "map<array<int>,int>"
            .parse::<HiveType>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("primitive"), "{e}");
        let e = "decimal(40,2)".parse::<HiveType>().unwrap_err().to_string();
        assert!(e.contains("precision"), "{e}");
        let e = "struct<a:int".parse::<HiveType>().unwrap_err().to_string();
        assert!(e.contains("expected '>'"), "{e}");
        assert!("int extra".parse::<HiveType>().is_err());
        // Multi-byte white space is skipped, not split.
        assert_eq!("int\u{a0}".parse::<HiveType>().unwrap(), HiveType::Int);
    }
}
