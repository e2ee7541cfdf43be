//! `headers[1].name`, `CAST(… AS row(…)).name`: Trino reads a field of any row value
//! with a dot; DataFusion only of a column, so `.name` after a subscript or after an
//! expression becomes `['name']` (names lower-cased, as identifiers are).

use sqlparser::ast::{AccessExpr, Expr, Subscript, Value};

/// Turns dot field access that follows a subscript into a string subscript.
pub fn rewrite_field_access(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    let mut after_subscript = !matches!(**root, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
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
