//! `synth-patentsview`: generates a deterministic synthetic PatentsView bulk dump in a local temporary
//! folder, uploads its files to a fresh run of `--output` and publishes them (see `stage_runtime::publish`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use object_store::buffered::BufWriter;
use schemas::metrics::SynthMetrics;
use schemas::patentsview::DumpFileName;
use stage_runtime::{FileEntry, RunWriter, StageArgs, StoreLocation, TableEntry};
use synth_patentsview::{SynthConfig, SynthSummary, generate, ground_truth};
use tokio::io::AsyncWriteExt;

/// Writes a synthetic PatentsView bulk dump (g_patent, g_application, g_cpc_current,
/// g_us_patent_citation, g_claims_YYYY, g_cpc_title as zipped quoted TSV) to --output. Takes no --input.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    #[command(flatten)]
    config: SynthConfig,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    stage_runtime::run_stage("synth", run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    if !cli.stage.inputs.is_empty() {
        bail!("synth generates its data and takes no --input");
    }
    let output = cli.stage.output_location()?;
    let local = match &cli.stage.spill_dir {
        Some(dir) => tempfile::TempDir::new_in(dir),
        None => tempfile::TempDir::new(),
    }
    .context("creating a temporary folder")?;

    let started = std::time::Instant::now();
    let (config, dir) = (cli.config.clone(), local.path().to_path_buf());
    let summary = tokio::task::spawn_blocking(move || generate(&config, &dir)).await??;
    let generate_seconds = started.elapsed().as_secs_f64();

    let run = RunWriter::begin(&output).await?;
    let tables = match upload(&run.run, local.path(), &summary).await {
        Ok(tables) => tables,
        Err(e) => {
            run.abandon().await;
            return Err(e);
        }
    };
    let mut manifest = stage_runtime::new_manifest("synth", env!("CARGO_PKG_VERSION"), cli.stage.fingerprint.clone());
    manifest.tables = tables;
    let serde_json::Value::Object(settings) = cli.config.describe() else { unreachable!("settings are an object") };
    manifest.set_metrics(&SynthMetrics { settings, malformed_rows: summary.malformed, generate_seconds })?;
    let published = run.publish(manifest).await?;
    let files = summary.files.len() + summary.ground_truth.len();
    tracing::info!(files, run = %published.run_id, output = %output.url(), "published");
    Ok(())
}

/// Uploads every file directly into the run folder and describes them, grouped by dump table; the
/// ground-truth files are the table `ground_truth`.
async fn upload(run: &StoreLocation, local: &Path, summary: &SynthSummary) -> Result<BTreeMap<String, TableEntry>> {
    let mut tables: BTreeMap<String, TableEntry> = BTreeMap::new();
    let dumps = summary.files.iter().map(|(name, rows)| (name, rows, false));
    for (name, rows, truth) in dumps.chain(summary.ground_truth.iter().map(|(name, rows)| (name, rows, true))) {
        let bytes = upload_file(run, &local.join(name), name).await.with_context(|| format!("uploading {name}"))?;
        let (table, format) = match truth {
            true => (ground_truth::FOLDER.to_string(), "ground-truth"),
            false => (
                DumpFileName::parse(name).context("generated an unrecognised file name")?.kind.table().name.to_string(),
                "tsv.zip",
            ),
        };
        let table = tables.entry(table).or_insert_with(|| TableEntry {
            format: format.into(),
            schema_version: None,
            partition_by: vec![],
            rows: 0,
            bytes: 0,
            files: vec![],
        });
        table.rows += rows;
        table.bytes += bytes;
        table.files.push(FileEntry { path: name.clone(), rows: *rows, bytes });
    }
    Ok(tables)
}

/// Streams a local file to `run/name` (one put when small, a multipart upload when large).
async fn upload_file(run: &StoreLocation, path: &Path, name: &str) -> Result<u64> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut writer = BufWriter::new(run.store.clone(), run.path(name));
    let bytes = tokio::io::copy(&mut file, &mut writer).await?;
    writer.shutdown().await?;
    Ok(bytes)
}
