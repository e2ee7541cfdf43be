//! Output column names as Trino gives them: a selected `a.b` (a column of table `a`, or
//! field `b` of struct column `a`) is named `b`. DataFusion names a field access
//! `a[b]`, so a later `SELECT b FROM (…)` would not find it. Names that would then
//! collide are left alone.

use std::collections::HashMap;

use sqlparser::ast::{Expr, SelectItem, SetExpr};

/// Names the unaliased `a.b` items of every SELECT in `body` after their last part.
pub fn name_dereferences(body: &mut SetExpr) {
    match body {
        // Under DISTINCT an ORDER BY must repeat the selected expression, which an alias
        // would hide from DataFusion.
        SetExpr::Select(select) if select.distinct.is_some() => {}
        SetExpr::Select(select) => {
            // Every output name counts: `SELECT s.a, a` keeps DataFusion's names.
            let mut counts: HashMap<String, usize> = HashMap::new();
            for item in &select.projection {
                if let Some(name) = output_name(item) {
                    *counts.entry(name).or_default() += 1;
                }
            }
            for item in select.projection.iter_mut() {
                let Some(name) = last_part(item) else {
                    continue;
                };
                if counts[&name] == 1
                    && let SelectItem::UnnamedExpr(expr @ Expr::CompoundIdentifier(_)) = item
                {
                    let Expr::CompoundIdentifier(parts) = expr else {
                        continue;
                    };
                    let alias = parts[parts.len() - 1].clone();
                    *item = SelectItem::ExprWithAlias {
                        expr: expr.clone(),
                        alias,
                    };
                }
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            name_dereferences(left);
            name_dereferences(right);
        }
        _ => {}
    }
}

/// The name an item gives its column, where the SQL text decides it.
fn output_name(item: &SelectItem) -> Option<String> {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_lowercase()),
        SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(i.value.to_lowercase()),
        other => last_part(other),
    }
}

fn last_part(item: &SelectItem) -> Option<String> {
    match item {
        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) if parts.len() >= 2 => {
            parts.last().map(|p| p.value.to_lowercase())
        }
        _ => None,
    }
}
