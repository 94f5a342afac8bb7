//! The validate stage's tables.

use arrow_schema::DataType::{Float64, Int32, Int64, Utf8};

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
pub const WRITES: &[Table] = &[Table::MicroCiting, Table::MacroDomains, Table::ValidationSummary];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// The validate stage's tables: citing patents of the explored ones split by the direction they
/// moved, the impact of the suggested and original domains, and every summary statistic.
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
            name: Table::ValidationSummary.name(),
            version: 1,
            doc: "Every summary statistic of the validate stage in long form: reliability of the model on the test split, \
                  descriptive statistics and tests of the micro- and macro-validation",
            columns: vec![
                Column::required("section", Utf8, "`reliability`, `micro` or `macro`"),
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
