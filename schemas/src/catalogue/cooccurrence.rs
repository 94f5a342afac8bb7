//! The co-occurrence stage's tables.

use arrow_schema::DataType::{Boolean, Float64, Int32, Int64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::Cpc, Table::Patents];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::CpcPairStats, Table::PatentNovelty];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[
    Table::CoocUnits,
    Table::CoocPatentCodes,
    Table::CoocCodeMap,
    Table::CoocUnitCounts,
    Table::CoocPatentPairs,
    Table::CoocPairMoments,
];

/// The co-occurrence stage's tables: yearly cumulative CPC pair statistics, per-patent novelty
/// features, and the stage's internal work tables.
pub(super) fn tables() -> Vec<TableDef> {
    let level =
        || Column::required("level", Utf8, "Aggregation level: `group`, `subclass` or `class`; hive partition key");
    let year = |doc| Column::required("year", Int32, doc);
    let group_with_parents = || {
        vec![
            Column::required("group_id", Int64, "CPC group (its `cooc_units` id)"),
            Column::required("subclass_id", Int64, "Its subclass (id)"),
            Column::required("class_id", Int64, "Its class (id)"),
        ]
    };
    let unit_id = |name, doc| Column::required(name, Int64, doc);
    // One integer for a pair of code ids: the fold groups, joins and sorts on it where two id columns
    // would go through DataFusion's multi-column row encoding.
    let pair_key = || {
        Column::required(
            "pair",
            Int64,
            "The pair's code ids packed: id_a * 2^32 + id_b, id_a <= id_b (ids tell the level); sorting by it \
             sorts by (id_a, id_b)",
        )
    };
    // The pair statistics' columns after the pair's codes (shared by the published table and the work table
    // that holds them with the codes' ids).
    let pair_moments = || {
        vec![
            Column::required(
                "o",
                Int64,
                "Observed co-occurrences: patents holding both (coarse levels: summed over code pairs)",
            ),
            Column::required("mu", Float64, "Expected co-occurrences under the hypergeometric null"),
            Column::required("var", Float64, "Variance of the co-occurrences under the null"),
            Column::optional("z", Float64, "(o - mu) / sqrt(var); NULL where var = 0"),
            Column::required("n_a", Int64, "Patents holding code_a (any group in it, at coarse levels)"),
            Column::required("n_b", Int64, "Patents holding code_b"),
            Column::required("patents", Int64, "|P(year)|: patents with CPC codes of years up to and including `year`"),
        ]
    };
    vec![
        TableDef {
            name: Table::CpcPairStats.name(),
            version: 1,
            doc: "Co-occurrence of each CPC code pair in the patents of years up to and including `year` (yearly \
                  cumulative), with its expectation, variance and z-score under the hypergeometric null; only pairs \
                  observed by `year`",
            columns: [
                vec![
                    Column::required("code_a", Utf8, "First code of the pair, at the table's level; code_a <= code_b"),
                    Column::required(
                        "code_b",
                        Utf8,
                        "Second code; equals code_a for pairs of distinct groups inside one subclass or class",
                    ),
                ],
                pair_moments(),
                vec![
                    level(),
                    year(
                        "Cumulative year: statistics over patents of years <= year (grant or filing year, per the \
                         manifest's `year_field` metric); hive partition key",
                    ),
                ],
            ]
            .concat(),
            partition_by: vec!["level", "year"],
            sort_by: vec!["code_a", "code_b"],
        },
        TableDef {
            name: Table::PatentNovelty.name(),
            version: 1,
            doc: "Per-patent novelty features from the z-scores of the patent's code pairs, scored against the \
                  cumulative statistics of its own year (itself included)",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("year", Int32, "The patent's year (grant or filing, per the manifest's `year_field`)"),
                Column::required("n_codes", Int64, "Distinct codes of the patent at this level"),
                Column::required("n_pairs", Int64, "Distinct code pairs of the patent at this level"),
                Column::optional("min_z", Float64, "Smallest pair z-score"),
                Column::optional(
                    "p10_z",
                    Float64,
                    "10th percentile of the pair z-scores (linear interpolation between closest ranks)",
                ),
                Column::optional("median_z", Float64, "Median pair z-score"),
                Column::optional("share_negative", Float64, "Share of the patent's pairs with z < 0"),
                Column::optional("novel", Boolean, "p10_z < 0 (Uzzi et al.); NULL without scored pairs"),
                Column::optional(
                    "conventional",
                    Boolean,
                    "median_z above the median of median_z over the patents of the same level and year",
                ),
                Column::optional(
                    "profile",
                    Utf8,
                    "`novel_conventional`, `novel`, `conventional` or `neither`; NULL without scored pairs",
                ),
                level(),
            ],
            partition_by: vec!["level"],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: Table::CoocPatentCodes.name(),
            version: 1,
            doc: "Distinct CPC groups of each patent with their subclass and class (as `cooc_units` ids), keyed by the chosen year",
            columns: [
                vec![Column::required("patent_id", Utf8, "Patent")],
                group_with_parents(),
                vec![year("The patent's year; hive partition key")],
            ]
            .concat(),
            partition_by: vec!["year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::CoocCodeMap.name(),
            version: 1,
            doc: "Each CPC group of the input with its subclass and class (for summing code pairs at coarse levels)",
            columns: group_with_parents(),
            partition_by: vec![],
            sort_by: vec![],
        },
        TableDef {
            name: Table::CoocUnitCounts.name(),
            version: 1,
            doc: "Patents holding each code, per level, cumulative to `year`",
            columns: vec![
                Column::required("level", Utf8, "Aggregation level"),
                unit_id("unit", "Code at that level (id)"),
                Column::required("n", Int64, "Patents of years <= year holding it"),
                year("Cumulative year; hive partition key"),
            ],
            partition_by: vec!["year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::CoocPatentPairs.name(),
            version: 2,
            doc: "The code pairs of each patent of `year`, per level, with the patent's contribution to o",
            columns: vec![
                Column::required("level", Utf8, "Aggregation level"),
                Column::required("patent_id", Utf8, "Patent"),
                pair_key(),
                Column::required("w", Int64, "Distinct group pairs the patent holds across the pair"),
                year("The patent's year; hive partition key"),
            ],
            partition_by: vec!["year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::CoocUnits.name(),
            version: 1,
            doc: "Every code of the input at each level with an id: the ids number the codes in (level, code) \
                  order, so sorting by id sorts by code, and the stage joins, groups and sorts on the ids",
            columns: vec![
                Column::required("level", Utf8, "Aggregation level"),
                Column::required("unit", Utf8, "Code at that level"),
                unit_id("id", "1-based number of the code in (group, subclass, class; code) order"),
            ],
            partition_by: vec![],
            sort_by: vec![],
        },
        TableDef {
            name: Table::CoocPairMoments.name(),
            version: 2,
            doc: "`cpc_pair_stats` with the pair's key instead of its codes, sorted by the key: what the next year \
                  and the novelty features read",
            columns: [vec![pair_key()], pair_moments(), vec![year("Cumulative year; hive partition key")]].concat(),
            partition_by: vec!["year"],
            sort_by: vec!["pair"],
        },
    ]
}
