//! Plots of the published statistics (SVG and PNG): the z distribution of pairs per year (one chart per
//! level) and, across levels, the share of atypical (z < 0) pairs and of novel patents per year.

use anyhow::Result;
use datafusion::prelude::SessionContext;
use plots::{LineChart, Series, render_line};
use sql_engine::rows;
use stage_runtime::StoreLocation;

use crate::options::Level;
use crate::sql;

/// Writes the plots under `folder`; returns their files' paths relative to the run.
pub async fn write(ctx: &SessionContext, folder: &StoreLocation, levels: &[Level]) -> Result<Vec<String>> {
    let mut written = vec![];
    let mut atypical = vec![];
    let mut novel = vec![];
    for level in levels {
        let name = level.name();
        let quantiles: Vec<sql::ZByYear> = rows(ctx, &sql::z_by_year(*level)).await?;
        let year = |r: &sql::ZByYear| f64::from(r.year);
        atypical.push(Series {
            name: name.to_string(),
            points: quantiles.iter().map(|r| (year(r), r.atypical_share)).collect(),
        });
        let series = sql::Z_QUANTILES
            .iter()
            .map(|&(_, label, value)| Series {
                name: label.to_string(),
                points: quantiles.iter().map(|r| (year(r), value(r))).collect(),
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
        written.extend(put(folder, &format!("z_by_year_{name}"), &chart).await?);
        let shares: Vec<sql::NovelShare> = rows(ctx, &sql::novel_share_by_year(*level)).await?;
        novel.push(Series {
            name: name.to_string(),
            points: shares.iter().map(|r| (f64::from(r.year), r.novel_share)).collect(),
        });
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
    written.extend(put(folder, "atypical_share", &chart).await?);
    let chart = share("Novel patents: share with 10th-percentile z < 0", "share of patents", novel);
    written.extend(put(folder, "novel_share", &chart).await?);
    Ok(written)
}

/// Renders `chart` and writes it as `<stem>.svg` and `<stem>.png`; returns their paths relative to the run.
async fn put(folder: &StoreLocation, stem: &str, chart: &LineChart) -> Result<Vec<String>> {
    let files = plots::put(folder, stem, &render_line(chart)?).await?;
    Ok(files.iter().map(|name| format!("plots/{name}")).collect())
}
