//! Model weights as bytes (burn's bincode record, full precision), so checkpoints can be written to
//! any object store, and back.

use anyhow::{Result, anyhow};
use burn::module::Module;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::Backend;

use crate::model::{Model, ModelConfig};

/// The weights of `model`.
pub fn to_bytes<B: Backend>(model: &Model<B>) -> Result<Vec<u8>> {
    BinBytesRecorder::<FullPrecisionSettings>::default()
        .record(model.clone().into_record(), ())
        .map_err(|e| anyhow!("recording the model: {e}"))
}

/// A model of `config` and the vocabulary sizes with the weights `bytes` (from [`to_bytes`]).
pub fn from_bytes<B: Backend>(
    config: &ModelConfig,
    (cpc_vocab, text_vocab): (usize, usize),
    bytes: Vec<u8>,
    device: &B::Device,
) -> Result<Model<B>> {
    let record = BinBytesRecorder::<FullPrecisionSettings>::default()
        .load(bytes, device)
        .map_err(|e| anyhow!("reading a checkpoint: {e}"))?;
    Ok(config.init::<B>(cpc_vocab, text_vocab, device).load_record(record))
}
