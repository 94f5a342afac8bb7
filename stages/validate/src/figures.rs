//! The report's figures: forward-citation distributions of the micro groups and the macro
//! domains, the predicted P(L1) along the longest search paths, and those paths in the latent
//! space (two principal components), each rendered as SVG and PNG.

use std::collections::BTreeMap;

use anyhow::Result;
use datafusion::prelude::SessionContext;
use plots::{Histogram, HistogramSeries, LineChart, Plot, Series, render_histogram, render_line};
use sql_engine::rows;

use crate::sql;

/// Paths drawn in the path plots.
const PATHS_SHOWN: usize = 12;
/// Bins of the distribution plots.
const BINS: usize = 30;

/// One figure of the report.
pub struct Figure {
    /// The report section it belongs to.
    pub section: &'static str,
    /// File stem: the plot is `<stem>.svg` and `<stem>.png`.
    pub stem: &'static str,
    pub caption: &'static str,
    pub plot: Plot,
}

/// Renders the report's figures from the run's tables.
pub async fn render(ctx: &SessionContext) -> Result<Vec<Figure>> {
    let micro: Vec<sql::GroupedValue> = rows(ctx, sql::MICRO_FORWARD).await?;
    let macro_rows: Vec<sql::GroupedValue> = rows(ctx, sql::MACRO_FORWARD).await?;
    let mut paths: BTreeMap<String, Vec<sql::PathStep>> = BTreeMap::new();
    for step in rows::<sql::PathStep>(ctx, &sql::paths_shown(PATHS_SHOWN)).await? {
        paths.entry(step.patent_id.clone()).or_default().push(step);
    }
    let split = |rows: &[sql::GroupedValue], group: &str| -> Vec<f64> {
        rows.iter().filter(|r| r.group_name == group).map(|r| r.value).collect()
    };
    let figures = [
        (
            "micro",
            "micro_forward_citations",
            "Micro-validation: forward citations of citing patents that shifted toward the suggested domain or remained",
            render_histogram(&Histogram {
                title: "Citing patents: forward citations by group (share of each group)".into(),
                x_label: "forward citations".into(),
                y_label: "share".into(),
                series: shared_bins(&[("shifted", split(&micro, "shifted")), ("remained", split(&micro, "remained"))]),
            })?,
        ),
        (
            "macro",
            "macro_forward_citations",
            "Macro-validation: mean forward citations of the patents entering each suggested (new) and original domain",
            render_histogram(&Histogram {
                title: "Domains after the focal year: mean forward citations (share of domains)".into(),
                x_label: "mean forward citations".into(),
                y_label: "share".into(),
                series: shared_bins(&[
                    ("new", split(&macro_rows, "new")),
                    ("original", split(&macro_rows, "original")),
                ]),
            })?,
        ),
        (
            "exploration",
            "search_probability",
            "Predicted P(L1) along the search paths (the patents with the longest searches)",
            render_line(&LineChart {
                title: "Gradient ascent: predicted P(L1) per step".into(),
                x_label: "step".into(),
                y_label: "P(L1)".into(),
                series: paths
                    .iter()
                    .map(|(id, p)| Series {
                        name: id.clone(),
                        points: p.iter().map(|q| (f64::from(q.step), q.probability)).collect(),
                    })
                    .collect(),
                reference_y: None,
                integer_x: true,
            })?,
        ),
        (
            "exploration",
            "latent_paths",
            "The same search paths in the latent space, on the first two principal components of the explored patents' latent means",
            render_line(&LineChart {
                title: "Search paths in the latent space (PC1, PC2); each starts at the patent's latent mean".into(),
                x_label: "PC1".into(),
                y_label: "PC2".into(),
                series: paths
                    .iter()
                    .map(|(id, p)| Series { name: id.clone(), points: p.iter().map(|q| (q.pc1, q.pc2)).collect() })
                    .collect(),
                reference_y: None,
                integer_x: false,
            })?,
        ),
    ];
    Ok(figures.into_iter().map(|(section, stem, caption, plot)| Figure { section, stem, caption, plot }).collect())
}

/// Equal-width bins over the range of all series together, each series as shares of its own size.
/// Whole-number data (counts) get bins of whole-number width centred on the integers.
fn shared_bins(series: &[(&str, Vec<f64>)]) -> Vec<HistogramSeries> {
    let all: Vec<f64> = series.iter().flat_map(|(_, v)| v.iter().copied()).filter(|v| v.is_finite()).collect();
    let (min, max) = all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let (lo, width, bins) = if all.is_empty() {
        (0.0, 1.0, 1)
    } else if all.iter().all(|v| v.fract() == 0.0) {
        let width = ((max - min + 1.0) / BINS as f64).ceil().max(1.0);
        (min - 0.5, width, ((max - min + 1.0) / width).ceil() as usize)
    } else if min < max {
        (min, (max - min) / BINS as f64, BINS)
    } else {
        (min - 0.5, 1.0 / BINS as f64, BINS)
    };
    series
        .iter()
        .map(|(name, values)| {
            let mut counts = vec![0.0; bins];
            for v in values.iter().filter(|v| v.is_finite()) {
                counts[(((v - lo) / width) as usize).min(bins - 1)] += 1.0;
            }
            let n = values.len().max(1) as f64;
            HistogramSeries {
                name: name.to_string(),
                bins: counts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (lo + i as f64 * width, lo + (i + 1) as f64 * width, c / n))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_whole_number_bins_and_shares_sum_to_one() {
        let series = shared_bins(&[("a", vec![0.0, 1.0, 1.0, 3.0]), ("b", vec![2.0])]);
        // Values 0..=3: four bins of width 1 centred on 0, 1, 2, 3.
        assert_eq!(series[0].bins, vec![(-0.5, 0.5, 0.25), (0.5, 1.5, 0.5), (1.5, 2.5, 0.0), (2.5, 3.5, 0.25)]);
        assert_eq!(series[1].bins.iter().map(|b| b.2).collect::<Vec<_>>(), vec![0.0, 0.0, 1.0, 0.0]);
        // Values 0..=99: bins of width 4 (100 / 30 rounded up), 25 of them.
        let wide = shared_bins(&[("c", (0..100).map(f64::from).collect())]);
        assert_eq!(wide[0].bins.len(), 25);
        assert!(wide[0].bins.iter().all(|b| (b.2 - 0.04).abs() < 1e-12));
        let real = shared_bins(&[("d", vec![0.25, 0.5, 1.75])]);
        assert_eq!(real[0].bins.len(), BINS);
        assert!((real[0].bins.iter().map(|b| b.2).sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
