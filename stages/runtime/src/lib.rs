//! The runtime every stage binary shares: one CLI shape, object stores resolved from URLs, a DataFusion
//! session factory, tracing and progress lines, and the atomic output protocol by which a stage's output
//! becomes visible only once it is complete.

pub mod cli;
pub mod engine;
pub mod publish;
pub mod session;
pub mod store;
pub mod telemetry;

pub use cli::{StageArgs, run_stage};
pub use engine::Engine;
pub use publish::{
    FileEntry, InputRef, PublishedManifest, RunWriter, TableEntry, fingerprint_input, new_manifest, read_published,
    write_and_publish,
};
pub use session::{
    EngineOptions, WRITE_ROW_GROUP_ROWS, float_rows, int_rows, register_parquet, register_published, session,
    write_batches, write_table,
};
pub use store::StoreLocation;
