//! Map constructors: `map_from_entries(array(row(k, v)))` (a NULL entry or key, or a
//! duplicate key, is an error, as in Trino) and `map_concat(m1, m2, …)` (the union; a key
//! in several maps takes its value from the last one; NULL when any map is NULL).
//! `map`, `map_keys`, `map_values` and `map_entries` are DataFusion's.

use std::collections::HashMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, MapArray, StructArray};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::interleave;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::ScalarUDF;

use super::common::{RowFunction, invalid};
use super::lambda::Elements;
use super::lambda::map::{build_map, map_type};

/// The map functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf(
            "map_from_entries",
            &[],
            coerce_entries,
            ret_entries,
            map_from_entries,
        ),
        RowFunction::udf("map_concat", &[], coerce_maps, ret_first, map_concat),
    ]
}

fn entry_types(t: &DataType) -> Option<(&DataType, &DataType)> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            match f.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {
                    Some((kv[0].data_type(), kv[1].data_type()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn coerce_entries(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)]
            if entry_types(&types[0]).is_some() =>
        {
            Ok(vec![DataType::List(f.clone())])
        }
        _ => plan_err!("{name} takes an array of rows (key, value), got {types:?}"),
    }
}

fn ret_entries(types: &[DataType]) -> Result<DataType> {
    match entry_types(&types[0]) {
        Some((k, v)) => Ok(map_type(k, v)),
        None => plan_err!("map_from_entries takes an array of rows (key, value)"),
    }
}

fn coerce_maps(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    let Some(first) = types.iter().find(|t| matches!(t, DataType::Map(..))) else {
        return plan_err!("{name} takes two or more maps, got {types:?}");
    };
    if types.len() < 2 || types.iter().any(|t| t != first && !t.is_null()) {
        return plan_err!("{name} takes two or more maps of the same type, got {types:?}");
    }
    Ok(vec![first.clone(); types.len()])
}

fn ret_first(types: &[DataType]) -> Result<DataType> {
    Ok(types[0].clone())
}

fn key_rows(keys: &ArrayRef) -> Result<Rows> {
    let converter = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
    Ok(converter.convert_columns(std::slice::from_ref(keys))?)
}

/// `map_from_entries(array(row(k, v)))`.
fn map_from_entries(args: &[ArrayRef], return_type: &DataType) -> Result<ArrayRef> {
    let name = "map_from_entries";
    let list = args[0].as_list::<i32>();
    let elements = Elements::new(list.value_offsets(), list.nulls())?;
    let entries = elements.gather(list.values().as_ref())?;
    let entries: &StructArray = entries.as_struct();
    if entries.null_count() > 0 {
        return invalid(name, "map entry cannot be null");
    }
    let (keys, values) = (entries.column(0), entries.column(1));
    if keys.logical_null_count() > 0 {
        return invalid(name, "map key cannot be null");
    }
    let rows = key_rows(keys)?;
    for w in elements.offsets.windows(2) {
        let mut seen = std::collections::HashSet::new();
        for i in w[0] as usize..w[1] as usize {
            if !seen.insert(rows.row(i)) {
                let key = ScalarValue::try_from_array(keys, i)?;
                return invalid(name, format!("duplicate map keys ({key}) are not allowed"));
            }
        }
    }
    build_map(
        return_type,
        elements.offsets,
        keys.clone(),
        values.clone(),
        elements.nulls,
    )
}

/// `map_concat(m1, m2, …)`: per row, the entries in order of first appearance, each with
/// the value of the last map that has its key.
fn map_concat(args: &[ArrayRef], return_type: &DataType) -> Result<ArrayRef> {
    let maps: Vec<&MapArray> = args.iter().map(|a| a.as_map()).collect();
    let keys: Vec<ArrayRef> = maps.iter().map(|m| m.keys().clone()).collect();
    let converter = RowConverter::new(vec![SortField::new(keys[0].data_type().clone())])?;
    let rows = keys
        .iter()
        .map(|k| converter.convert_columns(std::slice::from_ref(k)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let n = args[0].len();
    let mut picks: Vec<(usize, usize)> = Vec::new();
    let mut lengths = Vec::with_capacity(n);
    let mut valid = Vec::with_capacity(n);
    for row in 0..n {
        let ok = maps.iter().all(|m| m.is_valid(row));
        valid.push(ok);
        let start = picks.len();
        let mut at = HashMap::new();
        for (m, map) in maps.iter().enumerate().filter(|_| ok) {
            let offsets = map.value_offsets();
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                match at.get(&rows[m].row(i)) {
                    Some(&p) => picks[p] = (m, i),
                    None => {
                        at.insert(rows[m].row(i), picks.len());
                        picks.push((m, i));
                    }
                }
            }
        }
        lengths.push(picks.len() - start);
    }
    let values: Vec<ArrayRef> = maps.iter().map(|m| m.values().clone()).collect();
    let key_refs: Vec<&dyn Array> = keys.iter().map(|k| k.as_ref()).collect();
    let value_refs: Vec<&dyn Array> = values.iter().map(|v| v.as_ref()).collect();
    build_map(
        return_type,
        OffsetBuffer::from_lengths(lengths),
        interleave(&key_refs, &picks)?,
        interleave(&value_refs, &picks)?,
        Some(NullBuffer::from(valid)),
    )
}
