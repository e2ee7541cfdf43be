//! `headers[1].name`: Trino reads a field of a subscripted value with a dot; DataFusion
//! only with a subscript, so `.name` after `[…]` becomes `['name']` (unquoted names
//! lower-cased, as identifiers are).

use sqlparser::ast::{AccessExpr, Expr, Subscript, Value};

/// Turns dot field access that follows a subscript into a string subscript.
pub fn rewrite_field_access(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { access_chain, .. } = expr else {
        return;
    };
    let mut after_subscript = false;
    for access in access_chain.iter_mut() {
        match access {
            AccessExpr::Subscript(_) => after_subscript = true,
            AccessExpr::Dot(Expr::Identifier(ident)) if after_subscript => {
                let name = match ident.quote_style {
                    Some(_) => ident.value.clone(),
                    None => ident.value.to_lowercase(),
                };
                *access = AccessExpr::Subscript(Subscript::Index {
                    index: Expr::value(Value::SingleQuotedString(name)),
                });
            }
            AccessExpr::Dot(_) => {}
        }
    }
}
