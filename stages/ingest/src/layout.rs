//! Phase 2 of ingest, in DataFusion SQL: staged rows joined (filing dates, grant years), checked for
//! duplicates and orphans, sorted, and written as the published tables partitioned by grant year.
//! Every row the joins drop is written to `rejects` with its file, line and reason.

use anyhow::Result;
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::patentsview::{DUMP_TABLES, DumpKind};
use sql_engine::{register_parquet, write_table};
use stage_runtime::telemetry::with_heartbeat;
use stage_runtime::{RunWriter, StoreLocation};

use crate::convert::staging_table;

/// Staged rows of `staging` ranked per patent_id in file order; rank 1 is the row kept.
fn ranked(staging: &str) -> String {
    format!(
        "SELECT *, row_number() OVER (PARTITION BY patent_id ORDER BY source_file, source_line) AS rn FROM {staging}"
    )
}

/// The child tables joined to `patents` for their grant year: (table, dump kind, key columns for
/// reject reports). Their columns are the staging table's, their order the catalogue's `sort_by`.
const CHILD_TABLES: [(Table, DumpKind, &str); 3] = [
    (Table::Cpc, DumpKind::CpcCurrent, "c.patent_id, c.cpc_group"),
    (Table::Citations, DumpKind::UsPatentCitation, "c.patent_id, c.cited_patent_id"),
    (Table::Claims, DumpKind::Claims, "c.patent_id, CAST(c.claim_sequence AS VARCHAR)"),
];

/// Registers the staging tables found below `staging`.
pub async fn register_staging(ctx: &SessionContext, staging: &StoreLocation) -> Result<()> {
    for dump in &DUMP_TABLES {
        let def = staging_table(dump.kind);
        register_parquet(ctx, def.name, &staging.child(def.name), def).await?;
    }
    register_parquet(ctx, "staging_rejects", &staging.child("rejects"), Table::Rejects.def()).await
}

/// Writes `patents`, `cpc`, `citations`, `claims` and `rejects` into the run.
pub async fn write_tables(ctx: &SessionContext, run: &RunWriter) -> Result<()> {
    let (ranked_patents, ranked_applications) = (ranked("staging_patents"), ranked("staging_applications"));
    let patents = format!(
        "SELECT p.patent_id, p.patent_type, p.grant_date, a.filing_date, \
                CAST(date_part('year', a.filing_date) AS INT) AS filing_year, a.application_id, \
                p.title, p.wipo_kind, p.num_claims, p.withdrawn, \
                CAST(date_part('year', p.grant_date) AS INT) AS grant_year \
         FROM ({ranked_patents}) p \
         LEFT JOIN ({ranked_applications}) a ON p.patent_id = a.patent_id AND a.rn = 1 \
         WHERE p.rn = 1 \
         ORDER BY grant_year, p.patent_id"
    );
    write(ctx, &patents, run, Table::Patents).await?;
    register_parquet(ctx, "patents", &run.table(Table::Patents), Table::Patents.def()).await?;

    for (table, kind, _) in CHILD_TABLES {
        let staging = staging_table(kind);
        let columns: Vec<String> = staging
            .columns
            .iter()
            .filter(|c| !matches!(c.name, "source_file" | "source_line"))
            .map(|c| format!("c.{}", c.name))
            .collect();
        let sort: Vec<String> = table.def().sort_by.iter().map(|c| format!("c.{c}")).collect();
        let query = format!(
            "SELECT {}, p.grant_year FROM {} c JOIN patents p ON c.patent_id = p.patent_id ORDER BY p.grant_year, {}",
            columns.join(", "),
            staging.name,
            sort.join(", ")
        );
        write(ctx, &query, run, table).await?;
    }

    let mut rejects = vec![
        "SELECT source_file, line, source_table, reason, raw FROM staging_rejects".to_string(),
        duplicates(&ranked_patents, "g_patent"),
        duplicates(&ranked_applications, "g_application"),
        orphans("staging_applications", "g_application", "c.patent_id, c.application_id"),
    ];
    for (_, kind, keys) in CHILD_TABLES {
        rejects.push(orphans(staging_table(kind).name, kind.table().name, keys));
    }
    let query = format!("{} ORDER BY source_file, line", rejects.join(" UNION ALL "));
    write(ctx, &query, run, Table::Rejects).await
}

/// Rows after the first for one patent_id, from a [`ranked`] staging table.
fn duplicates(ranked: &str, source_table: &str) -> String {
    format!(
        "SELECT source_file, source_line, '{source_table}', 'duplicate patent_id; the first row is kept', patent_id \
         FROM ({ranked}) WHERE rn > 1"
    )
}

/// Rows of a staging table whose patent is not in `patents`.
fn orphans(staging: &str, source_table: &str, keys: &str) -> String {
    format!(
        "SELECT c.source_file, c.source_line, '{source_table}', 'patent_id not found in g_patent', concat_ws(chr(9), {keys}) \
         FROM {staging} c WHERE NOT EXISTS (SELECT 1 FROM patents p WHERE p.patent_id = c.patent_id)"
    )
}

async fn write(ctx: &SessionContext, query: &str, run: &RunWriter, table: Table) -> Result<()> {
    let started = std::time::Instant::now();
    let target = run.table(table);
    let rows = with_heartbeat(&format!("writing {table}"), write_table(ctx, query, table.def(), &target)).await?;
    tracing::info!(table = table.name(), rows, secs = started.elapsed().as_secs_f64(), "table written");
    Ok(())
}
