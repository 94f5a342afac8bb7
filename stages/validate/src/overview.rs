//! What the report's overview says about a run beyond the summary statistics: the input tables
//! validate read and their sizes, and the settings and scores of the stages behind them, read from
//! the inputs' published manifests (and, through the explore stage's inputs, the train stage's).
//! Whatever a manifest does not hold is left out, never an error.

use schemas::Table;
use schemas::metrics::{ExploreMetrics, LabelsMetrics, TrainMetrics};
use stage_runtime::{Engine, PublishedManifest, StoreLocation, read_published};

use crate::run::{ValidateInputs, ValidateOptions};

/// One input table: the stage output it came from and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct InputTable {
    /// The input's role (`ingest`, `labels`, `explore`).
    pub input: &'static str,
    pub url: String,
    pub table: &'static str,
    /// Rows, from the manifest; `None` when the input does not publish the table.
    pub rows: Option<u64>,
}

/// One setting or score: where it comes from, its name and its value as the manifest holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub source: &'static str,
    pub name: String,
    pub value: serde_json::Value,
}

/// Everything the overview shows that is not in `validation_summary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub inputs: Vec<InputTable>,
    /// Settings of this run and of the stages behind it.
    pub settings: Vec<Setting>,
    /// The train stage's own scores of the kept model on the test split.
    pub train_scores: Vec<Setting>,
    pub explore: Option<ExploreMetrics>,
}

/// The tables validate reads from each input.
const READ: [(&str, &[Table]); 3] = [
    ("ingest", &[Table::Patents, Table::Cpc, Table::Citations, Table::CpcTitle]),
    ("labels", &[Table::ImpactLabels]),
    ("explore", &[Table::Exploration, Table::ExplorationPaths]),
];

impl Overview {
    /// Reads the inputs' manifests (the explore manifest is read once by the caller already).
    pub async fn read(inputs: &ValidateInputs<'_>, options: &ValidateOptions, explore: &PublishedManifest) -> Overview {
        let mut overview = Overview::default();
        let labels = manifest(inputs.labels).await;
        let ingest = manifest(inputs.ingest).await;
        for ((input, tables), (location, published)) in READ.into_iter().zip([
            (inputs.ingest, ingest.as_ref()),
            (inputs.labels, labels.as_ref()),
            (inputs.explore, Some(explore)),
        ]) {
            for table in tables {
                let rows = published.and_then(|p| p.tables.get(table.name())).map(|t| t.rows);
                overview.inputs.push(InputTable { input, url: location.url(), table: table.name(), rows });
            }
        }
        let engine = match &options.engine.engine {
            Engine::Local => "local".to_string(),
            Engine::Standalone => "standalone Ballista".to_string(),
            Engine::Cluster(url) => format!("Ballista at {url}"),
        };
        let validate: [(&str, serde_json::Value); 4] = [
            ("macro_years", options.macro_years.into()),
            ("reached_only", options.reached_only.into()),
            ("complete_windows_only", options.complete_windows_only.into()),
            ("engine", engine.into()),
        ];
        overview.settings.extend(validate.into_iter().map(|(name, value)| setting("validate", name, value)));
        if let Some(m) = labels.as_ref().and_then(|l| l.metrics_as::<LabelsMetrics>().ok()) {
            let fields: [(&str, serde_json::Value); 5] = [
                ("window_years", m.window_years.into()),
                ("window", m.window.into()),
                ("field", m.field.into()),
                ("top_share", m.top_share.into()),
                ("rule", m.rule.into()),
            ];
            overview.settings.extend(fields.into_iter().map(|(name, value)| setting("labels", name, value)));
        }
        if let Some(train) = train_manifest(explore).await.and_then(|t| t.metrics_as::<TrainMetrics>().ok()) {
            let fields: [(&str, serde_json::Value); 6] = [
                ("device", train.device.into()),
                ("examples", train.examples.into()),
                ("cpc_vocabulary", train.cpc_vocabulary.into()),
                ("text_vocabulary", train.text_vocabulary.into()),
                ("epochs_run", train.epochs_run.into()),
                ("best_epoch", train.best_epoch.into()),
            ];
            overview.settings.extend(fields.into_iter().map(|(name, value)| setting("train", name, value)));
            if let Some(test) = train.test {
                let scores: [(&str, serde_json::Value); 10] = [
                    ("examples", test.examples.into()),
                    ("loss", test.loss.into()),
                    ("accuracy", test.accuracy.into()),
                    ("precision", test.precision.into()),
                    ("recall", test.recall.into()),
                    ("f1", test.f1.into()),
                    ("roc_auc", test.roc_auc.into()),
                    ("reconstruction_jaccard", test.reconstruction_jaccard.into()),
                    ("kl", test.kl.into()),
                    ("active_dimensions", test.active_dimensions.into()),
                ];
                overview.train_scores.extend(scores.into_iter().map(|(name, value)| setting("train", name, value)));
            }
        }
        if let Ok(m) = explore.metrics_as::<ExploreMetrics>() {
            let fields: [(&str, serde_json::Value); 6] = [
                ("code_level", m.code_level.clone().into()),
                ("step_size", m.step_size.into()),
                ("iterations", m.iterations.into()),
                ("threshold", m.threshold.into()),
                ("decoding", m.decoding.clone().into()),
                ("beam_width", m.beam_width.into()),
            ];
            overview.settings.extend(fields.into_iter().map(|(name, value)| setting("explore", name, value)));
            overview.explore = Some(m);
        }
        overview
    }

    /// Whether `input` publishes `table` (with any number of rows).
    pub fn has(&self, input: &str, table: Table) -> bool {
        self.inputs.iter().any(|t| t.input == input && t.table == table.name() && t.rows.is_some())
    }
}

fn setting(source: &'static str, name: &str, value: serde_json::Value) -> Setting {
    Setting { source, name: name.to_string(), value }
}

/// The manifest published at `location`, or `None` (with a warning) when it cannot be read.
async fn manifest(location: &StoreLocation) -> Option<PublishedManifest> {
    match read_published(location).await {
        Ok(published) => published,
        Err(e) => {
            tracing::warn!(input = %location.url(), error = %format!("{e:#}"), "manifest unreadable; the report leaves it out");
            None
        }
    }
}

/// The manifest of the train stage behind the explore stage's run: the explore input published by
/// stage `train`, when one can be read.
async fn train_manifest(explore: &PublishedManifest) -> Option<PublishedManifest> {
    for input in &explore.inputs {
        let Ok(location) = StoreLocation::parse(&input.url) else { continue };
        if let Some(published) = manifest(&location).await
            && published.stage == "train"
        {
            return Some(published);
        }
    }
    None
}
