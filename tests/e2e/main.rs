//! The end-to-end tests, one module per subject, in one test binary (each binary links the stage
//! crates, some 300 MB): the stage binaries run as processes against local folders, a loopback S3
//! server (moto, one per test, its settings given to each process rather than set process-wide, so
//! the tests run in parallel) and Ballista, standalone and as a cluster. `tests/run.sh` builds the
//! binaries first.

mod atomic_publish;
mod ballista_cluster;
mod ballista_standalone;
mod default_pipeline;
mod default_pipeline_s3;
mod deploy_export;
mod gpu_check;
mod injected_rejects;
mod json_logs;
mod leases;
mod paper_pipeline;
mod published_tables;
mod s3_resilience;
mod s3_round_trip;
mod small_memory_pool;
mod storage_faults;
