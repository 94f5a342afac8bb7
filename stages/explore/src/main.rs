//! `explore`: gradient ascent in the trained model's latent space toward a higher predicted P(L1),
//! from ingest's output (first `--input`), the labels stage's (second) and the train stage's
//! (third); on the CPU (burn-ndarray) or, when built with the `gpu` feature, on CUDA (burn-tch).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Parser;
use explore::{AscentSettings, Decoding, ExploreInputs, ExploreOptions, Explored, run};
use stage_runtime::{StageArgs, StoreLocation, run_stage};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Multiplier of the gradient of P(L1) in each step.
    #[arg(long, default_value_t = 40.0)]
    step_size: f64,
    /// Most gradient steps per patent.
    #[arg(long, default_value_t = 30)]
    iterations: usize,
    /// A patent's search stops once its predicted P(L1) reaches this.
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Which decoding of the end point gives the suggested code set (both are published).
    #[arg(long, value_enum, default_value = "beam")]
    decoding: Decoding,
    /// Hypotheses kept per patent by the beam search.
    #[arg(long, default_value_t = 5)]
    beam_width: usize,
    /// Which of the model's labelled patents to explore, by their training split.
    #[arg(long, value_enum, default_value = "test")]
    patents: Explored,
    /// Explore at most this many patents (the first by patent id).
    #[arg(long)]
    limit: Option<usize>,
    /// Patents per batch through the model.
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    /// `cpu`, or `cuda` / `cuda:N` (needs a build with `--features gpu` and libtorch).
    #[arg(long, default_value = "cpu")]
    device: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("explore", explore(cli))
}

async fn explore(cli: Cli) -> Result<()> {
    let [ingest, labels, model] = cli.stage.inputs.as_slice() else {
        bail!("explore takes three inputs: --input INGEST --input LABELS --input MODEL");
    };
    let (ingest, labels, model) =
        (StoreLocation::parse(ingest)?, StoreLocation::parse(labels)?, StoreLocation::parse(model)?);
    let inputs = ExploreInputs { ingest: &ingest, labels: &labels, model: &model };
    let output = cli.stage.output_location()?;
    let options = ExploreOptions {
        ascent: AscentSettings { step_size: cli.step_size, iterations: cli.iterations, threshold: cli.threshold },
        decoding: cli.decoding,
        beam_width: cli.beam_width,
        explored: cli.patents,
        limit: cli.limit,
        batch_size: cli.batch_size,
        device_name: cli.device.clone(),
        engine: cli.stage.engine(),
        fingerprint: cli.stage.fingerprint.clone(),
    };
    let published = match cli.device.as_str() {
        "cpu" => {
            type Cpu = burn::backend::Autodiff<burn::backend::NdArray<f32>>;
            run::<Cpu>(&inputs, &output, &options, Default::default()).await?
        }
        cuda if cuda.starts_with("cuda") => gpu(cuda, &inputs, &output, &options).await?,
        other => bail!("unknown --device {other}: use cpu or cuda[:N]"),
    };
    published.log_tables();
    Ok(())
}

#[cfg(feature = "gpu")]
async fn gpu(
    name: &str,
    inputs: &ExploreInputs<'_>,
    output: &StoreLocation,
    options: &ExploreOptions,
) -> Result<stage_runtime::PublishedManifest> {
    type Gpu = burn::backend::Autodiff<burn::backend::LibTorch<f32>>;
    let index = name.strip_prefix("cuda:").map(str::parse).transpose()?.unwrap_or(0);
    run::<Gpu>(inputs, output, options, burn::backend::libtorch::LibTorchDevice::Cuda(index)).await
}

#[cfg(not(feature = "gpu"))]
async fn gpu(
    name: &str,
    _: &ExploreInputs<'_>,
    _: &StoreLocation,
    _: &ExploreOptions,
) -> Result<stage_runtime::PublishedManifest> {
    bail!(
        "--device {name}: this binary was built without the `gpu` feature (cargo build --release -p explore --features gpu, with libtorch; see the README)"
    )
}
