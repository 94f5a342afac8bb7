//! The sweep summary (binary `validation-sweep`, run by `pipeline sweep`): one exploration and
//! validation per value of an explore setting (the paper swept the threshold), gathered into one
//! long table (`sweep_summary`: every `validation_summary` row and the searches' own counts per
//! value), a Markdown table of the headline figures (`summary.md`) and two line charts
//! (`inclusion_ratio`, `shifted_impact`) in the run folder.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use plots::{LineChart, Series, render_line};
use schemas::Table;
use schemas::metrics::{ExploreMetrics, SweepMetrics};
use sql_engine::{register_parquet, rows, session, write_batches};
use stage_runtime::{
    EngineOptions, PublishedManifest, RunWriter, StoreLocation, new_manifest, read_published, write_and_publish,
};

use crate::sql;

/// One value of the swept setting and the explore and validate outputs run with it.
pub struct SweepPoint<'a> {
    pub value: f64,
    pub exploration: &'a StoreLocation,
    pub validation: &'a StoreLocation,
}

/// Settings of a sweep summary beyond its inputs and output.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The explore option swept, e.g. `threshold`.
    pub parameter: String,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

/// One row of `sweep_summary`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct SweepRow {
    pub parameter_value: f64,
    pub section: String,
    pub group: String,
    pub metric: String,
    pub value: Option<f64>,
}

/// Gathers the points' summaries and publishes them to `output`.
pub async fn run(
    points: &[SweepPoint<'_>],
    output: &StoreLocation,
    options: &SweepOptions,
) -> Result<PublishedManifest> {
    let inputs: Vec<&StoreLocation> = points.iter().flat_map(|p| [p.exploration, p.validation]).collect();
    write_and_publish(&inputs, output, async |run: &RunWriter| write_run(run, points, &inputs, options).await).await
}

async fn write_run(
    run: &RunWriter,
    points: &[SweepPoint<'_>],
    inputs: &[&StoreLocation],
    options: &SweepOptions,
) -> Result<PublishedManifest> {
    let mut stores = inputs.to_vec();
    stores.push(&run.run);
    let ctx = session(&options.engine, &stores).await?;
    let mut table: Vec<SweepRow> = vec![];
    let mut code_level = None;
    for (i, point) in points.iter().enumerate() {
        let explored = read_published(point.exploration)
            .await?
            .with_context(|| format!("nothing is published at {}", point.exploration.url()))?;
        let metrics: ExploreMetrics = explored.metrics_as()?;
        let reached_share = (metrics.explored > 0).then(|| metrics.reached_threshold as f64 / metrics.explored as f64);
        for (metric, value) in [
            ("explored", Some(metrics.explored as f64)),
            ("reached_threshold", Some(metrics.reached_threshold as f64)),
            ("reached_share", reached_share),
            ("mean_end_probability", Some(metrics.mean_end_probability)),
        ] {
            table.push(SweepRow {
                parameter_value: point.value,
                section: "exploration".into(),
                group: "searches".into(),
                metric: metric.into(),
                value,
            });
        }
        code_level.get_or_insert(metrics.code_level);
        let validated = read_published(point.validation)
            .await?
            .with_context(|| format!("nothing is published at {}", point.validation.url()))?;
        let name = format!("validation_summary_{i}");
        let location = validated.table_location(point.validation, Table::ValidationSummary.name())?;
        ctx.register_object_store(&point.validation.base_url, point.validation.store.clone());
        register_parquet(&ctx, &name, &location, Table::ValidationSummary.def()).await?;
        let query = format!(
            "SELECT CAST({value:e} AS DOUBLE) AS parameter_value, section, \"group\", metric, value FROM {name}",
            value = point.value
        );
        table.extend(rows::<SweepRow>(&ctx, &query).await?);
    }
    write_batches(
        &ctx,
        vec![batch(&options.parameter, &table)?],
        Table::SweepSummary.def(),
        &run.table(Table::SweepSummary),
    )
    .await?;
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let model_level = code_level.unwrap_or_default();
    let headline = Headline::new(&table, &model_level);
    let markdown = headline.markdown(&options.parameter, &values);
    tracing::info!("sweep summary\n{markdown}");
    run.run.put_bytes("summary.md", markdown.into_bytes()).await?;
    let mut files = vec!["summary.md".to_string()];
    for (stem, chart) in headline.charts(&options.parameter, &values) {
        files.extend(plots::put(&run.run, stem, &render_line(&chart)?).await?);
    }

    let mut manifest = new_manifest("validation-sweep", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    manifest.tables.insert(Table::SweepSummary.name().into(), run.describe_parquet(Table::SweepSummary.def()).await?);
    manifest.set_metrics(&SweepMetrics { parameter: options.parameter.clone(), values, files })?;
    Ok(manifest)
}

fn batch(parameter: &str, table: &[SweepRow]) -> Result<RecordBatch> {
    let strings =
        |f: fn(&SweepRow) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(table.iter().map(f))) };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(table.iter().map(|_| parameter))),
        Arc::new(Float64Array::from_iter_values(table.iter().map(|r| r.parameter_value))),
        strings(|r| &r.section),
        strings(|r| &r.group),
        strings(|r| &r.metric),
        Arc::new(Float64Array::from(table.iter().map(|r| r.value).collect::<Vec<_>>())),
    ];
    Ok(RecordBatch::try_new(Table::SweepSummary.def().arrow_schema(), columns)?)
}

/// The headline figures of a sweep, looked up by value.
struct Headline<'a> {
    rows: BTreeMap<(u64, &'a str, &'a str, &'a str), Option<f64>>,
    /// The exact-set levels validated, coarse to fine, and the model's own.
    levels: Vec<&'static str>,
    model_level: &'static str,
}

impl<'a> Headline<'a> {
    fn new(table: &'a [SweepRow], code_level: &str) -> Headline<'a> {
        let rows = table
            .iter()
            .map(|r| ((r.parameter_value.to_bits(), r.section.as_str(), r.group.as_str(), r.metric.as_str()), r.value))
            .collect();
        let column = if code_level == "main-group" { "cpc_main_group" } else { "cpc_subclass" };
        let levels: Vec<&'static str> = sql::exact_levels(column).into_iter().map(|(level, ..)| level).collect();
        let model_level = *levels.last().expect("at least one level");
        Headline { rows, levels, model_level }
    }

    fn get(&self, value: f64, section: &str, group: &str, metric: &str) -> Option<f64> {
        self.rows.get(&(value.to_bits(), section, group, metric)).copied().flatten()
    }

    /// The headline columns: heading and where each value comes from.
    fn columns(&self) -> Vec<(String, &'static str, String, &'static str)> {
        let shifted = format!("{} shifted", self.model_level);
        let mut columns = vec![
            ("explored".to_string(), "exploration", "searches".to_string(), "explored"),
            ("reached share".into(), "exploration", "searches".into(), "reached_share"),
        ];
        for level in &self.levels {
            columns.push((format!("inclusion {level}"), "micro-exact", level.to_string(), "inclusion_ratio"));
        }
        columns.extend([
            (format!("P_citing/shifted ({})", self.model_level), "micro-exact", shifted.clone(), "citing_patents"),
            ("its mean forward citations".into(), "micro-exact", shifted.clone(), "mean_forward_citations"),
            ("its share > q90".into(), "micro-exact", shifted.clone(), "share_above_q90"),
            ("binomial p".into(), "micro-exact", shifted, "binomial_above_q90_p"),
            (
                "exact macro: generated more cited".into(),
                "macro-exact",
                "generated vs original".into(),
                "share_new_domains_more_cited",
            ),
            ("exact macro Wilcoxon p".into(), "macro-exact", "generated vs original".into(), "wilcoxon_p"),
            ("Jaccard micro Mann-Whitney p".into(), "micro", "shifted vs remained".into(), "mann_whitney_p"),
        ]);
        columns
    }

    /// The headline figures as a Markdown table, one row per value.
    fn markdown(&self, parameter: &str, values: &[f64]) -> String {
        let columns = self.columns();
        let mut out = format!("| {parameter} |");
        for (heading, ..) in &columns {
            let _ = write!(out, " {heading} |");
        }
        out.push_str(&format!("\n|---|{}\n", "---:|".repeat(columns.len())));
        for &value in values {
            let _ = write!(out, "| {value} |");
            for (_, section, group, metric) in &columns {
                let _ = write!(out, " {} |", crate::format::metric(metric, self.get(value, section, group, metric)));
            }
            out.push('\n');
        }
        out
    }

    /// The charts: inclusion ratio per level, and the shifted citing patents' share above q90 with
    /// the share of searches that reached the threshold, against the swept value.
    fn charts(&self, parameter: &str, values: &[f64]) -> Vec<(&'static str, LineChart)> {
        // Drawn left to right, whatever order the values were given in.
        let mut values = values.to_vec();
        values.sort_by(f64::total_cmp);
        let series = |name: &str, section: &str, group: &str, metric: &str| Series {
            name: name.to_string(),
            points: values.iter().map(|&v| (v, self.get(v, section, group, metric).unwrap_or(f64::NAN))).collect(),
        };
        let inclusion = LineChart {
            title: format!("Inclusion ratio by CPC level, by {parameter}"),
            x_label: parameter.to_string(),
            y_label: "explored patents with a citing patent equal to the generated set".into(),
            series: self.levels.iter().map(|level| series(level, "micro-exact", level, "inclusion_ratio")).collect(),
            reference_y: None,
            integer_x: false,
        };
        let shifted = format!("{} shifted", self.model_level);
        let impact = LineChart {
            title: format!("Searches reaching the threshold, and P_citing/shifted above q90, by {parameter}"),
            x_label: parameter.to_string(),
            y_label: "share".into(),
            series: vec![
                series("searches reached", "exploration", "searches", "reached_share"),
                series("shifted > q90", "micro-exact", &shifted, "share_above_q90"),
                series("population > q90", "micro-exact", "population", "share_above_q90"),
            ],
            reference_y: None,
            integer_x: false,
        };
        vec![("inclusion_ratio", inclusion), ("shifted_impact", impact)]
    }
}
