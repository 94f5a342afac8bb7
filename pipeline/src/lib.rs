//! The pipeline runner: a TOML manifest names stage binaries and the datasets that connect them; this
//! crate validates it into a DAG, computes each stage's fingerprint, decides what is up to date, runs the
//! rest as child processes in dependency order, and keeps run records and logs beside the data; and it
//! sweeps one explore option over several values ([`sweep`]).

pub mod dag;
pub mod export;
pub mod fingerprint;
pub mod manifest;
pub mod plan;
pub mod record;
pub mod runner;
pub mod status;
pub mod sweep;
pub mod tables;

pub use manifest::{LoadOptions, Pipeline, Stage, ValidationError};
pub use runner::{Outcome, RunOptions, RunSummary, run};
