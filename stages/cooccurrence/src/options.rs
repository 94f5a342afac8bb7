//! What the co-occurrence stage can be asked to compute: which year defines the cumulative sets,
//! which levels, how codes are coarse-grained, and how coarse mu and var are obtained.

use stage_runtime::EngineOptions;

/// The year that places a patent in the cumulative sets P(t).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum YearField {
    /// `patents.grant_year` (partition column of `cpc`; no join needed).
    Grant,
    /// `patents.filing_year`; patents without a valid filing date are left out and counted.
    Filing,
}

impl YearField {
    pub fn name(self) -> &'static str {
        match self {
            YearField::Grant => "grant_year",
            YearField::Filing => "filing_year",
        }
    }
}

/// A level of the CPC hierarchy at which pairs are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    /// Full group symbols, e.g. `G06N3/08`: the code level.
    Group,
    /// Subclasses, e.g. `G06N`.
    Subclass,
    /// Classes, e.g. `G06`.
    Class,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Group, Level::Subclass, Level::Class];

    /// The value of the `level` partition column.
    pub fn name(self) -> &'static str {
        match self {
            Level::Group => "group",
            Level::Subclass => "subclass",
            Level::Class => "class",
        }
    }

    /// The `cpc` column holding a group's code at this level.
    pub fn cpc_column(self) -> &'static str {
        match self {
            Level::Group => "cpc_group",
            Level::Subclass => "cpc_subclass",
            Level::Class => "cpc_class",
        }
    }

    /// The `cooc_patent_codes` / `cooc_code_map` column holding the id of a group's code at this level.
    pub fn id_column(self) -> &'static str {
        match self {
            Level::Group => "group_id",
            Level::Subclass => "subclass_id",
            Level::Class => "class_id",
        }
    }
}

/// How group-level co-occurrence is carried to subclass and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CoarseGraining {
    /// Sum the code-level o, mu and var over all pairs of distinct groups i in A, j in B, halved when
    /// A = B (Kim et al.): pairs of distinct groups inside one class count toward (A, A).
    SumCodePairs,
    /// Map each patent's groups to classes, drop duplicates, and apply the code-level formulas to
    /// the class sets: no (A, A) pairs, n_A = patents holding A.
    MapDedupe,
}

impl CoarseGraining {
    pub fn name(self) -> &'static str {
        match self {
            CoarseGraining::SumCodePairs => "sum-code-pairs",
            CoarseGraining::MapDedupe => "map-dedupe",
        }
    }
}

/// How the coarse-level mu and var (sums over code pairs) are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Marginals {
    /// From per-class aggregates of the group counts (sum n, sum n(S-n), sum f, sum f(F-f) with
    /// f = n(|P|-n)): cost grows with the pairs that occur, not with codes squared.
    Aggregates,
    /// Enumerates every pair of distinct groups behind each observed class pair: the naive reference,
    /// kept for benchmarks and cross-checks.
    EnumeratePairs,
}

impl Marginals {
    pub fn name(self) -> &'static str {
        match self {
            Marginals::Aggregates => "aggregates",
            Marginals::EnumeratePairs => "enumerate-pairs",
        }
    }
}

/// Settings of one co-occurrence run beyond input and output.
#[derive(Debug, Clone)]
pub struct CooccurrenceOptions {
    pub year_field: YearField,
    /// Levels to publish, without repeats.
    pub levels: Vec<Level>,
    pub coarse_graining: CoarseGraining,
    pub marginals: Marginals,
    /// Write SVG plots of the z distribution and the share of atypical pairs per year.
    pub plots: bool,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

impl Default for CooccurrenceOptions {
    fn default() -> Self {
        CooccurrenceOptions {
            year_field: YearField::Grant,
            levels: Level::ALL.to_vec(),
            coarse_graining: CoarseGraining::SumCodePairs,
            marginals: Marginals::Aggregates,
            plots: true,
            engine: EngineOptions::default(),
            fingerprint: None,
        }
    }
}
