//! `ingest`: PatentsView bulk dumps (zipped or plain TSV, current or legacy names) into the published
//! Parquet tables `patents`, `cpc`, `citations`, `claims`, `cpc_title` (from the optional
//! `g_cpc_title`; empty without it) and `rejects`.

use std::process::ExitCode;

use clap::Parser;
use ingest::parse::ParseOptions;
use ingest::run::{IngestOptions, run};
use schemas::patentsview::{DUMP_TABLES, DumpKind};
use stage_runtime::cli::parse_bytes;
use stage_runtime::{StageArgs, run_stage};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Fail, publishing nothing, when more than this share of input rows is rejected.
    #[arg(long, default_value_t = 0.01)]
    max_reject_ratio: f64,
    /// Dump tables that may be absent, by current name (e.g. `g_claims,g_application`).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    allow_missing: Vec<DumpKind>,
    /// Largest record accepted; bounds what an unterminated quote can swallow.
    #[arg(long, default_value = "64MiB", value_parser = parse_bytes)]
    max_record_bytes: u64,
    /// Dump files parsed at the same time (default: the number of cores).
    #[arg(long)]
    parallel_files: Option<usize>,
}

fn parse_kind(name: &str) -> Result<DumpKind, String> {
    DUMP_TABLES
        .iter()
        .find(|t| t.name == name || t.legacy_names.contains(&name))
        .map(|t| t.kind)
        .ok_or_else(|| format!("unknown dump table `{name}` (known: {})", DUMP_TABLES.map(|t| t.name).join(", ")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("ingest", async move {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let options = IngestOptions {
            max_reject_ratio: cli.max_reject_ratio,
            allow_missing: cli.allow_missing,
            parse: ParseOptions {
                max_record_bytes: cli.max_record_bytes as usize,
                parallel_files: cli.parallel_files.unwrap_or(cores),
            },
            engine: cli.stage.engine(),
            fingerprint: cli.stage.fingerprint.clone(),
        };
        let published = run(&cli.stage.single_input()?, &cli.stage.output_location()?, &options).await?;
        published.log_tables();
        Ok(())
    })
}
