//! `pipeline`: validates a DAG manifest, shows what a run would do (`plan`) and what the store holds
//! (`status`), and runs the stages (`run`). Exit codes: 0 success, 1 a stage failed or did not run,
//! 2 the manifest or command line is wrong, 130 interrupted.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use pipeline::{LoadOptions, Pipeline, RunOptions, plan, status};

#[derive(Parser)]
#[command(name = "pipeline", version, about = "Run the pipeline's stage binaries in dependency order, skipping what is up to date")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Validate the manifest, then run the stages that are not up to date, independent ones in parallel.
    Run {
        #[command(flatten)]
        target: Target,
        /// Stages running at once (default: the number of cores).
        #[arg(long, short, value_name = "N", default_value_t = default_jobs(), hide_default_value = true)]
        jobs: NonZeroUsize,
        /// Run these stages even when up to date (give MANIFEST before this option).
        #[arg(long, num_args = 1.., value_name = "STAGE")]
        force: Vec<String>,
    },
    /// Print each stage in order and whether a run would skip or run it, and why.
    Plan {
        #[command(flatten)]
        target: Target,
    },
    /// Print each stage's last run and its published output.
    Status {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Args)]
struct Target {
    /// The DAG manifest (TOML).
    #[arg(default_value = "pipeline/default.toml")]
    manifest: PathBuf,
    /// Store root for datasets, a path or URL; overrides the manifest's `root`.
    #[arg(long, env = "PIPELINE_ROOT", value_name = "URL")]
    root: Option<String>,
}

impl Target {
    fn load(&self, require_binaries: bool) -> Result<Pipeline> {
        Pipeline::load(&self.manifest, &LoadOptions { root: self.root.clone(), require_binaries })
    }
}

fn default_jobs() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

#[tokio::main]
async fn main() -> ExitCode {
    match dispatch(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Cmd::Run { target, jobs, force } => {
            let pipeline = target.load(true)?;
            let options = RunOptions { jobs: jobs.get(), force, progress_every: Duration::from_secs(10) };
            let summary = pipeline::run(&pipeline, &options).await?;
            eprint!("{}", summary.render());
            Ok(if summary.interrupted {
                ExitCode::from(130)
            } else if summary.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Cmd::Plan { target } => {
            let pipeline = target.load(true)?;
            let entries = plan::plan(&pipeline).await;
            print!("{}", plan::render(&pipeline, &entries));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Status { target } => {
            let pipeline = target.load(false)?;
            let statuses = status::collect(&pipeline).await?;
            print!("{}", status::render(&pipeline, &statuses));
            Ok(ExitCode::SUCCESS)
        }
    }
}
