//! `validate`: reliability of the model and micro/macro validation of the explored technology
//! opportunities, from ingest's output (first `--input`), the labels stage's (second) and the
//! explore stage's (third); writes tables and an HTML report (`<run>/report/index.html`).

use std::process::ExitCode;

use anyhow::bail;
use clap::Parser;
use stage_runtime::{StageArgs, StoreLocation, run_stage};
use validate::{ValidateInputs, ValidateOptions, run};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Years after (and, for growth, before) an explored patent's grant year over which the
    /// suggested and original domains are compared.
    #[arg(long, default_value_t = 5)]
    macro_years: i32,
    /// Micro- and macro-validate only the explored patents whose search reached the threshold.
    #[arg(long)]
    reached_only: bool,
    /// Compare only patents whose citation window is complete (citing patents in the micro-, domain
    /// patents in the macro-validation).
    #[arg(long)]
    complete_windows_only: bool,
    /// Skip the HTML report.
    #[arg(long)]
    no_report: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("validate", async move {
        let [ingest, labels, explore] = cli.stage.inputs.as_slice() else {
            bail!("validate takes three inputs: --input INGEST --input LABELS --input EXPLORE");
        };
        let (ingest, labels, explore) =
            (StoreLocation::parse(ingest)?, StoreLocation::parse(labels)?, StoreLocation::parse(explore)?);
        let options = ValidateOptions {
            macro_years: cli.macro_years,
            reached_only: cli.reached_only,
            complete_windows_only: cli.complete_windows_only,
            report: !cli.no_report,
            engine: cli.stage.engine(),
            fingerprint: cli.stage.fingerprint.clone(),
        };
        let inputs = ValidateInputs { ingest: &ingest, labels: &labels, explore: &explore };
        let published = run(&inputs, &cli.stage.output_location()?, &options).await?;
        published.log_tables();
        Ok(())
    })
}
