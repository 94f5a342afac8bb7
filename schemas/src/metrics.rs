//! What each stage records under `metrics` in its `_published.json`: one documented struct per stage,
//! the contract a reader (a test, `pipeline status`, a dashboard) can rely on. A stage fills its
//! struct and stores it with `PublishedManifest::set_metrics`; a reader gets it back with
//! `PublishedManifest::metrics_as`. Every stage run through `write_and_publish` also has [`RunMetrics`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Added to every stage's metrics by the publishing runtime.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMetrics {
    /// Wall seconds from the stage's start to its publish.
    pub seconds: Option<f64>,
    /// The process's peak resident memory (`VmHWM`), where the kernel reports it.
    pub peak_memory_bytes: Option<u64>,
}

/// The synthetic corpus generator's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SynthMetrics {
    /// The generator's settings (corpus size, years, seed, ...), as `synth --describe` prints them.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Rows deliberately written malformed (they must land in ingest's rejects).
    pub malformed_rows: u64,
    /// Seconds spent generating the files, before the upload.
    pub generate_seconds: f64,
}

/// Ingest's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IngestMetrics {
    /// Data rows read from every dump (headers excluded).
    pub rows_read: u64,
    /// Rows written to `rejects` (malformed, duplicate or orphan).
    pub rows_rejected: u64,
    /// Uncompressed TSV bytes read.
    pub tsv_bytes: u64,
    /// Wall seconds of the whole run (ingest publishes without `write_and_publish`, so it records
    /// this itself), and of its phase 1 (the files parsed into staging Parquet: on the local engine
    /// patents, applications and CPC titles; the child tables are parsed as the layout reads them).
    pub seconds: f64,
    pub staging_seconds: f64,
    /// Per dump file (its name in the input folder): what it held.
    pub files: BTreeMap<String, FileCounts>,
}

/// One dump file's counts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileCounts {
    /// Data rows read.
    pub rows: u64,
    /// Rows the parser rejected (joins reject more; see `rejects`).
    pub rejects: u64,
    /// Uncompressed TSV bytes.
    pub tsv_bytes: u64,
}

/// The co-occurrence stage's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CooccurrenceMetrics {
    /// `grant_year` or `filing_year`: the year a patent's codes count from.
    pub year_field: String,
    /// The CPC levels computed (`group`, `subclass`, `class`).
    pub levels: Vec<String>,
    /// How coarse-level statistics are formed (`sum-code-pairs` or `map-dedupe`).
    pub coarse_graining: String,
    /// How the coarse-level mu and var are computed (`aggregates` or `enumerate-pairs`).
    pub marginals: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Patents with codes up to the last year (|P| of the last year).
    pub patents: i64,
    /// Rows of `cpc_pair_stats` over every year and level.
    pub pair_rows: u64,
    /// Rows of `patent_novelty` over every year and level.
    pub novelty_rows: u64,
    /// The plots written, relative to the run folder.
    #[serde(default)]
    pub plots: Vec<String>,
}

/// The similarity stage's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SimilarityMetrics {
    /// The text compared (`claims`, `title` or `claims+title`).
    pub text: String,
    pub min_token_len: usize,
    /// Terms kept are in at least this many patents.
    pub min_df: u64,
    /// The stop-word list.
    pub stop_words: String,
    /// The boilerplate phrases removed before tokenizing.
    pub boilerplate: Vec<String>,
    /// Which year's BIDF weighs a pair (`earlier` or `later`).
    pub bidf_year: String,
    pub backward_years: i32,
    pub forward_years: i32,
    pub burn_in_years: i32,
    pub breakthrough_quantile: f64,
    /// The first and last filing years with documents.
    pub first_year: i32,
    pub last_year: i32,
    /// Patents in the input.
    pub patents: i64,
    pub patents_without_filing_year: i64,
    /// Patents with a filing year but no kept term.
    pub patents_without_terms: i64,
    /// Patents with a filing year and a kept term.
    pub documents: i64,
    pub kept_terms: u64,
    pub kept_tokens: i64,
    /// Years whose BIDF weighting was computed.
    pub weighting_years: usize,
    pub window_sum_rows: u64,
    /// The plots written, relative to the run folder.
    #[serde(default)]
    pub plots: Vec<String>,
}

fn exact_date() -> String {
    "exact-date".into()
}

fn top_share() -> String {
    "top-share".into()
}

/// The labels stage's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabelsMetrics {
    /// Forward citations count within this many years after the grant.
    pub window_years: i32,
    /// How the window is dated: `exact-date` (grant date + years) or `calendar-years`.
    #[serde(default = "exact_date")]
    pub window: String,
    /// The CPC level of the field within which patents are ranked, or `all` for one pool.
    pub field: String,
    /// The share of each field-year group (or of the pool) labelled L1.
    pub top_share: f64,
    /// How the share is applied: `top-share` (the first ceil(share x n)) or `above-quantile`.
    #[serde(default = "top_share")]
    pub rule: String,
    /// The optional list of patents labelled (its URL), and how many distinct patents it named.
    pub patent_list: Option<String>,
    pub listed_patents: Option<i64>,
    pub patents: i64,
    pub labelled: i64,
    pub l1: i64,
    /// Patents whose citation window extends past the newest citing patent.
    pub incomplete_window: i64,
    /// Patents without a field (no main CPC code).
    pub without_field: i64,
    /// The plots written, relative to the run folder.
    #[serde(default)]
    pub plots: Vec<String>,
}

/// The train stage's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainMetrics {
    /// The device trained on (`cpu`, `cuda:0`, ...).
    pub device: String,
    /// Labelled patents loaded (all splits).
    pub examples: usize,
    pub cpc_vocabulary: usize,
    pub text_vocabulary: usize,
    pub epochs_run: usize,
    /// The epoch with the lowest validation loss (the model kept).
    pub best_epoch: usize,
    /// Mean training throughput over the epochs.
    pub samples_per_second: f64,
    /// The model's files, relative to the run folder.
    pub model_files: Vec<String>,
    /// Scores of the kept model on the test split, when it has examples.
    pub test: Option<TestScores>,
    /// The plots written, relative to the run folder.
    #[serde(default)]
    pub plots: Vec<String>,
}

/// The kept model on the test split.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TestScores {
    pub examples: usize,
    pub loss: f64,
    /// Of P(L1) > 0.5 predicting L1.
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Undefined (None) when the split holds one class only.
    pub roc_auc: Option<f64>,
    /// Mean Jaccard similarity of each patent's codes and their greedy reconstruction.
    pub reconstruction_jaccard: f64,
    pub kl: f64,
    /// Mean KL divergence per latent dimension.
    pub kl_per_dimension: Vec<f64>,
    /// Latent dimensions with a mean KL above 0.01 (the rest have collapsed to the prior).
    pub active_dimensions: usize,
}

/// The explore stage's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExploreMetrics {
    pub device: String,
    /// The model's code level (`subclass` or `main-group`).
    pub code_level: String,
    /// Patents explored.
    pub explored: usize,
    /// Explored patents whose predicted P(L1) reached the threshold.
    pub reached_threshold: usize,
    pub step_size: f64,
    pub iterations: usize,
    pub threshold: f64,
    /// Whether each search ended one step past the point that reached the threshold.
    #[serde(default)]
    pub step_past_threshold: bool,
    /// Whether only patents with a forward citation in their label window were explored.
    #[serde(default)]
    pub cited_only: bool,
    /// How latent points are decoded to codes (`greedy` or `beam`).
    pub decoding: String,
    pub beam_width: usize,
    pub mean_start_probability: f64,
    pub mean_end_probability: f64,
}

/// The validate stage's run: its headline figures (the rest are in `validation_summary`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValidateMetrics {
    pub test_f1: Option<f64>,
    pub test_roc_auc: Option<f64>,
    pub test_reconstruction_jaccard: Option<f64>,
    /// Mann-Whitney p of the shifted vs remained citing patents' forward citations.
    pub micro_mann_whitney_p: Option<f64>,
    /// Wilcoxon signed-rank p of the new vs original domains' mean forward citations, paired by
    /// explored patent.
    pub macro_wilcoxon_p: Option<f64>,
    /// Years after the focal year a domain's growth is counted.
    pub macro_years: i32,
    /// The report's files, relative to the run folder.
    #[serde(default)]
    pub report: Vec<String>,
}

/// A sweep summary's run (`validation-sweep`): the explore option swept and its values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepMetrics {
    pub parameter: String,
    pub values: Vec<f64>,
    /// `summary.md` (the headline figures per value) and the charts, relative to the run folder.
    pub files: Vec<String>,
}
