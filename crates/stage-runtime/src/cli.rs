//! The command-line shape every stage shares, and the wrapper that runs a stage's body with tracing,
//! a span named after the stage, and a clear error and exit code on failure.

use std::future::Future;
use std::path::PathBuf;

use anyhow::{Result, bail};
use tracing::Instrument;

use crate::engine::{Engine, EngineOptions};
use crate::store::StoreLocation;

/// Options common to all stages: `--input URL` (repeatable), `--output URL`, the engine and its limits.
#[derive(clap::Args, Debug, Clone)]
pub struct StageArgs {
    /// Input dataset: a path or URL (file://, s3://, gs://, az://, memory://). Repeat for several.
    #[arg(long = "input", value_name = "URL")]
    pub inputs: Vec<String>,
    /// Output dataset: a path or URL. The stage publishes it atomically (see `_published.json`).
    #[arg(long, value_name = "URL")]
    pub output: String,
    /// Fingerprint of this invocation, recorded in the published manifest (set by `pipeline run`).
    #[arg(long, env = "PIPELINE_FINGERPRINT", value_name = "HEX")]
    pub fingerprint: Option<String>,
    /// Where the SQL runs: `local` (DataFusion in this process), `standalone` (Ballista inside this
    /// process) or `df://host:port` (a Ballista scheduler; the executors must reach the same stores).
    #[arg(long, env = "PIPELINE_ENGINE", default_value = "local", value_name = "ENGINE")]
    pub engine: Engine,
    /// Partitions per query plan (default: this machine's cores locally, 16 on Ballista). On a
    /// cluster, about the executors' cores together.
    #[arg(long, value_name = "N")]
    pub target_partitions: Option<usize>,
    /// Memory the SQL engine may use before spilling, e.g. `512MiB`, `4GiB`.
    #[arg(long, default_value = "2GiB", value_parser = parse_bytes, value_name = "SIZE")]
    pub memory_limit: u64,
    /// Folder for spill files (default: the system temp folder).
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
}

impl StageArgs {
    pub fn output_location(&self) -> Result<StoreLocation> {
        StoreLocation::parse(&self.output)
    }

    /// The single input of a one-input stage.
    pub fn single_input(&self) -> Result<StoreLocation> {
        match self.inputs.as_slice() {
            [one] => StoreLocation::parse(one),
            [] => bail!("--input URL is required"),
            many => bail!("this stage takes one --input, got {}", many.len()),
        }
    }

    pub fn engine(&self) -> EngineOptions {
        EngineOptions {
            engine: self.engine.clone(),
            memory_limit: self.memory_limit,
            spill_dir: self.spill_dir.clone(),
            target_partitions: self.target_partitions,
        }
    }
}

/// Parses `1024`, `64KiB`, `512MiB`, `2GiB`, `1GB`, ...
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().map_err(|_| format!("`{s}` is not a size like 512MiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit `{other}`")),
    };
    Ok((num * mult) as u64)
}

/// Stack size of the stage runtime's threads. Planning and (de)serialising deep query plans
/// recurses, more so on Ballista (an in-process scheduler plans on these threads), and the 2 MiB
/// default overflows on the stages' larger queries.
const STACK_BYTES: usize = 32 << 20;

/// Runs a stage body on a multi-threaded runtime inside a `stage` span, logging its duration; the
/// error, with its causes, is printed and turned into exit code 1.
pub fn run_stage<F>(stage: &'static str, body: F) -> std::process::ExitCode
where
    F: Future<Output = Result<()>>,
{
    crate::telemetry::init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(STACK_BYTES).build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: {stage}: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let span = tracing::info_span!("stage", name = stage);
    match runtime.block_on(body.instrument(span)) {
        Ok(()) => {
            let peak = crate::telemetry::peak_memory_bytes().map(crate::telemetry::human_bytes);
            tracing::info!(
                stage,
                secs = started.elapsed().as_secs_f64(),
                peak_memory = peak.as_deref().unwrap_or("unknown"),
                "finished"
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            let e = explain_full_disk(e);
            tracing::error!(stage, error = %format!("{e:#}"), "failed");
            eprintln!("error: {stage}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Says which disks may be full, and what to do, on an error that reports a full one: the error
/// itself (from a spill file or an output file, through DataFusion) does not say which.
fn explain_full_disk(e: anyhow::Error) -> anyhow::Error {
    if !format!("{e:#}").contains("No space left on device") {
        return e;
    }
    e.context(format!(
        "a disk is full: the spill folder's (--spill-dir, default the system temp folder {}) or the output's; \
         nothing was published. Free space, point --spill-dir at a larger disk or raise --memory-limit, and rerun",
        std::env::temp_dir().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::{explain_full_disk, parse_bytes};

    #[test]
    fn full_disks_are_explained() {
        let full = anyhow::anyhow!("IO error: No space left on device (os error 28)").context("writing table claims");
        let text = format!("{:#}", explain_full_disk(full));
        assert!(text.starts_with("a disk is full: the spill folder's (--spill-dir"), "{text}");
        assert!(text.ends_with("writing table claims: IO error: No space left on device (os error 28)"), "{text}");
        assert_eq!(explain_full_disk(anyhow::anyhow!("other")).to_string(), "other");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert_eq!(parse_bytes("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("1.5 MB"), Ok(1_500_000));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("3 parsecs").is_err());
    }
}
