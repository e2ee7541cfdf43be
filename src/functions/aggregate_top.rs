//! `max_by(x, y, n)` and `min_by(x, y, n)`: the values of `x` of the `n` rows with the
//! largest (smallest) `y`, ordered by `y` descending (ascending). Rows whose `y` is NULL
//! are skipped; `n` must be a positive integer constant. NULL for no rows. Ties are
//! broken arbitrarily, as in Trino.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

/// The largest `n` Trino accepts.
const MAX_N: i64 = 10_000;

/// `max_by`/`min_by` with a count (planned from the 3-argument `max_by`/`min_by`).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TopBy {
    name: &'static str,
    descending: bool,
    signature: Signature,
}

impl TopBy {
    /// The function: descending for `max_by`.
    pub fn udaf(descending: bool) -> AggregateUDF {
        AggregateUDF::new_from_impl(TopBy {
            name: if descending { "max_by" } else { "min_by" },
            descending,
            signature: Signature::any(3, Volatility::Immutable),
        })
    }
}

/// The constant `n` of a call, checked as Trino checks it.
pub fn constant_count(name: &str, args: &AccumulatorArgs, at: usize) -> Result<usize> {
    let value = args
        .exprs
        .get(at)
        .and_then(|e| e.downcast_ref::<Literal>())
        .map(|l| l.value().clone());
    let n = match value.map(|v| v.cast_to(&DataType::Int64)) {
        Some(Ok(ScalarValue::Int64(Some(n)))) => n,
        _ => return plan_err!("{name}: the count must be an integer constant"),
    };
    if !(1..=MAX_N).contains(&n) {
        return plan_err!("{name}: the count must be between 1 and {MAX_N}, got {n}");
    }
    Ok(n as usize)
}

impl AggregateUDFImpl for TopBy {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        Ok(DataType::new_list(types[0].clone(), true))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = |f: &FieldRef| DataType::new_list(f.data_type().clone(), true);
        Ok(vec![
            Arc::new(Field::new("xs", list(&args.input_fields[0]), true)),
            Arc::new(Field::new("ys", list(&args.input_fields[1]), true)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(TopAccumulator {
            n: constant_count(self.name, &args, 2)?,
            descending: self.descending,
            x_type: args.expr_fields[0].data_type().clone(),
            y_type: args.expr_fields[1].data_type().clone(),
            rows: Vec::new(),
        }))
    }
}

#[derive(Debug)]
struct TopAccumulator {
    n: usize,
    descending: bool,
    x_type: DataType,
    y_type: DataType,
    /// `(y, x)` candidates; pruned to the best `n` when it grows past `2n`.
    rows: Vec<(ScalarValue, ScalarValue)>,
}

impl TopAccumulator {
    fn order(&self, a: &ScalarValue, b: &ScalarValue) -> Ordering {
        let o = a.partial_cmp(b).unwrap_or(Ordering::Equal);
        if self.descending { o.reverse() } else { o }
    }

    fn prune(&mut self) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_by(|a, b| self.order(&a.0, &b.0));
        rows.truncate(self.n);
        self.rows = rows;
    }

    fn add(&mut self, xs: &dyn Array, ys: &dyn Array) -> Result<()> {
        for row in (0..ys.len()).filter(|r| ys.is_valid(*r)) {
            let y = ScalarValue::try_from_array(ys, row)?;
            self.rows.push((y, ScalarValue::try_from_array(xs, row)?));
            if self.rows.len() > 2 * self.n {
                self.prune();
            }
        }
        Ok(())
    }
}

impl Accumulator for TopAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add(values[0].as_ref(), values[1].as_ref())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (xs, ys) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in (0..xs.len()).filter(|r| xs.is_valid(*r)) {
            self.add(xs.value(row).as_ref(), ys.value(row).as_ref())?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.prune();
        let xs: Vec<ScalarValue> = self.rows.iter().map(|r| r.1.clone()).collect();
        let ys: Vec<ScalarValue> = self.rows.iter().map(|r| r.0.clone()).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&xs, &self.x_type)),
            ScalarValue::List(ScalarValue::new_list_nullable(&ys, &self.y_type)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.rows.is_empty() {
            return ScalarValue::try_new_null(&DataType::new_list(self.x_type.clone(), true));
        }
        self.prune();
        let xs: Vec<ScalarValue> = self.rows.iter().map(|r| r.1.clone()).collect();
        Ok(ScalarValue::List(ScalarValue::new_list_nullable(
            &xs,
            &self.x_type,
        )))
    }

    fn size(&self) -> usize {
        let rows: usize = self.rows.iter().map(|(y, x)| y.size() + x.size()).sum();
        size_of_val(self) + rows
    }
}
