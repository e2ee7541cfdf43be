//! Function calls that are spellings of another call:
//! - `replace(s, search)` removes every `search`: `replace(s, search, '')`;
//! - `try(e)` is `lakesql_try(1, _try -> e)`: a lambda, so that the function evaluates
//!   `e` itself and can turn its errors into NULL (`crate::functions::lambda`).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, LambdaFunction,
    LambdaFunctionParameter, LambdaSyntax, ObjectName, OneOrManyWithParens, Value,
};

/// Rewrites `replace(s, search)` and `try(e)`.
pub fn rewrite_call(expr: &mut Expr) {
    let Expr::Function(f) = expr else {
        return;
    };
    let name = match f.name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.to_lowercase()),
        _ => None,
    };
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    match (name.as_deref(), list.args.len()) {
        (Some("replace"), 2) => list
            .args
            .push(unnamed(Expr::value(Value::SingleQuotedString(
                String::new(),
            )))),
        (Some("try"), 1) => {
            let FunctionArg::Unnamed(FunctionArgExpr::Expr(body)) = list.args[0].clone() else {
                return;
            };
            let lambda = Expr::Lambda(LambdaFunction {
                params: OneOrManyWithParens::One(LambdaFunctionParameter {
                    name: Ident::new("_try"),
                    data_type: None,
                }),
                body: Box::new(body),
                syntax: LambdaSyntax::Arrow,
            });
            f.name = ObjectName::from(vec![Ident::new("lakesql_try")]);
            let marker = Expr::value(Value::Number("1".into(), false));
            list.args = vec![unnamed(marker), unnamed(lambda)];
        }
        _ => {}
    }
}

fn unnamed(e: Expr) -> FunctionArg {
    FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
}
