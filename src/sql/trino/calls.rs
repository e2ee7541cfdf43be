//! Function calls and operators Trino spells or defines differently:
//! - `replace(s, search)` removes every `search`: `replace(s, search, '')`;
//! - `try(e)` is `lakesql_try(1, _try -> e)`: a lambda, so that the function evaluates
//!   `e` itself and can turn its errors into NULL (`crate::functions::lambda`);
//! - `concat(a, b, …)` is NULL when an argument is NULL: `a || b || …`;
//! - `substr(s, start[, length])` counts a negative start from the end, and a start of 0
//!   or before the beginning gives `''`;
//! - `ts AT TIME ZONE z` reads a timestamp without a zone as UTC (Trino's session zone;
//!   DataFusion reads it as local time in `z`).

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, LambdaFunction,
    LambdaFunctionParameter, LambdaSyntax, ObjectName, OneOrManyWithParens, Value,
};
use sqlparser::parser::Parser;

use crate::sql::parser::DIALECT;

/// Rewrites the calls and operators above.
pub fn rewrite_call(expr: &mut Expr) {
    let replacement = match expr {
        Expr::AtTimeZone { timestamp, .. } => {
            utc_timestamp(timestamp);
            None
        }
        Expr::Substring {
            expr: text,
            substring_from: Some(start),
            substring_for,
            ..
        } => {
            let mut args = vec![text.as_ref().clone(), start.as_ref().clone()];
            args.extend(substring_for.as_deref().cloned());
            substring(&args)
        }
        Expr::Function(f) => function(f),
        _ => None,
    };
    if let Some(replacement) = replacement {
        *expr = replacement;
    }
}

/// `ts` read as UTC when it has no zone (a zoned value keeps its instant).
fn utc_timestamp(timestamp: &mut Box<Expr>) {
    let utc = Expr::value(Value::SingleQuotedString(
        r#"Timestamp(Millisecond, Some("UTC"))"#.into(),
    ));
    if let Some(cast) = call("arrow_cast", &[timestamp.as_ref().clone(), utc]) {
        **timestamp = cast;
    }
}

/// The replacement of a call of `replace`, `try` or `concat`, if any (`replace` is
/// changed in place).
fn function(f: &mut sqlparser::ast::Function) -> Option<Expr> {
    // Quoted names are left alone: the rewrites call DataFusion's `"substr"`.
    let name = match f.name.0.as_slice() {
        [part] => part
            .as_ident()
            .filter(|i| i.quote_style.is_none())
            .map(|i| i.value.to_lowercase()),
        _ => None,
    };
    let FunctionArguments::List(list) = &mut f.args else {
        return None;
    };
    let args: Vec<Expr> = list
        .args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match (name.as_deref(), args.len()) {
        (Some("replace"), 2) => {
            let empty = Expr::value(Value::SingleQuotedString(String::new()));
            list.args.push(unnamed(empty));
            None
        }
        (Some("try"), 1) => try_call(args[0].clone()),
        (Some("concat"), n) if n >= 2 => Some(concatenation(args)),
        _ => None,
    }
}

fn unnamed(e: Expr) -> FunctionArg {
    FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
}

/// `name(args…)`, built by parsing its text (`None` if that fails, and the statement is
/// left as it was).
fn call(name: &str, args: &[Expr]) -> Option<Expr> {
    let sql = format!(
        "{name}({})",
        args.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    parse(&sql)
}

fn parse(sql: &str) -> Option<Expr> {
    Parser::new(&DIALECT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

fn try_call(body: Expr) -> Option<Expr> {
    let lambda = Expr::Lambda(LambdaFunction {
        params: OneOrManyWithParens::One(LambdaFunctionParameter {
            name: Ident::new("_try"),
            data_type: None,
        }),
        body: Box::new(body),
        syntax: LambdaSyntax::Arrow,
    });
    let Some(Expr::Function(mut f)) = call(
        "lakesql_try",
        &[Expr::value(Value::Number("1".into(), false))],
    ) else {
        return None;
    };
    f.name = ObjectName::from(vec![Ident::new("lakesql_try")]);
    if let FunctionArguments::List(list) = &mut f.args {
        list.args.push(unnamed(lambda));
    }
    Some(Expr::Function(f))
}

fn concatenation(args: Vec<Expr>) -> Expr {
    let mut args = args.into_iter();
    let first = args.next().unwrap_or(Expr::value(Value::Null));
    args.fold(first, |left, right| Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::StringConcat,
        right: Box::new(right),
    })
}

/// Trino's `substr`, in terms of DataFusion's (which reads positions before the start
/// as part of the length).
fn substring(args: &[Expr]) -> Option<Expr> {
    let (s, start) = (&args[0], &args[1]);
    let length = args.get(2).map(|l| format!(", {l}")).unwrap_or_default();
    let sql = format!(
        "CASE WHEN ({start}) = 0 OR ({start}) < -char_length({s}) THEN '' \
         ELSE \"substr\"({s}, CASE WHEN ({start}) < 0 THEN char_length({s}) + ({start}) + 1 \
         ELSE ({start}) END{length}) END"
    );
    parse(&sql)
}
