//! The generative-predictive model (seed method 000), written once over burn's `Backend`:
//!
//! - **encoder**: a GRU over the embedded CPC code sequence (BOS, codes, EOS) and a Transformer
//!   encoder over the embedded claim tokens (with learned positions), each mean-pooled over its
//!   non-padding positions, concatenated and mapped to the mean and log-variance of a Gaussian
//!   latent z (reparameterisation z = mu + sigma * eps while training, z = mu otherwise);
//! - **decoder**: a GRU whose initial state is tanh(W z), fed the code sequence shifted right
//!   (teacher forcing) and predicting the next code;
//! - **predictor**: an MLP from z to the logit of P(L1).
//!
//! The joint loss is reconstruction cross-entropy (over non-padding targets) + beta x KL (beta
//! annealed by the trainer) + lambda x binary cross-entropy with the positive class weighted.

use burn::module::Module;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, Gru, GruConfig, Linear, LinearConfig};
use burn::tensor::activation::{log_sigmoid, log_softmax, relu};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Distribution, Int, Tensor};
use serde::{Deserialize, Serialize};

use crate::vocab::{BOS, EOS, PAD, SPECIAL, UNK};

/// Sizes of the model; the `[model]` table of the training config file. The vocabulary sizes come
/// from the data ([`ModelConfig::init`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Width of the CPC code embeddings.
    pub cpc_embedding: usize,
    /// Hidden size of the CPC encoder and decoder GRUs.
    pub cpc_hidden: usize,
    /// Width of the claim-token embeddings and of the Transformer.
    pub text_model: usize,
    /// Attention heads of the Transformer.
    pub text_heads: usize,
    /// Transformer layers.
    pub text_layers: usize,
    /// Feed-forward width inside the Transformer.
    pub text_feed_forward: usize,
    /// Longest claim-token sequence (learned positions); longer claims are truncated.
    pub max_text_len: usize,
    /// Dimension of the latent z.
    pub latent: usize,
    /// Hidden width of the predictor MLP.
    pub predictor_hidden: usize,
    /// Dropout inside the Transformer.
    pub dropout: f64,
}

impl ModelConfig {
    /// A freshly initialised model on `device` for vocabularies of `cpc_vocab` codes and
    /// `text_vocab` claim tokens (special tokens included).
    pub fn init<B: Backend>(&self, cpc_vocab: usize, text_vocab: usize, device: &B::Device) -> Model<B> {
        let model = Model {
            cpc_embedding: EmbeddingConfig::new(cpc_vocab, self.cpc_embedding).init(device),
            cpc_encoder: GruConfig::new(self.cpc_embedding, self.cpc_hidden, true).init(device),
            text_embedding: EmbeddingConfig::new(text_vocab, self.text_model).init(device),
            text_position: EmbeddingConfig::new(self.max_text_len, self.text_model).init(device),
            text_encoder: TransformerEncoderConfig::new(
                self.text_model,
                self.text_feed_forward,
                self.text_heads,
                self.text_layers,
            )
            .with_dropout(self.dropout)
            .init(device),
            to_mu: LinearConfig::new(self.cpc_hidden + self.text_model, self.latent).init(device),
            to_log_var: LinearConfig::new(self.cpc_hidden + self.text_model, self.latent).init(device),
            latent_to_state: LinearConfig::new(self.latent, self.cpc_hidden).init(device),
            decoder: GruConfig::new(self.cpc_embedding, self.cpc_hidden, true).init(device),
            decoder_out: LinearConfig::new(self.cpc_hidden, cpc_vocab).init(device),
            predictor_hidden: LinearConfig::new(self.latent, self.predictor_hidden).init(device),
            predictor_out: LinearConfig::new(self.predictor_hidden, 1).init(device),
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
    cpc_encoder: Gru<B>,
    text_embedding: Embedding<B>,
    text_position: Embedding<B>,
    text_encoder: TransformerEncoder<B>,
    to_mu: Linear<B>,
    to_log_var: Linear<B>,
    latent_to_state: Linear<B>,
    decoder: Gru<B>,
    decoder_out: Linear<B>,
    predictor_hidden: Linear<B>,
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
    /// Mean over the batch of KL(q(z|x) || N(0, I)).
    pub kl: Tensor<B, 1>,
    /// Mean weighted binary cross-entropy of the L1 prediction.
    pub prediction: Tensor<B, 1>,
}

impl<B: Backend> Losses<B> {
    /// reconstruction + beta x KL + lambda x prediction.
    pub fn total(&self, beta: f64, lambda: f64) -> Tensor<B, 1> {
        self.reconstruction.clone() + self.kl.clone().mul_scalar(beta) + self.prediction.clone().mul_scalar(lambda)
    }
}

/// Mean of `x` [batch, len, width] over the positions where `keep` [batch, len] is true.
fn masked_mean<B: Backend>(x: Tensor<B, 3>, keep: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
    let weights = keep.float().unsqueeze_dim::<3>(2);
    let counts = weights.clone().sum_dim(1).clamp_min(1.0);
    (x * weights).sum_dim(1).div(counts).squeeze_dim(1)
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
        let cpc_states = self.cpc_encoder.forward(self.cpc_embedding.forward(cpc), None);
        let cpc_summary = masked_mean(cpc_states, cpc_keep);

        let [batch, len] = text.dims();
        let text_pad = text.clone().equal_elem(PAD as i64);
        let positions =
            Tensor::<B, 1, Int>::arange(0..len as i64, &text.device()).unsqueeze::<2>().repeat_dim(0, batch);
        let embedded = self.text_embedding.forward(text) + self.text_position.forward(positions);
        let encoded = self.text_encoder.forward(TransformerEncoderInput::new(embedded).mask_pad(text_pad.clone()));
        let text_summary = masked_mean(encoded, text_pad.bool_not());

        let joint = Tensor::cat(vec![cpc_summary, text_summary], 1);
        (self.to_mu.forward(joint.clone()), self.to_log_var.forward(joint))
    }

    /// Logit of P(L1) for latent points z [batch, latent].
    pub fn predict(&self, z: Tensor<B, 2>) -> Tensor<B, 1> {
        self.predictor_out.forward(relu(self.predictor_hidden.forward(z))).squeeze_dim(1)
    }

    /// Next-code logits for `inputs` [batch, steps] (teacher forcing) from latent points z.
    fn decode_logits(&self, z: Tensor<B, 2>, inputs: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let state = self.latent_to_state.forward(z).tanh();
        let states = self.decoder.forward(self.cpc_embedding.forward(inputs), Some(state));
        self.decoder_out.forward(states)
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
        let logits = self.decode_logits(z.clone(), inputs);
        Output { impact_logit: self.predict(z), mu, log_var, logits }
    }

    /// The loss terms of `output` for `batch`; `positive_weight` multiplies the L1 term of the
    /// binary cross-entropy (for the 10/90 imbalance).
    pub fn losses(&self, batch: &Batch<B>, output: &Output<B>, positive_weight: f64) -> Losses<B> {
        let (picked, keep) = target_log_probs(&batch.cpc, output.logits.clone());
        let reconstruction = (picked * keep.clone()).sum().neg().div(keep.sum().clamp_min(1.0));

        let kl_terms = output.log_var.clone() + 1.0 - output.mu.clone().powi_scalar(2) - output.log_var.clone().exp();
        let kl = kl_terms.sum_dim(1).mean().mul_scalar(-0.5);

        let y = batch.label.clone();
        let x = output.impact_logit.clone();
        let bce =
            y.clone().mul_scalar(positive_weight) * log_sigmoid(x.clone()) + (y.neg() + 1.0) * log_sigmoid(x.neg());
        Losses { reconstruction, kl, prediction: bce.mean().neg() }
    }

    /// The log-probability under the decoder of each code sequence `cpc` [batch, codes] (BOS, codes,
    /// EOS, then PAD) given latent points z [batch, latent]: the sum over its non-padding targets.
    pub fn sequence_log_probs(&self, z: Tensor<B, 2>, cpc: Tensor<B, 2, Int>) -> Tensor<B, 1> {
        let [batch_size, len] = cpc.dims();
        let logits = self.decode_logits(z, cpc.clone().slice([0..batch_size, 0..len - 1]));
        let (picked, keep) = target_log_probs(&cpc, logits);
        (picked * keep).sum_dim(1).squeeze_dim(1)
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
        let mut states = self.latent_to_state.forward(z).tanh();
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
            )
            .unsqueeze_dim::<2>(1);
            let step = self.decoder.forward(self.cpc_embedding.forward(tokens), Some(states.select(0, index)));
            states = step.clone().squeeze_dim::<2>(1);
            let log_probs = log_softmax(self.decoder_out.forward(step).squeeze_dim::<2>(1), 1);
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
        let mut state = self.latent_to_state.forward(z).tanh();
        let mut token = Tensor::<B, 2, Int>::full([batch, 1], BOS as i64, &device);
        let mut out = vec![vec![]; batch];
        let mut done = vec![false; batch];
        for _ in 0..max_len + 1 {
            let states = self.decoder.forward(self.cpc_embedding.forward(token), Some(state));
            state = states.clone().squeeze_dim::<2>(1);
            let next = self.decoder_out.forward(states).argmax(2).squeeze_dim::<2>(2);
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
