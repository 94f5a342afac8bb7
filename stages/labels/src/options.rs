//! What the labels stage can be asked: the citation window, the field level, the L1 share and an
//! optional patent list.

use anyhow::{Result, bail};
use stage_runtime::EngineOptions;

/// The CPC level of the main code that defines a patent's technological field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FieldLevel {
    /// Section, e.g. `G`.
    Section,
    /// Class, e.g. `G06`.
    Class,
    /// Subclass, e.g. `G06N` (the default).
    Subclass,
    /// Main group, e.g. `G06N3/00`.
    MainGroup,
    /// Full group, e.g. `G06N3/08`.
    Group,
}

impl FieldLevel {
    /// The column of ingest's `cpc` table holding the code at this level.
    pub fn column(self) -> &'static str {
        match self {
            FieldLevel::Section => "cpc_section",
            FieldLevel::Class => "cpc_class",
            FieldLevel::Subclass => "cpc_subclass",
            FieldLevel::MainGroup => "cpc_main_group",
            FieldLevel::Group => "cpc_group",
        }
    }

    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            FieldLevel::Section => "section",
            FieldLevel::Class => "class",
            FieldLevel::Subclass => "subclass",
            FieldLevel::MainGroup => "main-group",
            FieldLevel::Group => "group",
        }
    }
}

/// A CSV list of patents restricting the labelled population.
#[derive(Debug, Clone, PartialEq)]
pub struct PatentList {
    /// The CSV file (path or URL), with a header row.
    pub url: String,
    /// The column holding patent numbers (compared with `patent_id` as text).
    pub id_column: String,
    /// If set, only rows where this column equals 1 are kept (e.g. `predict50_any_ai`).
    pub flag_column: Option<String>,
}

/// Settings of one labels run beyond input and output.
#[derive(Debug, Clone)]
pub struct LabelOptions {
    /// Forward citations are counted up to this many years after grant.
    pub window_years: i32,
    /// The level of the main CPC code that is the field.
    pub field: FieldLevel,
    /// Share of each field and grant year labelled L1.
    pub top_share: f64,
    /// Restrict the labelled patents to a list.
    pub patent_list: Option<PatentList>,
    /// Write the SVG plot.
    pub plots: bool,
    /// Limits of the SQL engine.
    pub engine: EngineOptions,
    /// The runner's fingerprint of the invocation, recorded in the manifest.
    pub fingerprint: Option<String>,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            window_years: 5,
            field: FieldLevel::Subclass,
            top_share: 0.1,
            patent_list: None,
            plots: true,
            engine: EngineOptions::default(),
            fingerprint: None,
        }
    }
}

impl LabelOptions {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.window_years < 1 {
            bail!("--window-years must be at least 1, got {}", self.window_years);
        }
        if !(self.top_share > 0.0 && self.top_share < 1.0) {
            bail!("--top-share must be strictly between 0 and 1, got {}", self.top_share);
        }
        if let Some(list) = &self.patent_list {
            for column in [Some(&list.id_column), list.flag_column.as_ref()].into_iter().flatten() {
                if column.is_empty() || !column.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    bail!("patent list column `{column}`: expected letters, digits and underscores");
                }
            }
        }
        Ok(())
    }
}
