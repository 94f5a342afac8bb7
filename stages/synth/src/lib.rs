//! Deterministic synthetic PatentsView bulk dumps: `g_patent`, `g_application`, `g_cpc_current`,
//! `g_us_patent_citation`, one `g_claims_YYYY` per grant year and `g_cpc_title` (made-up titles of
//! the codes used), as zipped quoted TSV in exactly the
//! real dumps' format, from a tiny test set to millions of patents. The same [`SynthConfig`] always
//! gives byte-identical files.
//!
//! The corpus is calibrated to the real one ([`calibration`]): the CPC scheme's size and shape,
//! grants per year, codes, subclasses, citations and claims per patent, claim lengths. Impact is
//! planted ([`impact`]): forward citations depend on claim terms, codes, atypical combinations and
//! planted opportunities in a known way, written to `ground_truth/` beside the dumps
//! (`GROUND_TRUTH.md`).
//!
//! Patents are generated in grant order and streamed row by row into all tables at once; only a few
//! dozen bytes per patent are kept (what citing patents need, and the ground truth).

pub mod calibration;
mod citations;
mod generator;
pub mod ground_truth;
pub mod impact;
mod model;
mod schedule;
mod scheme;
mod text;
mod titles;
mod tsv_writer;

use std::path::Path;

use anyhow::{Result, ensure};

/// What to generate.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct SynthConfig {
    /// Number of patents (utility, about 8% design, 1% reissue), spread over the grant years as real
    /// grants are.
    #[arg(long, default_value_t = SynthConfig::default().patents)]
    pub patents: u64,
    /// Seed of the generator: the same seed and options give byte-identical files.
    #[arg(long, default_value_t = SynthConfig::default().seed)]
    pub seed: u64,
    /// Grant year of the earliest patents.
    #[arg(long, default_value_t = SynthConfig::default().first_year)]
    pub first_year: i32,
    /// Number of grant years (1976–2025 by default); one g_claims_YYYY file each.
    #[arg(long, default_value_t = SynthConfig::default().years)]
    pub years: u32,
    /// Number of latent technology topics behind CPC co-occurrence, citations and claim words.
    #[arg(long, default_value_t = SynthConfig::default().topics)]
    pub topics: u16,
    /// Also write N deliberately malformed rows, spread through g_patent and g_cpc_current, taking
    /// turns: a g_patent row without its last column, a g_cpc_current row whose cpc_sequence is the
    /// text "one", a g_patent row with patent_date "2001-13-45", a g_cpc_current row without its last
    /// column. They are counted in the files' row totals. For testing that ingest rejects them.
    #[arg(long, value_name = "N", default_value_t = SynthConfig::default().inject_malformed)]
    pub inject_malformed: u64,
    /// Number of planted opportunities: popular topics whose patents get `--opportunity-multiplier`
    /// times the expected forward citations when they also carry a given code of another section.
    #[arg(long, default_value_t = SynthConfig::default().opportunities)]
    pub opportunities: u16,
    /// Factor on the expected forward citations of a patent carrying its topic's opportunity code.
    #[arg(long, default_value_t = SynthConfig::default().opportunity_multiplier)]
    pub opportunity_multiplier: f64,
    /// Share of a planted topic's patents that carry its opportunity code.
    #[arg(long, default_value_t = SynthConfig::default().opportunity_share)]
    pub opportunity_share: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            patents: 2000,
            seed: 42,
            first_year: 1976,
            years: 50,
            topics: 400,
            inject_malformed: 0,
            opportunities: 8,
            opportunity_multiplier: 4.0,
            opportunity_share: 0.05,
        }
    }
}

impl SynthConfig {
    fn validate(&self) -> Result<()> {
        ensure!(self.patents >= 1, "--patents must be at least 1");
        ensure!(u32::try_from(self.patents).is_ok(), "--patents must be below 2^32");
        ensure!((1..=200).contains(&self.years), "--years must be between 1 and 200");
        ensure!((1900..=2100).contains(&self.first_year), "--first-year must be between 1900 and 2100");
        ensure!(self.first_year + self.years as i32 <= 2101, "grant years must end by 2100");
        ensure!(self.topics >= 1, "--topics must be at least 1");
        ensure!(self.opportunity_multiplier >= 1.0, "--opportunity-multiplier must be at least 1");
        ensure!((0.0..=1.0).contains(&self.opportunity_share), "--opportunity-share must be between 0 and 1");
        Ok(())
    }

    /// The settings as JSON, for manifests and the ground truth.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "seed": self.seed,
            "patents": self.patents,
            "first_year": self.first_year,
            "years": self.years,
            "topics": self.topics,
            "opportunities": self.opportunities,
            "opportunity_multiplier": self.opportunity_multiplier,
            "opportunity_share": self.opportunity_share,
            "inject_malformed": self.inject_malformed,
        })
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSummary {
    /// File name and number of data rows (header excluded, malformed rows included), in writing order.
    pub files: Vec<(String, u64)>,
    /// The ground-truth files (paths relative to the dump folder) and their data rows.
    pub ground_truth: Vec<(String, u64)>,
    /// Malformed rows written (`--inject-malformed`).
    pub malformed: u64,
}

/// Writes the dump files for `config` into the existing folder `dir`.
pub fn generate(config: &SynthConfig, dir: &Path) -> Result<SynthSummary> {
    config.validate()?;
    generator::Generator::new(config, dir)?.run()
}
