//! Trino sorts NULLs last in both directions unless told otherwise; DataFusion (like
//! PostgreSQL) sorts them first in descending order. Every ORDER BY without `NULLS
//! FIRST/LAST` — of a query, a window or an aggregate — gets `NULLS LAST`.

use sqlparser::ast::{
    Expr, FunctionArgumentClause, FunctionArguments, OrderBy, OrderByExpr, OrderByKind, WindowType,
};

fn nulls_last(items: &mut [OrderByExpr]) {
    for item in items {
        item.options.nulls_first.get_or_insert(false);
    }
}

/// A query's ORDER BY.
pub fn query_order(order_by: &mut Option<OrderBy>) {
    if let Some(OrderBy {
        kind: OrderByKind::Expressions(items),
        ..
    }) = order_by
    {
        nulls_last(items);
    }
}

/// The ORDER BY of a window or of an aggregate's arguments.
pub fn function_order(expr: &mut Expr) {
    let Expr::Function(f) = expr else {
        return;
    };
    if let Some(WindowType::WindowSpec(spec)) = &mut f.over {
        nulls_last(&mut spec.order_by);
    }
    if let FunctionArguments::List(list) = &mut f.args {
        for clause in list.clauses.iter_mut() {
            if let FunctionArgumentClause::OrderBy(items) = clause {
                nulls_last(items);
            }
        }
    }
    nulls_last(&mut f.within_group);
}
