//! A scan's partition filters as a catalog filter expression (the Hive metastore's
//! grammar, which Glue's `GetPartitions` `Expression` is), so a remote catalog returns
//! only the partitions a query may read: a point query on a table with 100,000
//! partitions in Glue transfers one page, not a hundred.
//!
//! The expression may select more than the filters (a conjunct that cannot be written in
//! the grammar is left out; lakesql's own vectorised filter still runs over what comes
//! back), never less: `OR` is written only when both sides are written, `NOT` only as a
//! negated condition (`<>`, `NOT IN`, `NOT BETWEEN`, `NOT LIKE`; Glue's grammar has no
//! `NOT (…)`). Literals are written as the key's type compares in Glue: strings quoted,
//! integers bare; other key types (dates, decimals, …) are not pushed.

use datafusion::logical_expr::{Between, BinaryExpr, Expr, Like, Operator};
use datafusion::scalar::ScalarValue;

use crate::catalog::{HiveType, Table};

/// The catalog expression for `filters` (partition filters of `table`), or `None` when
/// no part of them can be written.
pub fn catalog_expression(table: &Table, filters: &[Expr]) -> Option<String> {
    let parts: Vec<String> = filters.iter().filter_map(|f| write(table, f)).collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// `expr` in the catalog's grammar, selecting at least what it selects; `None` when it
/// cannot be written.
fn write(table: &Table, expr: &Expr) -> Option<String> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => match (write(table, left), write(table, right)) {
                (Some(l), Some(r)) => Some(format!("({l}) AND ({r})")),
                // Dropping one side of an AND selects more, never less.
                (Some(one), None) | (None, Some(one)) => Some(one),
                (None, None) => None,
            },
            Operator::Or => {
                let (l, r) = (write(table, left)?, write(table, right)?);
                Some(format!("({l}) OR ({r})"))
            }
            _ => comparison(table, left, *op, right),
        },
        // Glue's grammar has no `NOT (…)`: only the negated form of each condition.
        Expr::Not(inner) => match inner.as_ref() {
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                comparison(table, left, op.negate()?, right)
            }
            Expr::InList(list) => {
                let mut negated = list.clone();
                negated.negated = !negated.negated;
                write(table, &Expr::InList(negated))
            }
            Expr::Between(between) => {
                let mut negated = between.clone();
                negated.negated = !negated.negated;
                write(table, &Expr::Between(negated))
            }
            Expr::Like(like) => {
                let mut negated = like.clone();
                negated.negated = !negated.negated;
                write(table, &Expr::Like(negated))
            }
            _ => None,
        },
        Expr::InList(list) if !list.list.is_empty() => {
            let (name, key) = key_column(table, &list.expr)?;
            let values: Option<Vec<String>> = list.list.iter().map(|v| literal(&key, v)).collect();
            let not = if list.negated { "NOT " } else { "" };
            Some(format!("{name} {not}IN ({})", values?.join(", ")))
        }
        Expr::Between(Between {
            expr,
            negated,
            low,
            high,
        }) => {
            let (name, key) = key_column(table, expr)?;
            let (low, high) = (literal(&key, low)?, literal(&key, high)?);
            let not = if *negated { "NOT " } else { "" };
            Some(format!("{name} {not}BETWEEN {low} AND {high}"))
        }
        Expr::Like(Like {
            negated,
            expr,
            pattern,
            escape_char: None,
            case_insensitive: false,
        }) => {
            let (name, key) = key_column(table, expr)?;
            if key != HiveType::String {
                return None;
            }
            let not = if *negated { "NOT " } else { "" };
            Some(format!("{name} {not}LIKE {}", literal(&key, pattern)?))
        }
        _ => None,
    }
}

/// `key op literal` (either way round) with one of the six comparison operators.
fn comparison(table: &Table, left: &Expr, op: Operator, right: &Expr) -> Option<String> {
    if let Some((name, key)) = key_column(table, left) {
        return comparison_text(&name, op, &literal(&key, right)?);
    }
    let (name, key) = key_column(table, right)?;
    let flipped = op.swap()?;
    comparison_text(&name, flipped, &literal(&key, left)?)
}

fn comparison_text(name: &str, op: Operator, value: &str) -> Option<String> {
    let symbol = match op {
        Operator::Eq => "=",
        Operator::NotEq => "<>",
        Operator::Lt => "<",
        Operator::LtEq => "<=",
        Operator::Gt => ">",
        Operator::GtEq => ">=",
        _ => return None,
    };
    Some(format!("{name} {symbol} {value}"))
}

/// A bare partition-key column whose type Glue compares as lakesql does.
fn key_column(table: &Table, expr: &Expr) -> Option<(String, HiveType)> {
    let Expr::Column(column) = expr else {
        return None;
    };
    let key = table
        .partition_keys
        .iter()
        .find(|k| k.name == column.name)?;
    let parsed = key.parsed_type().ok()?;
    let pushable = matches!(
        parsed,
        HiveType::String
            | HiveType::TinyInt
            | HiveType::SmallInt
            | HiveType::Int
            | HiveType::BigInt
    );
    pushable.then(|| (key.name.clone(), parsed))
}

/// A literal as the key's type is written: strings quoted (quotes doubled), integers
/// bare; anything else (NULL, another type) is not written.
fn literal(key: &HiveType, expr: &Expr) -> Option<String> {
    let Expr::Literal(value, _) = expr else {
        return None;
    };
    match (key, value) {
        (
            HiveType::String,
            ScalarValue::Utf8(Some(s))
            | ScalarValue::Utf8View(Some(s))
            | ScalarValue::LargeUtf8(Some(s)),
        ) => Some(format!("'{}'", s.replace('\'', "''"))),
        (HiveType::String, _) => None,
        (_, v) if !v.is_null() && v.data_type().is_integer() => Some(v.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::{col, lit};

    use super::*;
    use crate::catalog::{Column, StorageDescriptor};

    fn table() -> Table {
        let mut t = Table::external("db", "t", StorageDescriptor::default());
        let key = |name: &str, ty: &str| Column {
            name: name.into(),
            hive_type: ty.into(),
            comment: None,
        };
        t.partition_keys = vec![key("dt", "string"), key("year", "int"), key("day", "date")];
        t
    }

    fn text(filters: &[Expr]) -> Option<String> {
        catalog_expression(&table(), filters)
    }

    #[test]
    fn comparisons_in_between_and_like_are_written() {
        assert_eq!(
            text(&[col("dt").eq(lit("2024-01-01"))]).unwrap(),
            "dt = '2024-01-01'"
        );
        assert_eq!(text(&[lit(2020).lt(col("year"))]).unwrap(), "year > 2020");
        assert_eq!(
            text(&[col("year").in_list(vec![lit(1), lit(2)], false)]).unwrap(),
            "year IN (1, 2)"
        );
        assert_eq!(
            text(&[col("year").between(lit(1), lit(9))]).unwrap(),
            "year BETWEEN 1 AND 9"
        );
        assert_eq!(
            text(&[col("dt").like(lit("2024-%"))]).unwrap(),
            "dt LIKE '2024-%'"
        );
        assert_eq!(text(&[col("dt").eq(lit("it's"))]).unwrap(), "dt = 'it''s'");
    }

    #[test]
    fn what_cannot_be_written_widens_never_narrows() {
        // A date key is not pushed; the AND keeps its other side.
        let f = col("year")
            .eq(lit(2024))
            .and(col("day").eq(lit("2024-01-01")));
        assert_eq!(text(&[f]).unwrap(), "year = 2024");
        // An OR with an unwritable side is dropped whole.
        let f = col("year")
            .eq(lit(2024))
            .or(col("day").eq(lit("2024-01-01")));
        assert_eq!(text(&[f]), None);
        // NOT is written as the negated condition (Glue has no `NOT (…)`); over AND/OR it
        // is dropped.
        let inner = col("year").eq(lit(2024)).and(col("day").eq(lit("x")));
        assert_eq!(text(&[Expr::Not(Box::new(inner))]), None);
        let f = Expr::Not(Box::new(col("year").eq(lit(1))));
        assert_eq!(text(&[f]).unwrap(), "year <> 1");
        let f = Expr::Not(Box::new(col("year").lt(lit(1))));
        assert_eq!(text(&[f]).unwrap(), "year >= 1");
        let f = Expr::Not(Box::new(col("year").in_list(vec![lit(1)], false)));
        assert_eq!(text(&[f]).unwrap(), "year NOT IN (1)");
        let f = col("dt").not_like(lit("a%"));
        assert_eq!(text(&[f]).unwrap(), "dt NOT LIKE 'a%'");
        // A string key against a number is not written (Glue would compare as text).
        assert_eq!(text(&[col("dt").eq(lit(5))]), None);
        assert_eq!(
            text(&[col("dt").eq(lit("a")), col("year").gt(lit(1))]).unwrap(),
            "(dt = 'a') AND (year > 1)"
        );
    }
}
