//! DataFusion sessions for the SQL stages, on the engine a stage was given ([`stage_runtime::Engine`]): a
//! bounded memory pool that spills to disk, the stage's object stores registered, and published
//! tables registered by name with their partition columns.
//!
//! Every async function here hands back a boxed future built in this crate. An async function's
//! body is compiled in the crate that awaits it, and these bodies hold DataFusion's SQL planner
//! (sqlparser's visitors, `SqlToRel`) and Ballista's session start: awaited directly, each stage
//! binary compiled its own copy, most of a stage binary's build. Boxed, they are compiled once, here.
//! Stages reach DataFusion's planning through these functions ([`collect`], [`stream`]) rather than
//! `SessionContext::sql`.

use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::TableReference;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::FutureExt;
use futures::future::BoxFuture;
use schemas::{Table, TableDef};

#[cfg(feature = "ballista")]
use ballista::prelude::SessionContextExt;

use stage_runtime::{Engine, EngineOptions, S3Settings, StoreLocation};

#[cfg(feature = "ballista")]
use crate::cluster;
use crate::state;

/// Rows per Parquet row group written by a session. A writer holds its open row group in memory,
/// outside the memory pool, and a partitioned write keeps one writer open per partition until its
/// input ends: with DataFusion's default (about a million rows) a claims table of 15 M rows over 50
/// grant years sat whole in the writers (ingest at 1 M patents peaked at 5.8 GiB). 64 Ki rows keep
/// that below about 25 MB per open partition and still give readers row groups worth pruning.
pub const WRITE_ROW_GROUP_ROWS: usize = 64 * 1024;

/// Compression of the Parquet files a session writes. DataFusion's default, zstd level 3, spent a
/// third of ingest's layout time at 1 M patents compressing claim text; level 1 took half as
/// long, for files about 6 % larger (ingest's output at 1 M patents: 1,841 MB against about 1.7 GB).
const WRITE_COMPRESSION: &str = "zstd(1)";

/// `config` with the project's Parquet write settings ([`WRITE_ROW_GROUP_ROWS`], [`WRITE_COMPRESSION`]).
fn with_write_settings(mut config: SessionConfig) -> SessionConfig {
    let parquet = &mut config.options_mut().execution.parquet;
    parquet.max_row_group_size = WRITE_ROW_GROUP_ROWS;
    parquet.compression = Some(WRITE_COMPRESSION.into());
    config
}

/// A session on `options.engine` with the project's SQL functions, a bounded, spilling memory pool,
/// and the given stores registered. For Ballista, this process's S3 settings go into the session
/// options, from which executors make their stores.
pub fn session<'a>(
    options: &'a EngineOptions,
    stores: &'a [&'a StoreLocation],
) -> BoxFuture<'a, Result<SessionContext>> {
    start_session(options, stores).boxed()
}

async fn start_session(options: &EngineOptions, stores: &[&StoreLocation]) -> Result<SessionContext> {
    let disk = match &options.spill_dir {
        Some(dir) => DiskManagerBuilder::default().with_mode(DiskManagerMode::Directories(vec![dir.clone()])),
        None => DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
    };
    let s3 = S3Settings::from_env();
    let pool = Arc::new(FairSpillPool::new(options.memory_limit as usize));
    let runtime = state::runtime_env(s3.clone(), |b| b.with_memory_pool(pool).with_disk_manager_builder(disk))?;
    for loc in stores {
        runtime.register_object_store(&loc.base_url, loc.store.clone());
    }
    // The caller's settings, on the local engine's or Ballista's config.
    let configure = |config: SessionConfig| {
        let config = match options.target_partitions {
            Some(n) => config.with_target_partitions(n),
            None => config,
        };
        with_write_settings(config)
    };
    match &options.engine {
        Engine::Local => {
            Ok(SessionContext::new_with_state(state::session_state(configure(SessionConfig::new()), runtime)?))
        }
        engine => ballista_session(engine, s3, runtime, configure).await,
    }
}

/// A Ballista session (`standalone` in this process, or on the scheduler at `df://...`), this
/// process's S3 settings among its options, from which executors make their stores.
#[cfg(feature = "ballista")]
async fn ballista_session(
    engine: &Engine,
    s3: S3Settings,
    runtime: Arc<RuntimeEnv>,
    configure: impl FnOnce(SessionConfig) -> SessionConfig,
) -> Result<SessionContext> {
    let config = configure(cluster::ballista_session_config().with_option_extension(cluster::SessionS3(s3)));
    let state = state::session_state(config, runtime)?;
    let ctx = match engine {
        Engine::Cluster(url) => SessionContext::remote_with_state(url, state)
            .await
            .with_context(|| format!("connecting to the Ballista scheduler at {url}"))?,
        _ => SessionContext::standalone_with_state(state).await.context("starting in-process Ballista")?,
    };
    state::add_functions(&mut ctx.state_ref().write())?;
    Ok(ctx)
}

/// A build without the `ballista` feature (the README's first command) refuses Ballista engines.
#[cfg(not(feature = "ballista"))]
async fn ballista_session(
    engine: &Engine,
    _s3: S3Settings,
    _runtime: Arc<RuntimeEnv>,
    _configure: impl FnOnce(SessionConfig) -> SessionConfig,
) -> Result<SessionContext> {
    anyhow::bail!(
        "engine `{engine}` needs Ballista, which this build leaves out: build with `cargo build --release \
         --workspace` (which adds it to every stage through the cluster binaries) or `--features sql-engine/ballista`"
    )
}

/// Sets the session option `key` (such as `datafusion.optimizer.join_reordering`) to `value` by SQL
/// `SET`, so that it travels with the session's options to Ballista's executors too.
pub async fn set_option(ctx: &SessionContext, key: &str, value: impl std::fmt::Display) -> Result<()> {
    collect(ctx, &format!("SET {key} = {value}")).await.with_context(|| format!("setting {key}"))?;
    Ok(())
}

/// Plans and runs `query`, its result in memory.
#[allow(clippy::disallowed_methods)] // the one place the planner is awaited (clippy.toml)
pub fn collect<'a>(ctx: &'a SessionContext, query: &'a str) -> BoxFuture<'a, Result<Vec<RecordBatch>>> {
    async move { ctx.sql(query).await?.collect().await.with_context(|| format!("running {query}")) }.boxed()
}

/// Plans and starts `query`, its result streamed (for results too large to hold).
#[allow(clippy::disallowed_methods)] // the one place the planner is awaited (clippy.toml)
pub fn stream<'a>(ctx: &'a SessionContext, query: &'a str) -> BoxFuture<'a, Result<SendableRecordBatchStream>> {
    async move { ctx.sql(query).await?.execute_stream().await.with_context(|| format!("running {query}")) }.boxed()
}

/// Registers the Parquet table stored at `location` under `name`, with the schema and partition
/// columns of `def`.
pub fn register_parquet<'a>(
    ctx: &'a SessionContext,
    name: &'a str,
    location: &'a StoreLocation,
    def: &'a TableDef,
) -> BoxFuture<'a, Result<()>> {
    register_def(ctx, name, location, def, false)
}

/// [`register_parquet`], telling the planner that the rows of every file are in `def.sort_by` order
/// (ascending), so that it can skip sorts and merge instead. Only for tables whose writer sorts each
/// file: the planner trusts the claim, and a wrong one gives wrong results.
pub fn register_sorted_parquet<'a>(
    ctx: &'a SessionContext,
    name: &'a str,
    location: &'a StoreLocation,
    def: &'a TableDef,
) -> BoxFuture<'a, Result<()>> {
    register_def(ctx, name, location, def, true)
}

/// `def`'s table at `location` as `name`; with `sorted`, `def.sort_by` declared as every file's order.
fn register_def<'a>(
    ctx: &'a SessionContext,
    name: &'a str,
    location: &'a StoreLocation,
    def: &'a TableDef,
    sorted: bool,
) -> BoxFuture<'a, Result<()>> {
    use datafusion::prelude::col;
    let partitions = def.partition_columns().into_iter().map(|(n, t)| (n.to_string(), t)).collect();
    let order: Vec<_> =
        if sorted { def.sort_by.iter().map(|c| col(format!("\"{c}\"")).sort(true, false)).collect() } else { vec![] };
    let orders = if order.is_empty() { vec![] } else { vec![order] };
    register_listing_named(ctx, name.into(), location, partitions, Some(def.file_schema()), orders).boxed()
}

/// Registers the Parquet files below `location` as table `name` (which may be qualified,
/// `schema.table`), hive partition columns `partitions` read from the folder names; the files'
/// schema is `file_schema`, or inferred from the files when `None`.
pub fn register_listing<'a>(
    ctx: &'a SessionContext,
    name: impl Into<TableReference>,
    location: &'a StoreLocation,
    partitions: Vec<(String, DataType)>,
    file_schema: Option<SchemaRef>,
) -> BoxFuture<'a, Result<()>> {
    register_listing_named(ctx, name.into(), location, partitions, file_schema, vec![]).boxed()
}

async fn register_listing_named(
    ctx: &SessionContext,
    name: TableReference,
    location: &StoreLocation,
    partitions: Vec<(String, DataType)>,
    file_schema: Option<SchemaRef>,
    file_sort_order: Vec<Vec<datafusion::logical_expr::SortExpr>>,
) -> Result<()> {
    let url = ListingTableUrl::parse(location.url()).with_context(|| format!("table url {}", location.url()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(partitions)
        .with_file_sort_order(file_sort_order);
    let config = ListingTableConfig::new(url).with_listing_options(options);
    let config = match file_schema {
        Some(schema) => config.with_schema(schema),
        None => config.infer_schema(&ctx.state()).await.with_context(|| format!("reading the schema of {name}"))?,
    };
    let table = ListingTable::try_new(config).with_context(|| format!("registering table {name}"))?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// Writes the result of `query` as table `def` below `target` (a folder URL): columns are selected by
/// name and cast to the catalogue's types, so every file matches `schemas`; partition columns become
/// hive folders. Returns the number of rows written.
pub fn write_table<'a>(
    ctx: &'a SessionContext,
    query: &'a str,
    def: &'a TableDef,
    target: &'a StoreLocation,
) -> BoxFuture<'a, Result<u64>> {
    write_query(ctx, query, def, target).boxed()
}

#[allow(clippy::disallowed_methods)] // the one place the planner is awaited (clippy.toml)
async fn write_query(ctx: &SessionContext, query: &str, def: &TableDef, target: &StoreLocation) -> Result<u64> {
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::prelude::{cast, col};
    let df = ctx.sql(query).await.with_context(|| format!("planning table {}", def.name))?;
    let exprs = def
        .columns
        .iter()
        .map(|c| cast(col(format!("\"{}\"", c.name)), c.data_type.clone()).alias(c.name))
        .collect::<Vec<_>>();
    let df =
        df.select(exprs).with_context(|| format!("query result does not have the columns of table {}", def.name))?;
    let options =
        DataFrameWriteOptions::new().with_partition_by(def.partition_by.iter().map(|s| s.to_string()).collect());
    let url = if def.partition_by.is_empty() { format!("{}part-0.parquet", target.url()) } else { target.url() };
    let batches =
        df.write_parquet(&url, options, None).await.with_context(|| format!("writing table {} to {url}", def.name))?;
    Ok(batches
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<arrow::array::UInt64Array>().map(|a| a.value(0)))
        .unwrap_or(0))
}

/// Writes the in-memory `batches` as table `def` to `target`, rows ordered by the table's sort
/// columns; returns the number of rows written.
pub fn write_batches<'a>(
    ctx: &'a SessionContext,
    batches: Vec<RecordBatch>,
    def: &'a TableDef,
    target: &'a StoreLocation,
) -> BoxFuture<'a, Result<u64>> {
    write_in_memory(ctx, batches, def, target).boxed()
}

async fn write_in_memory(
    ctx: &SessionContext,
    batches: Vec<RecordBatch>,
    def: &TableDef,
    target: &StoreLocation,
) -> Result<u64> {
    let schema = batches.first().with_context(|| format!("no rows to write to table {}", def.name))?.schema();
    // The batches live in this process, so a local session (on the same runtime and stores) writes
    // them whatever engine `ctx` runs on.
    let local = SessionContext::new_with_state(state::session_state(
        with_write_settings(SessionConfig::new()),
        ctx.runtime_env(),
    )?);
    let name = format!("in_memory_{}", def.name);
    local.register_table(&name, Arc::new(datafusion::datasource::MemTable::try_new(schema, vec![batches])?))?;
    let order = if def.sort_by.is_empty() { String::new() } else { format!(" ORDER BY {}", def.sort_by.join(", ")) };
    write_query(&local, &format!("SELECT * FROM {name}{order}"), def, target).await
}

/// Registers `table` of the output published at `output` (its current run) under its name, once its
/// files are checked against the manifest ([`stage_runtime::integrity::check_table_files`]).
pub fn register_published<'a>(
    ctx: &'a SessionContext,
    output: &'a StoreLocation,
    table: Table,
) -> BoxFuture<'a, Result<()>> {
    register_current_run(ctx, output, table).boxed()
}

async fn register_current_run(ctx: &SessionContext, output: &StoreLocation, table: Table) -> Result<()> {
    let name = table.name();
    let published = stage_runtime::read_published(output)
        .await?
        .with_context(|| format!("nothing is published at {} (has its stage run?)", output.url()))?;
    let location = published.table_location(output, name)?;
    stage_runtime::integrity::check_table_files(output, &published, name).await?;
    ctx.register_object_store(&output.base_url, output.store.clone());
    register_parquet(ctx, name, &location, table.def()).await
}

/// Runs a query and returns its rows as `T`, each field read from the result column of the same
/// name (an integer column reads into any integer type it fits, a float column into f32 or f64,
/// not an integer into a float: CAST in the query; an `Option` field reads NULL as `None`). A
/// column `T` names but the result lacks, or a type that does not convert, is an error naming the
/// query.
pub async fn rows<T: serde::de::DeserializeOwned>(ctx: &SessionContext, query: &str) -> Result<Vec<T>> {
    let batches = collect(ctx, query).await?;
    let mut rows = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for batch in &batches {
        let batch_rows: Vec<T> =
            serde_arrow::from_record_batch(batch).with_context(|| format!("reading the result of {query}"))?;
        rows.extend(batch_rows);
    }
    Ok(rows)
}

/// Runs a query that returns exactly one row (an aggregate without GROUP BY) and returns it as `T`.
pub async fn one_row<T: serde::de::DeserializeOwned>(ctx: &SessionContext, query: &str) -> Result<T> {
    let mut rows = rows::<T>(ctx, query).await?;
    match (rows.pop(), rows.is_empty()) {
        (Some(row), true) => Ok(row),
        _ => anyhow::bail!("expected one row from {query}"),
    }
}
