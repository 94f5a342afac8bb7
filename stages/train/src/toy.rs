//! A tiny learnable problem for tests and demonstrations of the model: 12 CPC code ids (4..16) in
//! two families and 20 claim-token ids; L1 examples hold code 4 and token 4, so both the code
//! sequences and the label can be learned in seconds on the CPU.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::fit::{ClassWeighting, Example, KlSchedule, Reconstruction, TrainConfig};
use crate::model::{ModelConfig, Pooling, Positions, Summary};
use crate::optim::OptimizerKind;

/// Code ids of the toy problem, special tokens included.
pub const CODE_VOCABULARY: usize = 16;
/// Claim-token ids of the toy problem, special tokens included.
pub const TEXT_VOCABULARY: usize = 24;

/// A small model for the toy problem (no dropout, so its outputs are deterministic).
pub fn model_config() -> ModelConfig {
    ModelConfig {
        cpc_embedding: 16,
        cpc_hidden: 24,
        text_model: 16,
        text_heads: 2,
        text_layers: 1,
        text_feed_forward: 32,
        max_text_len: 12,
        latent: 8,
        predictor_hidden: 16,
        dropout: 0.0,
        cpc_layers: 1,
        bidirectional: false,
        two_way_decoder: false,
        cpc_summary: Summary::Mean,
        text_pooling: Pooling::Mean,
        text_positions: Positions::Learned,
        cpc_dropout: 0.0,
        separate_decoder_embedding: false,
        predictor_layers: 1,
        latent_bias: true,
    }
}

/// Training settings for the toy problem: `epochs` passes, no early stopping.
pub fn train_config(seed: u64, epochs: usize) -> TrainConfig {
    TrainConfig {
        model: model_config(),
        max_codes: 6,
        epochs,
        batch_size: 8,
        learning_rate: 0.01,
        beta: 0.1,
        kl_anneal_steps: 20,
        lambda: 1.0,
        positive_weight: None,
        patience: 100,
        word_dropout: 0.0,
        seed,
        optimizer: OptimizerKind::Adam,
        weight_decay: 0.0,
        epsilon: 1e-5,
        gradient_clip_norm: None,
        kl_schedule: KlSchedule::Linear,
        kl_logistic_rate: 0.0025,
        kl_restart_each_epoch: false,
        reconstruction: Reconstruction::Mean,
        reconstruction_weight: 1.0,
        class_weights: ClassWeighting::Ratio,
        class_weight_alpha: 0.9,
        pretrain_epochs: 0,
        teacher_forcing: 1.0,
    }
}

/// `n` examples drawn under `seed`; every fourth is L1.
pub fn examples(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let l1 = i % 4 == 0;
            let family = rng.random_range(0..2) * 6 + 4;
            let mut codes = vec![crate::vocab::BOS];
            if l1 {
                codes.push(4);
            }
            codes.extend((0..rng.random_range(1..4)).map(|k| family + 1 + k));
            codes.push(crate::vocab::EOS);
            let mut text: Vec<usize> = (0..rng.random_range(3..10)).map(|_| rng.random_range(5..24)).collect();
            if l1 {
                text.push(4);
            }
            Example { codes, text, l1 }
        })
        .collect()
}
