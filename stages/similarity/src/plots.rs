//! Plot of the published statistics (SVG and PNG): the distribution of log q (importance) per filing year,
//! drawn as quantile lines.

use anyhow::Result;
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::SessionContext;
use plots::{LineChart, Series, render_line};
use stage_runtime::StoreLocation;

/// Quantiles drawn.
const QUANTILES: [(f64, &str); 5] = [(0.1, "p10"), (0.25, "p25"), (0.5, "median"), (0.75, "p75"), (0.9, "p90")];

/// Writes the plots under `folder` from the run's `patent_similarity`; returns their paths relative
/// to the run. Forward windows of years after `last_year - forward_years` are incomplete, which
/// the title says.
pub async fn write(
    ctx: &SessionContext,
    folder: &StoreLocation,
    forward_years: i32,
    last_year: i32,
) -> Result<Vec<String>> {
    let quantiles = QUANTILES
        .iter()
        .map(|(q, _)| format!("percentile_cont({q}) WITHIN GROUP (ORDER BY log_q)"))
        .collect::<Vec<_>>()
        .join(", ");
    let query = format!(
        "SELECT filing_year, {quantiles} FROM patent_similarity WHERE log_q IS NOT NULL GROUP BY filing_year ORDER BY filing_year"
    );
    let mut rows: Vec<(f64, Vec<f64>)> = vec![];
    for batch in sql_engine::collect(ctx, &query).await? {
        let columns = batch.columns().iter().map(|c| cast(c, &DataType::Float64)).collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            let values = columns
                .iter()
                .map(|c| {
                    let c = c.as_primitive::<Float64Type>();
                    if c.is_null(i) { f64::NAN } else { c.value(i) }
                })
                .collect::<Vec<_>>();
            rows.push((values[0], values[1..].to_vec()));
        }
    }
    let series = QUANTILES
        .iter()
        .enumerate()
        .map(|(i, (_, label))| Series {
            name: label.to_string(),
            points: rows.iter().map(|(y, v)| (*y, v[i])).collect(),
        })
        .collect();
    let chart = LineChart {
        title: format!(
            "log q = ln(FS / BS) per filing year (forward windows partial after {})",
            last_year - forward_years
        ),
        x_label: "filing year".into(),
        y_label: "log q (quantiles over patents)".into(),
        series,
        reference_y: Some(0.0),
        integer_x: true,
    };
    let files = plots::put(folder, "log_q_by_year", &render_line(&chart)?).await?;
    Ok(files.iter().map(|name| format!("plots/{name}")).collect())
}
