//! The training loop, generic over burn's autodiff backends: seeded shuffling into batches, Adam or
//! AdamW with optional clipping of the global gradient norm, a linear or logistic KL schedule,
//! optional staged training (the first epochs without the prediction loss, the predictor frozen) and
//! teacher forcing below 1, per-epoch validation (losses, accuracy, precision, recall, F1 and ROC-AUC of the L1
//! prediction, the Jaccard similarity of greedy reconstructions, and the KL of each latent
//! dimension with the number of active dimensions), early stopping on the validation loss, keeping
//! the best epoch's weights. Each epoch shows its progress (batches, samples/s, ETA): a bar on a
//! terminal, a line every few seconds in logs.

use std::collections::BTreeSet;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, AdamWConfig, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::{Batch, ClassWeights, LossWeights, Losses, Model, ModelConfig};
use crate::optim::{self, OptimizerKind};
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
    /// The optimizer.
    #[serde(default)]
    pub optimizer: OptimizerKind,
    /// AdamW's decoupled weight decay (Adam has none).
    #[serde(default)]
    pub weight_decay: f64,
    /// The optimizer's epsilon (burn's default 1e-5; PyTorch's 1e-8).
    #[serde(default = "burn_epsilon")]
    pub epsilon: f64,
    /// Clip the global gradient norm to this (PyTorch's `clip_grad_norm_`); no clipping when absent.
    #[serde(default)]
    pub gradient_clip_norm: Option<f64>,
    /// How the KL weight rises to `beta`.
    #[serde(default)]
    pub kl_schedule: KlSchedule,
    /// Steepness of the logistic KL schedule, per step.
    #[serde(default = "reference_kl_rate")]
    pub kl_logistic_rate: f64,
    /// Count the KL schedule's steps from 0 again every epoch, as the reference's loop did (its step
    /// was the batch index), rather than over the whole run.
    #[serde(default)]
    pub kl_restart_each_epoch: bool,
    /// How the reconstruction loss is reduced.
    #[serde(default)]
    pub reconstruction: Reconstruction,
    /// Weight of the reconstruction loss.
    #[serde(default = "unit")]
    pub reconstruction_weight: f64,
    /// How the prediction loss weighs the classes.
    #[serde(default)]
    pub class_weights: ClassWeighting,
    /// The reference's alpha: with `normalised` class weights, L1 counts alpha x n_L2 against n_L1.
    #[serde(default = "reference_alpha")]
    pub class_weight_alpha: f64,
    /// Staged training: the first this many epochs train reconstruction and KL only, with the
    /// predictor frozen (no gradient step, no weight decay); early stopping and the best epoch are
    /// judged from the first epoch after them.
    #[serde(default)]
    pub pretrain_epochs: usize,
    /// Probability that a decoder step is fed the true previous code while training (one draw per
    /// step and batch), else the decoder's own choice; 1 is plain teacher forcing.
    #[serde(default = "unit")]
    pub teacher_forcing: f64,
}

fn burn_epsilon() -> f64 {
    1e-5
}

fn reference_kl_rate() -> f64 {
    0.0025
}

fn unit() -> f64 {
    1.0
}

fn reference_alpha() -> f64 {
    0.9
}

/// How the KL weight rises from 0 to `beta` over the training steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KlSchedule {
    /// Linearly over `kl_anneal_steps`, then flat (the default).
    #[default]
    Linear,
    /// beta / (1 + exp(-kl_logistic_rate x (step - kl_anneal_steps))) (Bowman et al.; the
    /// reference's, with rate 0.0025 and midpoint 2,500).
    Logistic,
}

/// How the reconstruction cross-entropy of a batch is reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reconstruction {
    /// The mean over all non-padding targets of the batch (the default).
    #[default]
    Mean,
    /// Each example's sum over its targets, averaged over the batch (the reference's summed
    /// cross-entropy divided by the batch size).
    Sum,
}

/// How the prediction loss weighs L1 against L2 examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeighting {
    /// L2 examples weigh 1, L1 examples `positive_weight` (default: the L2/L1 ratio of the
    /// training split).
    #[default]
    Ratio,
    /// Weights proportional to [n_L1 for L2, alpha x n_L2 for L1] of the training split,
    /// normalised to sum to 1 (the reference's, alpha 0.9: L1 about 8 times L2).
    Normalised,
}

impl TrainConfig {
    /// The KL weight at optimisation step `step` (counted as [`TrainConfig::kl_restart_each_epoch`] says).
    pub fn kl_weight(&self, step: usize) -> f64 {
        let anneal = self.kl_anneal_steps as f64;
        match self.kl_schedule {
            KlSchedule::Linear => self.beta * (step as f64 / anneal.max(1.0)).min(1.0),
            KlSchedule::Logistic => self.beta / (1.0 + (-self.kl_logistic_rate * (step as f64 - anneal)).exp()),
        }
    }

    /// The class weights of the prediction loss for the training examples `train`.
    pub fn class_weights(&self, train: &[Example]) -> ClassWeights {
        match self.class_weights {
            ClassWeighting::Ratio => {
                ClassWeights { l1: self.positive_weight.unwrap_or_else(|| class_ratio(train)), l2: 1.0 }
            }
            ClassWeighting::Normalised => {
                let l1 = train.iter().filter(|e| e.l1).count() as f64;
                let l2 = train.len() as f64 - l1;
                let (w1, w2) = (self.class_weight_alpha * l2, l1);
                if w1 + w2 > 0.0 {
                    ClassWeights { l1: w1 / (w1 + w2), l2: w2 / (w1 + w2) }
                } else {
                    ClassWeights::EQUAL
                }
            }
        }
    }

    /// The loss weights of an epoch: no prediction loss while pretraining.
    pub fn loss_weights(&self, epoch: usize, beta: f64) -> LossWeights {
        LossWeights {
            reconstruction: self.reconstruction_weight,
            summed_reconstruction: self.reconstruction == Reconstruction::Sum,
            beta,
            prediction: if epoch <= self.pretrain_epochs { 0.0 } else { self.lambda },
        }
    }
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
        teacher_forced: None,
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

/// Evaluates `model` on `examples` (see [`Evaluation`]), the joint loss weighted by `weights`.
pub fn evaluate<B: Backend>(
    model: &Model<B>,
    examples: &[Example],
    config: &TrainConfig,
    (weights, class): (&LossWeights, ClassWeights),
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
        let l = model.losses(&b, &out, class);
        sums.add(chunk.len(), &l, &l.total(weights));
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

/// How one optimisation step weighs and treats its loss.
#[derive(Debug, Clone, Copy)]
pub struct StepSettings {
    pub weights: LossWeights,
    pub class: ClassWeights,
    /// Whether the predictor's parameters are left out of the update.
    pub freeze_predictor: bool,
}

/// One optimisation step on batch `b`: the forward pass with a sampled z, the joint loss, its
/// gradients (the predictor's left out when frozen; the global norm clipped to the config's
/// `gradient_clip_norm`) and the optimizer's update. Returns the updated model, the loss terms and
/// the joint loss.
pub fn train_step<B: AutodiffBackend, O: Optimizer<Model<B>, B>>(
    model: Model<B>,
    optimizer: &mut O,
    b: &Batch<B>,
    config: &TrainConfig,
    settings: &StepSettings,
) -> (Model<B>, Losses<B>, Tensor<B, 1>) {
    let out = model.forward(b, true);
    let losses = model.losses(b, &out, settings.class);
    let loss = losses.total(&settings.weights);
    let frozen = if settings.freeze_predictor { model.predictor_param_ids() } else { vec![] };
    let mut grads = optim::without(&mut loss.backward(), &model, &frozen);
    if let Some(max_norm) = config.gradient_clip_norm {
        optim::clip_global_norm::<B, _>(&mut grads, &model, max_norm);
    }
    (optimizer.step(config.learning_rate, model, grads), losses, loss)
}

/// Trains a model of `cpc_vocab` codes and `text_vocab` tokens on `train`, validating on
/// `validation` after each epoch; `on_epoch` sees each epoch's metrics and weights as they come. Returns the
/// weights of the epoch with the lowest validation loss (after pretraining) and every epoch's metrics.
pub fn fit<B: AutodiffBackend>(
    config: &TrainConfig,
    vocabularies: (usize, usize),
    train: &[Example],
    validation: &[Example],
    device: &B::Device,
    on_epoch: impl FnMut(&EpochMetrics, &Model<B>),
) -> (Model<B>, Vec<EpochMetrics>) {
    let epsilon = config.epsilon as f32;
    match config.optimizer {
        OptimizerKind::Adam => {
            let optimizer = AdamConfig::new().with_epsilon(epsilon).init();
            fit_with(optimizer, config, vocabularies, (train, validation), device, on_epoch)
        }
        OptimizerKind::AdamW => {
            let optimizer =
                AdamWConfig::new().with_epsilon(epsilon).with_weight_decay(config.weight_decay as f32).init();
            fit_with(optimizer, config, vocabularies, (train, validation), device, on_epoch)
        }
    }
}

fn fit_with<B: AutodiffBackend, O: Optimizer<Model<B>, B>>(
    mut optimizer: O,
    config: &TrainConfig,
    (cpc_vocab, text_vocab): (usize, usize),
    (train, validation): (&[Example], &[Example]),
    device: &B::Device,
    mut on_epoch: impl FnMut(&EpochMetrics, &Model<B>),
) -> (Model<B>, Vec<EpochMetrics>) {
    B::seed(device, config.seed);
    let mut model: Model<B> = config.model.init(cpc_vocab, text_vocab, device);
    let class = config.class_weights(train);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut history = vec![];
    let mut best: Option<(f64, Model<B>)> = None;
    let mut since_best = 0;
    let mut step = 0usize;
    for epoch in 1..=config.epochs {
        let started = Instant::now();
        let pretraining = epoch <= config.pretrain_epochs;
        let progress = stage_runtime::telemetry::Progress::over_items(
            format!("epoch {epoch}/{}{}", config.epochs, if pretraining { " (pretraining)" } else { "" }),
            "samples",
            Some(train.len() as u64),
        );
        let batches = train.len().div_ceil(config.batch_size.max(1));
        order.shuffle(&mut rng);
        if config.kl_restart_each_epoch {
            step = 0;
        }
        let mut sums = LossSums::default();
        let mut weights = config.loss_weights(epoch, 0.0);
        for (index, chunk) in order.chunks(config.batch_size.max(1)).enumerate() {
            weights = config.loss_weights(epoch, config.kl_weight(step));
            let refs: Vec<&Example> = chunk.iter().map(|&i| &train[i]).collect();
            let b = batch::<B>(&refs, device)
                .with_word_dropout(config.word_dropout)
                .with_teacher_forcing(config.teacher_forcing, || rng.random::<f64>());
            let settings = StepSettings { weights, class, freeze_predictor: pretraining };
            let (updated, l, loss) = train_step(model, &mut optimizer, &b, config, &settings);
            model = updated;
            sums.add(chunk.len(), &l, &loss);
            step += 1;
            progress.set_step(format!("batch {}/{batches}", index + 1));
            progress.inc(chunk.len() as u64);
        }
        progress.finish();
        let train_seconds = started.elapsed().as_secs_f64();
        let valid = model.valid();
        let evaluation = evaluate(&valid, validation, config, (&weights, class), device);
        let (v, confusion) = (evaluation.losses, evaluation.confusion);
        let trained = sums.mean();
        let metrics = EpochMetrics {
            epoch,
            beta: weights.beta,
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
        if pretraining {
            // The predictor is untrained until the stage ends: no epoch before it can be the best.
            best = Some((f64::INFINITY, model.clone()));
            continue;
        }
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
