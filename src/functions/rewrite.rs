//! Functions planned as other expressions: [`Rewrite`] coerces and types the call like a
//! Trino function, then the optimizer's simplifier replaces it with DataFusion
//! expressions (`element_at(map, k)` → `map_extract(map, k)[1]`).

use std::hash::{Hash, Hasher};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::functions::common::{Coerce, ReturnType};

/// Builds the replacement from the (coerced) arguments and their types.
pub type Rewriter = fn(Vec<Expr>, &[DataType]) -> Result<Expr>;

/// A function that exists only until the simplifier rewrites it.
#[derive(Debug)]
pub struct Rewrite {
    name: &'static str,
    signature: Signature,
    coerce: Coerce,
    return_type: ReturnType,
    rewrite: Rewriter,
}

impl PartialEq for Rewrite {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Rewrite {}

impl Hash for Rewrite {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl Rewrite {
    /// A rewritten function.
    pub fn udf(
        name: &'static str,
        coerce: Coerce,
        return_type: ReturnType,
        rewrite: Rewriter,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(Rewrite {
            name,
            signature: Signature::user_defined(Volatility::Immutable),
            coerce,
            return_type,
            rewrite,
        })
    }
}

impl ScalarUDFImpl for Rewrite {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        (self.coerce)(self.name, types)
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        (self.return_type)(types)
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let types = args
            .iter()
            .map(|a| info.get_data_type(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(ExprSimplifyResult::Simplified((self.rewrite)(
            args, &types,
        )?))
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!(
            "{} is rewritten by the optimizer and cannot run on its own",
            self.name
        )
    }
}
