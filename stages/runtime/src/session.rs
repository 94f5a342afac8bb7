//! DataFusion sessions for the SQL stages: a bounded memory pool that spills to disk, the stage's
//! object stores registered, and published tables registered by name with their partition columns.

use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use schemas::TableDef;

use crate::store::StoreLocation;

/// Limits for one stage's SQL engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Bytes the engine's operators may hold before spilling (sorts, aggregations) or failing.
    pub memory_limit: u64,
    /// Folder for spill files; the system temp folder when `None`.
    pub spill_dir: Option<std::path::PathBuf>,
    /// Parallelism of plans; the number of cores when `None`.
    pub target_partitions: Option<usize>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { memory_limit: 2 << 30, spill_dir: None, target_partitions: None }
    }
}

/// A session with a bounded, spilling memory pool and the given stores registered.
pub fn session(options: &EngineOptions, stores: &[&StoreLocation]) -> Result<SessionContext> {
    let disk = match &options.spill_dir {
        Some(dir) => DiskManagerBuilder::default().with_mode(DiskManagerMode::Directories(vec![dir.clone()])),
        None => DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
    };
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(options.memory_limit as usize)))
        .with_disk_manager_builder(disk)
        .build_arc()
        .context("building the DataFusion runtime")?;
    let mut config = SessionConfig::new();
    if let Some(n) = options.target_partitions {
        config = config.with_target_partitions(n);
    }
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    for loc in stores {
        ctx.register_object_store(&loc.base_url, loc.store.clone());
    }
    Ok(ctx)
}

/// Registers the Parquet table stored at `location` under `name`, with the schema and partition
/// columns of `def`.
pub async fn register_parquet(ctx: &SessionContext, name: &str, location: &StoreLocation, def: &TableDef) -> Result<()> {
    let url = ListingTableUrl::parse(location.url()).with_context(|| format!("table url {}", location.url()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(def.partition_columns().into_iter().map(|(n, t)| (n.to_string(), t)).collect());
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(def.file_schema());
    let table = ListingTable::try_new(config).with_context(|| format!("registering table {name}"))?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}
