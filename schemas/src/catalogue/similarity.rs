//! The similarity stage's tables.

use arrow_schema::DataType::{Boolean, Float64, Int32, Int64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::Patents, Table::Claims];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::Vocabulary, Table::PatentTerms, Table::PatentSimilarity];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[
    Table::SimRawTerms,
    Table::SimKeptTerms,
    Table::SimDocuments,
    Table::SimNorms,
    Table::SimCentroids,
    Table::SimWindowSums,
];

/// The similarity stage's tables: the yearly BIDF vocabulary, per-patent term frequencies, per-patent
/// backward and forward similarity with KPST importance, and the stage's internal work tables.
pub(super) fn tables() -> Vec<TableDef> {
    let filing_year = |doc| Column::required("filing_year", Int32, doc);
    let bidf_year =
        || Column::required("bidf_year", Int32, "Year t whose BIDF weights the vectors; hive partition key");
    vec![
        TableDef {
            name: Table::Vocabulary.name(),
            version: 1,
            doc: "Backward inverse document frequency (KPST) of every kept term for every filing year of the corpus: \
                  BIDF(w, t) = ln(N_<t / (1 + df_<t(w))) over the patents with at least one kept term; one row per \
                  (term, year), also before the term first occurs",
            columns: vec![
                Column::required(
                    "term",
                    Utf8,
                    "Token (lower-case alphabetic run) kept by the tokenizer and the min-df rule",
                ),
                Column::required("df", Int64, "Patents filed in filing_year whose text contains the term"),
                Column::required(
                    "df_before",
                    Int64,
                    "df_<t: patents filed in years before filing_year containing the term",
                ),
                Column::required(
                    "patents_before",
                    Int64,
                    "N_<t: patents with at least one kept term filed in years before filing_year",
                ),
                Column::optional(
                    "bidf",
                    Float64,
                    "ln(patents_before / (1 + df_before)); negative when the term is in every earlier patent; NULL when \
                     patents_before = 0 (the first year: its vectors are empty)",
                ),
                filing_year(
                    "Year t the row describes (the BIDF that weights vectors under year t); hive partition key",
                ),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["term"],
        },
        TableDef {
            name: Table::PatentTerms.name(),
            version: 1,
            doc: "Kept terms of each patent's text (claims, title or both, per the manifest's `text` metric) with \
                  counts and term frequency; only patents with a filing year and at least one kept term",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("term", Utf8, "Kept term"),
                Column::required("count", Int64, "Occurrences of the term in the patent's text"),
                Column::required("tf", Float64, "count / the patent's total count over kept terms"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["patent_id", "term"],
        },
        TableDef {
            name: Table::PatentSimilarity.name(),
            version: 2,
            doc: "Backward and forward TF-BIDF similarity of each patent (KPST): sums of cosine similarities to the \
                  patents filed in the backward window (years T-b..T-1) and forward window (T+1..T+f), their means, \
                  importance q = FS / BS and the breakthrough flag; only patents with a filing year and at least one \
                  kept term",
            columns: vec![
                Column::required("patent_id", Utf8, "Focal patent"),
                Column::required("grant_year", Int32, "Grant year (the fixed effect of log_q_residual)"),
                Column::required("bs_sum", Float64, "Sum of similarities to the patents of the backward window"),
                Column::required(
                    "bs_count",
                    Int64,
                    "Window partners in the backward window: patents filed in it whose vector, and the focal patent's, \
                     is non-zero under the pair's BIDF year (an empty vector has no similarity to average)",
                ),
                Column::required(
                    "fs_sum",
                    Float64,
                    "Sum of similarities to the patents of the forward window (partial when fs_incomplete)",
                ),
                Column::required("fs_count", Int64, "Window partners in the forward window (as bs_count)"),
                Column::optional("bs", Float64, "bs_sum / bs_count; NULL when bs_count = 0"),
                Column::optional("fs", Float64, "fs_sum / fs_count; NULL when fs_count = 0"),
                Column::optional("q", Float64, "Importance fs / bs; NULL when either is NULL or bs = 0"),
                Column::optional("log_q", Float64, "ln q; NULL when q is NULL, not positive or not finite"),
                Column::optional(
                    "log_q_residual",
                    Float64,
                    "log_q minus the mean log_q of the patent's grant year (over patents with complete backward and \
                     forward windows and a log_q); NULL for the others",
                ),
                Column::optional(
                    "breakthrough",
                    Boolean,
                    "log_q_residual >= the pooled percentile of all residuals (`--breakthrough-quantile` q, default \
                     0.9, as percentile_cont): true when at least ceil(q (n - 1)) + 1 of the n residuals are <= it, so \
                     tied residuals share the flag; NULL where log_q_residual is NULL",
                ),
                Column::required(
                    "bs_incomplete",
                    Boolean,
                    "The backward window reaches before the corpus's first filing year plus `--burn-in-years` (default \
                     0), where BIDF is undefined or rests on few patents; no residual or breakthrough then",
                ),
                Column::required(
                    "fs_incomplete",
                    Boolean,
                    "The forward window runs past the last filing year of the corpus: fs_sum covers only part of it",
                ),
                filing_year("The patent's filing year T; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: Table::SimRawTerms.name(),
            version: 1,
            doc: "Token counts of each patent's text before the min-df rule",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("term", Utf8, "Token"),
                Column::required("count", Int64, "Occurrences in the patent's text"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::SimKeptTerms.name(),
            version: 1,
            doc: "Terms whose corpus document frequency reaches the min-df threshold",
            columns: vec![
                Column::required("term", Utf8, "Kept term"),
                Column::required("df", Int64, "Patents (with a filing year) whose text contains it"),
            ],
            partition_by: vec![],
            sort_by: vec![],
        },
        TableDef {
            name: Table::SimDocuments.name(),
            version: 1,
            doc: "Patents with at least one kept term: the similarity universe",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("terms", Int64, "Distinct kept terms"),
                Column::required("tokens", Int64, "Occurrences of kept terms"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::SimNorms.name(),
            version: 1,
            doc: "L2 norm of each patent's TF-BIDF vector under the BIDF of bidf_year",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("filing_year", Int32, "The patent's filing year"),
                Column::required("norm", Float64, "sqrt(sum over terms of (tf * bidf)^2)"),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::SimCentroids.name(),
            version: 1,
            doc: "Centroid C_g(t): the sum of the normalised vectors, under the BIDF of bidf_year t, of the patents \
                  filed in the years of window-year group g (the years one focal year sums in one direction under t)",
            columns: vec![
                Column::required("window_group", Int32, "Window-year group g of the weighting year's plan"),
                Column::required("term", Utf8, "Term"),
                Column::required("weight", Float64, "The centroid's component for the term"),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
        TableDef {
            name: Table::SimWindowSums.name(),
            version: 1,
            doc: "Sum of a focal patent's similarities to the patents of the window years weighted by bidf_year in one \
                  direction, as the dot product of its normalised vector with their centroid under that year's BIDF",
            columns: vec![
                Column::required("patent_id", Utf8, "Focal patent"),
                Column::required("direction", Utf8, "`backward` or `forward`"),
                Column::required("sim_sum", Float64, "Sum of similarities"),
                Column::required(
                    "partners",
                    Int64,
                    "Patents of the window years with a non-zero vector under bidf_year (the focal patent's is non-zero)",
                ),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
    ]
}
