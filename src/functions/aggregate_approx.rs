//! Approximate aggregates with Trino's types: `approx_distinct` returning `bigint`
//! (DataFusion's returns an unsigned integer) and `approx_percentile(x, ARRAY[p, …])`
//! returning an array of the estimates, read from one t-digest.

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::functions_aggregate::approx_percentile_cont::ApproxPercentileAccumulator;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

/// `approx_distinct(x)` as `bigint`: DataFusion's estimate, cast.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ApproxDistinct {
    inner: Arc<AggregateUDF>,
}

impl ApproxDistinct {
    /// The function.
    pub fn udaf() -> AggregateUDF {
        AggregateUDF::new_from_impl(ApproxDistinct {
            inner: datafusion::functions_aggregate::approx_distinct::approx_distinct_udaf(),
        })
    }
}

impl AggregateUDFImpl for ApproxDistinct {
    fn name(&self) -> &str {
        "approx_distinct"
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(types)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(args)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ToBigint(self.inner.accumulator(args)?)))
    }
}

/// An accumulator whose result is cast to `Int64`.
#[derive(Debug)]
struct ToBigint(Box<dyn Accumulator>);

impl Accumulator for ToBigint {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.update_batch(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.0.merge_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.0.evaluate()?.cast_to(&DataType::Int64)
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

/// `approx_percentile(x, ARRAY[p1, p2, …])`: an array of doubles, one estimate per
/// percentage, from DataFusion's t-digest (the one `approx_percentile(x, p)` uses).
/// The percentages must be a constant array of values between 0 and 1.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ApproxPercentiles {
    signature: Signature,
}

impl ApproxPercentiles {
    /// The function (planned from `approx_percentile` when `p` is an array).
    pub fn udaf() -> AggregateUDF {
        AggregateUDF::new_from_impl(ApproxPercentiles {
            signature: Signature::any(2, Volatility::Immutable),
        })
    }
}

/// The constant percentages of a call.
fn percentages(args: &AccumulatorArgs) -> Result<Vec<f64>> {
    let value = args.exprs[1]
        .downcast_ref::<Literal>()
        .map(|l| l.value().clone());
    let Some(ScalarValue::List(list)) = value else {
        return plan_err!("approx_percentile: the percentages must be a constant array");
    };
    let values = datafusion::arrow::compute::cast(list.values(), &DataType::Float64)?;
    let mut out = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        match ScalarValue::try_from_array(&values, i)? {
            ScalarValue::Float64(Some(p)) if (0.0..=1.0).contains(&p) => out.push(p),
            p => {
                return plan_err!("approx_percentile: percentile must be between 0 and 1, got {p}");
            }
        }
    }
    Ok(out)
}

impl AggregateUDFImpl for ApproxPercentiles {
    fn name(&self) -> &str {
        "approx_percentile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        match types {
            [x, p] if x.is_numeric() || x.is_null() => Ok(vec![DataType::Float64, p.clone()]),
            _ => plan_err!("approx_percentile takes a number and an array of percentages"),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::new_list(DataType::Float64, true))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        datafusion::functions_aggregate::approx_percentile_cont::approx_percentile_cont_udaf()
            .state_fields(args)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Percentiles {
            digest: ApproxPercentileAccumulator::new(0.5, DataType::Float64),
            percentages: percentages(&args)?,
        }))
    }
}

/// Keeps one digest; each percentage is read from a copy merged from its state.
#[derive(Debug)]
struct Percentiles {
    digest: ApproxPercentileAccumulator,
    percentages: Vec<f64>,
}

impl Accumulator for Percentiles {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.digest.update_batch(&values[..1])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.digest.merge_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.digest.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.digest.evaluate()?.is_null() {
            return ScalarValue::try_new_null(&DataType::new_list(DataType::Float64, true));
        }
        let state = self
            .digest
            .state()?
            .iter()
            .map(|s| s.to_array())
            .collect::<Result<Vec<_>>>()?;
        let mut estimates = Vec::with_capacity(self.percentages.len());
        for p in &self.percentages {
            let mut one = ApproxPercentileAccumulator::new(*p, DataType::Float64);
            one.merge_batch(&state)?;
            estimates.push(one.evaluate()?);
        }
        Ok(ScalarValue::List(ScalarValue::new_list_nullable(
            &estimates,
            &DataType::Float64,
        )))
    }

    fn size(&self) -> usize {
        self.digest.size() + 8 * self.percentages.len()
    }
}
