//! `pipeline`: validates a DAG manifest, shows what a run would do (`plan`) and what the store holds
//! (`status`), runs the stages (`run`) and sweeps an explore option (`sweep`). Exit codes: 0
//! success, 1 a stage failed or did not run, 2 the manifest or command line is wrong, 130
//! interrupted.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use pipeline::manifest::Manifest;
use pipeline::{LoadOptions, Pipeline, RunOptions, export, plan, status, tables};
use stage_runtime::StoreLocation;
use stage_runtime::lease::LeaseOptions;

#[derive(Parser)]
#[command(
    name = "pipeline",
    version,
    about = "Run the pipeline's stage binaries in dependency order, skipping what is up to date"
)]
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
        /// When another runner holds the root, wait up to this long for it (e.g. `30m`) instead of failing.
        #[arg(long, env = "PIPELINE_LEASE_WAIT", value_name = "DURATION", value_parser = humantime::parse_duration)]
        wait_lease: Option<Duration>,
        /// Take over the root's lease even if its holder looks alive (only when that runner is known gone).
        #[arg(long)]
        break_lease: bool,
    },
    /// Run the manifest's exploration and validation once per value of one explore option (e.g. the
    /// threshold), gather them (`validation-sweep`: table `sweep_summary`, `summary.md`, charts) and
    /// print the headline figures per value. Stages already up to date are skipped.
    Sweep {
        #[command(flatten)]
        target: Target,
        /// The explore option to sweep, e.g. `threshold`, `step-size`, `iterations`.
        #[arg(long, default_value = "threshold")]
        option: String,
        /// Its values, comma-separated.
        #[arg(long, value_delimiter = ',', required = true, value_name = "V,V,...")]
        values: Vec<String>,
        /// The explore stage (default: the one stage running `explore`).
        #[arg(long)]
        explore_stage: Option<String>,
        /// The validate stage (default: the one stage running `validate` on the explore stage's output).
        #[arg(long)]
        validate_stage: Option<String>,
        /// Stages running at once (default: the number of cores).
        #[arg(long, short, value_name = "N", default_value_t = default_jobs(), hide_default_value = true)]
        jobs: NonZeroUsize,
    },
    /// Print each stage in order and whether a run would skip or run it, and why.
    Plan {
        #[command(flatten)]
        target: Target,
    },
    /// List every published table below the root (`<output>.<table>`, rows, bytes, files, location),
    /// or print DuckDB statements creating a view per table (`--duckdb`).
    Tables {
        #[command(flatten)]
        target: RootTarget,
        /// DuckDB `CREATE VIEW` statements instead of the list (pipe them into `duckdb`).
        #[arg(long)]
        duckdb: bool,
    },
    /// Run SQL over every published table below the root, each as `<output>.<table>` (runs
    /// `pipeline-sql`; `pipeline sql -- --help` lists its options: --format table|csv|json|parquet,
    /// --output FILE). Without a query, reads statements ending in `;` from standard input.
    Sql {
        #[command(flatten)]
        target: RootTarget,
        /// The query, then pipeline-sql's options.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "QUERY")]
        args: Vec<String>,
    },
    /// Print each stage's last run and its published output.
    Status {
        #[command(flatten)]
        target: Target,
        /// One Markdown table instead: per stage its last run's wall time, peak memory, and the rows
        /// and bytes of its published tables.
        #[arg(long)]
        table: bool,
    },
    /// Print deployment files generated from the manifest: an Argo Workflow and CronWorkflow, a
    /// Kubernetes ConfigMap, Job and CronJob, AWS Batch job definitions, or a Ballista cluster
    /// (scheduler and executors) for the SQL stages. Give --root the object store URL the cluster
    /// reads and writes (s3://bucket/prefix).
    Export {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Container image with the stage binaries and `pipeline` on PATH (deploy/Containerfile).
        #[arg(long)]
        image: String,
        /// Name (prefix) of the generated objects.
        #[arg(long, default_value = "patent-pipeline")]
        name: String,
        /// Kubernetes namespace.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Cron schedule of the scheduled full reruns (CronWorkflow, CronJob).
        #[arg(long, default_value = "0 3 1 * *")]
        schedule: String,
        /// CPUs per stage.
        #[arg(long, default_value_t = 4)]
        cpus: u32,
        /// Memory per stage, MiB.
        #[arg(long, default_value_t = 16384)]
        memory_mib: u32,
        /// NAME=VALUE passed to every stage (repeatable); never credentials.
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
        /// Ballista executors (--format ballista).
        #[arg(long, default_value_t = 2)]
        executors: u32,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Argo,
    Kubernetes,
    AwsBatch,
    Ballista,
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

/// The root of `tables` and `sql`: `--root`, else the manifest's.
#[derive(Args)]
struct RootTarget {
    /// Store root of the datasets, a path or URL (s3://bucket/prefix); default: the manifest's `root`.
    #[arg(long, env = "PIPELINE_ROOT", value_name = "URL")]
    root: Option<String>,
    /// The DAG manifest whose `root` is used when --root is not given (`data` when it does not exist).
    #[arg(long, default_value = "pipeline/default.toml")]
    manifest: PathBuf,
}

impl RootTarget {
    fn root(&self) -> Result<StoreLocation> {
        match &self.root {
            Some(root) => StoreLocation::parse(root),
            None if !self.manifest.exists() => StoreLocation::parse(pipeline::manifest::DEFAULT_ROOT),
            None => Ok(Pipeline::load(&self.manifest, &LoadOptions { root: None, require_binaries: false })?.root),
        }
    }
}

/// Runs `pipeline-sql` (beside this binary, else on PATH) on `root` with `args`; its exit code.
fn run_pipeline_sql(root: &StoreLocation, args: &[String]) -> Result<ExitCode> {
    let beside = std::env::current_exe()?.with_file_name("pipeline-sql");
    let program = if beside.exists() { beside } else { PathBuf::from("pipeline-sql") };
    let status = std::process::Command::new(&program)
        .arg("--root")
        .arg(root.url())
        .args(args)
        .status()
        .with_context(|| format!("running {} (is it built and installed beside pipeline?)", program.display()))?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

fn default_jobs() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

#[tokio::main]
async fn main() -> ExitCode {
    stage_runtime::telemetry::init_tracing();
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
        Cmd::Run { target, jobs, force, wait_lease, break_lease } => {
            let pipeline = target.load(true)?;
            let lease = LeaseOptions { wait: wait_lease.unwrap_or_default(), break_live: break_lease };
            let options = RunOptions { jobs: jobs.get(), force, progress_every: Duration::from_secs(10), lease };
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
        Cmd::Sweep { target, option, values, explore_stage, validate_stage, jobs } => {
            let request = pipeline::sweep::SweepRequest { option, values, explore_stage, validate_stage };
            let (manifest, output) = pipeline::sweep::extend(&Manifest::read(&target.manifest)?, &request)?;
            let load = LoadOptions { root: target.root.clone(), require_binaries: true };
            let pipeline = pipeline::manifest::validate(manifest, &target.manifest, &load)?;
            let options = RunOptions {
                jobs: jobs.get(),
                force: vec![],
                progress_every: Duration::from_secs(10),
                lease: LeaseOptions::default(),
            };
            let summary = pipeline::run(&pipeline, &options).await?;
            eprint!("{}", summary.render());
            if summary.interrupted {
                return Ok(ExitCode::from(130));
            } else if !summary.success() {
                return Ok(ExitCode::FAILURE);
            }
            let location = pipeline.root.child(&output);
            let published = stage_runtime::read_published(&location)
                .await?
                .with_context(|| format!("nothing is published at {}", location.url()))?;
            let run = published.run_location(&location);
            let table = run.get_bytes("summary.md").await?.context("the sweep wrote no summary.md")?;
            print!("{}", String::from_utf8_lossy(&table));
            eprintln!("sweep_summary, summary.md and the charts: {}", run.url());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Plan { target } => {
            let pipeline = target.load(true)?;
            let entries = plan::plan(&pipeline).await;
            print!("{}", plan::render(&pipeline, &entries));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Export { target, format, image, name, namespace, schedule, cpus, memory_mib, env, executors } => {
            let pipeline = target.load(false)?;
            let env = env
                .iter()
                .map(|pair| pair.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| anyhow::anyhow!("--env takes NAME=VALUE"))?;
            let options = export::ExportOptions { image, name, namespace, schedule, cpus, memory_mib, env, executors };
            let text = match format {
                ExportFormat::Argo => export::yaml_stream(&export::argo(&pipeline, &options)),
                ExportFormat::Kubernetes => {
                    let manifest_text = std::fs::read_to_string(&target.manifest)?;
                    export::yaml_stream(&export::kubernetes(&pipeline, &manifest_text, &options))
                }
                ExportFormat::AwsBatch => {
                    format!("{}\n", serde_json::to_string_pretty(&export::aws_batch(&pipeline, &options))?)
                }
                ExportFormat::Ballista => export::yaml_stream(&export::ballista(&options)),
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Tables { target, duckdb } => {
            let root = target.root()?;
            let tables = stage_runtime::catalog::published_tables(&root).await?;
            let text = if duckdb { tables::render_duckdb(&root, &tables) } else { tables::render_list(&root, &tables) };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Sql { target, args } => run_pipeline_sql(&target.root()?, &args),
        Cmd::Status { target, table } => {
            let pipeline = target.load(false)?;
            let statuses = status::collect(&pipeline).await?;
            let rendered = if table { status::render_table(&statuses) } else { status::render(&pipeline, &statuses) };
            print!("{rendered}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
