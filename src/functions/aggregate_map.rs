//! Map aggregates: `map_agg(key, value)` and `histogram(x)`.
//!
//! `map_agg` skips rows whose key is NULL and keeps the first value seen for a key
//! (Trino keeps an arbitrary one; which row is first depends on the plan's partitioning).
//! `histogram` counts the non-NULL values (as `bigint`). Both return NULL for no input
//! rows (or only NULL keys). The entries are ordered by key: Trino's map order is
//! unspecified, and a fixed order makes results reproducible.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use super::lambda::map::{build_map, map_type};

/// Which map aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    MapAgg,
    Histogram,
}

/// `map_agg` and `histogram`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MapAggregate {
    kind: Kind,
    signature: Signature,
}

impl MapAggregate {
    /// `map_agg(key, value)`.
    pub fn map_agg() -> AggregateUDF {
        Self::udaf(Kind::MapAgg)
    }

    /// `histogram(x)`.
    pub fn histogram() -> AggregateUDF {
        Self::udaf(Kind::Histogram)
    }

    fn udaf(kind: Kind) -> AggregateUDF {
        let arity = match kind {
            Kind::MapAgg => 2,
            Kind::Histogram => 1,
        };
        AggregateUDF::new_from_impl(MapAggregate {
            kind,
            signature: Signature::any(arity, Volatility::Immutable),
        })
    }

    /// The key and value types for the argument types.
    fn key_value(&self, types: &[DataType]) -> Result<(DataType, DataType)> {
        match (self.kind, types) {
            (Kind::MapAgg, [k, v]) => Ok((k.clone(), v.clone())),
            (Kind::Histogram, [x]) => Ok((x.clone(), DataType::Int64)),
            _ => plan_err!("{}: unexpected arguments {types:?}", self.name()),
        }
    }
}

impl AggregateUDFImpl for MapAggregate {
    fn name(&self) -> &str {
        match self.kind {
            Kind::MapAgg => "map_agg",
            Kind::Histogram => "histogram",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        let (k, v) = self.key_value(types)?;
        Ok(map_type(&k, &v))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let types: Vec<DataType> = args
            .input_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let (k, v) = self.key_value(&types)?;
        Ok(vec![
            Arc::new(Field::new("keys", DataType::new_list(k, true), true)),
            Arc::new(Field::new("values", DataType::new_list(v, true), true)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let types: Vec<DataType> = args
            .expr_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let (key_type, value_type) = self.key_value(&types)?;
        Ok(Box::new(MapAccumulator {
            kind: self.kind,
            key_type,
            value_type,
            return_type: args.return_type().clone(),
            index: HashMap::new(),
            entries: Vec::new(),
        }))
    }
}

#[derive(Debug)]
struct MapAccumulator {
    kind: Kind,
    key_type: DataType,
    value_type: DataType,
    return_type: DataType,
    index: HashMap<ScalarValue, usize>,
    entries: Vec<(ScalarValue, ScalarValue)>,
}

impl MapAccumulator {
    /// Adds one entry: a new key is inserted; a known key keeps its value (`map_agg`)
    /// or adds the count (`histogram`).
    fn add(&mut self, key: ScalarValue, value: ScalarValue) {
        if key.is_null() {
            return;
        }
        match self.index.get(&key) {
            Some(&i) => {
                if let (Kind::Histogram, ScalarValue::Int64(Some(n))) = (self.kind, &value)
                    && let ScalarValue::Int64(Some(total)) = &mut self.entries[i].1
                {
                    *total += n;
                }
            }
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    fn add_arrays(&mut self, keys: &ArrayRef, values: Option<&ArrayRef>) -> Result<()> {
        for row in 0..keys.len() {
            let value = match values {
                Some(v) => ScalarValue::try_from_array(v, row)?,
                None => ScalarValue::Int64(Some(1)),
            };
            self.add(ScalarValue::try_from_array(keys, row)?, value);
        }
        Ok(())
    }
}

impl Accumulator for MapAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add_arrays(&values[0], values.get(1))
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (keys, values) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in (0..keys.len()).filter(|r| keys.is_valid(*r)) {
            let (k, v) = (keys.value(row), values.value(row));
            for i in 0..k.len() {
                let value = ScalarValue::try_from_array(&v, i)?;
                self.add(ScalarValue::try_from_array(&k, i)?, value);
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let keys: Vec<ScalarValue> = self.entries.iter().map(|e| e.0.clone()).collect();
        let values: Vec<ScalarValue> = self.entries.iter().map(|e| e.1.clone()).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&keys, &self.key_type)),
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &self.value_type)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.entries.is_empty() {
            return ScalarValue::try_new_null(&self.return_type);
        }
        let mut entries = self.entries.clone();
        entries.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        let (keys, values): (Vec<_>, Vec<_>) = entries.into_iter().unzip();
        let n = keys.len();
        let keys = ScalarValue::iter_to_array(keys)?;
        let values = ScalarValue::iter_to_array(values)?;
        let map = build_map(
            &self.return_type,
            OffsetBuffer::from_lengths([n]),
            keys,
            values,
            None,
        )?;
        ScalarValue::try_from_array(&map, 0)
    }

    fn size(&self) -> usize {
        let entries: usize = self
            .entries
            .iter()
            .map(|(k, v)| 2 * (k.size() + v.size()))
            .sum();
        size_of_val(self) + entries
    }
}
