//! Function calls whose Trino arity DataFusion lacks and which are plain spellings of
//! another call: `replace(s, search)` removes every `search`, i.e. `replace(s, search, '')`.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value};

/// Rewrites `replace(s, search)` into `replace(s, search, '')`.
pub fn rewrite_call(expr: &mut Expr) {
    let Expr::Function(f) = expr else {
        return;
    };
    let is_replace = f.name.0.len() == 1
        && f.name.0[0]
            .as_ident()
            .is_some_and(|i| i.value.eq_ignore_ascii_case("replace"));
    if !is_replace {
        return;
    }
    if let FunctionArguments::List(list) = &mut f.args
        && list.args.len() == 2
    {
        list.args
            .push(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                Value::SingleQuotedString(String::new()),
            ))));
    }
}
