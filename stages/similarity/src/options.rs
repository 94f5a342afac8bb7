//! What the similarity stage can be asked to compute: which text, how it is tokenized, which
//! year's BIDF weights a pair, the window lengths, the burn-in and the breakthrough quantile.

use anyhow::{Result, bail};
use stage_runtime::EngineOptions;

use sql_functions::tokenize::{DEFAULT_BOILERPLATE, boilerplate_words};

/// The text of a patent that is tokenized. (The ingested tables hold no abstracts.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextSource {
    /// Every `claims.claim_text` of the patent, in claim_sequence order.
    Claims,
    /// `patents.title`.
    Title,
    /// The claims and the title.
    #[value(name = "claims+title")]
    ClaimsAndTitle,
}

impl TextSource {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            TextSource::Claims => "claims",
            TextSource::Title => "title",
            TextSource::ClaimsAndTitle => "claims+title",
        }
    }

    /// Whether the claims are read.
    pub fn uses_claims(self) -> bool {
        matches!(self, TextSource::Claims | TextSource::ClaimsAndTitle)
    }

    /// Whether the title is read.
    pub fn uses_title(self) -> bool {
        matches!(self, TextSource::Title | TextSource::ClaimsAndTitle)
    }
}

/// Whose filing year's BIDF weights both vectors of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BidfYear {
    /// The earlier-filed patent's year (KPST): t = min(T_i, T_j).
    Earlier,
    /// The later-filed patent's year: t = max(T_i, T_j).
    Later,
}

impl BidfYear {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            BidfYear::Earlier => "earlier",
            BidfYear::Later => "later",
        }
    }

    /// The weighting year of a pair filed in years `a` and `b`.
    pub fn pick(self, a: i32, b: i32) -> i32 {
        match self {
            BidfYear::Earlier => a.min(b),
            BidfYear::Later => a.max(b),
        }
    }

    /// [`BidfYear::pick`] as a SQL expression over two year expressions.
    pub fn sql(self, a: &str, b: &str) -> String {
        match self {
            BidfYear::Earlier => format!("LEAST({a}, {b})"),
            BidfYear::Later => format!("GREATEST({a}, {b})"),
        }
    }
}

/// Settings of one similarity run beyond input and output.
#[derive(Debug, Clone)]
pub struct SimilarityOptions {
    /// The text that is tokenized.
    pub text: TextSource,
    /// Tokens shorter than this many characters are dropped.
    pub min_token_len: usize,
    /// Terms in fewer patents than this (over the whole corpus) are dropped.
    pub min_df: u64,
    /// Boiler-plate words dropped besides the NLTK stop words (lower-case, alphabetic).
    pub boilerplate: Vec<String>,
    /// Whose filing year's BIDF weights a pair.
    pub bidf_year: BidfYear,
    /// The backward window: filing years T-b..T-1.
    pub backward_years: i32,
    /// The forward window: filing years T+1..T+f.
    pub forward_years: i32,
    /// Filing years at the corpus's start whose BIDF rests on few earlier patents: a backward window
    /// reaching before the first filing year plus this many years is incomplete (`bs_incomplete`),
    /// and its patents are left out of the breakthrough ranking.
    pub burn_in_years: i32,
    /// Breakthrough: log_q_residual at or above this quantile of all residuals (pooled).
    pub breakthrough_quantile: f64,
    /// Write the SVG plot of log q per filing year.
    pub plots: bool,
    /// Limits of the SQL engine.
    pub engine: EngineOptions,
    /// The runner's fingerprint of the invocation, recorded in the manifest.
    pub fingerprint: Option<String>,
}

impl Default for SimilarityOptions {
    fn default() -> Self {
        SimilarityOptions {
            text: TextSource::Claims,
            min_token_len: 2,
            min_df: 2,
            boilerplate: DEFAULT_BOILERPLATE.iter().map(|w| w.to_string()).collect(),
            bidf_year: BidfYear::Earlier,
            backward_years: 5,
            forward_years: 10,
            burn_in_years: 0,
            breakthrough_quantile: 0.9,
            plots: true,
            engine: EngineOptions::default(),
            fingerprint: None,
        }
    }
}

impl SimilarityOptions {
    /// Checks the settings; returns the boiler-plate list normalised by
    /// [`boilerplate_words`].
    pub fn validate(&self) -> Result<Vec<String>> {
        if self.backward_years < 1 || self.forward_years < 1 {
            bail!(
                "window lengths must be at least one year (got backward {}, forward {})",
                self.backward_years,
                self.forward_years
            );
        }
        if self.burn_in_years < 0 {
            bail!("--burn-in-years must not be negative, got {}", self.burn_in_years);
        }
        if self.min_df < 1 {
            bail!("--min-df must be at least 1");
        }
        if !(self.breakthrough_quantile > 0.0 && self.breakthrough_quantile < 1.0) {
            bail!("--breakthrough-quantile must be strictly between 0 and 1, got {}", self.breakthrough_quantile);
        }
        boilerplate_words(&self.boilerplate)
    }
}
