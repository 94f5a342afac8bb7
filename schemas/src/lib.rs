//! Table catalogue: the Arrow schema of every table the pipeline writes, and the column layout of every
//! PatentsView bulk-dump file it reads.
//!
//! Every stage builds its output batches from [`TableDef::arrow_schema`], and tests compare written Parquet
//! files against it. `schemas/README.md` is generated from this module (`cargo run -p schemas --bin
//! schema-catalogue > schemas/README.md`) and a test keeps the checked-in copy in sync.

pub mod catalogue;
pub mod patentsview;
pub mod table;

pub use catalogue::{all_tables, table};
pub use table::{Column, TableDef};
