//! Phase 2 of ingest, in DataFusion SQL: staged rows joined (filing dates, grant years), checked for
//! duplicates and orphans, sorted, and written as the published tables partitioned by grant year
//! (the queries are in [`crate::sql`]). Every row the joins drop is written to `rejects` with its
//! file, line and reason. On the local engine the child tables' rows come straight from their dump
//! files ([`crate::scan`]).

use std::sync::Arc;

use anyhow::Result;
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::patentsview::{DUMP_TABLES, DumpKind};
use sql_engine::{register_parquet, write_table};
use stage_runtime::telemetry::with_heartbeat;
use stage_runtime::{RunWriter, StoreLocation};

use crate::convert::staging_table;
use crate::parse::{ParseOptions, ParsedFiles};
use crate::scan::DumpFilesTable;
use crate::sources::DumpFile;
use crate::sql;

/// Registers the staging tables: with `scanned` (the local engine), the child tables as scans of
/// those dump files ([`DumpFilesTable`]), the others as the Parquet files phase 1 wrote below
/// `staging`; without, all of them as staged Parquet.
pub async fn register_staging(
    ctx: &SessionContext,
    staging: &StoreLocation,
    scanned: Option<&[DumpFile]>,
    options: &ParseOptions,
    parsed: &ParsedFiles,
) -> Result<()> {
    if scanned.is_some() {
        // The dump scans have no statistics, so the planner never builds a hash table from them;
        // with these thresholds the other side of each child table's join (the patents' ids and
        // grant years) qualifies at any size for one hash table that every partition of the scan
        // probes, rather than both sides being hash-partitioned.
        let state = ctx.state_ref();
        let mut state = state.write();
        let optimizer = &mut state.config_mut().options_mut().optimizer;
        optimizer.hash_join_single_partition_threshold = usize::MAX;
        optimizer.hash_join_single_partition_threshold_rows = usize::MAX;
    }
    for dump in &DUMP_TABLES {
        let def = staging_table(dump.kind);
        match scanned {
            Some(files) if sql::is_child(dump.kind) => {
                let files = files.iter().filter(|f| f.name.kind == dump.kind).cloned().collect();
                let table = DumpFilesTable::new(def.arrow_schema(), files, staging, options, parsed);
                ctx.register_table(def.name, Arc::new(table))?;
            }
            _ => register_parquet(ctx, def.name, &staging.child(def.name), def).await?,
        }
    }
    register_parquet(ctx, "staging_rejects", &staging.child("rejects"), Table::Rejects.def()).await
}

/// Writes `patents`, `cpc`, `citations`, `claims`, `cpc_title` and `rejects` into the run; from
/// `parsed`'s counts, a child table that lost no rows to the join is known to have no orphans.
pub async fn write_tables(ctx: &SessionContext, run: &RunWriter, parsed: &ParsedFiles) -> Result<()> {
    write(ctx, &sql::patents(), run, Table::Patents).await?;
    register_parquet(ctx, "patents", &run.table(Table::Patents), Table::Patents.def()).await?;
    // CPC and citations at once: each is one dump file, parsed on one thread, so alone either
    // would leave the other cores idle. Claims, many files, after them.
    let child = |(table, kind, _): (Table, DumpKind, &str)| async move {
        let written = write(ctx, &sql::child_table(table, kind), run, table).await?;
        anyhow::Ok((table, written != parsed.rows(kind)))
    };
    let [cpc, citations, claims] = sql::CHILD_TABLES;
    let (cpc, citations) = futures::try_join!(child(cpc), child(citations))?;
    let claims = child(claims).await?;
    let with_orphans: Vec<Table> =
        [cpc, citations, claims].into_iter().filter(|(_, lost)| *lost).map(|(table, _)| table).collect();
    write(ctx, &sql::cpc_title(), run, Table::CpcTitle).await?;
    write(ctx, &sql::rejects(&with_orphans), run, Table::Rejects).await?;
    Ok(())
}

/// Writes the result of `query` as `table`; returns its rows.
async fn write(ctx: &SessionContext, query: &str, run: &RunWriter, table: Table) -> Result<u64> {
    let started = std::time::Instant::now();
    let target = run.table(table);
    let rows = with_heartbeat(&format!("writing {table}"), write_table(ctx, query, table.def(), &target)).await?;
    tracing::info!(table = table.name(), rows, secs = started.elapsed().as_secs_f64(), "table written");
    Ok(rows)
}
