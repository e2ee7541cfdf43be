//! `GetPartitions`' `Expression`: a SQL `WHERE`-like filter over partition keys.
//!
//! Glue compares partition values as their key's declared type (`year > 9` is numeric
//! on an `int` key, a string comparison on a `string` key), so the filter is parsed once
//! with sqlparser, each key resolved to its position and type and each literal cast to
//! that type up front; a partition's values are then cast the same way (lakesql's one
//! rule, [`typed_value`]) and compared with SQL's three-valued logic. Anything outside
//! Glue's grammar, an unknown key, a literal of the wrong type or `LIKE` on a
//! non-string key is `InvalidInputException`.

use std::cmp::Ordering;

use datafusion::scalar::ScalarValue;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use regex::Regex;

use crate::catalog::partition_values::typed_value;
use crate::catalog::{Column, HiveType, Table};
use crate::serve::protocol::ApiError;

use super::errors::invalid;

/// A parsed partition filter, bound to one table's partition keys.
#[derive(Debug)]
pub struct PartitionFilter {
    condition: Condition,
    keys: Vec<(Column, HiveType)>,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl Compare {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Compare::Eq => ordering.is_eq(),
            Compare::NotEq => ordering.is_ne(),
            Compare::Lt => ordering.is_lt(),
            Compare::LtEq => ordering.is_le(),
            Compare::Gt => ordering.is_gt(),
            Compare::GtEq => ordering.is_ge(),
        }
    }

    /// The operator with its operands swapped (`9 < year` is `year > 9`).
    fn flipped(self) -> Compare {
        match self {
            Compare::Lt => Compare::Gt,
            Compare::LtEq => Compare::GtEq,
            Compare::Gt => Compare::Lt,
            Compare::GtEq => Compare::LtEq,
            same => same,
        }
    }
}

/// The filter with keys as positions and literals typed.
#[derive(Debug)]
enum Condition {
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare(usize, Compare, ScalarValue),
    In(usize, Vec<ScalarValue>),
    Between(usize, ScalarValue, ScalarValue),
    Like(usize, Regex),
    IsNull(usize),
}

impl PartitionFilter {
    /// Parses `text` against `table`'s partition keys.
    pub fn parse(text: &str, table: &Table) -> Result<PartitionFilter, ApiError> {
        let keys = table
            .partition_keys
            .iter()
            .map(|k| {
                Ok((
                    k.clone(),
                    k.parsed_type().map_err(|e| invalid(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let expr = parse_sql(text)?;
        let binder = Binder { keys: &keys };
        let condition = binder.condition(&expr)?;
        Ok(PartitionFilter { condition, keys })
    }

    /// Whether a partition with `values` (in key order) passes the filter.
    pub fn matches(&self, values: &[String]) -> Result<bool, ApiError> {
        let typed = values
            .iter()
            .zip(&self.keys)
            .map(|(v, (key, t))| typed_value(key, t, v).map_err(|e| invalid(e.to_string())))
            .collect::<Result<Vec<_>, ApiError>>()?;
        if typed.len() != self.keys.len() {
            return Err(invalid(
                "a partition has fewer values than the table has keys",
            ));
        }
        Ok(evaluate(&self.condition, &typed) == Some(true))
    }
}

/// Parses the whole text as one SQL expression.
fn parse_sql(text: &str) -> Result<Expr, ApiError> {
    let unsupported = |why: String| invalid(format!("Unsupported expression '{text}': {why}"));
    let mut parser = Parser::new(&GenericDialect {})
        .try_with_sql(text)
        .map_err(|e| unsupported(e.to_string()))?;
    let expr = parser
        .parse_expr()
        .map_err(|e| unsupported(e.to_string()))?;
    let rest = parser.peek_token();
    if rest.token != Token::EOF {
        return Err(unsupported(format!("unexpected '{}'", rest.token)));
    }
    Ok(expr)
}

/// Resolves names and types while turning the AST into a [`Condition`].
struct Binder<'k> {
    keys: &'k [(Column, HiveType)],
}

impl Binder<'_> {
    fn condition(&self, expr: &Expr) -> Result<Condition, ApiError> {
        match expr {
            Expr::Nested(inner) => self.condition(inner),
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => Ok(not(self.condition(expr)?)),
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::IsNull(e) => Ok(Condition::IsNull(self.key(e)?)),
            Expr::IsNotNull(e) => Ok(not(Condition::IsNull(self.key(e)?))),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let key = self.key(expr)?;
                let values = list
                    .iter()
                    .map(|l| self.literal(key, l))
                    .collect::<Result<_, _>>()?;
                Ok(negate(Condition::In(key, values), *negated))
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let key = self.key(expr)?;
                let (low, high) = (self.literal(key, low)?, self.literal(key, high)?);
                Ok(negate(Condition::Between(key, low, high), *negated))
            }
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => self.like(expr, pattern, *negated),
            other => Err(invalid(format!("Unsupported expression '{other}'"))),
        }
    }

    fn binary(
        &self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
    ) -> Result<Condition, ApiError> {
        let compare = match op {
            BinaryOperator::And => {
                let (l, r) = (self.condition(left)?, self.condition(right)?);
                return Ok(Condition::And(Box::new(l), Box::new(r)));
            }
            BinaryOperator::Or => {
                let (l, r) = (self.condition(left)?, self.condition(right)?);
                return Ok(Condition::Or(Box::new(l), Box::new(r)));
            }
            BinaryOperator::Eq => Compare::Eq,
            BinaryOperator::NotEq => Compare::NotEq,
            BinaryOperator::Lt => Compare::Lt,
            BinaryOperator::LtEq => Compare::LtEq,
            BinaryOperator::Gt => Compare::Gt,
            BinaryOperator::GtEq => Compare::GtEq,
            other => return Err(invalid(format!("Unsupported operator '{other}'"))),
        };
        // `key op literal`, or `literal op key` read the other way round.
        let (column, literal, compare) = match (key_name(left), key_name(right)) {
            (Some(_), _) => (left, right, compare),
            (None, Some(_)) => (right, left, compare.flipped()),
            (None, None) => {
                return Err(invalid(format!(
                    "Unsupported expression '{left} {op} {right}': one side must be a \
                     partition key"
                )));
            }
        };
        let key = self.key(column)?;
        Ok(Condition::Compare(
            key,
            compare,
            self.literal(key, literal)?,
        ))
    }

    fn like(&self, expr: &Expr, pattern: &Expr, negated: bool) -> Result<Condition, ApiError> {
        let key = self.key(expr)?;
        let (column, key_type) = &self.keys[key];
        if !matches!(
            key_type,
            HiveType::String | HiveType::Varchar(_) | HiveType::Char(_)
        ) {
            return Err(invalid(format!(
                "partition key {} has type {key_type}, which doesn't support operation 'LIKE'",
                column.name
            )));
        }
        let Some(Literal::Text(text)) = literal_text(pattern) else {
            return Err(invalid(format!(
                "LIKE needs a string pattern, got '{pattern}'"
            )));
        };
        let regex = like_regex(&text).map_err(|e| invalid(format!("LIKE '{text}': {e}")))?;
        Ok(negate(Condition::Like(key, regex), negated))
    }

    /// The position of the partition key `expr` names.
    fn key(&self, expr: &Expr) -> Result<usize, ApiError> {
        let name = key_name(expr)
            .ok_or_else(|| invalid(format!("expected a partition key, got '{expr}'")))?;
        self.keys
            .iter()
            .position(|(k, _)| k.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self.keys.iter().map(|(k, _)| k.name.as_str()).collect();
                invalid(format!(
                    "Invalid partition expression! '{name}' is not a partition key (keys: {})",
                    known.join(", ")
                ))
            })
    }

    /// A literal cast to the type of partition key `key`.
    fn literal(&self, key: usize, expr: &Expr) -> Result<ScalarValue, ApiError> {
        let (column, key_type) = &self.keys[key];
        match literal_text(expr) {
            Some(Literal::Null) => {
                ScalarValue::try_from(&key_type.to_arrow()).map_err(|e| invalid(e.to_string()))
            }
            Some(Literal::Text(text)) => typed_value(column, key_type, &text).map_err(|_| {
                invalid(format!(
                    "'{text}' is not a valid {key_type} value for partition key {}",
                    column.name
                ))
            }),
            None => Err(invalid(format!("expected a literal, got '{expr}'"))),
        }
    }
}

/// The lower-cased name an identifier (plain, `"quoted"` or `` `backticked` ``) gives.
fn key_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident.value.to_lowercase()),
        Expr::Nested(inner) => key_name(inner),
        _ => None,
    }
}

/// A literal's text, before it is cast to a key's type.
enum Literal {
    Null,
    Text(String),
}

fn literal_text(expr: &Expr) -> Option<Literal> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Null => Some(Literal::Null),
            Value::Number(n, _) => Some(Literal::Text(n.clone())),
            Value::Boolean(b) => Some(Literal::Text(b.to_string())),
            other => other.clone().into_string().map(Literal::Text),
        },
        Expr::TypedString(typed) => typed.value.clone().into_string().map(Literal::Text),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal_text(expr)? {
            Literal::Text(t) => Some(Literal::Text(format!("-{t}"))),
            Literal::Null => Some(Literal::Null),
        },
        Expr::Nested(inner) => literal_text(inner),
        _ => None,
    }
}

/// SQL `LIKE` as an anchored regular expression: `%` any run, `_` one character.
fn like_regex(pattern: &str) -> Result<Regex, regex::Error> {
    let mut out = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    Regex::new(&out)
}

fn not(c: Condition) -> Condition {
    Condition::Not(Box::new(c))
}

fn negate(c: Condition, negated: bool) -> Condition {
    if negated { not(c) } else { c }
}

/// SQL's three-valued logic: `None` is unknown (a comparison with NULL).
fn evaluate(condition: &Condition, values: &[ScalarValue]) -> Option<bool> {
    match condition {
        Condition::And(l, r) => evaluate_and(evaluate(l, values), evaluate(r, values)),
        Condition::Or(l, r) => match (evaluate(l, values), evaluate(r, values)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Condition::Not(c) => evaluate(c, values).map(|b| !b),
        Condition::IsNull(key) => Some(values[*key].is_null()),
        Condition::Compare(key, op, literal) => {
            compare(&values[*key], literal).map(|o| op.holds(o))
        }
        Condition::Between(key, low, high) => {
            let v = &values[*key];
            let above = compare(v, low).map(Ordering::is_ge);
            let below = compare(v, high).map(Ordering::is_le);
            evaluate_and(above, below)
        }
        Condition::In(key, list) => {
            let found: Vec<Option<bool>> = list
                .iter()
                .map(|l| compare(&values[*key], l).map(Ordering::is_eq))
                .collect();
            if found.contains(&Some(true)) {
                Some(true)
            } else if found.contains(&None) {
                None
            } else {
                Some(false)
            }
        }
        Condition::Like(key, regex) => match &values[*key] {
            ScalarValue::Utf8(Some(s)) => Some(regex.is_match(s)),
            _ => None,
        },
    }
}

fn evaluate_and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// How two values of one type compare; `None` when either is NULL.
fn compare(a: &ScalarValue, b: &ScalarValue) -> Option<Ordering> {
    if a.is_null() || b.is_null() {
        return None;
    }
    a.partial_cmp(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_path::DEFAULT_PARTITION_NAME;

    fn table() -> Table {
        let key = |name: &str, t: &str| Column {
            name: name.into(),
            hive_type: t.into(),
            comment: None,
        };
        let mut table = Table::external("db", "t", Default::default());
        table.partition_keys = vec![
            key("year", "int"),
            key("dt", "string"),
            key("region", "string"),
            key("day", "date"),
        ];
        table
    }

    /// The partitions (year, dt, region, day) the filter selects, by year/region.
    fn selected(expr: &str) -> Vec<String> {
        let partitions = [
            ["9", "2024-01-01", "eu", "2024-01-01"],
            ["10", "2024-01-01", "us", "2024-01-02"],
            ["2024", "2024-01-02", "eu", "2024-02-01"],
            ["100", "2023-12-31", DEFAULT_PARTITION_NAME, "2023-12-31"],
        ];
        let filter = PartitionFilter::parse(expr, &table()).unwrap();
        partitions
            .iter()
            .filter(|p| {
                let values: Vec<String> = p.iter().map(|s| s.to_string()).collect();
                filter.matches(&values).unwrap()
            })
            .map(|p| p[0].to_string())
            .collect()
    }

    fn error(expr: &str) -> ApiError {
        PartitionFilter::parse(expr, &table()).unwrap_err()
    }

    #[test]
    fn comparisons_use_the_keys_type() {
        // Numeric on the int key: 10 and 100 are > 9 (a string compare would drop them).
        assert_eq!(selected("year > 9"), ["10", "2024", "100"]);
        assert_eq!(selected("year >= '10' and year < 2024"), ["10", "100"]);
        assert_eq!(selected("9 < year"), ["10", "2024", "100"]);
        // String comparison on a string key.
        assert_eq!(selected("dt > '2024-01-01'"), ["2024"]);
        assert_eq!(selected("dt <> '2024-01-01'"), ["2024", "100"]);
        assert_eq!(selected("dt != '2024-01-01'"), ["2024", "100"]);
        // Dates compare as dates.
        assert_eq!(selected("day >= '2024-01-02'"), ["10", "2024"]);
        assert_eq!(selected("day < date '2024-01-01'"), ["100"]);
    }

    #[test]
    fn like_in_between_and_null_tests() {
        assert_eq!(selected("dt LIKE '2024-01-%'"), ["9", "10", "2024"]);
        assert_eq!(selected("dt like '2024-01-0_'"), ["9", "10", "2024"]);
        assert_eq!(selected("dt NOT LIKE '2024%'"), ["100"]);
        assert_eq!(selected("year IN (9, 2024)"), ["9", "2024"]);
        assert_eq!(selected("region NOT IN ('eu')"), ["10"]);
        assert_eq!(selected("year BETWEEN 10 AND 100"), ["10", "100"]);
        assert_eq!(selected("year NOT BETWEEN 10 AND 100"), ["9", "2024"]);
        assert_eq!(selected("region IS NULL"), ["100"]);
        assert_eq!(selected("region IS NOT NULL"), ["9", "10", "2024"]);
        // A NULL value is neither equal nor unequal to anything.
        assert_eq!(selected("region <> 'eu'"), ["10"]);
    }

    #[test]
    fn boolean_logic_and_precedence() {
        assert_eq!(selected("NOT year = 9"), ["10", "2024", "100"]);
        // AND binds tighter than OR.
        assert_eq!(
            selected("region = 'us' OR region = 'eu' AND year > 9"),
            ["10", "2024"]
        );
        assert_eq!(
            selected("(region = 'us' OR region = 'eu') AND year > 9"),
            ["10", "2024"]
        );
        assert_eq!(
            selected("(region = 'us' OR year = 9) AND dt = '2024-01-01'"),
            ["9", "10"]
        );
        // dbt-athena's clean_up_partitions filter.
        assert_eq!(selected("(dt='2024-01-01' and region='eu')"), ["9"]);
        assert_eq!(selected("(year=2024 and `region`='eu')"), ["2024"]);
        assert_eq!(selected("\"YEAR\" = 9"), ["9"]);
    }

    #[test]
    fn invalid_filters_are_the_callers_error() {
        let like_on_int = error("year LIKE '20%'");
        assert_eq!(like_on_int.code, "InvalidInputException");
        assert!(
            like_on_int.message.contains("LIKE"),
            "{}",
            like_on_int.message
        );
        let unknown = error("month = 1");
        assert_eq!(unknown.code, "InvalidInputException");
        assert!(unknown.message.contains("month"), "{}", unknown.message);
        assert_eq!(error("year = 'abc'").code, "InvalidInputException");
        assert_eq!(error("year = ").code, "InvalidInputException");
        assert_eq!(error("year = 1 year").code, "InvalidInputException");
        assert_eq!(error("year + 1 = 2").code, "InvalidInputException");
        assert_eq!(error("year = dt").code, "InvalidInputException");
    }

    #[test]
    fn a_stored_value_that_is_not_of_its_type_is_reported() {
        let filter = PartitionFilter::parse("year = 1", &table()).unwrap();
        let values = ["x", "a", "b", "2024-01-01"].map(String::from);
        assert_eq!(
            filter.matches(&values).unwrap_err().code,
            "InvalidInputException"
        );
    }
}
