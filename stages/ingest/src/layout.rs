//! Phase 2 of ingest, in DataFusion SQL: staged rows joined (filing dates, grant years), checked for
//! duplicates and orphans, sorted, and written as the published tables partitioned by grant year
//! (the queries are in [`crate::sql`]). Every row the joins drop is written to `rejects` with its
//! file, line and reason.

use anyhow::Result;
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::patentsview::DUMP_TABLES;
use sql_engine::{register_parquet, write_table};
use stage_runtime::telemetry::with_heartbeat;
use stage_runtime::{RunWriter, StoreLocation};

use crate::convert::staging_table;
use crate::sql;

/// Registers the staging tables found below `staging`.
pub async fn register_staging(ctx: &SessionContext, staging: &StoreLocation) -> Result<()> {
    for dump in &DUMP_TABLES {
        let def = staging_table(dump.kind);
        register_parquet(ctx, def.name, &staging.child(def.name), def).await?;
    }
    register_parquet(ctx, "staging_rejects", &staging.child("rejects"), Table::Rejects.def()).await
}

/// Writes `patents`, `cpc`, `citations`, `claims`, `cpc_title` and `rejects` into the run.
pub async fn write_tables(ctx: &SessionContext, run: &RunWriter) -> Result<()> {
    write(ctx, &sql::patents(), run, Table::Patents).await?;
    register_parquet(ctx, "patents", &run.table(Table::Patents), Table::Patents.def()).await?;
    for (table, kind, _) in sql::CHILD_TABLES {
        write(ctx, &sql::child_table(table, kind), run, table).await?;
    }
    write(ctx, &sql::cpc_title(), run, Table::CpcTitle).await?;
    write(ctx, &sql::rejects(), run, Table::Rejects).await
}

async fn write(ctx: &SessionContext, query: &str, run: &RunWriter, table: Table) -> Result<()> {
    let started = std::time::Instant::now();
    let target = run.table(table);
    let rows = with_heartbeat(&format!("writing {table}"), write_table(ctx, query, table.def(), &target)).await?;
    tracing::info!(table = table.name(), rows, secs = started.elapsed().as_secs_f64(), "table written");
    Ok(())
}
