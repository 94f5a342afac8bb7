//! The SQL engine of the stages that run queries: DataFusion sessions, local or on Ballista, with a
//! bounded, spilling memory pool, the project's SQL functions and object stores
//! ([`session`]), published tables registered by name, query results written as tables, and the
//! session state that stage clients, Ballista schedulers and executors build alike ([`state`], and
//! with the `ballista` feature `cluster`).
//! The runner and the generator do without it: they need only `stage-runtime`.

#[cfg(feature = "ballista")]
pub mod cluster;
pub mod session;
pub mod state;

pub use session::{
    WRITE_ROW_GROUP_ROWS, collect, one_row, register_listing, register_parquet, register_published,
    register_sorted_parquet, rows, session, set_option, stream, write_batches, write_table,
};
