//! The runtime every stage binary and the runner share: one CLI shape and the engine options it
//! parses, object stores resolved from URLs, tracing and progress lines, and the atomic output
//! protocol by which a stage's output becomes visible only once it is complete. It links no SQL
//! engine; the SQL stages build their sessions with `sql-engine`.

pub mod catalog;
pub mod cli;
pub mod engine;
pub mod integrity;
pub mod lease;
pub mod publish;
pub mod store;
pub mod telemetry;

pub use cli::{StageArgs, run_stage};
pub use engine::{Engine, EngineOptions, S3Settings};
pub use publish::{
    FileEntry, InputRef, PublishedManifest, RunWriter, TableEntry, fingerprint_input, new_manifest, read_published,
    write_and_publish,
};
pub use store::StoreLocation;
