//! `validation-sweep`: gathers one exploration and validation per value of an explore setting into
//! `sweep_summary`, `summary.md` and two charts. Inputs come in pairs, one pair per value in
//! `--values` order: the explore output, then the validate output run on it. `pipeline sweep` writes
//! this stage (and the runs it gathers) for you.

use std::process::ExitCode;

use anyhow::{bail, ensure};
use clap::Parser;
use stage_runtime::{StageArgs, StoreLocation, run_stage};
use validate::sweep::{SweepOptions, SweepPoint, run};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// The explore option swept, e.g. `threshold`.
    #[arg(long)]
    parameter: String,
    /// Its values, in the order of the input pairs.
    #[arg(long, value_delimiter = ',', required = true)]
    values: Vec<f64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("validation-sweep", async move {
        let locations = cli.stage.inputs.iter().map(|i| StoreLocation::parse(i)).collect::<anyhow::Result<Vec<_>>>()?;
        ensure!(
            locations.len() == 2 * cli.values.len(),
            "validation-sweep takes one --input pair (explore output, validate output) per value: {} values, {} inputs",
            cli.values.len(),
            locations.len()
        );
        if cli.values.iter().any(|v| !v.is_finite()) {
            bail!("--values must be finite numbers");
        }
        let points: Vec<SweepPoint> = cli
            .values
            .iter()
            .zip(locations.chunks(2))
            .map(|(&value, pair)| SweepPoint { value, exploration: &pair[0], validation: &pair[1] })
            .collect();
        let options = SweepOptions {
            parameter: cli.parameter.clone(),
            engine: cli.stage.engine(),
            fingerprint: cli.stage.fingerprint.clone(),
        };
        let published = run(&points, &cli.stage.output_location()?, &options).await?;
        published.log_tables();
        Ok(())
    })
}
