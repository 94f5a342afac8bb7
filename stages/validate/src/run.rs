//! The validate stage from ingest's `cpc` and `citations`, the labels stage's `impact_labels` and
//! the explore stage's `exploration` and `exploration_paths`: model reliability on the test
//! split, micro-validation on the citation network (`micro_citing`), macro-validation of the
//! suggested domains (`macro_domains`), every summary statistic (`validation_summary`) and the
//! HTML report (which also reads ingest's `patents` and, when published, `cpc_title`).

use anyhow::{Context, Result};
use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::metrics::{ExploreMetrics, ValidateMetrics};
use sql_engine::{one_row, register_parquet, register_published, rows, session, write_batches, write_table};
use stage_runtime::{
    EngineOptions, PublishedManifest, RunWriter, StoreLocation, new_manifest, read_published, write_and_publish,
};
use stats::{Confusion, RankTest, SignedRankTest, mann_whitney, roc_auc, round_significant, wilcoxon_signed_rank};
use std::sync::Arc;

use crate::report;
use crate::sql;

/// The inputs of the stage: ingest's output, the labels stage's and the explore stage's.
pub struct ValidateInputs<'a> {
    pub ingest: &'a StoreLocation,
    pub labels: &'a StoreLocation,
    pub explore: &'a StoreLocation,
}

/// Settings of one validate run beyond its inputs and output.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Years after (and before) an explored patent's grant year over which domains are compared.
    pub macro_years: i32,
    /// Micro- and macro-validation of only the explored patents whose search reached the threshold.
    pub reached_only: bool,
    /// Compare only patents (citing patents, domain patents) whose citation window is complete.
    pub complete_windows_only: bool,
    /// Write the HTML report.
    pub report: bool,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

/// One row of `validation_summary`.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    pub section: &'static str,
    pub group: String,
    pub metric: &'static str,
    pub value: Option<f64>,
}

/// Validates and publishes to `output`.
pub async fn run(
    inputs: &ValidateInputs<'_>,
    output: &StoreLocation,
    options: &ValidateOptions,
) -> Result<PublishedManifest> {
    write_and_publish(&[inputs.ingest, inputs.labels, inputs.explore], output, async |run: &RunWriter| {
        write_run(run, inputs, options).await
    })
    .await
}

/// The cpc column of the model's code level, from the explore stage's manifest.
fn code_column(published: &PublishedManifest, explore: &StoreLocation) -> Result<&'static str> {
    let metrics: ExploreMetrics = published.metrics_as()?;
    match metrics.code_level.as_str() {
        "subclass" => Ok("cpc_subclass"),
        "main-group" => Ok("cpc_main_group"),
        other => anyhow::bail!("{}: the explore manifest names no known code_level ({other})", explore.url()),
    }
}

async fn write_run(
    run: &RunWriter,
    inputs: &ValidateInputs<'_>,
    options: &ValidateOptions,
) -> Result<PublishedManifest> {
    let ctx = session(&options.engine, &[inputs.ingest, inputs.labels, inputs.explore, &run.run]).await?;
    for t in [Table::Cpc, Table::Citations] {
        register_published(&ctx, inputs.ingest, t).await?;
    }
    register_published(&ctx, inputs.labels, Table::ImpactLabels).await?;
    for t in [Table::Exploration, Table::ExplorationPaths] {
        register_published(&ctx, inputs.explore, t).await?;
    }
    let explored = read_published(inputs.explore)
        .await?
        .with_context(|| format!("nothing is published at {}", inputs.explore.url()))?;
    let column = code_column(&explored, inputs.explore)?;
    let (reached, complete) = (options.reached_only, options.complete_windows_only);
    for (t, query) in [
        (Table::MicroCiting, sql::micro_citing(column, reached, complete)),
        (Table::MacroDomains, sql::macro_domains(column, options.macro_years, reached, complete)),
        (Table::MicroExact, sql::micro_exact(column, reached, complete)),
        (Table::MacroExact, sql::macro_exact(column, reached, complete)),
    ] {
        write_table(&ctx, &query, t.def(), &run.table(t)).await?;
        register_parquet(&ctx, t.name(), &run.table(t), t.def()).await?;
    }
    let mut summary = reliability(&ctx).await?;
    let micro_test = micro(&ctx, &mut summary).await?;
    let macro_test = macro_validation(&ctx, &mut summary).await?;
    micro_exact(&ctx, column, reached, &mut summary).await?;
    macro_exact(&ctx, &mut summary).await?;
    write_batches(
        &ctx,
        vec![summary_batch(&summary)?],
        Table::ValidationSummary.def(),
        &run.table(Table::ValidationSummary),
    )
    .await?;

    let mut manifest = new_manifest("validate", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    for &t in schemas::catalogue::validate::WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    let headline = |section: &str, group: &str, metric: &str| {
        summary.iter().find(|s| s.section == section && s.group == group && s.metric == metric).and_then(|s| s.value)
    };
    let report = if options.report {
        let written = report::write(&ctx, inputs, options, &explored, &summary, &run.run.child("report")).await?;
        tracing::info!(report = %format!("{}index.html", run.run.child("report").url()), "report written");
        written
    } else {
        vec![]
    };
    manifest.set_metrics(&ValidateMetrics {
        test_f1: headline("reliability", "test split", "f1"),
        test_roc_auc: headline("reliability", "test split", "roc_auc"),
        test_reconstruction_jaccard: headline("reliability", "test split", "reconstruction_jaccard"),
        micro_mann_whitney_p: micro_test.map(|t| t.p_value),
        macro_wilcoxon_p: macro_test.map(|t| t.p_value),
        macro_years: options.macro_years,
        report,
    })?;
    Ok(manifest)
}

fn stat(section: &'static str, group: &str, metric: &'static str, value: Option<f64>) -> Statistic {
    Statistic { section, group: group.to_string(), metric, value }
}

/// Rows of `(value, count x, count y)` from a [`sql::TiedCounts`] query.
async fn count_rows(ctx: &SessionContext, query: &str) -> Result<Vec<(f64, u64, u64)>> {
    Ok(rows::<sql::TiedCounts>(ctx, query).await?.into_iter().map(|r| (r.value, r.x, r.y)).collect())
}

/// The rows of a Mann-Whitney test of `group`.
fn test_statistics(section: &'static str, group: &str, test: Option<RankTest>) -> Vec<Statistic> {
    let value = |f: fn(&RankTest) -> f64| test.as_ref().map(f);
    vec![
        stat(section, group, "mann_whitney_u", value(|t| t.u)),
        stat(section, group, "mann_whitney_z", value(|t| t.z)),
        stat(section, group, "mann_whitney_p", value(|t| t.p_value)),
        stat(section, group, "common_language_effect", value(|t| t.common_language)),
        stat(section, group, "rank_biserial", value(|t| t.rank_biserial)),
    ]
}

/// Adds the rows of `query` to `summary`: per row, the group named in its `group_name` column and
/// the value of each of `metrics` from the column of that name.
async fn push_grouped(
    ctx: &SessionContext,
    query: &str,
    section: &'static str,
    metrics: &[&'static str],
    summary: &mut Vec<Statistic>,
) -> Result<()> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Float64Type};
    for batch in sql_engine::collect(ctx, query).await? {
        let column = |name: &str| batch.column_by_name(name).with_context(|| format!("{query} has no column {name}"));
        let names = arrow::compute::cast(column("group_name")?, &DataType::Utf8)?;
        let values = metrics
            .iter()
            .map(|&metric| Ok(arrow::compute::cast(column(metric)?, &DataType::Float64)?))
            .collect::<Result<Vec<_>>>()?;
        for i in 0..batch.num_rows() {
            for (metric, value) in metrics.iter().zip(&values) {
                let value = value.as_primitive::<Float64Type>();
                summary.push(stat(
                    section,
                    names.as_string::<i32>().value(i),
                    metric,
                    (!value.is_null(i)).then(|| value.value(i)),
                ));
            }
        }
    }
    Ok(())
}

async fn reliability(ctx: &SessionContext) -> Result<Vec<Statistic>> {
    let row: sql::Reliability = one_row(ctx, &sql::reliability()).await?;
    let confusion = Confusion {
        true_positive: row.true_positive,
        false_positive: row.false_positive,
        true_negative: row.true_negative,
        false_negative: row.false_negative,
    };
    let examples = row.examples;
    let defined = |v: f64| (examples > 0).then_some(v);
    let auc = roc_auc(&count_rows(ctx, sql::SCORES).await?);
    let bleu = mean_bleu1(ctx).await?;
    let group = "test split";
    let mut out = vec![
        stat("reliability", group, "examples", Some(examples as f64)),
        stat("reliability", group, "reconstruction_jaccard", row.reconstruction_jaccard),
        stat("reliability", group, "reconstruction_bleu1", bleu),
        stat("reliability", group, "accuracy", defined(confusion.accuracy())),
        stat("reliability", group, "precision", defined(confusion.precision())),
        stat("reliability", group, "recall", defined(confusion.recall())),
        stat("reliability", group, "f1", defined(confusion.f1())),
        stat("reliability", group, "specificity", defined(confusion.specificity())),
        stat("reliability", group, "negative_predictive_value", defined(confusion.negative_predictive_value())),
        stat("reliability", group, "roc_auc", auc),
    ];
    // Each class's scores (L2 scored as the positive class) and their macro and weighted averages.
    let l2 = confusion.swapped();
    out.extend([
        stat("reliability", "L2", "precision", defined(l2.precision())),
        stat("reliability", "L2", "recall", defined(l2.recall())),
        stat("reliability", "L2", "f1", defined(l2.f1())),
    ]);
    type Metric = fn(&Confusion) -> f64;
    let metrics: [(&'static str, &'static str, Metric); 3] = [
        ("macro_precision", "weighted_precision", Confusion::precision),
        ("macro_recall", "weighted_recall", Confusion::recall),
        ("macro_f1", "weighted_f1", Confusion::f1),
    ];
    for (macro_name, weighted_name, metric) in metrics {
        let (plain, weighted) = confusion.averages(metric);
        out.push(stat("reliability", group, macro_name, defined(plain)));
        out.push(stat("reliability", group, weighted_name, defined(weighted)));
    }
    Ok(out)
}

/// Mean BLEU-1 of each test-split patent's reconstructed code sequence against its original one
/// (`None` without test-split patents), streamed.
async fn mean_bleu1(ctx: &SessionContext) -> Result<Option<f64>> {
    use arrow::array::{Array, AsArray, ListArray};
    use futures::StreamExt;
    let codes = |list: &ListArray, i: usize| -> Result<Vec<String>> {
        let values = arrow::compute::cast(&list.value(i), &arrow::datatypes::DataType::Utf8)?;
        Ok(values.as_string::<i32>().iter().flatten().map(str::to_string).collect())
    };
    let (mut sum, mut n) = (0.0, 0usize);
    let mut batches = sql_engine::stream(ctx, sql::RECONSTRUCTIONS).await?;
    while let Some(batch) = batches.next().await {
        let batch = batch?;
        let as_list = |i: usize| batch.column(i).as_any().downcast_ref::<ListArray>().context("code lists");
        let (original, reconstructed) = (as_list(0)?, as_list(1)?);
        for i in 0..batch.num_rows() {
            sum += stats::bleu1(&codes(original, i)?, &codes(reconstructed, i)?);
            n += 1;
        }
    }
    Ok((n > 0).then(|| sum / n as f64))
}

async fn micro(ctx: &SessionContext, summary: &mut Vec<Statistic>) -> Result<Option<RankTest>> {
    let metrics = [
        "citing_pairs",
        "mean_forward_citations",
        "median_forward_citations",
        "sd_forward_citations",
        "min_forward_citations",
        "max_forward_citations",
        "labelled",
        "l1_share",
    ];
    push_grouped(ctx, sql::MICRO_GROUPS, "micro", &metrics, summary).await?;
    let test = mann_whitney(&count_rows(ctx, sql::MICRO_COUNTS).await?);
    summary.extend(test_statistics("micro", "shifted vs remained", test));
    Ok(test)
}

/// The exact-set micro-validation (`micro-exact`): per level, the inclusion and higher-impact
/// ratios; the forward citations of P_citing/shifted (citing patents equal to a generated set
/// outside the original) and P_citing/remained (equal to the original set; also averaged per
/// explored patent, as the paper reports it), their shares above the population's 90th percentile,
/// and two tests the paper did not run: Mann-Whitney U of shifted against remained (independent
/// groups of skewed counts, so a rank test; citing patents of one explored patent are not
/// independent, which it ignores) and the exact binomial test of the shifted share above the cut
/// against the population's share above it.
async fn micro_exact(
    ctx: &SessionContext,
    column: &str,
    reached_only: bool,
    summary: &mut Vec<Statistic>,
) -> Result<()> {
    let explored = one_row::<sql::ExploredCount>(ctx, &sql::explored_count(reached_only)).await?.explored;
    let matches = rows::<sql::LevelMatches>(ctx, sql::MICRO_EXACT_MATCHES).await?;
    for (level, ..) in sql::exact_levels(column) {
        let (with_match, higher, comparable) =
            matches.iter().find(|m| m.level == level).map_or((0, 0, 0), |m| (m.with_match, m.higher, m.comparable));
        summary.extend([
            stat("micro-exact", level, "explored_patents", Some(explored as f64)),
            stat("micro-exact", level, "patents_with_match", Some(with_match as f64)),
            stat("micro-exact", level, "inclusion_ratio", (explored > 0).then(|| with_match as f64 / explored as f64)),
            stat(
                "micro-exact",
                level,
                "higher_impact_ratio",
                (comparable > 0).then(|| higher as f64 / comparable as f64),
            ),
        ]);
    }
    let population: Vec<(f64, u64)> =
        rows::<sql::ValueCount>(ctx, sql::POPULATION_COUNTS).await?.into_iter().map(|r| (r.value, r.patents)).collect();
    let cut = stats::quantile_of_counts(&population, 0.9);
    // How many of a sample, given as (value, count) rows, lie above the population's cut.
    let above =
        |values: &[(f64, u64)]| cut.map(|q| values.iter().filter(|&&(v, _)| v > q).map(|&(_, c)| c).sum::<u64>());
    let population_size: u64 = population.iter().map(|&(_, n)| n).sum();
    let population_share = above(&population).map(|k| k as f64 / population_size as f64);
    summary.push(stat("micro-exact", "population", "labelled_patents", Some(population_size as f64)));
    summary.push(stat("micro-exact", "population", "forward_citations_q90", cut));
    summary.push(stat("micro-exact", "population", "share_above_q90", population_share));

    // Counts by value only (bounded by the distinct citation counts, not by the citing patents).
    let counts = rows::<sql::LevelTiedCounts>(ctx, sql::MICRO_EXACT_COUNTS).await?;
    let patents = rows::<sql::LevelPatents>(ctx, sql::MICRO_EXACT_PATENTS).await?;
    let means = rows::<sql::LevelValueCount>(ctx, sql::MICRO_EXACT_REMAINED_MEANS).await?;
    for (level, ..) in sql::exact_levels(column) {
        let tied: Vec<(f64, u64, u64)> =
            counts.iter().filter(|c| c.level == level).map(|c| (c.value, c.x, c.y)).collect();
        let (shifted_patents, remained_patents) =
            patents.iter().find(|p| p.level == level).map_or((0, 0), |p| (p.shifted, p.remained));
        let groups = [
            ("shifted", shifted_patents, tied.iter().map(|&(v, x, _)| (v, x)).collect::<Vec<_>>()),
            ("remained", remained_patents, tied.iter().map(|&(v, _, y)| (v, y)).collect()),
        ];
        for (name, explored, values) in groups {
            let group = format!("{level} {name}");
            let n: u64 = values.iter().map(|&(_, c)| c).sum();
            summary.push(stat("micro-exact", &group, "explored_patents", Some(explored as f64)));
            summary.push(stat("micro-exact", &group, "citing_patents", Some(n as f64)));
            describe(&group, CITING, &values, summary);
            let above = above(&values);
            let share = above.filter(|_| n > 0).map(|k| k as f64 / n as f64);
            summary.push(stat("micro-exact", &group, "share_above_q90", share));
            if name == "remained" {
                // The paper's P_citing/remained: the citing patents' mean per explored patent, described.
                let per_patent: Vec<(f64, u64)> =
                    means.iter().filter(|m| m.level == level).map(|m| (m.value, m.patents)).collect();
                describe(&group, PER_PATENT, &per_patent, summary);
            } else {
                let p = match (above, population_share) {
                    (Some(k), Some(share)) if n > 0 => Some(stats::binomial_upper_tail(n, k, share)),
                    _ => None,
                };
                summary.push(stat("micro-exact", &group, "binomial_above_q90_p", p));
            }
        }
        summary.extend(test_statistics("micro-exact", &format!("{level} shifted vs remained"), mann_whitney(&tied)));
    }
    Ok(())
}

/// Names of the descriptive statistics [`describe`] pushes: of citing patents' forward citations,
/// and of their means per explored patent.
const CITING: [&str; 5] = [
    "mean_forward_citations",
    "median_forward_citations",
    "sd_forward_citations",
    "min_forward_citations",
    "max_forward_citations",
];
const PER_PATENT: [&str; 5] = [
    "per_patent_mean_forward_citations",
    "per_patent_median_forward_citations",
    "per_patent_sd_forward_citations",
    "per_patent_min_forward_citations",
    "per_patent_max_forward_citations",
];

/// Pushes the mean, median, standard deviation (n - 1), minimum and maximum of the sample whose
/// distinct values and their counts are `values`, under `names` (undefined when empty; the
/// deviation below two values).
fn describe(group: &str, names: [&'static str; 5], values: &[(f64, u64)], summary: &mut Vec<Statistic>) {
    let values: Vec<(f64, u64)> = values.iter().copied().filter(|&(_, c)| c > 0).collect();
    let n = values.iter().map(|&(_, c)| c).sum::<u64>() as f64;
    let mean = (n > 0.0).then(|| values.iter().map(|&(v, c)| v * c as f64).sum::<f64>() / n);
    let sd = mean
        .filter(|_| n > 1.0)
        .map(|m| (values.iter().map(|&(v, c)| (v - m).powi(2) * c as f64).sum::<f64>() / (n - 1.0)).sqrt());
    let median = stats::quantile_of_counts(&values, 0.5);
    let min = values.iter().map(|&(v, _)| v).reduce(f64::min);
    let max = values.iter().map(|&(v, _)| v).reduce(f64::max);
    for (metric, value) in names.into_iter().zip([mean, median, sd, min, max]) {
        summary.push(stat("micro-exact", group, metric, value));
    }
}

/// The exact-set macro-validation (`macro-exact`): per explored patent whose generated set differs
/// from its original one and whose two exact-set domains both hold patents, the domains' mean
/// forward citations compared in pairs (the share where the generated domain is the more cited,
/// Wilcoxon signed-rank of the differences).
async fn macro_exact(ctx: &SessionContext, summary: &mut Vec<Statistic>) -> Result<()> {
    let paired = paired_domains(ctx, sql::MACRO_EXACT_PAIRED).await?;
    paired_comparison("macro-exact", "generated vs original", &paired, summary);
    Ok(())
}

/// Rows of a [`sql::PairedDomains`] query, each value rounded to 12 significant digits (so that
/// equal means summed in another order tie).
async fn paired_domains(ctx: &SessionContext, query: &str) -> Result<Vec<(f64, f64)>> {
    Ok(rows::<sql::PairedDomains>(ctx, query)
        .await?
        .into_iter()
        .map(|r| (round_significant(r.new_domains), round_significant(r.original_domains)))
        .collect())
}

/// The paired comparison of new (or generated) against original domains: pairs compared, the
/// share where the new one is the more cited, the means of both, and the Wilcoxon signed-rank test.
fn paired_comparison(
    section: &'static str,
    group: &str,
    paired: &[(f64, f64)],
    summary: &mut Vec<Statistic>,
) -> Option<SignedRankTest> {
    let better = paired.iter().filter(|(new, original)| new > original).count();
    let n = paired.len() as f64;
    let defined = |v: f64| (!paired.is_empty()).then_some(v);
    summary.push(stat(section, group, "explored_patents_compared", Some(n)));
    summary.push(stat(section, group, "share_new_domains_more_cited", defined(better as f64 / n)));
    summary.push(stat(section, group, "mean_new_domains", defined(paired.iter().map(|p| p.0).sum::<f64>() / n)));
    summary.push(stat(section, group, "mean_original_domains", defined(paired.iter().map(|p| p.1).sum::<f64>() / n)));
    // Paired by explored patent: the signed-rank test of the differences, not a two-sample test.
    let differences: Vec<f64> = paired.iter().map(|(new, original)| round_significant(new - original)).collect();
    let test = wilcoxon_signed_rank(&differences);
    let value = |f: fn(&SignedRankTest) -> f64| test.as_ref().map(f);
    summary.extend([
        stat(section, group, "wilcoxon_pairs_tied", value(|t| t.zeros as f64)),
        stat(section, group, "wilcoxon_w_plus", value(|t| t.w_plus)),
        stat(section, group, "wilcoxon_w_minus", value(|t| t.w_minus)),
        stat(section, group, "wilcoxon_z", value(|t| t.z)),
        stat(section, group, "wilcoxon_p", value(|t| t.p_value)),
        stat(section, group, "matched_pairs_rank_biserial", value(|t| t.rank_biserial)),
    ]);
    test
}

async fn macro_validation(ctx: &SessionContext, summary: &mut Vec<Statistic>) -> Result<Option<SignedRankTest>> {
    let metrics = ["domains", "patents_after", "mean_forward_citations", "mean_l1_share", "mean_growth"];
    push_grouped(ctx, sql::MACRO_ROLES, "macro", &metrics, summary).await?;
    let paired = paired_domains(ctx, sql::MACRO_PAIRED).await?;
    Ok(paired_comparison("macro", "new vs original", &paired, summary))
}

fn summary_batch(summary: &[Statistic]) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(summary.iter().map(|s| s.section))),
        Arc::new(StringArray::from_iter_values(summary.iter().map(|s| s.group.as_str()))),
        Arc::new(StringArray::from_iter_values(summary.iter().map(|s| s.metric))),
        Arc::new(Float64Array::from(summary.iter().map(|s| s.value).collect::<Vec<_>>())),
    ];
    Ok(RecordBatch::try_new(Table::ValidationSummary.def().arrow_schema(), columns)?)
}
