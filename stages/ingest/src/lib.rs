//! Ingest: PatentsView dumps to typed, partitioned Parquet.
pub mod tsv;
pub mod convert;
