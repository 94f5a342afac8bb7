//! `cooccurrence`: yearly cumulative CPC pair z-scores at group, subclass and class level, and
//! per-patent novelty features, from ingest's `cpc` (and `patents`) tables.

use std::process::ExitCode;

use clap::Parser;
use cooccurrence::{CoarseGraining, CooccurrenceOptions, Level, Marginals, YearField, run};
use stage_runtime::{StageArgs, run_stage};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Year that places a patent in the cumulative sets P(t).
    #[arg(long, value_enum, default_value = "grant")]
    year_field: YearField,
    /// Levels to compute, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "group,subclass,class")]
    levels: Vec<Level>,
    /// How group co-occurrence is carried to subclass and class: summed over pairs of distinct groups
    /// (Kim et al.), or groups mapped to classes and deduplicated first.
    #[arg(long, value_enum, default_value = "sum-code-pairs")]
    coarse_graining: CoarseGraining,
    /// How coarse mu and var are computed; `enumerate-pairs` is the naive reference (for benchmarks).
    #[arg(long, value_enum, default_value = "aggregates")]
    marginals: Marginals,
    /// Skip the SVG plots.
    #[arg(long)]
    no_plots: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("cooccurrence", async move {
        let options = CooccurrenceOptions {
            year_field: cli.year_field,
            levels: cli.levels,
            coarse_graining: cli.coarse_graining,
            marginals: cli.marginals,
            plots: !cli.no_plots,
            engine: cli.stage.engine(),
            fingerprint: cli.stage.fingerprint.clone(),
        };
        let published = run(&cli.stage.single_input()?, &cli.stage.output_location()?, &options).await?;
        published.log_tables();
        Ok(())
    })
}
