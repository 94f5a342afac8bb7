//! What the project's Ballista scheduler and executor add to upstream Ballista: sessions built by
//! `sql_engine::state` (the project's SQL functions, object stores made from table URLs with
//! the S3 settings the client sent as `pipeline_s3.*` session options). Both binaries accept every
//! upstream flag (`--help`); credentials come from each process's own environment.

use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::config::SchedulerConfig;
use sql_engine::cluster::{ballista_session_config, cluster_runtime_env, cluster_session_state};

/// `config` with the project's session config, session builder and (through it) runtime.
pub fn scheduler_config(config: SchedulerConfig) -> SchedulerConfig {
    config
        .with_override_config_producer(Arc::new(ballista_session_config))
        .with_override_session_builder(Arc::new(cluster_session_state))
}

/// `config` with the project's session config, runtime and functions.
pub fn executor_config(mut config: ExecutorProcessConfig) -> ballista_core::error::Result<ExecutorProcessConfig> {
    let state = cluster_session_state(ballista_session_config())?;
    config.override_function_registry = Some(Arc::new(BallistaFunctionRegistry::from(&state)));
    config.override_config_producer = Some(Arc::new(ballista_session_config));
    config.override_runtime_producer = Some(Arc::new(cluster_runtime_env));
    Ok(config)
}
