//! Trino's aggregate functions: renamed DataFusion aggregates (`arbitrary`, `every`,
//! `variance`, `approx_percentile`) and aggregates planned as DataFusion ones:
//! `count_if(c)` → `count(CASE WHEN c THEN 1 END)`, `max_by(x, y)` →
//! `first_value(x ORDER BY y DESC) FILTER (WHERE y IS NOT NULL)`, `set_agg(x)` →
//! `array_agg(DISTINCT x)`.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::functions_aggregate as agg;
use datafusion::logical_expr::expr::{AggregateFunction, Sort};
use datafusion::logical_expr::function::{AccumulatorArgs, AggregateFunctionSimplification};
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
        renamed(
            agg::approx_percentile_cont::approx_percentile_cont_udaf(),
            "approx_percentile",
        ),
        RewriteAggregate::udaf("count_if", ret_count, count_if),
        RewriteAggregate::udaf("max_by", ret_first, max_by),
        RewriteAggregate::udaf("min_by", ret_first, min_by),
        RewriteAggregate::udaf("set_agg", ret_list, set_agg),
    ]
}

type Rewriter = fn(AggregateFunction) -> Result<Expr>;

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
        Some(Box::new(move |f, _| rewrite(f)))
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
        _ => plan_err!(
            "max_by and min_by take two arguments (the 3-argument form is not supported), got {}",
            types.len()
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

fn count_if(f: AggregateFunction) -> Result<Expr> {
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

fn max_by(f: AggregateFunction) -> Result<Expr> {
    by(f, true)
}

fn min_by(f: AggregateFunction) -> Result<Expr> {
    by(f, false)
}

fn set_agg(f: AggregateFunction) -> Result<Expr> {
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
