//! Training speed of the model's backends side by side, in one run: burn-ndarray (pure Rust),
//! burn-tch on the CPU (built with `--features gpu`; see tests/gpu/setup.sh) and a PyTorch eager
//! reference with the same layers, sizes, batch, loss and optimizer (`pytorch_reference.py`, run by
//! the Python that `TORCH_PYTHON` names, default `.venv-torch/bin/python`), all on the same
//! examples, for a fixed number of Adam steps after a warm-up. Prints samples/s and the ratios to
//! PyTorch, and writes them to `target/bench-data/train-backends/<config>.json`.
//!
//!     cargo bench --workspace --features train/gpu,explore/gpu --bench backends -- [light|full|TOML] [STEPS]
//!
//! (the workspace's feature set: `-p train` alone would rebuild DataFusion with fewer features).
//!
//! The examples are drawn at the vocabulary sizes a config meets on the realistic corpus
//! (subclass codes: 673 and the special tokens; the config's claim vocabulary), with code sequences of
//! 1 to `max_codes - 2` codes and claims filling `max_text_len` tokens.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::optim::AdamConfig;
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use train::backend::{BackendJob, Compute};
use train::fit::{Example, StepSettings, TrainConfig, batch, train_step};
use train::run::RunConfig;
use train::vocab::{BOS, EOS, SPECIAL};

/// Subclasses of the real CPC scheme (the code vocabulary at the default level).
const SUBCLASSES: usize = 673;
/// Steps before the timing starts (allocations, libtorch's lazy initialisation).
const WARMUP: usize = 3;

/// What the PyTorch reference reads: the settings and the examples, in batch order.
#[derive(Serialize)]
struct Bench<'a> {
    settings: Settings<'a>,
    cpc_vocab: usize,
    text_vocab: usize,
    examples: Vec<ExampleJson<'a>>,
}

#[derive(Serialize)]
struct Settings<'a> {
    model: &'a train::ModelConfig,
    batch_size: usize,
    learning_rate: f64,
    beta: f64,
    lambda: f64,
    positive_weight: f64,
    warmup: usize,
    steps: usize,
    seed: u64,
}

#[derive(Serialize)]
struct ExampleJson<'a> {
    codes: &'a [usize],
    text: &'a [usize],
    l1: bool,
}

/// One backend's figures.
#[derive(Debug, Serialize)]
struct Measured {
    backend: String,
    samples_per_second: f64,
    seconds: f64,
    loss: f64,
}

/// `steps` training steps (after [`WARMUP`]) over `examples` in order, on one backend.
struct Timed<'a> {
    config: &'a TrainConfig,
    sizes: (usize, usize),
    examples: &'a [Example],
    steps: usize,
}

impl BackendJob for Timed<'_> {
    type Output = (f64, f64);

    /// Returns the seconds of the timed steps and the last joint loss.
    async fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<(f64, f64)> {
        let config = self.config;
        B::seed(&device, config.seed);
        let mut model = config.model.init::<B>(self.sizes.0, self.sizes.1, &device);
        let mut optimizer = AdamConfig::new().init();
        let settings = StepSettings {
            weights: config.loss_weights(usize::MAX, config.beta),
            class: config.class_weights(self.examples),
            freeze_predictor: false,
        };
        let batches: Vec<Vec<&Example>> = self.examples.chunks(config.batch_size).map(|c| c.iter().collect()).collect();
        let (mut started, mut loss) = (Instant::now(), 0.0);
        for step in 0..WARMUP + self.steps {
            if step == WARMUP {
                started = Instant::now();
            }
            let b = batch::<B>(&batches[step % batches.len()], &device);
            let (updated, _, total) = train_step(model, &mut optimizer, &b, config, &settings);
            model = updated;
            // Reading the loss waits for the step, as PyTorch's `float(loss)` does.
            loss = total.into_scalar().elem::<f64>();
        }
        Ok((started.elapsed().as_secs_f64(), loss))
    }
}

/// Examples at the config's sizes: codes drawn from the subclass vocabulary, claims filling
/// `max_text_len` tokens of the config's claim vocabulary, one in ten L1.
fn examples(config: &RunConfig, n: usize) -> (Vec<Example>, (usize, usize)) {
    let training = &config.training;
    let (cpc_vocab, text_vocab) = (SUBCLASSES + SPECIAL.len(), config.data.max_text_vocab);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let examples = (0..n)
        .map(|i| {
            let mut codes = vec![BOS];
            let count = rng.random_range(1..=training.max_codes.saturating_sub(2).max(1));
            codes.extend((0..count).map(|_| rng.random_range(SPECIAL.len()..cpc_vocab)));
            codes.push(EOS);
            let text = (0..training.model.max_text_len).map(|_| rng.random_range(SPECIAL.len()..text_vocab)).collect();
            Example { codes, text, l1: i % 10 == 0 }
        })
        .collect();
    (examples, (cpc_vocab, text_vocab))
}

/// Why the PyTorch reference, which mirrors the project's original model and training (one-way
/// one-layer GRUs, mean pooling, learned positions, Adam, the plain joint loss), cannot stand for
/// `config`; `None` when it can.
fn not_mirrored(config: &TrainConfig) -> Option<String> {
    let (m, t) = (&config.model, config);
    let original = m.cpc_layers == 1
        && !m.bidirectional
        && !m.two_way_decoder
        && m.cpc_summary == train::model::Summary::Mean
        && m.text_pooling == train::model::Pooling::Mean
        && m.text_positions == train::model::Positions::Learned
        && m.cpc_dropout == 0.0
        && !m.separate_decoder_embedding
        && m.predictor_layers == 1
        && m.latent_bias
        && t.optimizer == train::optim::OptimizerKind::Adam
        && t.gradient_clip_norm.is_none()
        && t.reconstruction == train::fit::Reconstruction::Mean
        && t.reconstruction_weight == 1.0
        && t.class_weights == train::fit::ClassWeighting::Ratio
        && t.teacher_forcing == 1.0;
    (!original).then(|| "the reference mirrors the light and full configs' model and training only".to_string())
}

/// Runs the PyTorch reference on `path` (its GRUs fused, or stepped like burn's with `unrolled_gru`);
/// the reason instead of figures when no PyTorch is installed or the reference does not mirror `config`.
fn pytorch(path: &Path, unrolled_gru: bool, config: &TrainConfig) -> Result<std::result::Result<Measured, String>> {
    if let Some(why) = not_mirrored(config) {
        return Ok(Err(why));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python =
        std::env::var("TORCH_PYTHON").map(PathBuf::from).unwrap_or_else(|_| root.join(".venv-torch/bin/python"));
    if !python.exists() {
        return Ok(Err(format!("{} not found: run tests/gpu/setup.sh, or set TORCH_PYTHON", python.display())));
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/pytorch_reference.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(path)
        .args(unrolled_gru.then_some("--unrolled-gru"))
        .output()
        .context("running the PyTorch reference")?;
    if !out.status.success() {
        bail!("the PyTorch reference failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8(out.stdout)?;
    let reply: serde_json::Value = serde_json::from_str(line.trim()).context("reading the reference's figures")?;
    let number = |key: &str| reply[key].as_f64().with_context(|| format!("the reference printed no {key}: {line}"));
    Ok(Ok(Measured {
        backend: format!(
            "PyTorch {} eager, {} threads{}",
            reply["torch"].as_str().unwrap_or("?"),
            reply["threads"],
            if unrolled_gru { ", GRUs stepped one time step at a time (GRUCell)" } else { "" }
        ),
        samples_per_second: number("samples_per_second")?,
        seconds: number("seconds")?,
        loss: number("loss")?,
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let name = args.first().map_or("light", String::as_str);
    let steps: usize = args.get(1).map_or(Ok(30), |s| s.parse()).context("STEPS is a whole number")?;
    let config = RunConfig::resolve(name)?;
    let training = &config.training;
    let (examples, sizes) = examples(&config, training.batch_size * (WARMUP + steps).min(50));
    let positive_weight = training.class_weights(&examples).l1;

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data/train-backends");
    std::fs::create_dir_all(&dir)?;
    let stem = Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or("config");
    let data = dir.join(format!("{stem}-examples.json"));
    let bench = Bench {
        settings: Settings {
            model: &training.model,
            batch_size: training.batch_size,
            learning_rate: training.learning_rate,
            beta: training.beta,
            lambda: training.lambda,
            positive_weight,
            warmup: WARMUP,
            steps,
            seed: training.seed,
        },
        cpc_vocab: sizes.0,
        text_vocab: sizes.1,
        examples: examples.iter().map(|e| ExampleJson { codes: &e.codes, text: &e.text, l1: e.l1 }).collect(),
    };
    std::fs::write(&data, serde_json::to_vec(&bench)?)?;
    println!(
        "{name} config: batch {}, {steps} timed steps after {WARMUP}, code vocabulary {}, claim vocabulary {}",
        training.batch_size, sizes.0, sizes.1
    );

    let mut measured = vec![];
    let computes = [
        Compute::NdArrayCpu,
        #[cfg(feature = "gpu")]
        Compute::TchCpu,
    ];
    for compute in computes {
        let (seconds, loss) = compute.run(Timed { config: training, sizes, examples: &examples, steps }).await?;
        let backend = match compute.name().as_str() {
            "cpu" => "burn-ndarray (CPU)".to_string(),
            "tch-cpu" => "burn-tch (libtorch, CPU)".to_string(),
            other => other.to_string(),
        };
        measured.push(Measured {
            backend,
            samples_per_second: (steps * training.batch_size) as f64 / seconds,
            seconds,
            loss,
        });
    }
    if !cfg!(feature = "gpu") {
        println!("burn-tch: not built (--features train/gpu,explore/gpu, with libtorch: tests/gpu/setup.sh)");
    }
    let reference = match pytorch(&data, false, training)? {
        Ok(m) => {
            measured.push(m);
            measured.last().map(|m| m.samples_per_second)
        }
        Err(why) => {
            println!("PyTorch: not run ({why})");
            None
        }
    };
    if reference.is_some() {
        // What the fused GRU kernel is worth: the same reference with burn's per-step GRU.
        measured.extend(pytorch(&data, true, training)?.ok());
    }

    println!("\n| backend | samples/s | timed seconds | last loss | vs PyTorch |");
    println!("|---|---:|---:|---:|---:|");
    for m in &measured {
        let ratio = reference.map_or("—".to_string(), |r| format!("{:.2}x", m.samples_per_second / r));
        println!("| {} | {:.0} | {:.2} | {:.3} | {ratio} |", m.backend, m.samples_per_second, m.seconds, m.loss);
    }
    let results = dir.join(format!("{stem}.json"));
    std::fs::write(&results, serde_json::to_vec_pretty(&measured)?)?;
    println!("\nwritten to {}", results.display());
    Ok(())
}
