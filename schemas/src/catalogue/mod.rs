//! The catalogue of every table the pipeline writes, published or stage-internal: [`Table`] names
//! each one (a misspelt table is a compile error), and one module per writing stage defines its
//! tables and declares what the stage reads ([`ingest::READS`], ...), publishes (`WRITES`) and keeps
//! internal (`WORK`).

use std::sync::LazyLock;

use crate::table::TableDef;

pub mod cooccurrence;
pub mod explore;
pub mod ingest;
pub mod labels;
pub mod similarity;
pub mod sweep;
pub mod train;
pub mod validate;

/// Every table of the catalogue, in the order the catalogue document lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Patents,
    Cpc,
    Citations,
    Claims,
    Rejects,
    CpcTitle,
    StagingPatents,
    StagingApplications,
    StagingCpc,
    StagingCitations,
    StagingClaims,
    StagingCpcTitle,
    CpcPairStats,
    PatentNovelty,
    CoocPatentCodes,
    CoocCodeMap,
    CoocUnitCounts,
    CoocPatentPairs,
    CoocUnits,
    CoocPairMoments,
    Vocabulary,
    PatentTerms,
    PatentSimilarity,
    SimRawTerms,
    SimKeptTerms,
    SimDocuments,
    SimNorms,
    SimCentroids,
    SimWindowSums,
    ImpactLabels,
    ModelSplit,
    TrainingMetrics,
    Exploration,
    ExplorationPaths,
    MicroCiting,
    MacroDomains,
    MicroExact,
    MacroExact,
    ValidationSummary,
    SweepSummary,
}

impl Table {
    /// Every table, in catalogue order.
    pub const ALL: [Table; 40] = [
        Table::Patents,
        Table::Cpc,
        Table::Citations,
        Table::Claims,
        Table::Rejects,
        Table::CpcTitle,
        Table::StagingPatents,
        Table::StagingApplications,
        Table::StagingCpc,
        Table::StagingCitations,
        Table::StagingClaims,
        Table::StagingCpcTitle,
        Table::CpcPairStats,
        Table::PatentNovelty,
        Table::CoocPatentCodes,
        Table::CoocCodeMap,
        Table::CoocUnitCounts,
        Table::CoocPatentPairs,
        Table::CoocUnits,
        Table::CoocPairMoments,
        Table::Vocabulary,
        Table::PatentTerms,
        Table::PatentSimilarity,
        Table::SimRawTerms,
        Table::SimKeptTerms,
        Table::SimDocuments,
        Table::SimNorms,
        Table::SimCentroids,
        Table::SimWindowSums,
        Table::ImpactLabels,
        Table::ModelSplit,
        Table::TrainingMetrics,
        Table::Exploration,
        Table::ExplorationPaths,
        Table::MicroCiting,
        Table::MacroDomains,
        Table::MicroExact,
        Table::MacroExact,
        Table::ValidationSummary,
        Table::SweepSummary,
    ];

    /// The table's name: its folder under a run, and its name in SQL.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Patents => "patents",
            Table::Cpc => "cpc",
            Table::Citations => "citations",
            Table::Claims => "claims",
            Table::Rejects => "rejects",
            Table::CpcTitle => "cpc_title",
            Table::StagingPatents => "staging_patents",
            Table::StagingApplications => "staging_applications",
            Table::StagingCpc => "staging_cpc",
            Table::StagingCitations => "staging_citations",
            Table::StagingClaims => "staging_claims",
            Table::StagingCpcTitle => "staging_cpc_title",
            Table::CpcPairStats => "cpc_pair_stats",
            Table::PatentNovelty => "patent_novelty",
            Table::CoocPatentCodes => "cooc_patent_codes",
            Table::CoocCodeMap => "cooc_code_map",
            Table::CoocUnitCounts => "cooc_unit_counts",
            Table::CoocPatentPairs => "cooc_patent_pairs",
            Table::CoocUnits => "cooc_units",
            Table::CoocPairMoments => "cooc_pair_moments",
            Table::Vocabulary => "vocabulary",
            Table::PatentTerms => "patent_terms",
            Table::PatentSimilarity => "patent_similarity",
            Table::SimRawTerms => "sim_raw_terms",
            Table::SimKeptTerms => "sim_kept_terms",
            Table::SimDocuments => "sim_documents",
            Table::SimNorms => "sim_norms",
            Table::SimCentroids => "sim_centroids",
            Table::SimWindowSums => "sim_window_sums",
            Table::ImpactLabels => "impact_labels",
            Table::ModelSplit => "model_split",
            Table::TrainingMetrics => "training_metrics",
            Table::Exploration => "exploration",
            Table::ExplorationPaths => "exploration_paths",
            Table::MicroCiting => "micro_citing",
            Table::MacroDomains => "macro_domains",
            Table::MicroExact => "micro_exact",
            Table::MacroExact => "macro_exact",
            Table::ValidationSummary => "validation_summary",
            Table::SweepSummary => "sweep_summary",
        }
    }

    /// The stage that writes the table, and whether it is one of the stage's internal work tables
    /// (deleted when the stage publishes) rather than a published one.
    pub fn written_by(self) -> (&'static str, bool) {
        STAGES
            .iter()
            .find_map(|s| {
                if s.writes.contains(&self) {
                    Some((s.stage, false))
                } else {
                    s.work.contains(&self).then_some((s.stage, true))
                }
            })
            .expect("every table is declared by a stage (tested)")
    }

    /// The table's definition.
    pub fn def(self) -> &'static TableDef {
        &CATALOGUE[self as usize]
    }

    /// The table named `name`, for names read at run time (a published manifest's table list).
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one stage reads, publishes and keeps internal.
#[derive(Debug)]
pub struct StageTables {
    pub stage: &'static str,
    pub reads: &'static [Table],
    pub writes: &'static [Table],
    pub work: &'static [Table],
}

/// Every writing stage's tables, in the order the stages run.
pub const STAGES: [StageTables; 8] = [
    StageTables { stage: "ingest", reads: ingest::READS, writes: ingest::WRITES, work: ingest::WORK },
    StageTables {
        stage: "cooccurrence",
        reads: cooccurrence::READS,
        writes: cooccurrence::WRITES,
        work: cooccurrence::WORK,
    },
    StageTables { stage: "similarity", reads: similarity::READS, writes: similarity::WRITES, work: similarity::WORK },
    StageTables { stage: "labels", reads: labels::READS, writes: labels::WRITES, work: labels::WORK },
    StageTables { stage: "train", reads: train::READS, writes: train::WRITES, work: train::WORK },
    StageTables { stage: "explore", reads: explore::READS, writes: explore::WRITES, work: explore::WORK },
    StageTables { stage: "validate", reads: validate::READS, writes: validate::WRITES, work: validate::WORK },
    StageTables { stage: "validation-sweep", reads: sweep::READS, writes: sweep::WRITES, work: sweep::WORK },
];

/// All tables, in catalogue order.
pub fn all_tables() -> &'static [TableDef] {
    &CATALOGUE
}

/// The stages' tables in [`Table`] order (a test checks that the two agree).
static CATALOGUE: LazyLock<Vec<TableDef>> = LazyLock::new(|| {
    let mut tables = ingest::tables();
    tables.extend(cooccurrence::tables());
    tables.extend(similarity::tables());
    tables.extend(labels::tables());
    tables.extend(train::tables());
    tables.extend(explore::tables());
    tables.extend(validate::tables());
    tables.extend(sweep::tables());
    tables
});

/// The human-readable table catalogue (the content of `schemas/README.md`).
pub fn render_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    out.push_str("# Table catalogue\n\n");
    out.push_str("Generated by `cargo run -p schemas --bin schema-catalogue > schemas/README.md` from `schemas/src`; ");
    out.push_str("do not edit by hand. A test fails when this file and the code disagree.\n\n");
    out.push_str(
        "Published tables live under `<stage output>/runs/<run_id>/<table>/`; the output's `_published.json` ",
    );
    out.push_str("names the current run. Partition columns are hive-style directories (`grant_year=2001/`).\n\n");
    for t in all_tables() {
        let (stage, internal) = Table::from_name(t.name).expect("a catalogue table").written_by();
        let internal = if internal { " (internal, deleted on publish)" } else { "" };
        let _ = write!(out, "## `{}` (version {})\n\n{}. Written by {stage}{internal}.", t.name, t.version, t.doc);
        let readers: Vec<&str> =
            STAGES.iter().filter(|s| s.reads.iter().any(|r| r.name() == t.name)).map(|s| s.stage).collect();
        if !readers.is_empty() {
            let _ = write!(out, " Read by {}.", readers.join(", "));
        }
        if !t.partition_by.is_empty() {
            let _ = write!(out, " Partitioned by `{}`.", t.partition_by.join("`, `"));
        }
        if !t.sort_by.is_empty() {
            let _ = write!(out, " Sorted by `{}` within each file.", t.sort_by.join("`, `"));
        }
        out.push_str("\n\n| column | type | nullable | description |\n|---|---|---|---|\n");
        for c in &t.columns {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.name,
                c.data_type,
                if c.nullable { "yes" } else { "no" },
                c.doc
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_catalogue_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == render_markdown(),
            "schemas/README.md is stale: run `cargo run -p schemas --bin schema-catalogue > schemas/README.md`"
        );
    }

    #[test]
    fn every_table_is_defined_once_in_enum_order() {
        assert_eq!(all_tables().len(), Table::ALL.len());
        for (def, t) in all_tables().iter().zip(Table::ALL) {
            assert_eq!(def.name, t.name(), "catalogue order differs from Table's");
            assert_eq!(Table::from_name(t.name()), Some(t));
        }
        assert_eq!(Table::from_name("no_such_table"), None);
    }

    #[test]
    fn each_table_is_declared_by_one_stage_and_read_only_after() {
        let stages = &STAGES;
        let mut declared: Vec<Table> = vec![];
        for (i, StageTables { stage, reads, writes, work }) in stages.iter().enumerate() {
            declared.extend(writes.iter().chain(*work));
            for t in *reads {
                let writer = stages[..i].iter().find(|s| s.writes.contains(t));
                assert!(writer.is_some(), "{stage} reads {t}, which no stage before it publishes");
            }
        }
        declared.sort();
        assert_eq!(declared, Table::ALL.to_vec(), "every table declared by exactly one stage");
        assert_eq!(Table::Rejects.written_by(), ("ingest", false));
        assert_eq!(Table::StagingClaims.written_by(), ("ingest", true));
        assert_eq!(Table::SimNorms.written_by(), ("similarity", true));
        assert_eq!(Table::ValidationSummary.written_by(), ("validate", false));
    }

    #[test]
    fn names_unique_and_partition_columns_last() {
        let mut names: Vec<_> = all_tables().iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all_tables().len());
        for t in all_tables() {
            let n = t.columns.len();
            let tail: Vec<_> = t.columns[n - t.partition_by.len()..].iter().map(|c| c.name).collect();
            assert_eq!(tail, t.partition_by, "{}: partition columns must come last", t.name);
            assert_eq!(t.file_schema().fields().len(), n - t.partition_by.len());
            for s in &t.sort_by {
                assert!(t.column(s).is_some(), "{}: sort column {s} undeclared", t.name);
            }
        }
    }
}
