//! Deterministic synthetic PatentsView bulk dumps: `g_patent`, `g_application`, `g_cpc_current`,
//! `g_us_patent_citation` and one `g_claims_YYYY` per grant year, as zipped quoted TSV in exactly the
//! real dumps' format, from a tiny test set to millions of patents. The same [`SynthConfig`] always
//! gives byte-identical files.
//!
//! Patents are generated in grant order and streamed row by row into all tables at once; only a few
//! bytes per patent are kept (what citing patents need to know about the patents they cite).

mod generator;
mod model;
mod schedule;
mod text;
mod tsv_writer;

use std::path::Path;

use anyhow::{Result, ensure};

/// What to generate.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct SynthConfig {
    /// Number of patents (utility, about 8% design, 1% reissue).
    #[arg(long, default_value_t = SynthConfig::default().patents)]
    pub patents: u64,
    /// Seed of the generator: the same seed and options give byte-identical files.
    #[arg(long, default_value_t = SynthConfig::default().seed)]
    pub seed: u64,
    /// Grant year of the earliest patents.
    #[arg(long, default_value_t = SynthConfig::default().first_year)]
    pub first_year: i32,
    /// Number of grant years (patents per year grow by 4.5% a year); one g_claims_YYYY file each.
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
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig { patents: 2000, seed: 42, first_year: 2000, years: 20, topics: 40, inject_malformed: 0 }
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
        Ok(())
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSummary {
    /// File name and number of data rows (header excluded, malformed rows included), in writing order.
    pub files: Vec<(String, u64)>,
    /// Malformed rows written (`--inject-malformed`).
    pub malformed: u64,
}

/// Writes the dump files for `config` into the existing folder `dir`.
pub fn generate(config: &SynthConfig, dir: &Path) -> Result<SynthSummary> {
    config.validate()?;
    generator::Generator::new(config, dir)?.run()
}
