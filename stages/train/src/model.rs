//! The generative-predictive model (seed method 000), written once over burn's `Backend`:
//!
//! - **encoder**: a stack of GRU layers (one or both directions) over the embedded CPC code sequence
//!   (BOS, codes, EOS), summarised by the mean of the last layer's states or by the final state of
//!   every layer and direction, and a Transformer encoder over the embedded claim tokens (learned or
//!   sinusoidal positions), mean- or max-pooled over its non-padding positions; both concatenated and
//!   mapped to the mean and log-variance of a Gaussian latent z (reparameterisation z = mu + sigma *
//!   eps while training, z = mu otherwise);
//! - **decoder**: a GRU stack reading forward whose initial states are tanh(W z), fed the code sequence
//!   shifted right (teacher forcing; with a ratio below 1, some steps are fed the decoder's own
//!   previous choice instead) and predicting the next code, with the encoder's code embedding or its
//!   own;
//! - **predictor**: an MLP from z to the logit of P(L1).
//!
//! The joint loss is a weighted sum of reconstruction cross-entropy (over non-padding targets,
//! averaged or summed), beta x KL (beta scheduled by the trainer) and the binary cross-entropy of the
//! prediction with the positive class weighted. [`ModelConfig`]'s options cover both the project's
//! `light` / `full` models and the reference paper's (`paper`).

use burn::module::Module;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig, PositionalEncoding,
    PositionalEncodingConfig,
};
use burn::tensor::activation::{log_sigmoid, log_softmax, relu};
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::layers::{GruStack, SecondDirection, StackConfig, linear_rows, masked_max, masked_mean};
use crate::vocab::{BOS, EOS, PAD, SPECIAL, UNK};

/// How the CPC encoder's states become one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Summary {
    /// The mean of the last layer's states over the sequence (the default).
    #[default]
    Mean,
    /// The final state of every layer and direction, concatenated (the paper's).
    FinalState,
}

/// How the Transformer's outputs become one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pooling {
    /// Mean over the non-padding positions (the default).
    #[default]
    Mean,
    /// Maximum over the non-padding positions (the paper's, without its pooling over padding).
    Max,
}

/// How claim-token positions are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Positions {
    /// A learned embedding per position (the default).
    #[default]
    Learned,
    /// Fixed sinusoids (Vaswani et al.; the paper's).
    Sinusoidal,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

/// Sizes and shape of the model; the `[model]` table of the training config file. The vocabulary
/// sizes come from the data ([`ModelConfig::init`]). Fields after `dropout` default to the
/// project's original model, so older config files read as before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Width of the CPC code embeddings.
    pub cpc_embedding: usize,
    /// Hidden size of the CPC encoder and decoder GRUs (per direction).
    pub cpc_hidden: usize,
    /// Width of the claim-token embeddings and of the Transformer.
    pub text_model: usize,
    /// Attention heads of the Transformer.
    pub text_heads: usize,
    /// Transformer layers.
    pub text_layers: usize,
    /// Feed-forward width inside the Transformer.
    pub text_feed_forward: usize,
    /// Longest claim-token sequence; longer claims are truncated.
    pub max_text_len: usize,
    /// Dimension of the latent z.
    pub latent: usize,
    /// Width of each hidden layer of the predictor MLP.
    pub predictor_hidden: usize,
    /// Dropout inside the Transformer.
    pub dropout: f64,
    /// GRU layers of the CPC encoder and of the decoder.
    #[serde(default = "one")]
    pub cpc_layers: usize,
    /// Whether the CPC encoder reads the codes both ways.
    #[serde(default)]
    pub bidirectional: bool,
    /// Whether each decoder layer has a second GRU with its own weights and state beside the first,
    /// both reading forward (their states concatenated): the reference's bidirectional decoder GRU,
    /// which it steps one code at a time, so that its reverse half also reads forward. A decoder
    /// reading the teacher-forced codes backward would see the codes it is to predict.
    #[serde(default)]
    pub two_way_decoder: bool,
    /// How the CPC encoder's states are summarised.
    #[serde(default)]
    pub cpc_summary: Summary,
    /// How the Transformer's outputs are pooled.
    #[serde(default)]
    pub text_pooling: Pooling,
    /// How claim-token positions are encoded.
    #[serde(default)]
    pub text_positions: Positions,
    /// Dropout on the encoder's and the decoder's CPC code embeddings.
    #[serde(default)]
    pub cpc_dropout: f64,
    /// Whether the decoder has its own code embedding rather than sharing the encoder's.
    #[serde(default)]
    pub separate_decoder_embedding: bool,
    /// Hidden layers of the predictor MLP (each `predictor_hidden` wide, ReLU).
    #[serde(default = "one")]
    pub predictor_layers: usize,
    /// Whether the maps to the latent mean and log-variance have a bias.
    #[serde(default = "yes")]
    pub latent_bias: bool,
}

impl ModelConfig {
    /// A freshly initialised model on `device` for vocabularies of `cpc_vocab` codes and
    /// `text_vocab` claim tokens (special tokens included).
    pub fn init<B: Backend>(&self, cpc_vocab: usize, text_vocab: usize, device: &B::Device) -> Model<B> {
        let directions = if self.bidirectional { 2 } else { 1 };
        let cpc_summary = match self.cpc_summary {
            Summary::Mean => self.cpc_hidden * directions,
            Summary::FinalState => self.cpc_hidden * directions * self.cpc_layers,
        };
        let joint = cpc_summary + self.text_model;
        let decoder = StackConfig {
            input: self.cpc_embedding,
            hidden: self.cpc_hidden,
            layers: self.cpc_layers,
            second: if self.two_way_decoder { SecondDirection::Forward } else { SecondDirection::None },
        };
        let predictor = (0..self.predictor_layers)
            .map(|i| {
                let input = if i == 0 { self.latent } else { self.predictor_hidden };
                LinearConfig::new(input, self.predictor_hidden).init(device)
            })
            .collect();
        let model = Model {
            cpc_embedding: EmbeddingConfig::new(cpc_vocab, self.cpc_embedding).init(device),
            cpc_dropout: DropoutConfig::new(self.cpc_dropout).init(),
            cpc_encoder: StackConfig {
                input: self.cpc_embedding,
                hidden: self.cpc_hidden,
                layers: self.cpc_layers,
                second: if self.bidirectional { SecondDirection::Backward } else { SecondDirection::None },
            }
            .init(device),
            cpc_final_state: self.cpc_summary == Summary::FinalState,
            text_embedding: EmbeddingConfig::new(text_vocab, self.text_model).init(device),
            text_position: (self.text_positions == Positions::Learned)
                .then(|| EmbeddingConfig::new(self.max_text_len, self.text_model).init(device)),
            text_sinusoids: (self.text_positions == Positions::Sinusoidal).then(|| {
                PositionalEncodingConfig::new(self.text_model).with_max_sequence_size(self.max_text_len).init(device)
            }),
            text_encoder: TransformerEncoderConfig::new(
                self.text_model,
                self.text_feed_forward,
                self.text_heads,
                self.text_layers,
            )
            .with_dropout(self.dropout)
            .init(device),
            text_max_pool: self.text_pooling == Pooling::Max,
            to_mu: LinearConfig::new(joint, self.latent).with_bias(self.latent_bias).init(device),
            to_log_var: LinearConfig::new(joint, self.latent).with_bias(self.latent_bias).init(device),
            latent_to_state: LinearConfig::new(self.latent, self.cpc_hidden * decoder.layers * decoder.directions())
                .init(device),
            decoder_embedding: self
                .separate_decoder_embedding
                .then(|| EmbeddingConfig::new(cpc_vocab, self.cpc_embedding).init(device)),
            decoder: decoder.init(device),
            decoder_out: LinearConfig::new(self.cpc_hidden * decoder.directions(), cpc_vocab).init(device),
            predictor,
            predictor_out: LinearConfig::new(
                if self.predictor_layers == 0 { self.latent } else { self.predictor_hidden },
                1,
            )
            .init(device),
        };
        // burn initialises parameters lazily, and a clone taken before first use initialises its own
        // values; materialise them once so that clones (checkpoints) hold the model's weights.
        let record = model.clone().into_record();
        model.load_record(record)
    }
}

/// The VAE with its predictor head.
#[derive(Module, Debug)]
pub struct Model<B: Backend> {
    cpc_embedding: Embedding<B>,
    cpc_dropout: Dropout,
    cpc_encoder: GruStack<B>,
    /// Whether the code summary is the final states (else the mean of the last layer's states).
    cpc_final_state: bool,
    text_embedding: Embedding<B>,
    text_position: Option<Embedding<B>>,
    text_sinusoids: Option<PositionalEncoding<B>>,
    text_encoder: TransformerEncoder<B>,
    text_max_pool: bool,
    to_mu: Linear<B>,
    to_log_var: Linear<B>,
    latent_to_state: Linear<B>,
    decoder_embedding: Option<Embedding<B>>,
    decoder: GruStack<B>,
    decoder_out: Linear<B>,
    predictor: Vec<Linear<B>>,
    predictor_out: Linear<B>,
}

/// One batch of encoded examples.
#[derive(Debug, Clone)]
pub struct Batch<B: Backend> {
    /// CPC code ids [batch, codes]: BOS, codes, EOS, then PAD.
    pub cpc: Tensor<B, 2, Int>,
    /// Claim token ids [batch, tokens], PAD after the text.
    pub text: Tensor<B, 2, Int>,
    /// Label: 1 for L1, 0 for L2 [batch].
    pub label: Tensor<B, 1>,
    /// The decoder's inputs [batch, codes - 1] when they are not the code sequence shifted right:
    /// while training with word dropout ([`Batch::with_word_dropout`]).
    pub decoder_inputs: Option<Tensor<B, 2, Int>>,
    /// Per decoder step, whether it is fed the true previous code (teacher forcing) or the
    /// decoder's own previous choice; `None`: every step is teacher-forced
    /// ([`Batch::with_teacher_forcing`]).
    pub teacher_forced: Option<Vec<bool>>,
}

impl<B: Backend> Batch<B> {
    /// The batch with each code among the decoder's teacher-forced inputs replaced by UNK with
    /// probability `p` (Bowman et al.'s word dropout): the decoder cannot lean on the previous
    /// codes alone and must read the sequence from z, which keeps the latent space from collapsing.
    pub fn with_word_dropout(mut self, p: f64) -> Batch<B> {
        if p <= 0.0 {
            return self;
        }
        let [batch_size, len] = self.cpc.dims();
        let inputs = self.cpc.clone().slice([0..batch_size, 0..len - 1]);
        let device = inputs.device();
        let dropped =
            Tensor::<B, 2>::random([batch_size, len - 1], Distribution::Uniform(0.0, 1.0), &device).lower_elem(p).int();
        let is_code = inputs.clone().greater_equal_elem(SPECIAL.len() as i64).int();
        self.decoder_inputs = Some(inputs.mask_fill((dropped * is_code).equal_elem(1), UNK as i64));
        self
    }

    /// The batch with each decoder step after the first teacher-forced with probability `ratio`
    /// (one draw per step for the whole batch, as the reference's decoder loop does), else fed the
    /// decoder's own most likely code of the step before (scheduled sampling). `draw` gives uniform
    /// numbers in [0, 1).
    pub fn with_teacher_forcing(mut self, ratio: f64, mut draw: impl FnMut() -> f64) -> Batch<B> {
        if ratio >= 1.0 {
            return self;
        }
        let steps = self.cpc.dims()[1] - 1;
        self.teacher_forced = Some((0..steps).map(|step| step == 0 || draw() < ratio).collect());
        self
    }
}

/// What one forward pass gives.
#[derive(Debug, Clone)]
pub struct Output<B: Backend> {
    /// Latent mean [batch, latent].
    pub mu: Tensor<B, 2>,
    /// Latent log-variance [batch, latent].
    pub log_var: Tensor<B, 2>,
    /// Next-code logits [batch, codes - 1, cpc vocabulary].
    pub logits: Tensor<B, 3>,
    /// Logit of P(L1) [batch].
    pub impact_logit: Tensor<B, 1>,
}

/// The loss terms of a batch (each a one-element tensor).
#[derive(Debug, Clone)]
pub struct Losses<B: Backend> {
    /// Mean cross-entropy of the non-padding next-code targets.
    pub reconstruction: Tensor<B, 1>,
    /// The cross-entropy summed over each example's non-padding targets, averaged over the batch.
    pub reconstruction_per_example: Tensor<B, 1>,
    /// Mean over the batch of KL(q(z|x) || N(0, I)).
    pub kl: Tensor<B, 1>,
    /// Mean class-weighted binary cross-entropy of the L1 prediction.
    pub prediction: Tensor<B, 1>,
}

/// The weights of the loss terms in the joint loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossWeights {
    pub reconstruction: f64,
    /// Whether the reconstruction term is [`Losses::reconstruction_per_example`] (else the mean
    /// per target).
    pub summed_reconstruction: bool,
    /// The KL weight.
    pub beta: f64,
    pub prediction: f64,
}

/// The weights of L1 and L2 examples in the prediction loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassWeights {
    pub l1: f64,
    pub l2: f64,
}

impl ClassWeights {
    /// Both classes weigh 1.
    pub const EQUAL: ClassWeights = ClassWeights { l1: 1.0, l2: 1.0 };
}

impl<B: Backend> Losses<B> {
    /// The joint loss: the weighted sum of the terms.
    pub fn total(&self, weights: &LossWeights) -> Tensor<B, 1> {
        let reconstruction = if weights.summed_reconstruction {
            self.reconstruction_per_example.clone()
        } else {
            self.reconstruction.clone()
        };
        reconstruction.mul_scalar(weights.reconstruction)
            + self.kl.clone().mul_scalar(weights.beta)
            + self.prediction.clone().mul_scalar(weights.prediction)
    }
}

/// The log-probability of each next-code target of `cpc` [batch, codes] under `logits`
/// [batch, codes - 1, vocabulary], and a 0/1 mask of the non-padding targets, both [batch, codes - 1].
fn target_log_probs<B: Backend>(cpc: &Tensor<B, 2, Int>, logits: Tensor<B, 3>) -> (Tensor<B, 2>, Tensor<B, 2>) {
    let [batch_size, len] = cpc.dims();
    let targets = cpc.clone().slice([0..batch_size, 1..len]);
    let keep = targets.clone().not_equal_elem(PAD as i64).float();
    let picked = log_softmax(logits, 2).gather(2, targets.unsqueeze_dim::<3>(2)).squeeze_dim::<2>(2);
    (picked, keep)
}

/// One hypothesis of the beam search: codes so far, summed log-probability, its row of the decoder
/// states, and whether it ended with EOS.
#[derive(Clone)]
struct Hypothesis {
    codes: Vec<usize>,
    score: f64,
    state: usize,
    ended: bool,
}

impl<B: Backend> Model<B> {
    /// Latent mean and log-variance of a batch's codes and claims.
    pub fn encode(&self, cpc: Tensor<B, 2, Int>, text: Tensor<B, 2, Int>) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let cpc_keep = cpc.clone().not_equal_elem(PAD as i64);
        let lengths = cpc_keep.clone().int().sum_dim(1).squeeze_dim::<1>(1);
        let embedded = self.cpc_dropout.forward(self.cpc_embedding.forward(cpc));
        let encoded = self.cpc_encoder.forward(embedded, lengths, None);
        let cpc_summary =
            if self.cpc_final_state { Tensor::cat(encoded.finals, 1) } else { masked_mean(encoded.states, cpc_keep) };

        let [batch, len] = text.dims();
        let text_pad = text.clone().equal_elem(PAD as i64);
        let mut embedded = self.text_embedding.forward(text.clone());
        if let Some(position) = &self.text_position {
            let positions =
                Tensor::<B, 1, Int>::arange(0..len as i64, &text.device()).unsqueeze::<2>().repeat_dim(0, batch);
            embedded = embedded + position.forward(positions);
        }
        if let Some(sinusoids) = &self.text_sinusoids {
            embedded = sinusoids.forward(embedded);
        }
        let encoded = self.text_encoder.forward(TransformerEncoderInput::new(embedded).mask_pad(text_pad.clone()));
        let text_summary = if self.text_max_pool {
            masked_max(encoded, text_pad.bool_not())
        } else {
            masked_mean(encoded, text_pad.bool_not())
        };

        let joint = Tensor::cat(vec![cpc_summary, text_summary], 1);
        (self.to_mu.forward(joint.clone()), self.to_log_var.forward(joint))
    }

    /// The ids of the predictor's parameters (frozen while pretraining).
    pub fn predictor_param_ids(&self) -> Vec<burn::module::ParamId> {
        let mut ids = burn::module::list_param_ids(&self.predictor);
        ids.extend(burn::module::list_param_ids(&self.predictor_out));
        ids
    }

    /// Logit of P(L1) for latent points z [batch, latent].
    pub fn predict(&self, z: Tensor<B, 2>) -> Tensor<B, 1> {
        let hidden = self.predictor.iter().fold(z, |x, layer| relu(layer.forward(x)));
        self.predictor_out.forward(hidden).squeeze_dim(1)
    }

    /// The decoder's code embedding: its own, or the encoder's.
    fn decoder_embedding(&self) -> &Embedding<B> {
        self.decoder_embedding.as_ref().unwrap_or(&self.cpc_embedding)
    }

    /// The decoder's initial state of each layer from latent points z [batch, latent].
    fn initial_states(&self, z: Tensor<B, 2>) -> Vec<Tensor<B, 2>> {
        let layers = self.decoder.state_count();
        let states = self.latent_to_state.forward(z).tanh();
        states.chunk(layers, 1)
    }

    /// Next-code logits for `inputs` [batch, steps] from latent points z: every step fed its input
    /// (teacher forcing) unless `teacher_forced` says otherwise for a step, which is then fed the
    /// most likely code of the step before.
    fn decode_logits(
        &self,
        z: Tensor<B, 2>,
        inputs: Tensor<B, 2, Int>,
        teacher_forced: Option<&[bool]>,
    ) -> Tensor<B, 3> {
        let [batch, steps] = inputs.dims();
        let initial = self.initial_states(z);
        let embedding = self.decoder_embedding();
        let Some(forced) = teacher_forced.filter(|forced| forced.iter().any(|f| !f)) else {
            let lengths = Tensor::<B, 1, Int>::full([batch], steps as i64, &inputs.device());
            let embedded = self.cpc_dropout.forward(embedding.forward(inputs));
            return linear_rows(&self.decoder_out, self.decoder.forward(embedded, lengths, Some(initial)).states);
        };
        let mut states = initial;
        let mut logits = Vec::with_capacity(steps);
        let mut previous: Option<Tensor<B, 2, Int>> = None;
        for (step, &forced) in forced.iter().enumerate().take(steps) {
            let input = match (&previous, forced) {
                (Some(chosen), false) => chosen.clone(),
                _ => inputs.clone().slice([0..batch, step..step + 1]),
            };
            let (out, next) = self.decoder.step(self.cpc_dropout.forward(embedding.forward(input)), states);
            states = next;
            let step_logits = linear_rows(&self.decoder_out, out);
            previous = Some(step_logits.clone().argmax(2).squeeze_dim::<2>(2));
            logits.push(step_logits);
        }
        Tensor::cat(logits, 1)
    }

    /// The forward pass; `sample` draws z = mu + sigma * eps (training), otherwise z = mu.
    pub fn forward(&self, batch: &Batch<B>, sample: bool) -> Output<B> {
        let (mu, log_var) = self.encode(batch.cpc.clone(), batch.text.clone());
        let z = if sample {
            let eps = Tensor::random(mu.shape(), Distribution::Normal(0.0, 1.0), &mu.device());
            mu.clone() + log_var.clone().mul_scalar(0.5).exp() * eps
        } else {
            mu.clone()
        };
        let [batch_size, len] = batch.cpc.dims();
        let inputs =
            batch.decoder_inputs.clone().unwrap_or_else(|| batch.cpc.clone().slice([0..batch_size, 0..len - 1]));
        let logits = self.decode_logits(z.clone(), inputs, batch.teacher_forced.as_deref());
        Output { impact_logit: self.predict(z), mu, log_var, logits }
    }

    /// The loss terms of `output` for `batch`; `class` weighs the L1 and L2 terms of the binary
    /// cross-entropy (for the 10/90 imbalance).
    pub fn losses(&self, batch: &Batch<B>, output: &Output<B>, class: ClassWeights) -> Losses<B> {
        let (picked, keep) = target_log_probs(&batch.cpc, output.logits.clone());
        let batch_size = keep.dims()[0] as f64;
        let summed = (picked * keep.clone()).sum().neg();
        let reconstruction = summed.clone().div(keep.sum().clamp_min(1.0));
        let reconstruction_per_example = summed.div_scalar(batch_size);

        let kl_terms = output.log_var.clone() + 1.0 - output.mu.clone().powi_scalar(2) - output.log_var.clone().exp();
        let kl = kl_terms.sum_dim(1).mean().mul_scalar(-0.5);

        let y = batch.label.clone();
        let x = output.impact_logit.clone();
        let bce = y.clone().mul_scalar(class.l1) * log_sigmoid(x.clone())
            + (y.neg() + 1.0).mul_scalar(class.l2) * log_sigmoid(x.neg());
        Losses { reconstruction, reconstruction_per_example, kl, prediction: bce.mean().neg() }
    }

    /// The log-probability under the decoder of each code sequence `cpc` [batch, codes] (BOS, codes,
    /// EOS, then PAD) given latent points z [batch, latent]: the sum over its non-padding targets.
    pub fn sequence_log_probs(&self, z: Tensor<B, 2>, cpc: Tensor<B, 2, Int>) -> Tensor<B, 1> {
        let [batch_size, len] = cpc.dims();
        let logits = self.decode_logits(z, cpc.clone().slice([0..batch_size, 0..len - 1]), None);
        let (picked, keep) = target_log_probs(&cpc, logits);
        (picked * keep).sum_dim(1).squeeze_dim(1)
    }

    /// One decoder step from `states` (one per layer, [rows, hidden] each) fed `tokens` [rows]:
    /// the log-probabilities of the next code [rows, vocabulary] and the new states.
    fn decode_step(&self, tokens: Tensor<B, 1, Int>, states: Vec<Tensor<B, 2>>) -> (Tensor<B, 2>, Vec<Tensor<B, 2>>) {
        let embedded = self.decoder_embedding().forward(tokens.unsqueeze_dim::<2>(1));
        let (out, states) = self.decoder.step(embedded, states);
        (log_softmax(self.decoder_out.forward(out.squeeze_dim::<2>(1)), 1), states)
    }

    /// Beam-search decoding of latent points z [batch, latent] into code sets: `width` hypotheses
    /// per point, each step extending them by EOS or a code they do not hold yet (special tokens
    /// are never chosen), scored by the summed log-probability; a hypothesis ends at EOS or at
    /// `max_len` codes. Returns the best-scoring ended hypothesis of each point (codes in decoding
    /// order, without BOS and EOS).
    pub fn decode_beam(&self, z: Tensor<B, 2>, width: usize, max_len: usize) -> Vec<Vec<usize>> {
        let [batch, _] = z.dims();
        let device = z.device();
        let width = width.max(1);
        let mut states = self.initial_states(z);
        let mut beams: Vec<Vec<Hypothesis>> =
            (0..batch).map(|i| vec![Hypothesis { codes: vec![], score: 0.0, state: i, ended: false }]).collect();
        let mut ended: Vec<Option<Hypothesis>> = vec![None; batch];
        let mut last: Vec<usize> = vec![BOS; batch];
        for _ in 0..=max_len {
            let rows: Vec<&Hypothesis> = beams.iter().flatten().collect();
            if rows.is_empty() {
                break;
            }
            let index = Tensor::<B, 1, Int>::from_data(
                burn::tensor::TensorData::new(rows.iter().map(|h| h.state as i64).collect::<Vec<_>>(), [rows.len()]),
                &device,
            );
            let tokens = Tensor::<B, 1, Int>::from_data(
                burn::tensor::TensorData::new(last.iter().map(|&t| t as i64).collect::<Vec<_>>(), [rows.len()]),
                &device,
            );
            let selected = states.into_iter().map(|state| state.select(0, index.clone())).collect();
            let (log_probs, next) = self.decode_step(tokens, selected);
            states = next;
            let vocabulary = log_probs.dims()[1];
            let values: Vec<f32> = log_probs.into_data().convert::<f32>().to_vec().expect("float data");
            let mut next_beams = vec![];
            let mut row = 0;
            for (point, beam) in beams.iter().enumerate() {
                let mut candidates: Vec<Hypothesis> = vec![];
                for h in beam {
                    let scores = &values[row * vocabulary..(row + 1) * vocabulary];
                    let full = h.codes.len() >= max_len;
                    for (id, &lp) in scores.iter().enumerate() {
                        let allowed =
                            id == EOS || (!full && id >= crate::vocab::SPECIAL.len() && !h.codes.contains(&id));
                        if allowed {
                            let mut codes = h.codes.clone();
                            if id != EOS {
                                codes.push(id);
                            }
                            candidates.push(Hypothesis {
                                codes,
                                score: h.score + lp as f64,
                                state: row,
                                ended: id == EOS,
                            });
                        }
                    }
                    row += 1;
                }
                candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
                let mut kept = vec![];
                for c in candidates {
                    if kept.len() >= width {
                        break;
                    }
                    if c.ended {
                        if ended[point].as_ref().is_none_or(|e: &Hypothesis| c.score > e.score) {
                            ended[point] = Some(c);
                        }
                    } else {
                        kept.push(c);
                    }
                }
                // Stop a beam once no live hypothesis can beat its best ended one (scores only fall).
                if let Some(best) = &ended[point] {
                    kept.retain(|h| h.score > best.score);
                }
                next_beams.push(kept);
            }
            last =
                next_beams.iter().flatten().map(|h| *h.codes.last().expect("a live hypothesis holds a code")).collect();
            beams = next_beams;
        }
        ended.into_iter().map(|e| e.map(|h| h.codes).unwrap_or_default()).collect()
    }

    /// Greedy decoding of latent points z [batch, latent] into code-id sequences (without BOS; up
    /// to EOS, at most `max_len` codes); special tokens other than EOS are skipped.
    pub fn decode_greedy(&self, z: Tensor<B, 2>, max_len: usize) -> Vec<Vec<usize>> {
        let [batch, _] = z.dims();
        let device = z.device();
        let mut states = self.initial_states(z);
        let mut token = Tensor::<B, 1, Int>::full([batch], BOS as i64, &device);
        let mut out = vec![vec![]; batch];
        let mut done = vec![false; batch];
        for _ in 0..max_len + 1 {
            let (log_probs, next_states) = self.decode_step(token, states);
            states = next_states;
            let next = log_probs.argmax(1).squeeze_dim::<1>(1);
            let ids: Vec<i64> = next.clone().into_data().convert::<i64>().to_vec().expect("int data");
            for (i, &id) in ids.iter().enumerate() {
                if done[i] {
                    continue;
                }
                match id as usize {
                    EOS => done[i] = true,
                    id if id >= crate::vocab::SPECIAL.len() && out[i].len() < max_len => out[i].push(id),
                    _ => {}
                }
            }
            if done.iter().all(|d| *d) {
                break;
            }
            token = next;
        }
        out
    }
}
