//! `pipeline-scheduler`: a Ballista scheduler that plans with the project's SQL functions and
//! object stores. Flags are upstream Ballista's (`--bind-host`, `--bind-port`, ...).

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{Config, SchedulerConfig};
use ballista_scheduler::scheduler_process::start_server;
use clap::Parser;

fn main() -> ballista_core::error::Result<()> {
    // Planning deep SQL recurses; upstream's scheduler runs with the same large stacks.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 << 20)
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let opt = Config::parse();
        stage_runtime::telemetry::init_tracing();
        let addr: SocketAddr = format!("{}:{}", opt.bind_host, opt.bind_port)
            .parse()
            .map_err(|e| ballista_core::error::BallistaError::Configuration(format!("scheduler address: {e}")))?;
        let config = ballista_cluster::scheduler_config(SchedulerConfig::try_from(opt)?);
        tracing::info!(%addr, "pipeline-scheduler listening");
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, addr, Arc::new(config)).await
    })
}
