//! Ingest: PatentsView dumps to typed, partitioned Parquet.
pub mod convert;
pub mod layout;
pub mod parse;
pub mod run;
pub mod scan;
pub mod sources;
pub mod sql;
pub mod tsv;
