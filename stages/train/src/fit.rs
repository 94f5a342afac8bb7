//! The training loop, generic over burn's autodiff backends: seeded shuffling into batches, Adam,
//! KL annealing, per-epoch validation (losses, accuracy, precision, recall, F1 and ROC-AUC of the L1
//! prediction, the Jaccard similarity of greedy reconstructions, and the KL of each latent
//! dimension with the number of active dimensions), early stopping on the validation loss, keeping
//! the best epoch's weights. Each epoch shows its progress (batches, samples/s, ETA): a bar on a
//! terminal, a line every few seconds in logs.

use std::collections::BTreeSet;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::{Batch, Losses, Model, ModelConfig};
use crate::vocab::{PAD, SPECIAL};
use stats::{Confusion, jaccard};

/// How the model is trained; the training config file (`[model]` holds the sizes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Model sizes.
    pub model: ModelConfig,
    /// Longest CPC code sequence used (codes after it are dropped).
    pub max_codes: usize,
    /// Passes over the training split at most.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Weight of the KL term once annealed.
    pub beta: f64,
    /// Steps over which beta rises linearly from 0 to `beta`.
    pub kl_anneal_steps: usize,
    /// Weight of the prediction loss.
    pub lambda: f64,
    /// Weight of L1 examples in the prediction loss; `None`: the L2/L1 ratio of the training split.
    pub positive_weight: Option<f64>,
    /// Stop after this many epochs without a better validation loss.
    pub patience: usize,
    /// Probability of replacing each teacher-forced decoder input code by UNK while training (see
    /// [`Batch::with_word_dropout`]); 0 turns it off.
    #[serde(default)]
    pub word_dropout: f64,
    /// Seed of the initialisation, the shuffling and the sampling.
    pub seed: u64,
}

/// One example, encoded as vocabulary ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// BOS, code ids, EOS.
    pub codes: Vec<usize>,
    /// Claim token ids (may be empty).
    pub text: Vec<usize>,
    /// Whether the patent is L1.
    pub l1: bool,
}

/// Metrics of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub beta: f64,
    pub train_loss: f64,
    pub train_reconstruction: f64,
    pub train_kl: f64,
    pub train_prediction: f64,
    pub validation_loss: f64,
    pub validation_reconstruction: f64,
    pub validation_kl: f64,
    pub validation_prediction: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub roc_auc: Option<f64>,
    pub reconstruction_jaccard: f64,
    pub active_dimensions: usize,
    pub samples_per_second: f64,
    pub seconds: f64,
}

/// Pads `examples` into a batch on `device`.
pub fn batch<B: Backend>(examples: &[&Example], device: &B::Device) -> Batch<B> {
    let pad = |rows: Vec<&Vec<usize>>, min: usize| -> Tensor<B, 2, Int> {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(min);
        let mut data = vec![PAD as i64; rows.len() * width];
        for (i, row) in rows.iter().enumerate() {
            for (j, &id) in row.iter().enumerate() {
                data[i * width + j] = id as i64;
            }
        }
        Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
    };
    Batch {
        cpc: pad(examples.iter().map(|e| &e.codes).collect(), 2),
        text: pad(examples.iter().map(|e| &e.text).collect(), 1),
        label: Tensor::from_data(
            TensorData::new(examples.iter().map(|e| e.l1 as i32 as f32).collect::<Vec<_>>(), [examples.len()]),
            device,
        ),
        decoder_inputs: None,
    }
}

fn scalar<B: Backend>(t: Tensor<B, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

/// Sums of the loss terms over batches, weighted by batch size.
#[derive(Default)]
struct LossSums {
    examples: usize,
    total: f64,
    reconstruction: f64,
    kl: f64,
    prediction: f64,
}

impl LossSums {
    /// Adds a batch of `n` examples: its loss terms and its joint loss `total`.
    fn add<B: Backend>(&mut self, n: usize, losses: &Losses<B>, total: &Tensor<B, 1>) {
        let weight = n as f64;
        self.examples += n;
        self.total += scalar(total.clone()) * weight;
        self.reconstruction += scalar(losses.reconstruction.clone()) * weight;
        self.kl += scalar(losses.kl.clone()) * weight;
        self.prediction += scalar(losses.prediction.clone()) * weight;
    }

    fn mean(&self) -> LossesMean {
        let n = self.examples.max(1) as f64;
        LossesMean {
            total: self.total / n,
            reconstruction: self.reconstruction / n,
            kl: self.kl / n,
            prediction: self.prediction / n,
        }
    }
}

/// The L2/L1 ratio of `examples` (1 when either class is missing).
pub fn class_ratio(examples: &[Example]) -> f64 {
    let l1 = examples.iter().filter(|e| e.l1).count();
    if l1 == 0 || l1 == examples.len() { 1.0 } else { (examples.len() - l1) as f64 / l1 as f64 }
}

/// A latent dimension is *active* when its posterior mean varies over the examples by more than
/// this variance (Burda et al.'s activity criterion): a collapsed dimension has mu ~ 0 for all.
pub const ACTIVE_VARIANCE: f64 = 0.01;

/// How a model does on a split.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Loss terms at z = mu.
    pub losses: LossesMean,
    /// The L1 prediction at P > 0.5.
    pub confusion: Confusion,
    /// ROC-AUC of P(L1); `None` without both classes.
    pub roc_auc: Option<f64>,
    /// Mean Jaccard similarity of each input code set and its greedy reconstruction.
    pub reconstruction_jaccard: f64,
    /// Mean KL(q(z_j|x) || N(0, 1)) of each latent dimension j.
    pub kl_per_dimension: Vec<f64>,
    /// Dimensions whose mu varies over the examples by more than [`ACTIVE_VARIANCE`].
    pub active_dimensions: usize,
}

/// Evaluates `model` on `examples` (see [`Evaluation`]).
pub fn evaluate<B: Backend>(
    model: &Model<B>,
    examples: &[Example],
    config: &TrainConfig,
    beta: f64,
    positive_weight: f64,
    device: &B::Device,
) -> Evaluation {
    let mut sums = LossSums::default();
    let mut confusion = Confusion::default();
    let mut scores: Vec<(f64, u64, u64)> = Vec::with_capacity(examples.len());
    let mut jaccard_sum = 0.0;
    let latent = config.model.latent;
    let (mut kl, mut mu_sum, mut mu_squares) = (vec![0.0; latent], vec![0.0; latent], vec![0.0; latent]);
    for chunk in examples.chunks(config.batch_size.max(1)) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let b = batch::<B>(&refs, device);
        let out = model.forward(&b, false);
        let l = model.losses(&b, &out, positive_weight);
        sums.add(chunk.len(), &l, &l.total(beta, config.lambda));
        let logits: Vec<f32> = out.impact_logit.into_data().convert::<f32>().to_vec().expect("float data");
        for (e, logit) in chunk.iter().zip(logits) {
            confusion.add(logit > 0.0, e.l1);
            scores.push((logit as f64, e.l1 as u64, !e.l1 as u64));
        }
        let mu: Vec<f32> = out.mu.clone().into_data().convert::<f32>().to_vec().expect("float data");
        let log_var: Vec<f32> = out.log_var.into_data().convert::<f32>().to_vec().expect("float data");
        for (i, (&m, &v)) in mu.iter().zip(&log_var).enumerate() {
            let (j, m, v) = (i % latent, m as f64, v as f64);
            kl[j] += 0.5 * (m * m + v.exp() - 1.0 - v);
            mu_sum[j] += m;
            mu_squares[j] += m * m;
        }
        let decoded = model.decode_greedy(out.mu, config.max_codes);
        for (e, d) in chunk.iter().zip(decoded) {
            let input: BTreeSet<usize> = e.codes.iter().copied().filter(|&c| c >= SPECIAL.len()).collect();
            jaccard_sum += jaccard(&input, &d.into_iter().collect());
        }
    }
    let n = examples.len().max(1) as f64;
    let variance = |j: usize| mu_squares[j] / n - (mu_sum[j] / n).powi(2);
    Evaluation {
        losses: sums.mean(),
        confusion,
        roc_auc: stats::roc_auc(&scores),
        reconstruction_jaccard: jaccard_sum / n,
        kl_per_dimension: kl.iter().map(|k| k / n).collect(),
        active_dimensions: (0..latent).filter(|&j| variance(j) > ACTIVE_VARIANCE).count(),
    }
}

/// Mean loss terms over a split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossesMean {
    pub total: f64,
    pub reconstruction: f64,
    pub kl: f64,
    pub prediction: f64,
}

/// One optimisation step on batch `b`: the forward pass with a sampled z, the joint loss with KL
/// weight `beta`, its gradients and the optimizer's update. Returns the updated model, the loss terms
/// and the joint loss.
pub fn train_step<B: AutodiffBackend, O: Optimizer<Model<B>, B>>(
    model: Model<B>,
    optimizer: &mut O,
    b: &Batch<B>,
    config: &TrainConfig,
    beta: f64,
    positive_weight: f64,
) -> (Model<B>, Losses<B>, Tensor<B, 1>) {
    let out = model.forward(b, true);
    let losses = model.losses(b, &out, positive_weight);
    let loss = losses.total(beta, config.lambda);
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    (optimizer.step(config.learning_rate, model, grads), losses, loss)
}

/// Trains a model of `cpc_vocab` codes and `text_vocab` tokens on `train`, validating on
/// `validation` after each epoch; `on_epoch` sees each epoch's metrics and weights as they come. Returns the
/// weights of the epoch with the lowest validation loss and every epoch's metrics.
pub fn fit<B: AutodiffBackend>(
    config: &TrainConfig,
    (cpc_vocab, text_vocab): (usize, usize),
    train: &[Example],
    validation: &[Example],
    device: &B::Device,
    mut on_epoch: impl FnMut(&EpochMetrics, &Model<B>),
) -> (Model<B>, Vec<EpochMetrics>) {
    B::seed(device, config.seed);
    let mut model: Model<B> = config.model.init(cpc_vocab, text_vocab, device);
    let mut optimizer = AdamConfig::new().init();
    let positive_weight = config.positive_weight.unwrap_or_else(|| class_ratio(train));
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut history = vec![];
    let mut best: Option<(f64, Model<B>)> = None;
    let mut since_best = 0;
    let mut step = 0usize;
    for epoch in 1..=config.epochs {
        let started = Instant::now();
        let progress = stage_runtime::telemetry::Progress::over_items(
            format!("epoch {epoch}/{}", config.epochs),
            "samples",
            Some(train.len() as u64),
        );
        let batches = train.len().div_ceil(config.batch_size.max(1));
        order.shuffle(&mut rng);
        let mut sums = LossSums::default();
        let mut beta = 0.0;
        for (index, chunk) in order.chunks(config.batch_size.max(1)).enumerate() {
            beta = config.beta * (step as f64 / config.kl_anneal_steps.max(1) as f64).min(1.0);
            let refs: Vec<&Example> = chunk.iter().map(|&i| &train[i]).collect();
            let b = batch::<B>(&refs, device).with_word_dropout(config.word_dropout);
            let (updated, l, loss) = train_step(model, &mut optimizer, &b, config, beta, positive_weight);
            model = updated;
            sums.add(chunk.len(), &l, &loss);
            step += 1;
            progress.set_step(format!("batch {}/{batches}", index + 1));
            progress.inc(chunk.len() as u64);
        }
        progress.finish();
        let train_seconds = started.elapsed().as_secs_f64();
        let valid = model.valid();
        let evaluation = evaluate(&valid, validation, config, beta, positive_weight, device);
        let (v, confusion) = (evaluation.losses, evaluation.confusion);
        let trained = sums.mean();
        let metrics = EpochMetrics {
            epoch,
            beta,
            train_loss: trained.total,
            train_reconstruction: trained.reconstruction,
            train_kl: trained.kl,
            train_prediction: trained.prediction,
            validation_loss: v.total,
            validation_reconstruction: v.reconstruction,
            validation_kl: v.kl,
            validation_prediction: v.prediction,
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            roc_auc: evaluation.roc_auc,
            reconstruction_jaccard: evaluation.reconstruction_jaccard,
            active_dimensions: evaluation.active_dimensions,
            samples_per_second: train.len() as f64 / train_seconds.max(1e-9),
            seconds: started.elapsed().as_secs_f64(),
        };
        on_epoch(&metrics, &model);
        history.push(metrics);
        if best.as_ref().is_none_or(|(loss, _)| v.total < *loss) {
            best = Some((v.total, model.clone()));
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= config.patience {
                tracing::info!(epoch, epochs_without_improvement = since_best, "early stop: no better validation loss");
                break;
            }
        }
    }
    (best.map(|(_, m)| m).unwrap_or(model), history)
}
