//! The validate stage's tables.

use arrow_schema::DataType::{Boolean, Float64, Int32, Int64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[
    Table::Patents,
    Table::Cpc,
    Table::Citations,
    Table::CpcTitle,
    Table::ImpactLabels,
    Table::Exploration,
    Table::ExplorationPaths,
];
/// Tables the stage publishes.
pub const WRITES: &[Table] =
    &[Table::MicroCiting, Table::MacroDomains, Table::MicroExact, Table::MacroExact, Table::ValidationSummary];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// The validate stage's tables: citing patents of the explored ones split by the direction they
/// moved, the impact of the suggested and original domains (by Jaccard similarity and per code, and
/// by exact code sets as the reference paper matched them), and every summary statistic.
pub(super) fn tables() -> Vec<TableDef> {
    let count = |name: &'static str, doc: &'static str| Column::optional(name, Int64, doc);
    let share = |name: &'static str, doc: &'static str| Column::optional(name, Float64, doc);
    vec![
        TableDef {
            name: Table::MicroCiting.name(),
            version: 1,
            doc: "Micro-validation: each (explored patent, citing patent with CPC codes) pair, with the citing patent's \
                  Jaccard similarity to the explored patent's original and suggested code sets, its group, and its impact",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored (cited) patent"),
                Column::required("citing_patent_id", Utf8, "Patent citing it"),
                Column::required(
                    "jaccard_original",
                    Float64,
                    "Jaccard similarity of the citing patent's codes and original_codes",
                ),
                Column::required(
                    "jaccard_new",
                    Float64,
                    "Jaccard similarity of the citing patent's codes and new_codes",
                ),
                Column::required("group", Utf8, "`shifted` when jaccard_new > jaccard_original, else `remained`"),
                count(
                    "forward_citations",
                    "The citing patent's forward citations (impact_labels); NULL when it has none",
                ),
                Column::optional("label", Utf8, "The citing patent's impact label; NULL when unlabelled"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "citing_patent_id"],
        },
        TableDef {
            name: Table::MacroDomains.name(),
            version: 1,
            doc: "Macro-validation: for each explored patent, each code it would add (`new`) and each code it holds \
                  (`original`), the patents granted with that code in the window after the patent's grant year and their impact",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("focal_year", Int32, "Its grant year"),
                Column::required("role", Utf8, "`new` (an added code) or `original` (one of original_codes)"),
                Column::required("code", Utf8, "The domain: a code at the model's level"),
                count("patents_after", "Patents with the code granted in (focal_year, focal_year + window]"),
                count("patents_before", "Patents with the code granted in (focal_year - window, focal_year]"),
                share("mean_forward_citations", "Mean forward citations of patents_after"),
                share("l1_share", "Share of L1 among the labelled patents_after"),
                share("growth", "patents_after / patents_before; NULL when patents_before is 0"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "role", "code"],
        },
        TableDef {
            name: Table::MicroExact.name(),
            version: 1,
            doc: "Exact-set micro-validation: at each CPC level at or above the model's (section, class, subclass, \
                  main group), each citing patent of an explored patent whose code set at that level equals the \
                  explored patent's generated set (new_codes) or its original set, with its impact",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored (cited) patent"),
                Column::required("level", Utf8, "`section`, `class`, `subclass` or `main-group`"),
                Column::required("citing_patent_id", Utf8, "Patent citing it"),
                Column::required(
                    "equals_generated",
                    Boolean,
                    "The citing patent's code set at the level equals the generated set (new_codes at the level)",
                ),
                Column::required(
                    "equals_original",
                    Boolean,
                    "The citing patent's code set at the level equals original_codes at the level",
                ),
                Column::required(
                    "generated_outside_original",
                    Boolean,
                    "The generated set at the level is not a subset of the original set (the search moved outside it)",
                ),
                count(
                    "forward_citations",
                    "The citing patent's forward citations (impact_labels); NULL when it has none",
                ),
                Column::optional("label", Utf8, "The citing patent's impact label; NULL when unlabelled"),
                Column::required("window_complete", Boolean, "The citing patent's citation window is complete"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "level", "citing_patent_id"],
        },
        TableDef {
            name: Table::MacroExact.name(),
            version: 1,
            doc: "Exact-set macro-validation at the model's code level: per explored patent, the other patents whose \
                  code set equals its original set and those whose set equals its generated set, and their mean \
                  forward citations (the reference paper's domains, searched over every patent)",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("original_set", Utf8, "original_codes as a set: distinct, sorted, space-separated"),
                Column::optional(
                    "generated_set",
                    Utf8,
                    "new_codes as a set, written as original_set; NULL when the search decoded no code",
                ),
                count("original_patents", "Other patents with exactly original_set"),
                share("original_mean_forward_citations", "Their mean forward citations; NULL without one"),
                count("generated_patents", "Other patents with exactly generated_set; NULL without a generated set"),
                share("generated_mean_forward_citations", "Their mean forward citations; NULL without one"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: Table::ValidationSummary.name(),
            version: 1,
            doc: "Every summary statistic of the validate stage in long form: reliability of the model on the test split, \
                  descriptive statistics and tests of the micro- and macro-validation",
            columns: vec![
                Column::required(
                    "section",
                    Utf8,
                    "`reliability`, `micro`, `macro`, `micro-exact` or `macro-exact` (the exact-set analyses)",
                ),
                Column::required(
                    "group",
                    Utf8,
                    "What the statistic describes, e.g. `test split`, `shifted`, `new vs original`",
                ),
                Column::required("metric", Utf8, "Statistic, e.g. `f1`, `mean_forward_citations`, `mann_whitney_p`"),
                Column::optional("value", Float64, "Its value; NULL when undefined (an empty group)"),
            ],
            partition_by: vec![],
            sort_by: vec!["section", "group", "metric"],
        },
    ]
}
