//! The labels stage's table.

use arrow_schema::DataType::{Boolean, Date32, Int32, Int64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::Patents, Table::Cpc, Table::Citations];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::ImpactLabels];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// The labels stage's table: forward citations in a window after grant and the impact label.
fn impact_labels() -> TableDef {
    TableDef {
        name: Table::ImpactLabels.name(),
        version: 1,
        doc: "Forward citations of each patent within a window after its grant, and its impact label: L1 \
              (breakthrough) for the top share of its technological field and grant year (or of the whole population, \
              field `all`) by forward citations, L2 otherwise; only patents with a complete window and a field are \
              labelled. The manifest's `window`, `field` and `rule` say which variant a run used",
        columns: vec![
            Column::required("patent_id", Utf8, "Patent"),
            Column::optional(
                "field",
                Utf8,
                "Technological field: the main CPC (cpc_sequence 0) at the manifest's `field` level; NULL without one; \
                 `all` for every patent when the manifest's field is `all`",
            ),
            Column::required(
                "forward_citations",
                Int64,
                "Distinct patents citing this one in the window: granted after it and at most `window_years` later \
                 (grant date + years; window `exact-date`), or granted in its grant year .. grant year + \
                 `window_years` (window `calendar-years`)",
            ),
            Column::required(
                "window_end",
                Date32,
                "Last grant date counted: grant_date + window_years, or 31 December of grant_year + window_years",
            ),
            Column::required(
                "window_complete",
                Boolean,
                "window_end is on or before the corpus's last grant date (calendar years: the corpus holds a grant \
                 of the window's last seven days)",
            ),
            Column::optional(
                "group_size",
                Int64,
                "Labelled patents of the same field and grant year (or of the pool); NULL when unlabelled",
            ),
            Column::optional(
                "citation_rank",
                Int64,
                "1-based rank in the group by forward_citations descending, ties by patent_id ascending; NULL when unlabelled",
            ),
            Column::optional(
                "label",
                Utf8,
                "`L1` when forward_citations > 0 and citation_rank <= ceil(top_share x group_size) (rule `top-share`) or \
                 when forward_citations is strictly above the group's (1 - top_share) quantile, linearly interpolated \
                 (rule `above-quantile`); else `L2`; NULL when the window is incomplete or the patent has no field",
            ),
            Column::required("grant_year", Int32, "Grant year of the patent; hive partition key"),
        ],
        partition_by: vec!["grant_year"],
        sort_by: vec!["patent_id"],
    }
}

/// The labels stage's tables.
pub(super) fn tables() -> Vec<TableDef> {
    vec![impact_labels()]
}
