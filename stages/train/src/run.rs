//! The train stage from ingest's and the labels stage's outputs to a published model: examples and
//! splits, vocabularies, training with a checkpoint after every epoch, then the best weights, the
//! vocabularies and the config under `model/`, the tables `model_split` and `training_metrics`,
//! the test-split metrics in the manifest and the training-curve plot.

use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use burn::tensor::backend::AutodiffBackend;
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::metrics::{TestScores, TrainMetrics};
use serde::{Deserialize, Serialize};
use sql_engine::{register_published, session, write_batches};
use stage_runtime::{EngineOptions, PublishedManifest, RunWriter, StoreLocation, new_manifest, write_and_publish};

use crate::data::{self, CodeLevel, PatentRecord, Split, SplitRule};
use crate::fit::{EpochMetrics, TrainConfig, evaluate, fit};
use crate::vocab::Vocabulary;
use crate::{checkpoint, plots};

/// What the examples are made of; the `[data]` table of the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// CPC level of the code sequences.
    pub level: CodeLevel,
    /// Codes seen fewer times in the training split map to UNK.
    pub min_code_count: usize,
    /// Claim tokens seen fewer times in the training split map to UNK.
    pub min_token_count: usize,
    /// Most claim-token ids, special tokens included.
    pub max_text_vocab: usize,
    /// Share of the labelled patents trained on, tested and published in `model_split` (1, all of
    /// them, when absent): a fixed sample by a seeded hash of the patent id ([`data::in_sample`]),
    /// for training on a documented subset of a large corpus.
    #[serde(default = "all_patents")]
    pub sample_share: f64,
    /// Keep a code as often as it occurs at `level` (the reference keeps repeats at main-group
    /// level); by default each code once.
    #[serde(default)]
    pub keep_repeats: bool,
    /// How the patents are split.
    #[serde(default)]
    pub split: SplitRule,
    /// With the stratified split: the test share of each label.
    #[serde(default = "reference_test_share")]
    pub test_share: f64,
    /// With the stratified split: the validation share of what the test split leaves.
    #[serde(default = "reference_validation_share")]
    pub validation_share: f64,
}

fn reference_test_share() -> f64 {
    0.1
}

fn reference_validation_share() -> f64 {
    0.2
}

fn all_patents() -> f64 {
    1.0
}

/// The config file: `[data]` and `[training]` (with `[training.model]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub data: DataConfig,
    pub training: TrainConfig,
}

/// The built-in configs, by name: `stages/train/configs/<name>.toml`.
const BUILT_IN: [(&str, &str); 3] = [
    ("light", include_str!("../configs/light.toml")),
    ("full", include_str!("../configs/full.toml")),
    ("paper", include_str!("../configs/paper.toml")),
];

impl RunConfig {
    /// A built-in config by name (`light`, `full`, `paper`) or a TOML file by path, checked.
    pub fn resolve(name_or_path: &str) -> Result<RunConfig> {
        let (text, source) = match BUILT_IN.iter().find(|(name, _)| *name == name_or_path) {
            Some((_, text)) => (text.to_string(), format!("built-in config `{name_or_path}`")),
            None => (
                std::fs::read_to_string(name_or_path)
                    .with_context(|| format!("reading {name_or_path} (not a built-in config: light, full, paper)"))?,
                name_or_path.to_string(),
            ),
        };
        let config: RunConfig = toml::from_str(&text).with_context(|| format!("parsing {source}"))?;
        config.check().with_context(|| format!("checking {source}"))?;
        Ok(config)
    }

    /// Settings that parse but cannot be trained.
    fn check(&self) -> Result<()> {
        let t = &self.training;
        anyhow::ensure!(
            t.epochs > t.pretrain_epochs,
            "epochs ({}) must exceed pretrain_epochs ({})",
            t.epochs,
            t.pretrain_epochs
        );
        anyhow::ensure!(
            (0.0..=1.0).contains(&t.teacher_forcing),
            "teacher_forcing must be in [0, 1], got {}",
            t.teacher_forcing
        );
        let (test, validation) = (self.data.test_share, self.data.validation_share);
        anyhow::ensure!(
            (0.0..1.0).contains(&test) && (0.0..1.0).contains(&validation),
            "test_share and validation_share must be in [0, 1), got {test} and {validation}"
        );
        anyhow::ensure!(t.model.cpc_layers >= 1, "cpc_layers must be at least 1");
        Ok(())
    }
}

/// Settings of one train run beyond its inputs and output.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub config: RunConfig,
    /// Name of the device, recorded in the manifest (`cpu`, `cuda:0`).
    pub device_name: String,
    pub plots: bool,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

/// Trains on `ingest` (cpc, claims) and `labels` (impact_labels) and publishes to `output`.
pub async fn run<B: AutodiffBackend>(
    ingest: &StoreLocation,
    labels: &StoreLocation,
    output: &StoreLocation,
    options: &TrainOptions,
    device: B::Device,
) -> Result<PublishedManifest> {
    write_and_publish(&[ingest, labels], output, async |run: &RunWriter| {
        write_run::<B>(run, ingest, labels, options, device).await
    })
    .await
}

async fn write_run<B: AutodiffBackend>(
    run: &RunWriter,
    ingest: &StoreLocation,
    labels: &StoreLocation,
    options: &TrainOptions,
    device: B::Device,
) -> Result<PublishedManifest> {
    let (data_config, config) = (&options.config.data, &options.config.training);
    let ctx = session(&options.engine, &[ingest, labels, &run.run]).await?;
    register_published(&ctx, ingest, Table::Cpc).await?;
    register_published(&ctx, ingest, Table::Claims).await?;
    register_published(&ctx, labels, Table::ImpactLabels).await?;
    anyhow::ensure!(
        data_config.sample_share > 0.0 && data_config.sample_share <= 1.0,
        "sample_share must be in (0, 1], got {}",
        data_config.sample_share
    );
    let (seed, share) = (config.seed, data_config.sample_share);
    let records =
        data::load(&ctx, data_config.level, data_config.keep_repeats, |id| data::in_sample(id, seed, share)).await?;
    if share < 1.0 {
        tracing::info!(sample_share = share, patents = records.len(), "labelled patents in the sample");
    }
    let shares = (data_config.validation_share, data_config.test_share);
    let splits = data::assign_splits(&records, data_config.split, shares, config.seed);
    let part =
        |s: Split| records.iter().zip(&splits).filter(|(_, split)| **split == s).map(|(r, _)| r).collect::<Vec<_>>();
    let (train_part, validation_part, test_part) = (part(Split::Train), part(Split::Validation), part(Split::Test));
    anyhow::ensure!(
        !train_part.is_empty() && !validation_part.is_empty(),
        "{} labelled patents with CPC codes: too few for a training and a validation split",
        records.len()
    );
    let codes =
        Vocabulary::build(train_part.iter().map(|r| r.codes.as_slice()), data_config.min_code_count, usize::MAX);
    let text = Vocabulary::build(
        train_part.iter().map(|r| r.tokens.as_slice()),
        data_config.min_token_count,
        data_config.max_text_vocab,
    );
    let encode =
        |part: &[&PatentRecord]| data::encode(part, &codes, &text, config.max_codes, config.model.max_text_len);
    let (train_set, validation_set, test_set) = (encode(&train_part), encode(&validation_part), encode(&test_part));
    tracing::info!(
        examples = records.len(),
        train = train_set.len(),
        validation = validation_set.len(),
        test = test_set.len(),
        l1 = records.iter().filter(|r| r.l1).count(),
        codes = codes.len(),
        claim_tokens = text.len(),
        "examples and vocabularies"
    );
    write_split(&ctx, &records, &splits, run).await?;

    // Training runs on a blocking thread; each epoch's weights are written as the latest checkpoint.
    let model_dir = run.run.child("model");
    let checkpoints = run.run.child("checkpoints");
    let sizes = (codes.len(), text.len());
    let class = config.class_weights(&train_set);
    let handle = tokio::runtime::Handle::current();
    let (fit_config, fit_device) = (config.clone(), device.clone());
    let (model, history) = tokio::task::spawn_blocking(move || -> Result<_> {
        let mut failed = None;
        let fitted = fit::<B>(&fit_config, sizes, &train_set, &validation_set, &fit_device, |m, model| {
            log_epoch(m, fit_config.epochs);
            let write = checkpoint::to_bytes(model)
                .and_then(|bytes| handle.block_on(checkpoints.put_bytes("latest.bin", bytes)));
            if let Err(e) = write {
                failed.get_or_insert(e);
            }
        });
        match failed {
            Some(e) => Err(e.context("writing a checkpoint")),
            None => Ok(fitted),
        }
    })
    .await??;

    let model_files = [
        ("weights.bin", checkpoint::to_bytes(&model)?),
        ("cpc_vocab.json", codes.to_json()),
        ("text_vocab.json", text.to_json()),
        ("config.toml", toml::to_string(&options.config)?.into_bytes()),
    ];
    let mut model_paths = vec![];
    for (name, bytes) in model_files {
        model_dir.put_bytes(name, bytes).await?;
        model_paths.push(format!("model/{name}"));
    }
    write_metrics(&ctx, &history, run).await?;

    let mut manifest = new_manifest("train", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    // The best epoch as fit chose it: the lowest validation loss after pretraining.
    let trained = history.iter().filter(|m| m.epoch > config.pretrain_epochs);
    let best = trained
        .min_by(|a, b| a.validation_loss.total_cmp(&b.validation_loss))
        .context("no epoch after pretraining ran")?;
    let test = if test_set.is_empty() {
        None
    } else {
        use burn::module::AutodiffModule;
        let weights = config.loss_weights(usize::MAX, config.beta);
        let e = evaluate(&model.valid(), &test_set, config, (&weights, class), &device);
        let c = e.confusion;
        let test = TestScores {
            examples: test_set.len(),
            loss: e.losses.total,
            accuracy: c.accuracy(),
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
            roc_auc: e.roc_auc,
            reconstruction_jaccard: e.reconstruction_jaccard,
            kl: e.losses.kl,
            kl_per_dimension: e.kl_per_dimension,
            active_dimensions: e.active_dimensions,
        };
        tracing::info!(
            examples = test.examples,
            loss = test.loss,
            f1 = test.f1,
            roc_auc = test.roc_auc,
            reconstruction_jaccard = test.reconstruction_jaccard,
            active_dimensions = test.active_dimensions,
            "test split"
        );
        Some(test)
    };
    let plots = if options.plots { plots::write(&history, &run.run.child("plots")).await? } else { vec![] };
    for &t in schemas::catalogue::train::WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    manifest.set_metrics(&TrainMetrics {
        device: options.device_name.clone(),
        examples: records.len(),
        cpc_vocabulary: codes.len(),
        text_vocabulary: text.len(),
        epochs_run: history.len(),
        best_epoch: best.epoch,
        samples_per_second: history.iter().map(|m| m.samples_per_second).sum::<f64>() / history.len() as f64,
        model_files: model_paths,
        test,
        plots,
    })?;
    Ok(manifest)
}

/// A progress line per epoch.
fn log_epoch(m: &EpochMetrics, epochs: usize) {
    tracing::info!(
        epoch = m.epoch,
        epochs,
        train_loss = m.train_loss,
        reconstruction = m.train_reconstruction,
        kl = m.train_kl,
        prediction = m.train_prediction,
        validation_loss = m.validation_loss,
        f1 = m.f1,
        roc_auc = m.roc_auc.unwrap_or(f64::NAN),
        jaccard = m.reconstruction_jaccard,
        active_dimensions = m.active_dimensions,
        samples_per_sec = m.samples_per_second,
        "epoch done"
    );
}

async fn write_split(ctx: &SessionContext, records: &[PatentRecord], splits: &[Split], run: &RunWriter) -> Result<()> {
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("split", DataType::Utf8, false),
            Field::new("l1", DataType::Boolean, false),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.patent_id.as_str()))),
            Arc::new(StringArray::from_iter_values(splits.iter().map(|s| s.name()))),
            Arc::new(BooleanArray::from(records.iter().map(|r| r.l1).collect::<Vec<_>>())),
        ],
    )?;
    write_batches(ctx, vec![batch], Table::ModelSplit.def(), &run.table(Table::ModelSplit)).await?;
    Ok(())
}

async fn write_metrics(ctx: &SessionContext, history: &[EpochMetrics], run: &RunWriter) -> Result<()> {
    let value = serde_json::to_value(history)?;
    let rows = value.as_array().context("metrics serialise to a list")?;
    let def = Table::TrainingMetrics.def();
    let mut fields = vec![];
    let mut columns: Vec<Arc<dyn arrow::array::Array>> = vec![];
    for column in &def.columns {
        let values = rows.iter().map(|r| &r[column.name]);
        if column.name == "epoch" || column.name == "active_dimensions" {
            fields.push(Field::new(column.name, DataType::Int64, false));
            columns.push(Arc::new(Int64Array::from_iter_values(values.map(|v| v.as_i64().unwrap_or_default()))));
        } else {
            fields.push(Field::new(column.name, DataType::Float64, true));
            columns.push(Arc::new(Float64Array::from_iter(values.map(|v| v.as_f64()))));
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    write_batches(ctx, vec![batch], Table::TrainingMetrics.def(), &run.table(Table::TrainingMetrics)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_configs_parse_and_unknown_keys_are_rejected() {
        let light = RunConfig::resolve("light").unwrap();
        let full = RunConfig::resolve("full").unwrap();
        assert!(full.training.model.latent > light.training.model.latent);
        assert_eq!(light.data.level, CodeLevel::Subclass);
        let text = include_str!("../configs/light.toml").replace("patience = 3", "patience = 3\npatiance = 4");
        assert!(toml::from_str::<RunConfig>(&text).unwrap_err().to_string().contains("patiance"));
        assert!(RunConfig::resolve("no-such-config.toml").unwrap_err().to_string().contains("built-in"));
    }
}
