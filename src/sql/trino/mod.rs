//! Athena's (Trino's) query syntax on top of DataFusion's: rewrites of the parsed
//! statement, applied before DataFusion plans it.
//!
//! Where Trino and DataFusion spell the same thing differently, the statement is
//! rewritten into DataFusion's spelling with Trino's meaning; where DataFusion cannot
//! express it, the rewrite refuses with an error naming the construct. Functions with
//! Trino semantics are registered separately (`crate::functions`); these rewrites cover
//! syntax only:
//! - `CROSS JOIN UNNEST(…) AS t(x)`, `UNNEST(a, b)`, `WITH ORDINALITY`, maps into
//!   key/value columns, `LEFT JOIN UNNEST(…) ON true` ([`unnest`]);
//! - lambdas `x -> x + 1`, `(s, x) -> s + x`, which the generic dialect reads as the
//!   JSON arrow operator ([`lambda`]);
//! - field access after a subscript, `headers[1].name` ([`access`]);
//! - `replace(s, search)` ([`calls`]);
//! - a selected `a.b` named `b` ([`names`]);
//! - NULLs sorted last unless the ORDER BY says otherwise ([`nulls`]).
//!
//! Two rewrites work on the tokens, before parsing ([`tokens`]): quoted identifiers
//! are folded to lower case as Trino does, and casts to Trino's nested types
//! (`array(varchar)`, `row(a integer)`) become calls of lakesql's cast ([`types`]).

mod access;
mod calls;
mod lambda;
mod names;
mod nulls;
mod tokens;
mod types;
mod unnest;

pub use tokens::rewrite_tokens;

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, Statement, VisitMut, VisitorMut};

use crate::error::{LakeError, Result};

/// Rewrites `statement` from Trino's syntax into DataFusion's.
pub fn rewrite(statement: &mut Statement) -> Result<()> {
    let mut rewriter = Rewriter;
    match statement.visit(&mut rewriter) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(e) => Err(e),
    }
}

/// Whether a rewritten statement calls Trino's `try` (as `lakesql_try`).
pub fn uses_try(statement: &Statement) -> bool {
    let found = sqlparser::ast::visit_expressions(statement, |e| match e {
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("lakesql_try") => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    });
    found.is_break()
}

/// Applies the expression rewrites (lambdas, field access) to a query built by a
/// rewrite, whose text was re-parsed.
fn rewrite_exprs(query: &mut Query) {
    let _ = sqlparser::ast::visit_expressions_mut(query, |e| {
        lambda::rewrite_function_args(e);
        access::rewrite_field_access(e);
        calls::rewrite_call(e);
        ControlFlow::<()>::Continue(())
    });
}

struct Rewriter;

impl VisitorMut for Rewriter {
    type Break = LakeError;

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<LakeError> {
        nulls::query_order(&mut query.order_by);
        names::name_dereferences(&mut query.body);
        match unnest::rewrite_query(query) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<LakeError> {
        lambda::rewrite_function_args(expr);
        access::rewrite_field_access(expr);
        nulls::function_order(expr);
        calls::rewrite_call(expr);
        ControlFlow::Continue(())
    }
}
