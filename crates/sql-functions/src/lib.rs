//! The SQL functions the stages' queries call, in one place so that every engine that runs them
//! registers the same set: a local session, and a Ballista scheduler and its executors (through
//! `sql_engine::state`). [`scalar_functions`] lists them.
//!
//! - `tokenize(text, min_len, boilerplate)` ([`tokenize_udf`]): the terms of a text by the rules
//!   of [`tokenize`].

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod tokenize;
pub mod tokenize_udf;

/// Every scalar function of the project.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::new(ScalarUDF::from(tokenize_udf::Tokenize::new()))]
}
