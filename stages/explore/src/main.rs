//! `explore`: gradient ascent in the trained model's latent space toward a higher predicted P(L1),
//! from ingest's output (first `--input`), the labels stage's (second) and the train stage's
//! (third); on the CPU (burn-ndarray) or, when built with the `gpu` feature, through libtorch
//! (burn-tch) on the CPU or CUDA.

use std::process::ExitCode;

use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;
use clap::Parser;
use explore::{AscentSettings, Decoding, ExploreInputs, ExploreOptions, Explored, run};
use stage_runtime::{PublishedManifest, StageArgs, StoreLocation, run_stage};
use train::backend::{BackendJob, Compute};

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
    /// End one step past the point that reached the threshold (the reference paper's search).
    #[arg(long)]
    step_past_threshold: bool,
    /// Which decoding of the end point gives the suggested code set (both are published).
    #[arg(long, value_enum, default_value = "beam")]
    decoding: Decoding,
    /// Hypotheses kept per patent by the beam search.
    #[arg(long, default_value_t = 5)]
    beam_width: usize,
    /// Which of the model's labelled patents to explore, by their training split.
    #[arg(long, value_enum, default_value = "test")]
    patents: Explored,
    /// Explore only patents with at least one forward citation in their label window (the
    /// reference paper explored cited test patents only).
    #[arg(long)]
    cited_only: bool,
    /// Explore at most this many patents (the first by patent id).
    #[arg(long)]
    limit: Option<usize>,
    /// Patents per batch through the model.
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    /// `cpu`, or `cuda` / `cuda:N` (needs a build with `--features gpu` and libtorch).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// `ndarray` (pure Rust, CPU only) or `tch` (libtorch; needs a build with `--features gpu`).
    /// Default: ndarray on the CPU, tch on CUDA.
    #[arg(long, value_name = "ndarray|tch")]
    backend: Option<String>,
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
    let compute = Compute::parse(cli.backend.as_deref(), &cli.device)?;
    let options = ExploreOptions {
        ascent: AscentSettings {
            step_size: cli.step_size,
            iterations: cli.iterations,
            threshold: cli.threshold,
            step_past_threshold: cli.step_past_threshold,
        },
        decoding: cli.decoding,
        beam_width: cli.beam_width,
        explored: cli.patents,
        cited_only: cli.cited_only,
        limit: cli.limit,
        batch_size: cli.batch_size,
        device_name: compute.name(),
        engine: cli.stage.engine(),
        fingerprint: cli.stage.fingerprint.clone(),
    };
    let published = compute.run(Explore { inputs: &inputs, output: &output, options: &options }).await?;
    published.log_tables();
    Ok(())
}

/// The stage's run, on the chosen backend.
struct Explore<'a> {
    inputs: &'a ExploreInputs<'a>,
    output: &'a StoreLocation,
    options: &'a ExploreOptions,
}

impl BackendJob for Explore<'_> {
    type Output = PublishedManifest;

    async fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<PublishedManifest> {
        run::<B>(self.inputs, self.output, self.options, device).await
    }
}
