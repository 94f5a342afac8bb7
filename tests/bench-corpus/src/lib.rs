//! Generated corpora for the stage benchmarks: `patents` synthetic patents (seed 42), ingested to
//! Parquet once and cached under `target/bench-data/`, so repeated benchmark runs time only the
//! stage under test.

pub mod peer;

use std::path::{Path, PathBuf};

use anyhow::Result;
use ingest::parse::ParseOptions;
use ingest::run::IngestOptions;
use schemas::patentsview::DumpKind;
use stage_runtime::{EngineOptions, StoreLocation};
use synth_patentsview::{SynthConfig, generate};

/// The folder benchmark corpora and outputs are kept in (`target/bench-data/`).
pub fn bench_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data")
}

/// Ingest output of `patents` generated patents, with or without their claims, generating and
/// ingesting it first unless a published copy is cached.
pub fn ingested_corpus(
    patents: u64,
    claims: bool,
    engine: &EngineOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<StoreLocation> {
    let ingested = ingested_corpus_dir(patents, claims, engine, runtime)?;
    StoreLocation::parse(ingested.to_str().expect("UTF-8 path"))
}

/// The folder of [`ingested_corpus`], for tools that read it as plain files.
pub fn ingested_corpus_dir(
    patents: u64,
    claims: bool,
    engine: &EngineOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<PathBuf> {
    let name = if claims { format!("ingest-claims-{patents}") } else { format!("cooc-ingest-{patents}") };
    let ingested = bench_data().join(name);
    if !ingested.join("_published.json").exists() {
        prepare(patents, claims, &ingested, engine, runtime)?;
    }
    Ok(ingested)
}

/// The run folder that a local output's `_published.json` names.
pub fn published_run(output: &Path) -> Result<PathBuf> {
    let manifest: stage_runtime::PublishedManifest =
        serde_json::from_slice(&std::fs::read(output.join("_published.json"))?)?;
    Ok(output.join(manifest.run_prefix))
}

/// Generates `patents` patents and ingests them (claims dropped unless `claims`) into `ingested`.
fn prepare(
    patents: u64,
    claims: bool,
    ingested: &Path,
    engine: &EngineOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<()> {
    let raw = ingested.with_extension("raw");
    let _ = std::fs::remove_dir_all(&raw);
    std::fs::create_dir_all(&raw)?;
    eprintln!("generating {patents} patents into {}", raw.display());
    generate(&SynthConfig { patents, ..SynthConfig::default() }, &raw)?;
    if !claims {
        for entry in std::fs::read_dir(&raw)? {
            let path = entry?.path();
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("g_claims")) {
                std::fs::remove_file(path)?;
            }
        }
    }
    let options = IngestOptions {
        max_reject_ratio: 0.0,
        allow_missing: if claims { vec![] } else { vec![DumpKind::Claims] },
        parse: ParseOptions { max_record_bytes: 64 << 20, parallel_files: 2 },
        engine: engine.clone(),
        fingerprint: None,
    };
    let _ = std::fs::remove_dir_all(ingested);
    runtime.block_on(ingest::run::run(
        &StoreLocation::parse(raw.to_str().expect("UTF-8 path"))?,
        &StoreLocation::parse(ingested.to_str().expect("UTF-8 path"))?,
        &options,
    ))?;
    std::fs::remove_dir_all(&raw)?;
    Ok(())
}
