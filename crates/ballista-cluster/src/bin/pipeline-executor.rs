//! `pipeline-executor`: a Ballista executor that runs plans with the project's SQL functions and
//! object stores. Flags are upstream Ballista's (`--scheduler-host`, `--scheduler-port`,
//! `--bind-port`, `--bind-grpc-port`, `--bind-health-port`, `--work-dir`, ...); on one machine,
//! give each executor its own ports, the health port included. `/healthz` and `/readyz` serve
//! Kubernetes probes.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_executor::config::Config;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_executor::health::spawn_health_server;
use clap::Parser;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    stage_runtime::telemetry::init_tracing();
    let health_addr: SocketAddr = format!("{}:{}", opt.bind_host, opt.bind_health_port)
        .parse()
        .map_err(|e| ballista_core::error::BallistaError::Configuration(format!("health address: {e}")))?;
    let config = ballista_cluster::executor_config(ExecutorProcessConfig::try_from(opt)?)?;
    let (stop_health, health_stopped) = tokio::sync::oneshot::channel();
    let health = spawn_health_server(health_addr, config.health.clone(), health_stopped);
    tracing::info!(executor = %config.executor_id, port = config.port, grpc_port = config.grpc_port, %health_addr, "pipeline-executor starting");
    let result = start_executor_process(Arc::new(config)).await;
    let _ = stop_health.send(());
    let _ = health.await;
    result
}
