//! Trino's (Athena's) function library as DataFusion functions.
//!
//! Athena's SQL is Trino's: users call `date_format(ts, '%Y-%m-%d')`,
//! `json_extract_scalar`, `element_at(array, -1)`, `split_part`, and expect Trino's
//! results and NULL handling. DataFusion has functions of several of these names with
//! other semantics (its `date_format` takes chrono patterns, its `contains` is a string
//! function), so [`register_all`] registers lakesql's versions over them.
//!
//! One module per area, as in DataFusion's `datafusion-spark`: [`datetime`], [`json`],
//! [`string`], [`regexp`], [`url`], [`binary`], [`array`], [`map`], [`aggregate`],
//! [`misc`]. Most scalar functions share [`common::RowFunction`]: a coercion rule, a
//! return-type rule and a row kernel. Where lakesql cannot match Trino (a Java regex
//! construct, a Joda pattern letter), the function fails with an error naming the
//! construct instead of answering differently.

pub mod binary;
pub mod common;
pub mod datetime;
pub mod json;
pub mod misc;
pub mod regexp;
pub mod string;
pub mod url;

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
        misc::functions(),
    ];
    for udf in scalars.into_iter().flatten() {
        ctx.register_udf(udf);
    }
    Ok(())
}
