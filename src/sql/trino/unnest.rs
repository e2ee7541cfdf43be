//! `CROSS JOIN UNNEST(…) AS t(x)` and its forms, which DataFusion 55 cannot plan (its
//! lateral UNNEST fails on the outer reference).
//!
//! `FROM r CROSS JOIN UNNEST(a, b) WITH ORDINALITY AS u(x, y, n)` becomes
//! `FROM (SELECT r.*, unnest(a) AS x, unnest(b) AS y, unnest(generate_series(1,
//! greatest(cardinality(a), cardinality(b)))) AS n FROM r) AS r`, and every `u.col`
//! reference becomes `r.col`. DataFusion's `unnest` in a projection has Trino's
//! semantics: several arrays are zipped, the shorter padded with NULL, and a row whose
//! arrays are all empty or NULL yields nothing. `LEFT JOIN UNNEST(…) … ON true` keeps such
//! a row, with NULLs. One argument with two column names is a map (keys, values), as in
//! Trino. The left side must be one table or subquery (each UNNEST is rewritten in turn,
//! so several UNNESTs chain).

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, Join, JoinConstraint, JoinOperator, Query, Select, SetExpr, TableAlias,
    TableFactor, TableWithJoins, Value, visit_expressions_mut,
};
use sqlparser::parser::Parser;

use crate::error::{LakeError, Result};
use crate::sql::parser::DIALECT;

/// Where an UNNEST alias went: the relation it was folded into, and its columns.
#[derive(Clone)]
pub struct Renamed {
    relation: Ident,
    columns: Vec<String>,
}

/// Rewrites the UNNEST joins of every SELECT in `query`'s body.
pub fn rewrite_query(query: &mut Query) -> Result<()> {
    let mut renames = HashMap::new();
    rewrite_set_expr(&mut query.body, &mut renames)?;
    if !renames.is_empty() {
        rename_qualifiers(&mut query.order_by, &renames);
    }
    Ok(())
}

fn rewrite_set_expr(body: &mut SetExpr, renames: &mut HashMap<String, Renamed>) -> Result<()> {
    match body {
        SetExpr::Select(select) => rewrite_select(select, renames),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left, renames)?;
            rewrite_set_expr(right, renames)
        }
        _ => Ok(()),
    }
}

fn is_unnest(factor: &TableFactor) -> bool {
    matches!(factor, TableFactor::UNNEST { .. })
}

fn rewrite_select(select: &mut Select, renames: &mut HashMap<String, Renamed>) -> Result<()> {
    let any = select
        .from
        .iter()
        .any(|t| is_unnest(&t.relation) || t.joins.iter().any(|j| is_unnest(&j.relation)));
    if !any {
        return Ok(());
    }
    // `FROM r, UNNEST(…)` is `FROM r CROSS JOIN UNNEST(…)`.
    let mut from: Vec<TableWithJoins> = Vec::new();
    for twj in std::mem::take(&mut select.from) {
        match from.last_mut() {
            Some(last) if is_unnest(&twj.relation) && twj.joins.is_empty() => {
                last.joins.push(Join {
                    relation: twj.relation,
                    global: false,
                    join_operator: JoinOperator::CrossJoin(JoinConstraint::None),
                })
            }
            _ => from.push(twj),
        }
    }
    for twj in from.iter_mut() {
        rewrite_joins(twj, renames)?;
    }
    select.from = from;
    rename_qualifiers(select, renames);
    Ok(())
}

fn rewrite_joins(twj: &mut TableWithJoins, renames: &mut HashMap<String, Renamed>) -> Result<()> {
    // `FROM UNNEST(ARRAY[…]) AS t(x)` references nothing outside: DataFusion plans it.
    if is_unnest(&twj.relation) {
        return Ok(());
    }
    for join in std::mem::take(&mut twj.joins) {
        if !is_unnest(&join.relation) {
            twj.joins.push(join);
            continue;
        }
        if !twj.joins.is_empty() {
            return Err(unsupported(
                "UNNEST after a join of several tables; join them in a subquery first \
                 (FROM (SELECT … FROM a JOIN b ON …) AS r CROSS JOIN UNNEST(…))",
            ));
        }
        let keep_empty = left_join_on_true(&join.join_operator)?;
        let relation = std::mem::replace(
            &mut twj.relation,
            TableFactor::UNNEST {
                alias: None,
                array_exprs: vec![],
                with_offset: false,
                with_offset_alias: None,
                with_ordinality: false,
            },
        );
        twj.relation = unnest_relation(relation, join.relation, keep_empty, renames)?;
    }
    Ok(())
}

/// Whether the join keeps rows whose arrays are empty (`LEFT JOIN UNNEST … ON true`);
/// an error for joins Trino does not allow with UNNEST.
fn left_join_on_true(op: &JoinOperator) -> Result<bool> {
    let on_true = |c: &JoinConstraint| match c {
        JoinConstraint::On(Expr::Value(v)) => v.value == Value::Boolean(true),
        _ => false,
    };
    match op {
        JoinOperator::CrossJoin(JoinConstraint::None) => Ok(false),
        JoinOperator::Join(c) | JoinOperator::Inner(c) if on_true(c) => Ok(false),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) if on_true(c) => Ok(true),
        _ => Err(unsupported(
            "this join with UNNEST; use CROSS JOIN UNNEST(…) or LEFT JOIN UNNEST(…) ON true",
        )),
    }
}

/// The name the left relation is referred to by.
fn relation_name(factor: &TableFactor) -> Result<Ident> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Ok(a.name.clone())
        }
        TableFactor::Table { name, .. } => name
            .0
            .last()
            .and_then(|p| p.as_ident().cloned())
            .ok_or_else(|| unsupported("UNNEST after this table name")),
        _ => Err(unsupported(
            "UNNEST after this kind of relation; give the subquery an alias",
        )),
    }
}

fn unnest_relation(
    left: TableFactor,
    unnest: TableFactor,
    keep_empty: bool,
    renames: &mut HashMap<String, Renamed>,
) -> Result<TableFactor> {
    let TableFactor::UNNEST {
        alias,
        mut array_exprs,
        with_offset,
        with_ordinality,
        ..
    } = unnest
    else {
        return Err(LakeError::internal("unnest_relation called without UNNEST"));
    };
    if with_offset {
        return Err(unsupported("UNNEST … WITH OFFSET (use WITH ORDINALITY)"));
    }
    for e in array_exprs.iter_mut() {
        rename_qualifiers(e, renames);
    }
    let name = relation_name(&left)?;
    let columns: Vec<Ident> = alias
        .as_ref()
        .map(|a| a.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    let items = unnest_items(&array_exprs, &columns, with_ordinality, keep_empty)?;
    let sql = format!("SELECT {name}.*, {} FROM {left}", items.join(", "));
    let mut subquery = Parser::new(&DIALECT)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| LakeError::internal(format!("rewriting UNNEST into `{sql}`: {e}")))?;
    super::rewrite_exprs(&mut subquery);
    if let Some(a) = &alias {
        let columns = columns.iter().map(|c| c.value.to_lowercase()).collect();
        let renamed = Renamed {
            relation: name.clone(),
            columns,
        };
        renames.insert(a.name.value.to_lowercase(), renamed);
    }
    Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(TableAlias {
            explicit: true,
            name,
            columns: vec![],
            at: None,
        }),
        sample: None,
    })
}

/// The projection items that unnest `args` into `columns`.
fn unnest_items(
    args: &[Expr],
    columns: &[Ident],
    ordinality: bool,
    keep_empty: bool,
) -> Result<Vec<String>> {
    let values = columns.len() - usize::from(ordinality && !columns.is_empty());
    // One argument read into two columns is a map: keys and values.
    let lists: Vec<String> = if args.len() == 1 && values == 2 {
        vec![
            format!("map_keys({})", args[0]),
            format!("map_values({})", args[0]),
        ]
    } else {
        args.iter().map(|a| a.to_string()).collect()
    };
    if !columns.is_empty() && values != lists.len() {
        return Err(unsupported(&format!(
            "UNNEST of {} value(s) into {} column name(s)",
            args.len(),
            columns.len()
        )));
    }
    let column = |i: usize| match columns.get(i) {
        Some(c) => c.to_string(),
        None => format!("_col{i}"),
    };
    let wrap = |list: &str| match keep_empty {
        true => format!(
            "unnest(CASE WHEN cardinality({list}) > 0 THEN {list} ELSE make_array(NULL) END)"
        ),
        false => format!("unnest({list})"),
    };
    let mut items: Vec<String> = lists
        .iter()
        .enumerate()
        .map(|(i, list)| format!("{} AS {}", wrap(list), column(i)))
        .collect();
    if ordinality {
        let lengths: Vec<String> = lists.iter().map(|l| format!("cardinality({l})")).collect();
        let longest = match lengths.len() {
            1 => lengths[0].clone(),
            _ => format!("greatest({})", lengths.join(", ")),
        };
        let series = format!("generate_series(1, {longest})");
        items.push(format!("{} AS {}", wrap(&series), column(lists.len())));
    }
    Ok(items)
}

/// Replaces the qualifier `u` of `u.col` by the relation the UNNEST was folded into, when
/// `col` is one of its columns (`t.field` where `t` is also an unnest column stays a
/// field access, as Trino resolves it).
fn rename_qualifiers<V: sqlparser::ast::VisitMut>(
    node: &mut V,
    renames: &HashMap<String, Renamed>,
) {
    let _ = visit_expressions_mut(node, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && let Some(to) = renames.get(&parts[0].value.to_lowercase())
            && to.columns.contains(&parts[1].value.to_lowercase())
        {
            parts[0] = to.relation.clone();
        }
        ControlFlow::<()>::Continue(())
    });
}

fn unsupported(what: &str) -> LakeError {
    LakeError::unsupported(format!("{what} is not supported"))
}
