//! `train`: trains the generative-predictive model on ingest's output (first `--input`) and the
//! labels stage's output (second `--input`), on the CPU (burn-ndarray) or, when built with the
//! `gpu` feature, through libtorch (burn-tch) on the CPU or CUDA.

use std::process::ExitCode;

use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;
use clap::Parser;
use stage_runtime::{PublishedManifest, StageArgs, StoreLocation, run_stage};
use train::backend::{BackendJob, Compute};
use train::run::{RunConfig, TrainOptions, run};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Training config: a built-in one by name (`light`: small, for CPU; `full`: corpus scale;
    /// `paper`: the reference paper's model and training; see stages/train/configs/) or a TOML file
    /// by path.
    #[arg(long, value_name = "NAME|TOML", default_value = "light")]
    config: String,
    /// `cpu`, or `cuda` / `cuda:N` (needs a build with `--features gpu` and libtorch).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// `ndarray` (pure Rust, CPU only) or `tch` (libtorch; needs a build with `--features gpu`).
    /// Default: ndarray on the CPU, tch on CUDA.
    #[arg(long, value_name = "ndarray|tch")]
    backend: Option<String>,
    /// Train, test and publish a fixed sample of this share of the labelled patents (overrides the
    /// config's `[data] sample_share`; for a documented subset of a large corpus).
    #[arg(long, value_name = "SHARE")]
    sample_share: Option<f64>,
    /// Train at most this many epochs (overrides the config's `[training] epochs`; for a bounded
    /// run such as the GPU check).
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Skip the SVG plots.
    #[arg(long)]
    no_plots: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("train", train(cli))
}

async fn train(cli: Cli) -> Result<()> {
    let [ingest, labels] = cli.stage.inputs.as_slice() else {
        bail!("train takes two inputs: --input INGEST --input LABELS");
    };
    let (ingest, labels) = (StoreLocation::parse(ingest)?, StoreLocation::parse(labels)?);
    let output = cli.stage.output_location()?;
    let mut config = RunConfig::resolve(&cli.config)?;
    if let Some(share) = cli.sample_share {
        config.data.sample_share = share;
    }
    if let Some(epochs) = cli.epochs {
        config.training.epochs = epochs;
    }
    let compute = Compute::parse(cli.backend.as_deref(), &cli.device)?;
    let options = TrainOptions {
        config,
        device_name: compute.name(),
        plots: !cli.no_plots,
        engine: cli.stage.engine(),
        fingerprint: cli.stage.fingerprint.clone(),
    };
    let published = compute.run(Train { ingest: &ingest, labels: &labels, output: &output, options: &options }).await?;
    published.log_tables();
    Ok(())
}

/// The stage's run, on the chosen backend.
struct Train<'a> {
    ingest: &'a StoreLocation,
    labels: &'a StoreLocation,
    output: &'a StoreLocation,
    options: &'a TrainOptions,
}

impl BackendJob for Train<'_> {
    type Output = PublishedManifest;

    async fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<PublishedManifest> {
        run::<B>(self.ingest, self.labels, self.output, self.options, device).await
    }
}
