//! The train stage's tables.

use arrow_schema::DataType::{Boolean, Float64, Int64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[Table::Cpc, Table::Claims, Table::ImpactLabels];
/// Tables the stage publishes.
pub const WRITES: &[Table] = &[Table::ModelSplit, Table::TrainingMetrics];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[];

/// The train stage's tables: the split of the labelled patents and the per-epoch metrics.
pub(super) fn tables() -> Vec<TableDef> {
    let metric = |name: &'static str, doc: &'static str| Column::required(name, Float64, doc);
    vec![
        TableDef {
            name: Table::ModelSplit.name(),
            version: 1,
            doc: "Which split each labelled patent with CPC codes was assigned to (by a seeded hash of its id, or stratified by label: the training config's `split`)",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("split", Utf8, "`train`, `validation` or `test`"),
                Column::required("l1", Boolean, "Its impact label is L1"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: Table::TrainingMetrics.name(),
            version: 2,
            doc: "Per-epoch losses and validation metrics of a training run; the model's weights are those of the \
                  epoch with the lowest validation_loss",
            columns: vec![
                Column::required("epoch", Int64, "1-based epoch"),
                metric("beta", "KL weight at the end of the epoch (annealed)"),
                metric("train_loss", "Mean joint loss over the training split"),
                metric("train_reconstruction", "Mean code reconstruction cross-entropy, training split"),
                metric("train_kl", "Mean KL divergence, training split"),
                metric("train_prediction", "Mean weighted L1 binary cross-entropy, training split"),
                metric("validation_loss", "Mean joint loss over the validation split (z = mu)"),
                metric("validation_reconstruction", "Mean code reconstruction cross-entropy, validation split"),
                metric("validation_kl", "Mean KL divergence, validation split"),
                metric("validation_prediction", "Mean weighted L1 binary cross-entropy, validation split"),
                metric("accuracy", "Accuracy of the L1 prediction (P > 0.5), validation split"),
                metric("precision", "Precision of the L1 prediction, validation split"),
                metric("recall", "Recall of the L1 prediction, validation split"),
                metric("f1", "F1 of the L1 prediction, validation split"),
                metric("roc_auc", "ROC-AUC of the predicted P(L1), validation split"),
                metric(
                    "reconstruction_jaccard",
                    "Mean Jaccard similarity of input and greedily decoded code sets, validation split",
                ),
                Column::required(
                    "active_dimensions",
                    Int64,
                    "Latent dimensions whose posterior mean varies over the validation split by more than 0.01",
                ),
                metric("samples_per_second", "Training examples per second of the epoch's training pass"),
                metric("seconds", "Seconds of the epoch, validation included"),
            ],
            partition_by: vec![],
            sort_by: vec!["epoch"],
        },
    ]
}
