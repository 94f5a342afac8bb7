//! Phase 2 of ingest, in DataFusion SQL: staged rows joined (filing dates, grant years), checked for
//! duplicates and orphans, sorted, and written as the published tables partitioned by grant year.
//! Every row the joins drop is written to `rejects` with its file, line and reason.

use anyhow::Result;
use datafusion::prelude::SessionContext;
use schemas::patentsview::DumpKind;
use stage_runtime::telemetry::with_heartbeat;
use stage_runtime::{RunWriter, StoreLocation, register_parquet, write_table};

use crate::convert::staging_table;

/// Staged rows ranked per patent_id in file order; rank 1 is the row kept.
const RANKED_PATENTS: &str = "SELECT *, row_number() OVER (PARTITION BY patent_id ORDER BY source_file, source_line) AS rn FROM staging_patents";
const RANKED_APPLICATIONS: &str =
    "SELECT *, row_number() OVER (PARTITION BY patent_id ORDER BY source_file, source_line) AS rn FROM staging_applications";

/// The child tables joined to `patents` for their grant year: (table, staging table, columns, sort key, key columns for reject reports).
const CHILD_TABLES: [(&str, DumpKind, &str, &str, &str); 3] = [
    (
        "cpc",
        DumpKind::CpcCurrent,
        "c.patent_id, c.cpc_sequence, c.cpc_section, c.cpc_class, c.cpc_subclass, c.cpc_group, c.cpc_main_group, c.cpc_type",
        "c.patent_id, c.cpc_sequence",
        "c.patent_id, c.cpc_group",
    ),
    (
        "citations",
        DumpKind::UsPatentCitation,
        "c.patent_id, c.citation_sequence, c.cited_patent_id, c.citation_date, c.citation_category",
        "c.patent_id, c.citation_sequence",
        "c.patent_id, c.cited_patent_id",
    ),
    (
        "claims",
        DumpKind::Claims,
        "c.patent_id, c.claim_sequence, c.claim_number, c.claim_text, c.dependent, c.exemplary",
        "c.patent_id, c.claim_sequence",
        "c.patent_id, CAST(c.claim_sequence AS VARCHAR)",
    ),
];

/// Registers the staging tables found below `staging`.
pub async fn register_staging(ctx: &SessionContext, staging: &StoreLocation) -> Result<()> {
    for kind in [DumpKind::Patent, DumpKind::Application, DumpKind::CpcCurrent, DumpKind::UsPatentCitation, DumpKind::Claims] {
        let def = staging_table(kind);
        register_parquet(ctx, def.name, &staging.child(def.name), def).await?;
    }
    register_parquet(ctx, "staging_rejects", &staging.child("rejects"), schemas::table("rejects")).await
}

/// Writes `patents`, `cpc`, `citations`, `claims` and `rejects` into the run.
pub async fn write_tables(ctx: &SessionContext, run: &RunWriter) -> Result<()> {
    let patents = format!(
        "SELECT p.patent_id, p.patent_type, p.grant_date, a.filing_date, \
                CAST(date_part('year', a.filing_date) AS INT) AS filing_year, a.application_id, \
                p.title, p.wipo_kind, p.num_claims, p.withdrawn, \
                CAST(date_part('year', p.grant_date) AS INT) AS grant_year \
         FROM ({RANKED_PATENTS}) p \
         LEFT JOIN ({RANKED_APPLICATIONS}) a ON p.patent_id = a.patent_id AND a.rn = 1 \
         WHERE p.rn = 1 \
         ORDER BY grant_year, p.patent_id"
    );
    write(ctx, &patents, run, "patents").await?;
    register_parquet(ctx, "patents", &run.table("patents"), schemas::table("patents")).await?;

    for (table, kind, columns, sort, _) in CHILD_TABLES {
        let query = format!(
            "SELECT {columns}, p.grant_year FROM {} c JOIN patents p ON c.patent_id = p.patent_id \
             ORDER BY p.grant_year, {sort}",
            staging_table(kind).name
        );
        write(ctx, &query, run, table).await?;
    }

    let mut rejects = vec![
        "SELECT source_file, line, source_table, reason, raw FROM staging_rejects".to_string(),
        format!(
            "SELECT source_file, source_line, 'g_patent', 'duplicate patent_id; the first row is kept', patent_id \
             FROM ({RANKED_PATENTS}) WHERE rn > 1"
        ),
        format!(
            "SELECT source_file, source_line, 'g_application', 'duplicate patent_id; the first row is kept', patent_id \
             FROM ({RANKED_APPLICATIONS}) WHERE rn > 1"
        ),
        orphans("staging_applications", "g_application", "c.patent_id, c.application_id"),
    ];
    for (_, kind, _, _, keys) in CHILD_TABLES {
        rejects.push(orphans(staging_table(kind).name, kind.table().name, keys));
    }
    let query = format!("{} ORDER BY source_file, line", rejects.join(" UNION ALL "));
    write(ctx, &query, run, "rejects").await
}

/// Rows of a staging table whose patent is not in `patents`.
fn orphans(staging: &str, source_table: &str, keys: &str) -> String {
    format!(
        "SELECT c.source_file, c.source_line, '{source_table}', 'patent_id not found in g_patent', concat_ws(chr(9), {keys}) \
         FROM {staging} c WHERE NOT EXISTS (SELECT 1 FROM patents p WHERE p.patent_id = c.patent_id)"
    )
}

async fn write(ctx: &SessionContext, query: &str, run: &RunWriter, table: &str) -> Result<()> {
    let started = std::time::Instant::now();
    let target = run.table(table);
    let rows = with_heartbeat(&format!("writing {table}"), write_table(ctx, query, schemas::table(table), &target)).await?;
    tracing::info!("wrote {rows} rows of {table} in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}
