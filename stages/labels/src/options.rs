//! What the labels stage can be asked: the citation window and how it is dated, the field level (or
//! one pool), the L1 share and the rule that applies it, and an optional patent list.

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
    /// No field and no grant-year groups: the whole labelled population is one pool with one
    /// threshold (the reference paper's rule); every patent with a complete window is labelled,
    /// with or without a CPC code.
    All,
}

impl FieldLevel {
    /// The column of ingest's `cpc` table holding the code at this level; `None` for the pool.
    pub fn column(self) -> Option<&'static str> {
        match self {
            FieldLevel::Section => Some("cpc_section"),
            FieldLevel::Class => Some("cpc_class"),
            FieldLevel::Subclass => Some("cpc_subclass"),
            FieldLevel::MainGroup => Some("cpc_main_group"),
            FieldLevel::Group => Some("cpc_group"),
            FieldLevel::All => None,
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
            FieldLevel::All => "all",
        }
    }
}

/// How the L1 share is applied within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LabelRule {
    /// The first ceil(top_share x n) patents by forward citations (ties broken by patent_id), if
    /// cited at all: exactly that many L1 patents per group (the default).
    TopShare,
    /// Forward citations strictly above the group's (1 - top_share) quantile (linear interpolation
    /// between order statistics, NumPy's default); patents tied at the cut are L2, so a group may
    /// have fewer L1 patents than the share (the reference paper's "> q90").
    AboveQuantile,
}

impl LabelRule {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            LabelRule::TopShare => "top-share",
            LabelRule::AboveQuantile => "above-quantile",
        }
    }
}

/// How the citation window after grant is dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CitationWindow {
    /// Citing patents granted after the cited one, up to its grant date plus `window_years`
    /// calendar years (the default).
    ExactDate,
    /// Citing patents granted in the calendar years grant year .. grant year + `window_years`
    /// (the reference paper's window: up to `window_years` + 1 calendar years).
    CalendarYears,
}

impl CitationWindow {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            CitationWindow::ExactDate => "exact-date",
            CitationWindow::CalendarYears => "calendar-years",
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
    /// How the window is dated.
    pub window: CitationWindow,
    /// The level of the main CPC code that is the field, or one pool.
    pub field: FieldLevel,
    /// Share of each field and grant year (or of the pool) labelled L1.
    pub top_share: f64,
    /// How the share is applied.
    pub rule: LabelRule,
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
            window: CitationWindow::ExactDate,
            field: FieldLevel::Subclass,
            top_share: 0.1,
            rule: LabelRule::TopShare,
            patent_list: None,
            plots: true,
            engine: EngineOptions::default(),
            fingerprint: None,
        }
    }
}

impl LabelOptions {
    /// The rule in words, for plots: e.g. "top 10% of each subclass and grant year".
    pub fn rule_in_words(&self) -> String {
        let percent = self.top_share * 100.0;
        let pool = match self.field {
            FieldLevel::All => "the whole population".to_string(),
            level => format!("each {} and grant year", level.name()),
        };
        match self.rule {
            LabelRule::TopShare => format!("top {percent}% of {pool}"),
            LabelRule::AboveQuantile => format!("above the {}th percentile of {pool}", 100.0 - percent),
        }
    }

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
