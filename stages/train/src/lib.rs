//! The train stage: the generative-predictive model (seed method 000) — vocabularies ([`vocab`]),
//! the VAE with its impact predictor ([`model`], [`layers`]), the training loop ([`fit`], [`optim`]), checkpoints
//! ([`checkpoint`]) and metrics (crate `stats`) — written once over burn's `Backend`, so it trains on
//! the CPU through burn-ndarray (the default) and through libtorch (burn-tch, feature `gpu`) on the
//! CPU or a GPU ([`backend`]); and the stage around it ([`data`], [`run`], [`plots`]).

pub mod backend;
pub mod checkpoint;
pub mod data;
pub mod fit;
pub mod layers;
pub mod model;
pub mod optim;
pub mod plots;
pub mod run;
pub mod saved;
pub mod toy;
pub mod vocab;

pub use fit::{EpochMetrics, Example, TrainConfig, fit};
pub use model::{Batch, Model, ModelConfig};
pub use vocab::Vocabulary;
