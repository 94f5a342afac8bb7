//! Training curves (SVG and PNG): the joint loss of the training and validation splits per epoch, and the
//! validation F1 and reconstruction Jaccard.

use anyhow::Result;
use plots::{LineChart, Series, render_line};
use stage_runtime::StoreLocation;

use crate::fit::EpochMetrics;

/// Writes the plots under `folder`; returns their paths relative to the run.
pub async fn write(history: &[EpochMetrics], folder: &StoreLocation) -> Result<Vec<String>> {
    let series = |name: &str, value: fn(&EpochMetrics) -> f64| Series {
        name: name.into(),
        points: history.iter().map(|m| (m.epoch as f64, value(m))).filter(|p| p.1.is_finite()).collect(),
    };
    let charts = [
        (
            "training_loss",
            LineChart {
                title: "Joint loss per epoch (reconstruction + beta KL + lambda prediction)".into(),
                x_label: "epoch".into(),
                y_label: "loss".into(),
                series: vec![
                    series("train", |m| m.train_loss),
                    series("validation", |m| m.validation_loss),
                    series("validation reconstruction", |m| m.validation_reconstruction),
                ],
                reference_y: None,
                integer_x: true,
            },
        ),
        (
            "validation_scores",
            LineChart {
                title: "Validation: F1 of the L1 prediction and Jaccard of reconstructed code sets".into(),
                x_label: "epoch".into(),
                y_label: "score".into(),
                series: vec![
                    series("F1", |m| m.f1),
                    series("reconstruction Jaccard", |m| m.reconstruction_jaccard),
                    series("accuracy", |m| m.accuracy),
                ],
                reference_y: None,
                integer_x: true,
            },
        ),
    ];
    let mut written = vec![];
    for (stem, chart) in charts {
        for name in plots::put(folder, stem, &render_line(&chart)?).await? {
            written.push(format!("plots/{name}"));
        }
    }
    Ok(written)
}
