//! SVG plots of the published statistics: the z distribution of pairs per year (one chart per
//! level) and, across levels, the share of atypical (z < 0) pairs and of novel patents per year.

use anyhow::Result;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int32Type};
use charts::{LineChart, Series, line_chart_svg};
use datafusion::prelude::SessionContext;
use stage_runtime::StoreLocation;

use crate::options::Level;

/// Quantiles drawn in the z-distribution chart.
const QUANTILES: [(f64, &str); 5] = [(0.1, "p10"), (0.25, "p25"), (0.5, "median"), (0.75, "p75"), (0.9, "p90")];

/// Writes the plots under `folder`; returns their names.
pub async fn write(ctx: &SessionContext, folder: &StoreLocation, levels: &[Level]) -> Result<Vec<String>> {
    let mut written = vec![];
    let mut atypical = vec![];
    let mut novel = vec![];
    for level in levels {
        let name = level.name();
        let quantiles = QUANTILES
            .iter()
            .map(|(q, _)| format!("approx_percentile_cont({q}) WITHIN GROUP (ORDER BY z)"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = query_series(
            ctx,
            &format!(
                "SELECT year, AVG(CASE WHEN z < 0 THEN 1.0 ELSE 0.0 END), {quantiles} FROM cpc_pair_stats \
                 WHERE level = '{name}' AND z IS NOT NULL GROUP BY year ORDER BY year"
            ),
        )
        .await?;
        atypical.push(Series { name: name.to_string(), points: rows.iter().map(|(y, v)| (*y, v[0])).collect() });
        let series = QUANTILES
            .iter()
            .enumerate()
            .map(|(i, (_, label))| Series {
                name: label.to_string(),
                points: rows.iter().map(|(y, v)| (*y, v[i + 1])).collect(),
            })
            .collect();
        let chart = LineChart {
            title: format!("Pair z-scores per cumulative year ({name} level)"),
            x_label: "year".into(),
            y_label: "z (quantiles over observed pairs)".into(),
            series,
            reference_y: Some(0.0),
            integer_x: true,
        };
        written.push(put(folder, &format!("z_by_year_{name}.svg"), line_chart_svg(&chart)).await?);
        let rows = query_series(
            ctx,
            &format!(
                "SELECT year, AVG(CASE WHEN novel THEN 1.0 ELSE 0.0 END) FROM patent_novelty \
                 WHERE level = '{name}' AND novel IS NOT NULL GROUP BY year ORDER BY year"
            ),
        )
        .await?;
        novel.push(Series { name: name.to_string(), points: rows.iter().map(|(y, v)| (*y, v[0])).collect() });
    }
    let share = |title: &str, y_label: &str, series| LineChart {
        title: title.into(),
        x_label: "year".into(),
        y_label: y_label.into(),
        series,
        reference_y: None,
        integer_x: true,
    };
    let chart = share("Atypical pairs: share of observed pairs with z < 0", "share of pairs", atypical);
    written.push(put(folder, "atypical_share.svg", line_chart_svg(&chart)).await?);
    let chart = share("Novel patents: share with 10th-percentile z < 0", "share of patents", novel);
    written.push(put(folder, "novel_share.svg", line_chart_svg(&chart)).await?);
    Ok(written)
}

/// Runs a query whose first column is an Int32 year and the rest Float64; returns (year, values).
async fn query_series(ctx: &SessionContext, sql: &str) -> Result<Vec<(f64, Vec<f64>)>> {
    let mut out = vec![];
    for batch in ctx.sql(sql).await?.collect().await? {
        let years = batch.column(0).as_primitive::<Int32Type>();
        for i in 0..batch.num_rows() {
            let values = (1..batch.num_columns())
                .map(|c| {
                    let col = batch.column(c).as_primitive::<Float64Type>();
                    if col.is_null(i) { f64::NAN } else { col.value(i) }
                })
                .collect();
            out.push((years.value(i) as f64, values));
        }
    }
    Ok(out)
}

async fn put(folder: &StoreLocation, name: &str, svg: String) -> Result<String> {
    folder.put_bytes(name, svg.into_bytes()).await?;
    Ok(format!("plots/{name}"))
}
