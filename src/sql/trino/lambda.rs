//! Lambdas as Trino writes them: `x -> x * 2`, `(s, x) -> s + x`.
//!
//! The generic dialect reads `->` as the JSON arrow operator, with its precedence: `x ->
//! x > 0` parses as `(x -> x) > 0`. A lambda's body extends to the end of its argument,
//! so a function argument whose leftmost operand is `name -> …` (or `(a, b) -> …`) is
//! re-read as a lambda over the whole argument.

use std::ops::ControlFlow;

use sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    LambdaFunction, LambdaFunctionParameter, LambdaSyntax, OneOrManyWithParens, Subscript, Value,
    visit_expressions_mut,
};

/// Re-reads the lambda arguments of a function call.
pub fn rewrite_function_args(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    for arg in list.args.iter_mut() {
        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg
            && let Some(lambda) = as_lambda(e)
        {
            *e = lambda;
        }
    }
}

/// `e` as a lambda, when its leftmost operand is `params -> body`.
fn as_lambda(e: &Expr) -> Option<Expr> {
    let mut body = e.clone();
    let params = take_arrow(&mut body)?;
    let names: Vec<String> = match &params {
        OneOrManyWithParens::One(p) => vec![p.name.value.to_lowercase()],
        OneOrManyWithParens::Many(ps) => ps.iter().map(|p| p.name.value.to_lowercase()).collect(),
    };
    fields_of_parameters(&mut body, &names);
    Some(Expr::Lambda(LambdaFunction {
        params,
        body: Box::new(body),
        syntax: LambdaSyntax::Arrow,
    }))
}

/// `x.field` on a lambda parameter is a field of the value, not a column of table `x`:
/// it becomes `x['field']`.
fn fields_of_parameters(body: &mut Expr, names: &[String]) {
    let _ = visit_expressions_mut(body, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && names.contains(&parts[0].value.to_lowercase())
        {
            let access_chain = parts[1..]
                .iter()
                .map(|p| {
                    let name = match p.quote_style {
                        Some(_) => p.value.clone(),
                        None => p.value.to_lowercase(),
                    };
                    AccessExpr::Subscript(Subscript::Index {
                        index: Expr::value(Value::SingleQuotedString(name)),
                    })
                })
                .collect();
            *e = Expr::CompoundFieldAccess {
                root: Box::new(Expr::Identifier(parts[0].clone())),
                access_chain,
            };
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Finds the arrow on the left spine of `e`, replaces it by its right side and returns
/// its parameters.
fn take_arrow(e: &mut Expr) -> Option<OneOrManyWithParens<LambdaFunctionParameter>> {
    if let Expr::BinaryOp {
        left,
        op: BinaryOperator::Arrow,
        right,
    } = e
    {
        let params = parameters(left)?;
        *e = (**right).clone();
        return Some(params);
    }
    let left: &mut Expr = match e {
        Expr::BinaryOp { left, .. } => left,
        Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotTrue(x)
        | Expr::IsNotFalse(x)
        | Expr::IsUnknown(x)
        | Expr::IsNotUnknown(x) => x,
        Expr::Between { expr, .. } | Expr::InList { expr, .. } => expr,
        Expr::Like { expr, .. } | Expr::ILike { expr, .. } | Expr::SimilarTo { expr, .. } => expr,
        Expr::IsDistinctFrom(x, _) | Expr::IsNotDistinctFrom(x, _) => x,
        _ => return None,
    };
    take_arrow(left)
}

fn parameters(e: &Expr) -> Option<OneOrManyWithParens<LambdaFunctionParameter>> {
    let param = |e: &Expr| match e {
        Expr::Identifier(name) => Some(LambdaFunctionParameter {
            name: name.clone(),
            data_type: None,
        }),
        _ => None,
    };
    match e {
        Expr::Identifier(_) => Some(OneOrManyWithParens::One(param(e)?)),
        Expr::Nested(inner) => Some(OneOrManyWithParens::Many(vec![param(inner)?])),
        Expr::Tuple(items) => Some(OneOrManyWithParens::Many(
            items.iter().map(param).collect::<Option<Vec<_>>>()?,
        )),
        _ => None,
    }
}
