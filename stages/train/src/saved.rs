//! A trained model as the train stage publishes it (`model/` of its run: weights, vocabularies and
//! config), read back for the stages that use it.

use anyhow::{Context, Result};
use burn::tensor::backend::Backend;
use stage_runtime::{StoreLocation, read_published};

use crate::checkpoint;
use crate::model::Model;
use crate::run::RunConfig;
use crate::vocab::Vocabulary;

/// The published model with what is needed to feed it.
#[derive(Debug)]
pub struct SavedModel<B: Backend> {
    pub config: RunConfig,
    pub codes: Vocabulary,
    pub text: Vocabulary,
    pub model: Model<B>,
}

impl<B: Backend> SavedModel<B> {
    /// Reads the model published at `output` (the train stage's output) onto `device`.
    pub async fn load(output: &StoreLocation, device: &B::Device) -> Result<SavedModel<B>> {
        let published = read_published(output)
            .await?
            .with_context(|| format!("no model is published at {} (has the train stage run?)", output.url()))?;
        let folder = published.run_location(output).child("model");
        let read = async |name: &str| -> Result<bytes::Bytes> {
            folder.get_bytes(name).await?.with_context(|| format!("{} has no model/{name}", output.url()))
        };
        let config: RunConfig = toml::from_str(std::str::from_utf8(&read("config.toml").await?)?)
            .context("reading the model's config.toml")?;
        let codes = Vocabulary::from_json(&read("cpc_vocab.json").await?).context("reading cpc_vocab.json")?;
        let text = Vocabulary::from_json(&read("text_vocab.json").await?).context("reading text_vocab.json")?;
        let weights = read("weights.bin").await?.to_vec();
        let model = checkpoint::from_bytes::<B>(&config.training.model, (codes.len(), text.len()), weights, device)?;
        Ok(SavedModel { config, codes, text, model })
    }
}
