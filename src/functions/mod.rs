//! Trino's (Athena's) function library as DataFusion functions.
//!
//! Athena's SQL is Trino's: users call `date_format(ts, '%Y-%m-%d')`,
//! `json_extract_scalar`, `element_at(array, -1)`, `split_part`, and expect Trino's
//! results and NULL handling. DataFusion has functions of several of these names with
//! other semantics (its `date_format` takes chrono patterns, its `contains` is a string
//! function), so [`register_all`] registers lakesql's versions over them.
//!
//! One module per area, as in DataFusion's `datafusion-spark`: [`datetime`], [`json`],
//! [`string`], [`regexp`], [`url`], [`binary`], [`hash`], [`array`] (arrays and maps),
//! [`lambda`] (higher-order functions), [`map`], [`aggregate`], [`misc`], [`cast`] (casts
//! to nested types and to and from JSON, with [`json_type`] marking JSON values). Most
//! scalar functions share [`common::RowFunction`]: a coercion rule, a return-type rule
//! and a row kernel; functions that DataFusion can
//! already compute once the call is reshaped are [`rewrite::Rewrite`]s, replaced by the
//! optimizer's simplifier. Where lakesql cannot match Trino (a Java regex
//! construct, a Joda pattern letter), the function fails with an error naming the
//! construct instead of answering differently.

pub mod aggregate;
pub mod aggregate_approx;
pub mod aggregate_map;
pub mod aggregate_top;
pub mod array;
pub mod binary;
pub mod cardinality;
pub mod cast;
pub mod common;
pub mod datetime;
pub mod hash;
pub mod json;
pub mod json_type;
pub mod lambda;
pub mod map;
pub mod misc;
pub mod regexp;
pub mod rewrite;
pub mod string;
pub mod url;

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::context::SessionContext;

/// Registers every function of this package on `ctx`, replacing DataFusion's functions
/// of the same names.
pub fn register_all(ctx: &SessionContext) -> Result<()> {
    let scalars = [
        datetime::functions(),
        json::functions(),
        string::functions(),
        regexp::functions(),
        url::functions(),
        binary::functions(),
        hash::functions(),
        misc::functions(),
        array::functions(),
        cast::functions(),
        cardinality::functions(),
        map::functions(),
    ];
    for udf in scalars.into_iter().flatten() {
        ctx.register_udf(udf);
    }
    // Casts of JSON values (json_extract results) read them as JSON, as Trino does.
    let cast = Arc::new(cast::functions().remove(0));
    ctx.add_analyzer_rule(Arc::new(json_type::JsonCasts::new(cast)));
    for udaf in aggregate::functions() {
        ctx.register_udaf(udaf);
    }
    for hof in lambda::functions() {
        ctx.register_higher_order_function(Arc::new(hof));
    }
    Ok(())
}
