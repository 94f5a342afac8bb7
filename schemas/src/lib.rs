//! Table catalogue: the Arrow schema of every table the pipeline writes, and the column layout of every
//! PatentsView bulk-dump file it reads.
//!
//! Code names a table by [`Table`] (`Table::Cpc.def()` is its definition), never by a string, and
//! each writing stage's module in [`catalogue`] declares what the stage reads, publishes and keeps
//! internal. Every stage builds its output batches from [`TableDef::arrow_schema`], and tests compare written Parquet
//! files against it. `schemas/README.md` is generated from this module (`cargo run -p schemas --bin
//! schema-catalogue > schemas/README.md`) and a test keeps the checked-in copy in sync.

pub mod catalogue;
pub mod metrics;
pub mod patentsview;
pub mod table;

pub use catalogue::{StageTables, Table, all_tables};
pub use table::{Column, TableDef};
