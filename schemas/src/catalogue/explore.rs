//! The explore stage's tables.

use arrow_schema::DataType::{Boolean, Float64, Int32, List, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::Cpc, Table::Claims, Table::ImpactLabels, Table::ModelSplit];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::Exploration, Table::ExplorationPaths];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// A list of CPC codes (a code set), in the order the stage gives.
fn code_list() -> arrow_schema::DataType {
    List(std::sync::Arc::new(arrow_schema::Field::new_list_field(Utf8, true)))
}

/// The explore stage's tables: per patent, the search from its latent mean toward a higher
/// predicted P(L1) and the code sets decoded from where it ended; and the search paths.
pub(super) fn tables() -> Vec<TableDef> {
    let codes = |name: &'static str, doc: &'static str| Column::required(name, code_list(), doc);
    vec![
        TableDef {
            name: Table::Exploration.name(),
            version: 1,
            doc: "Gradient ascent in the model's latent space from each explored patent's latent mean toward a higher \
                  predicted P(L1), and the CPC code sets decoded before and after (codes at the model's level)",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("split", Utf8, "Its split in the model's training (`train`, `validation`, `test`)"),
                Column::required("l1", Boolean, "Its impact label is L1"),
                codes(
                    "original_codes",
                    "Its codes as the model reads them: cpc_sequence order, repeats dropped, at most max_codes",
                ),
                codes("reconstructed_codes", "Greedy decoding of its latent mean z0 (repeats dropped)"),
                Column::required("start_probability", Float64, "Predicted P(L1) at z0"),
                Column::required("end_probability", Float64, "Predicted P(L1) where the search ended"),
                Column::required("iterations", Int32, "Gradient steps taken"),
                Column::required("reached_threshold", Boolean, "end_probability >= the threshold"),
                Column::required("latent_distance", Float64, "Euclidean distance between z0 and the end point"),
                codes("greedy_codes", "Greedy decoding of the end point (repeats dropped)"),
                codes("beam_codes", "Beam-search decoding of the end point"),
                codes(
                    "new_codes",
                    "The suggested code set: greedy_codes or beam_codes, as the manifest's `decoding` says",
                ),
                codes("added_codes", "new_codes not in original_codes, sorted"),
                codes("removed_codes", "original_codes not in new_codes, sorted"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: Table::ExplorationPaths.name(),
            version: 1,
            doc: "Each explored patent's search path: predicted P(L1) at every latent point visited and the point's \
                  coordinates on the first two principal components of the explored patents' z0",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("step", Int32, "0 for z0, then one per gradient step"),
                Column::required("probability", Float64, "Predicted P(L1) at the point"),
                Column::required("pc1", Float64, "Coordinate on the first principal component"),
                Column::required("pc2", Float64, "Coordinate on the second principal component"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "step"],
        },
    ]
}
