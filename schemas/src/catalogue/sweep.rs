//! The sweep summary's table (`validation-sweep`, run by `pipeline sweep`).

use arrow_schema::DataType::{Float64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::ValidationSummary];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::SweepSummary];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// One exploration and validation per value of an explore setting, gathered.
pub(super) fn tables() -> Vec<TableDef> {
    vec![TableDef {
        name: Table::SweepSummary.name(),
        version: 1,
        doc: "A sweep of one explore setting (e.g. the threshold): per value, every validation_summary row of the \
              validation run with it, and the searches' own counts (section `exploration`: explored, \
              reached_threshold, reached_share, mean_end_probability)",
        columns: vec![
            Column::required("parameter", Utf8, "The explore option swept, e.g. `threshold`"),
            Column::required("parameter_value", Float64, "Its value in this row's runs"),
            Column::required("section", Utf8, "As validation_summary's, or `exploration`"),
            Column::required("group", Utf8, "As validation_summary's; `searches` for the exploration rows"),
            Column::required("metric", Utf8, "As validation_summary's"),
            Column::optional("value", Float64, "Its value; NULL when undefined"),
        ],
        partition_by: vec![],
        sort_by: vec!["parameter_value", "section", "group", "metric"],
    }]
}
