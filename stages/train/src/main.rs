//! `train`: trains the generative-predictive model on ingest's output (first `--input`) and the
//! labels stage's output (second `--input`), on the CPU (burn-ndarray) or, when built with the
//! `gpu` feature, on CUDA through libtorch (burn-tch).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Parser;
use stage_runtime::{StageArgs, StoreLocation, run_stage};
use train::run::{RunConfig, TrainOptions, run};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Training config: a built-in one by name (`light`: small, for CPU; `full`: corpus scale, see
    /// stages/train/configs/) or a TOML file by path.
    #[arg(long, value_name = "NAME|TOML", default_value = "light")]
    config: String,
    /// `cpu`, or `cuda` / `cuda:N` (needs a build with `--features gpu` and libtorch).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Train, test and publish a fixed sample of this share of the labelled patents (overrides the
    /// config's `[data] sample_share`; for a documented subset of a large corpus).
    #[arg(long, value_name = "SHARE")]
    sample_share: Option<f64>,
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
    let options = TrainOptions {
        config,
        device_name: cli.device.clone(),
        plots: !cli.no_plots,
        engine: cli.stage.engine(),
        fingerprint: cli.stage.fingerprint.clone(),
    };
    let published = match cli.device.as_str() {
        "cpu" => {
            type Cpu = burn::backend::Autodiff<burn::backend::NdArray<f32>>;
            run::<Cpu>(&ingest, &labels, &output, &options, Default::default()).await?
        }
        cuda if cuda.starts_with("cuda") => gpu(cuda, &ingest, &labels, &output, &options).await?,
        other => bail!("unknown --device {other}: use cpu or cuda[:N]"),
    };
    published.log_tables();
    Ok(())
}

#[cfg(feature = "gpu")]
async fn gpu(
    name: &str,
    ingest: &StoreLocation,
    labels: &StoreLocation,
    output: &StoreLocation,
    options: &TrainOptions,
) -> Result<stage_runtime::PublishedManifest> {
    type Gpu = burn::backend::Autodiff<burn::backend::LibTorch<f32>>;
    let index = name.strip_prefix("cuda:").map(str::parse).transpose()?.unwrap_or(0);
    run::<Gpu>(ingest, labels, output, options, burn::backend::libtorch::LibTorchDevice::Cuda(index)).await
}

#[cfg(not(feature = "gpu"))]
async fn gpu(
    name: &str,
    _: &StoreLocation,
    _: &StoreLocation,
    _: &StoreLocation,
    _: &TrainOptions,
) -> Result<stage_runtime::PublishedManifest> {
    bail!(
        "--device {name}: this binary was built without the `gpu` feature (cargo build --release -p train --features gpu, with libtorch; see the README)"
    )
}
