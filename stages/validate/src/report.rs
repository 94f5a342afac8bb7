//! The HTML report of a validate run: the summary statistics as tables, and plots of the
//! forward-citation distributions of the micro groups and the macro domains, the predicted P(L1)
//! along the search paths and the paths in the latent space (two principal components). Each
//! plot is an SVG and a PNG beside `index.html`, which shows the PNG and links the SVG.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use datafusion::prelude::SessionContext;
use plots::{Histogram, HistogramSeries, LineChart, Series, render_histogram, render_line};
use sql_engine::rows;
use stage_runtime::StoreLocation;

use crate::run::Statistic;
use crate::sql;

/// Paths drawn in the path plots.
const PATHS_SHOWN: usize = 12;
/// Bins of the distribution plots.
const BINS: usize = 30;

/// Writes `index.html` and its plots under `folder`; returns the paths relative to the run.
pub async fn write(ctx: &SessionContext, summary: &[Statistic], folder: &StoreLocation) -> Result<Vec<String>> {
    let micro: Vec<sql::GroupedValue> = rows(ctx, sql::MICRO_FORWARD).await?;
    let macro_rows: Vec<sql::GroupedValue> = rows(ctx, sql::MACRO_FORWARD).await?;
    let mut paths: BTreeMap<String, Vec<sql::PathStep>> = BTreeMap::new();
    for step in rows::<sql::PathStep>(ctx, &sql::paths_shown(PATHS_SHOWN)).await? {
        paths.entry(step.patent_id.clone()).or_default().push(step);
    }
    let split = |rows: &[sql::GroupedValue], group: &str| -> Vec<f64> {
        rows.iter().filter(|r| r.group_name == group).map(|r| r.value).collect()
    };
    let plots = [
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
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Validation report</title>\n<style>\
         body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}\
         td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\
         img{max-width:100%;height:auto}</style></head><body>\n<h1>Validation report</h1>\n\
         <p>Model reliability on the test split, micro-validation on the citation network (citing patents that moved toward \
         the suggested domain against those that remained) and macro-validation of the suggested domains. Every number is \
         also in the <code>validation_summary</code> table.</p>\n",
    );
    let sections = [
        ("reliability", "Model reliability"),
        ("micro", "Micro-validation"),
        ("macro", "Macro-validation"),
        ("exploration", "Exploration"),
    ];
    for (section, heading) in sections {
        let _ = writeln!(html, "<h2>{heading}</h2>");
        let rows: Vec<&Statistic> = summary.iter().filter(|s| s.section == section).collect();
        if !rows.is_empty() {
            html.push_str("<table><tr><th>group</th><th>metric</th><th>value</th></tr>\n");
            for s in rows {
                let value = s.value.map(|v| format!("{v:.4}")).unwrap_or_else(|| "—".into());
                let _ = writeln!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td class=\"n\">{value}</td></tr>",
                    escape(&s.group),
                    s.metric
                );
            }
            html.push_str("</table>\n");
        }
        for (_, stem, caption, _) in plots.iter().filter(|p| p.0 == section) {
            let _ = writeln!(
                html,
                "<figure><a href=\"{stem}.svg\"><img src=\"{stem}.png\" width=\"{}\" height=\"{}\" alt=\"{caption}\"></a>\
                 <figcaption>{caption} (<a href=\"{stem}.svg\">SVG</a>)</figcaption></figure>",
                plots::WIDTH,
                plots::HEIGHT
            );
        }
    }
    html.push_str("</body></html>\n");
    let mut written = vec![];
    for (_, stem, _, plot) in plots {
        for name in plots::put(folder, stem, &plot).await? {
            written.push(format!("report/{name}"));
        }
    }
    folder.put_bytes("index.html", html.into_bytes()).await?;
    written.insert(0, "report/index.html".into());
    Ok(written)
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
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
