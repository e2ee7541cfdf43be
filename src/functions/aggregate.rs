//! Trino's aggregate functions: renamed DataFusion aggregates (`arbitrary`, `every`,
//! `variance`, `approx_percentile`) and aggregates planned as DataFusion ones:
//! `count_if(c)` → `count(CASE WHEN c THEN 1 END)`, `max_by(x, y)` →
//! `first_value(x ORDER BY y DESC) FILTER (WHERE y IS NOT NULL)`, `set_agg(x)` →
//! `array_agg(DISTINCT x)`, `approx_percentile(x, p)` → `approx_percentile_cont` (an
//! array of percentages goes to [`super::aggregate_approx`]), `max_by(x, y, n)` →
//! [`super::aggregate_top`]. `map_agg` and `histogram` are in [`super::aggregate_map`];
//! `approx_distinct` returns `bigint` ([`super::aggregate_approx`]).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::functions_aggregate as agg;
use datafusion::logical_expr::expr::{AggregateFunction, Sort};
use datafusion::logical_expr::function::{AccumulatorArgs, AggregateFunctionSimplification};
use datafusion::logical_expr::simplify::SimplifyContext;

use super::aggregate_approx::{ApproxDistinct, ApproxPercentiles};
use super::aggregate_map::MapAggregate;
use super::aggregate_top::TopBy;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility, lit, when,
};

/// The aggregate functions, for [`super::register_all`].
pub fn functions() -> Vec<AggregateUDF> {
    let renamed =
        |udaf: Arc<AggregateUDF>, alias: &'static str| udaf.as_ref().clone().with_aliases([alias]);
    vec![
        renamed(agg::any_value::any_value_udaf(), "arbitrary"),
        renamed(agg::bool_and_or::bool_and_udaf(), "every"),
        renamed(agg::variance::var_samp_udaf(), "variance"),
        RewriteAggregate::udaf("approx_percentile", ret_percentile, approx_percentile),
        RewriteAggregate::udaf("count_if", ret_count, count_if),
        RewriteAggregate::udaf("max_by", ret_first, max_by),
        RewriteAggregate::udaf("min_by", ret_first, min_by),
        RewriteAggregate::udaf("set_agg", ret_list, set_agg),
        MapAggregate::map_agg(),
        MapAggregate::histogram(),
        ApproxDistinct::udaf(),
    ]
}

type Rewriter = fn(AggregateFunction, &SimplifyContext) -> Result<Expr>;

/// An aggregate that exists only until the simplifier rewrites it.
#[derive(Debug)]
struct RewriteAggregate {
    name: &'static str,
    signature: Signature,
    return_type: fn(&[DataType]) -> Result<DataType>,
    rewrite: Rewriter,
}

impl PartialEq for RewriteAggregate {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RewriteAggregate {}

impl Hash for RewriteAggregate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl RewriteAggregate {
    fn udaf(
        name: &'static str,
        return_type: fn(&[DataType]) -> Result<DataType>,
        rewrite: Rewriter,
    ) -> AggregateUDF {
        AggregateUDF::new_from_impl(RewriteAggregate {
            name,
            signature: Signature::variadic_any(Volatility::Immutable),
            return_type,
            rewrite,
        })
    }
}

impl AggregateUDFImpl for RewriteAggregate {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        (self.return_type)(types)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        exec_err!(
            "{} is rewritten by the optimizer and cannot run on its own",
            self.name
        )
    }

    fn simplify(&self) -> Option<AggregateFunctionSimplification> {
        let rewrite = self.rewrite;
        Some(Box::new(rewrite))
    }
}

fn ret_count(types: &[DataType]) -> Result<DataType> {
    match types {
        [DataType::Boolean | DataType::Null] => Ok(DataType::Int64),
        _ => plan_err!("count_if takes one boolean, got {types:?}"),
    }
}

fn ret_first(types: &[DataType]) -> Result<DataType> {
    match types {
        [x, _] => Ok(x.clone()),
        [x, _, n] if n.is_integer() => Ok(DataType::new_list(x.clone(), true)),
        _ => plan_err!("max_by and min_by take (x, y) or (x, y, n), got {types:?}"),
    }
}

/// `approx_percentile(x, p)` returns a double (a real for real `x`), as DataFusion's
/// `approx_percentile_cont`; with an array of percentages, an array of doubles.
fn ret_percentile(types: &[DataType]) -> Result<DataType> {
    match types {
        [
            x,
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..),
        ] if x.is_numeric() => Ok(DataType::new_list(DataType::Float64, true)),
        [x @ (DataType::Float16 | DataType::Float32), _] => Ok(x.clone()),
        [x, p] if x.is_numeric() && p.is_numeric() => Ok(DataType::Float64),
        _ => plan_err!(
            "approx_percentile takes a number and a percentage or an array of percentages (the weighted form is not supported), got {types:?}"
        ),
    }
}

fn ret_list(types: &[DataType]) -> Result<DataType> {
    match types {
        [x] => Ok(DataType::List(Arc::new(
            datafusion::arrow::datatypes::Field::new_list_field(x.clone(), true),
        ))),
        _ => plan_err!("set_agg takes one argument"),
    }
}

fn aggregate(
    udaf: Arc<AggregateUDF>,
    f: AggregateFunction,
    args: Vec<Expr>,
    distinct: bool,
    extra_filter: Option<Expr>,
    order_by: Vec<Sort>,
) -> Expr {
    let filter = match (f.params.filter.map(|b| *b), extra_filter) {
        (Some(a), Some(b)) => Some(a.and(b)),
        (a, b) => a.or(b),
    };
    Expr::AggregateFunction(AggregateFunction::new_udf(
        udaf,
        args,
        distinct || f.params.distinct,
        filter.map(Box::new),
        order_by,
        f.params.null_treatment,
    ))
}

fn count_if(f: AggregateFunction, _: &SimplifyContext) -> Result<Expr> {
    let condition = f.params.args[0].clone();
    let ones = when(condition, lit(1i64)).end()?;
    Ok(aggregate(
        agg::count::count_udaf(),
        f,
        vec![ones],
        false,
        None,
        vec![],
    ))
}

fn by(f: AggregateFunction, descending: bool) -> Result<Expr> {
    if f.params.args.len() == 3 {
        let args = f.params.args.clone();
        let top = Arc::new(TopBy::udaf(descending));
        return Ok(aggregate(top, f, args, false, None, vec![]));
    }
    let (x, y) = (f.params.args[0].clone(), f.params.args[1].clone());
    let order = vec![y.clone().sort(!descending, false)];
    Ok(aggregate(
        agg::first_last::first_value_udaf(),
        f,
        vec![x],
        false,
        Some(y.is_not_null()),
        order,
    ))
}

fn max_by(f: AggregateFunction, _: &SimplifyContext) -> Result<Expr> {
    by(f, true)
}

fn min_by(f: AggregateFunction, _: &SimplifyContext) -> Result<Expr> {
    by(f, false)
}

fn set_agg(f: AggregateFunction, _: &SimplifyContext) -> Result<Expr> {
    let x = f.params.args[0].clone();
    Ok(aggregate(
        agg::array_agg::array_agg_udaf(),
        f,
        vec![x],
        true,
        None,
        vec![],
    ))
}

/// `approx_percentile(x, p)` is DataFusion's `approx_percentile_cont`; with an array of
/// percentages it is [`ApproxPercentiles`].
fn approx_percentile(f: AggregateFunction, info: &SimplifyContext) -> Result<Expr> {
    let args = f.params.args.clone();
    let udaf = match args.get(1).map(|p| info.get_data_type(p)).transpose()? {
        Some(DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) => {
            Arc::new(ApproxPercentiles::udaf())
        }
        _ => agg::approx_percentile_cont::approx_percentile_cont_udaf(),
    };
    Ok(aggregate(udaf, f, args, false, None, vec![]))
}
