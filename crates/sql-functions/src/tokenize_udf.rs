//! The SQL function `tokenize`:
//!
//! - `tokenize(text, min_len, boilerplate) -> List<Utf8>`: the terms of `text` by the rules of
//!   [`crate::tokenize`], in order, repeats kept; NULL for a NULL text. `min_len` (an integer) and
//!   `boilerplate` (the boiler-plate words separated by spaces, `''` for none) must be constants,
//!   so every parameter of a query is visible in its text. Use with `unnest` to get one row per
//!   token.

use std::sync::Arc;

use arrow::array::{Array, AsArray, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use crate::tokenize::{Tokenizer, boilerplate_words};

/// `tokenize(text, min_len, boilerplate)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Tokenize {
    signature: Signature,
}

impl Tokenize {
    pub(crate) fn new() -> Self {
        Tokenize { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null)
}

impl ScalarUDFImpl for Tokenize {
    fn name(&self) -> &str {
        "tokenize"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [text, len, words] if is_string(text) && len.is_integer() && is_string(words) => {
                Ok(vec![DataType::Utf8, DataType::Int64, DataType::Utf8])
            }
            _ => plan_err!(
                "tokenize(text, min_len, boilerplate) takes a string, an integer and a string; got {arg_types:?}"
            ),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text, min_len, words] = args.args.as_slice() else {
            return exec_err!("tokenize takes 3 arguments, got {}", args.args.len());
        };
        let min_len = match min_len {
            ColumnarValue::Scalar(ScalarValue::Int64(Some(n))) if *n >= 0 => *n as usize,
            other => return exec_err!("tokenize: min_len must be a non-negative integer constant, got {other:?}"),
        };
        let words = match words {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(w))) => w.split_whitespace().collect::<Vec<_>>(),
            other => return exec_err!("tokenize: boilerplate must be a string constant, got {other:?}"),
        };
        let words = boilerplate_words(&words)
            .map_err(|e| datafusion::error::DataFusionError::Execution(format!("tokenize: {e}")))?;
        let tokenizer = Tokenizer::new(min_len, &words);
        let texts = text.to_array(args.number_rows)?;
        let texts = texts.as_string::<i32>();
        let mut out = ListBuilder::new(StringBuilder::new());
        for i in 0..texts.len() {
            if texts.is_null(i) {
                out.append_null();
                continue;
            }
            for token in tokenizer.tokens(texts.value(i)) {
                out.values().append_value(token);
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
