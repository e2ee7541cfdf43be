//! `from_unixtime(seconds)`, `from_unixtime(seconds, zone)` and
//! `from_unixtime(seconds, hours, minutes)`: `timestamp(3) with time zone`.
//!
//! Arrow keeps the zone in the column type, so the zone (or the offset) must be a
//! constant: the result then has Trino's instant, zone and wall clock. A zone that
//! varies by row is refused. Without a zone the result is in `UTC`, the zone the package
//! gives instants (Trino uses the session zone).

use std::sync::Arc;

use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{AsArray, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, internal_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::functions::common::{Want, coerce_args};

/// The function, for [`super::functions`].
pub fn from_unixtime() -> ScalarUDF {
    ScalarUDF::new_from_impl(FromUnixtime {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FromUnixtime {
    signature: Signature,
}

/// The zone named by the constant arguments after the seconds.
fn zone_of(args: &[Option<&ScalarValue>]) -> Result<String> {
    let constant =
        "from_unixtime: the zone must be a constant (a zone that varies by row is not supported)";
    match args {
        [] => Ok("UTC".into()),
        [Some(ScalarValue::Utf8(None))] => Ok("UTC".into()),
        [Some(ScalarValue::Utf8(Some(zone)))] => match zone.parse::<Tz>() {
            Ok(_) => Ok(zone.clone()),
            Err(_) => plan_err!("from_unixtime: unknown time zone '{zone}'"),
        },
        [Some(h), Some(m)] => {
            let (ScalarValue::Int64(Some(h)), ScalarValue::Int64(Some(m))) = (h, m) else {
                return Ok("UTC".into());
            };
            let minutes = h * 60 + m;
            if minutes.abs() > 14 * 60 {
                return plan_err!("from_unixtime: invalid offset {h}:{m}");
            }
            let sign = if minutes < 0 { '-' } else { '+' };
            Ok(format!(
                "{sign}{:02}:{:02}",
                minutes.abs() / 60,
                minutes.abs() % 60
            ))
        }
        _ => plan_err!("{constant}"),
    }
}

impl ScalarUDFImpl for FromUnixtime {
    fn name(&self) -> &str {
        "from_unixtime"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_args(
            self.name(),
            types,
            &[
                &[Want::Float],
                &[Want::Float, Want::Str],
                &[Want::Float, Want::Int, Want::Int],
            ],
        )
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        internal_err!("from_unixtime: the return type depends on the zone argument")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let zone = zone_of(&args.scalar_arguments[1..])?;
        let t = DataType::Timestamp(TimeUnit::Millisecond, Some(zone.into()));
        Ok(Arc::new(Field::new(self.name(), t, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Timestamp(_, Some(zone)) = args.return_type() else {
            return internal_err!("from_unixtime: unexpected return type");
        };
        let zone = Arc::clone(zone);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let seconds = arrays[0].as_primitive::<Float64Type>();
        let nulls: Vec<bool> = (0..seconds.len())
            .map(|r| arrays.iter().all(|a| a.is_valid(r)))
            .collect();
        let out: TimestampMillisecondArray = seconds
            .iter()
            .zip(nulls)
            .map(|(s, ok)| s.filter(|_| ok).map(|s| (s * 1000.0).round() as i64))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out.with_timezone(zone))))
    }
}
