//! Plot of the labels (SVG and PNG): mean forward citations of L1 and L2 patents per grant year, so the gap
//! between the classes and the years without labels (incomplete windows) are visible at a glance.

use anyhow::Result;
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::SessionContext;
use plots::{LineChart, Series, render_line};
use stage_runtime::StoreLocation;

use crate::options::LabelOptions;

/// Writes the plot under `folder` from the run's `impact_labels`; returns its files' paths relative to the run.
pub async fn write(ctx: &SessionContext, folder: &StoreLocation, options: &LabelOptions) -> Result<Vec<String>> {
    let query = "SELECT grant_year,
                        AVG(CASE WHEN label = 'L1' THEN forward_citations END),
                        AVG(CASE WHEN label = 'L2' THEN forward_citations END)
                 FROM impact_labels WHERE label IS NOT NULL GROUP BY grant_year ORDER BY grant_year";
    let mut series = [("L1 (breakthrough)", vec![]), ("L2", vec![])];
    for batch in sql_engine::collect(ctx, query).await? {
        let columns = batch.columns().iter().map(|c| cast(c, &DataType::Float64)).collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            let year = columns[0].as_primitive::<Float64Type>().value(i);
            for (s, column) in series.iter_mut().zip(&columns[1..]) {
                let column = column.as_primitive::<Float64Type>();
                if !column.is_null(i) {
                    s.1.push((year, column.value(i)));
                }
            }
        }
    }
    let chart = LineChart {
        title: format!(
            "Mean forward citations within {} years, by label (L1: {})",
            options.window_years,
            options.rule_in_words()
        ),
        x_label: "grant year".into(),
        y_label: "forward citations (mean)".into(),
        series: series.into_iter().map(|(name, points)| Series { name: name.into(), points }).collect(),
        reference_y: None,
        integer_x: true,
    };
    let files = plots::put(folder, "forward_citations_by_label", &render_line(&chart)?).await?;
    Ok(files.iter().map(|name| format!("plots/{name}")).collect())
}
