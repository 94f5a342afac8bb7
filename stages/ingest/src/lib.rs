//! Ingest: PatentsView dumps to typed, partitioned Parquet.
pub mod tsv;
pub mod convert;
pub mod sources;
pub mod parse;
pub mod layout;
pub mod run;
