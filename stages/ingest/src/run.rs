//! The ingest stage from input folder to published output: discover, parse (phase 1), lay out
//! (phase 2), check the reject ratio, publish.

use anyhow::{Result, bail};
use schemas::Table;
use schemas::metrics::{FileCounts, IngestMetrics};
use schemas::patentsview::DumpKind;
use sql_engine::session;
use stage_runtime::{
    Engine, EngineOptions, InputRef, PublishedManifest, RunWriter, StoreLocation, fingerprint_input, new_manifest,
};

use crate::parse::{FileStats, ParseOptions, ParsedFiles, stage_files};
use crate::sources::discover;
use crate::{layout, sql};

/// Ingest settings beyond input and output.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Fail, publishing nothing, when more than this share of input rows is rejected.
    pub max_reject_ratio: f64,
    /// Dump tables allowed to be absent from the input.
    pub allow_missing: Vec<DumpKind>,
    pub parse: ParseOptions,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

/// Runs ingest from `input` to `output` and publishes the result.
pub async fn run(input: &StoreLocation, output: &StoreLocation, options: &IngestOptions) -> Result<PublishedManifest> {
    let started = std::time::Instant::now();
    let required: Vec<DumpKind> = schemas::patentsview::DUMP_TABLES
        .iter()
        .filter(|t| !t.optional)
        .map(|t| t.kind)
        .filter(|k| !options.allow_missing.contains(k))
        .collect();
    let input_fingerprint = fingerprint_input(input).await?;
    let files = discover(input, &required).await?;
    tracing::info!(files = files.len(), input = %input.url(), "reading dump files");

    let run = RunWriter::begin(output).await?;
    let parsed = ParsedFiles::default();
    let written = write_run(&run, files, &[input, output], options, &parsed).await;
    let (mut manifest, stats, staged_at) = match written {
        Ok(written) => written,
        Err(e) => {
            // Nothing of a failed run is worth keeping; the published output is untouched either way.
            // Its parsers and writers stop first, so none writes into the deleted folder.
            parsed.stop().await;
            run.abandon().await;
            return Err(e);
        }
    };
    let rows_read: u64 = stats.iter().map(|s| s.rows + s.rejects).sum();
    let rejected = manifest.tables["rejects"].rows;
    let ratio = if rows_read == 0 { 0.0 } else { rejected as f64 / rows_read as f64 };
    let tsv_bytes: u64 = stats.iter().map(|s| s.bytes).sum();
    let seconds = started.elapsed().as_secs_f64();
    let staged_at = staged_at.duration_since(started).as_secs_f64();
    tracing::info!(
        rows = rows_read,
        tsv_mb = tsv_bytes as f64 / 1e6,
        secs = seconds,
        mb_per_sec = tsv_bytes as f64 / 1e6 / seconds.max(1e-9),
        staging_secs = staged_at,
        rejected,
        rejected_pct = 100.0 * ratio,
        "dumps read"
    );
    if ratio > options.max_reject_ratio {
        let rejects = run.table(Table::Rejects).url();
        run.keep_unpublished().await;
        bail!(
            "{rejected} of {rows_read} rows rejected ({:.3}%), above --max-reject-ratio {}; nothing published. \
             The rejects (file, line, reason) are kept in {}",
            100.0 * ratio,
            options.max_reject_ratio,
            rejects
        );
    }

    let files = stats
        .iter()
        .map(|s| (s.file.clone(), FileCounts { rows: s.rows, rejects: s.rejects, tsv_bytes: s.bytes }))
        .collect();
    manifest.inputs.push(InputRef { url: input.url(), fingerprint: input_fingerprint });
    manifest.set_metrics(&IngestMetrics {
        rows_read,
        rows_rejected: rejected,
        tsv_bytes,
        seconds,
        staging_seconds: staged_at,
        files,
    })?;
    run.publish(manifest).await
}

/// Parses, lays out and describes the tables of one run; returns the manifest to publish, the
/// per-file counts and when phase 1 ended. On the local engine, phase 1 stages only the patents,
/// applications and CPC titles; the layout's queries read the child tables' dump files directly.
async fn write_run(
    run: &RunWriter,
    files: Vec<crate::sources::DumpFile>,
    stores: &[&StoreLocation],
    options: &IngestOptions,
    parsed: &ParsedFiles,
) -> Result<(PublishedManifest, Vec<FileStats>, std::time::Instant)> {
    let staging = run.run.child("_staging");
    let scan_directly = options.engine.engine == Engine::Local;
    let (scanned, staged): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| scan_directly && sql::is_child(f.name.kind));
    stage_files(staged, &staging, &options.parse, parsed).await?;
    let staged_at = std::time::Instant::now();
    let ctx = session(&options.engine, stores).await?;
    layout::register_staging(&ctx, &staging, scan_directly.then_some(&scanned[..]), &options.parse, parsed).await?;
    layout::write_tables(&ctx, run, parsed).await?;
    staging.delete_all().await?;
    let mut manifest = new_manifest("ingest", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    for &t in schemas::catalogue::ingest::WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    Ok((manifest, parsed.all(), staged_at))
}
