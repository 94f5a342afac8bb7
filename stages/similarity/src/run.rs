//! The similarity stage from ingest output to published tables: tokenize one grant year at a time,
//! keep terms by corpus df, write term frequencies and the yearly BIDF vocabulary, then one pass per
//! weighting year (norms, centroids, window sums), the per-patent statistics, plot, publish.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::catalogue::similarity::{WORK, WRITES};
use schemas::metrics::SimilarityMetrics;
use sql_engine::{one_row, register_parquet, register_published, rows, session, set_option, write_table};
use stage_runtime::telemetry::Progress;
use stage_runtime::{PublishedManifest, RunWriter, StoreLocation, new_manifest, write_and_publish};

use crate::options::SimilarityOptions;
use crate::plots;
use crate::sql::{self, WeightingQueries};
use crate::windows::Windows;

/// Runs the stage from ingest's output `input` to `output` and publishes the result.
pub async fn run(
    input: &StoreLocation,
    output: &StoreLocation,
    options: &SimilarityOptions,
) -> Result<PublishedManifest> {
    write_and_publish(&[input], output, async |run: &RunWriter| write_run(run, input, output, options).await).await
}

async fn write_run(
    run: &RunWriter,
    input: &StoreLocation,
    output: &StoreLocation,
    options: &SimilarityOptions,
) -> Result<PublishedManifest> {
    let boilerplate = options.validate()?;
    let ctx = session(&options.engine, &[input, output]).await?;
    register_published(&ctx, input, Table::Patents).await?;
    if options.text.uses_claims() {
        register_published(&ctx, input, Table::Claims).await?;
    }
    let work = run.run.child("_work");
    for &t in WORK {
        register_parquet(&ctx, t.name(), &work.child(t.name()), t.def()).await?;
    }
    for &t in WRITES {
        register_parquet(&ctx, t.name(), &run.table(t), t.def()).await?;
    }
    // Writes one table (work tables under `_work/`), logging the query at debug level and the timing;
    // `progress` shows the step.
    let step = |progress: &Progress, label: String, query: String, t: Table| {
        let target = if WORK.contains(&t) { work.child(t.name()) } else { run.table(t) };
        let ctx = &ctx;
        progress.set_step(label.clone());
        async move {
            let started = Instant::now();
            tracing::debug!("{label}:\n{query};");
            let rows = write_table(ctx, &query, t.def(), &target).await.with_context(|| label.clone())?;
            tracing::info!(step = %label, table = t.name(), rows, secs = started.elapsed().as_secs_f64(), "step written");
            Ok::<u64, anyhow::Error>(rows)
        }
    };

    // 1. Tokens, one grant year (one partition of the inputs) at a time.
    let sql::PatentCounts { patents, with_filing_year } = one_row(&ctx, sql::PATENT_COUNTS).await?;
    let grant_years: Vec<sql::GrantYear> = rows(&ctx, sql::GRANT_YEARS).await?;
    let progress = phase("similarity: tokenize", "grant years", grant_years.len());
    for sql::GrantYear { grant_year: g, patents } in grant_years {
        let query = sql::raw_terms(options.text, g, options.min_token_len, &boilerplate);
        step(&progress, format!("tokenize grant year {g} ({patents} patents)"), query, Table::SimRawTerms).await?;
        progress.inc(1);
    }
    progress.finish();

    // 2. Terms kept by corpus df; per filing year, term frequencies and the patents with a kept term.
    let filing_years: Vec<sql::FilingYear> = rows(&ctx, sql::RAW_FILING_YEARS).await?;
    let progress = phase("similarity: term frequencies", "filing years", filing_years.len());
    let kept = step(&progress, "keep terms".into(), sql::kept_terms(options.min_df), Table::SimKeptTerms).await?;
    for sql::FilingYear { filing_year: y } in filing_years {
        step(&progress, format!("patent_terms {y}"), sql::patent_terms(y), Table::PatentTerms).await?;
        step(&progress, format!("documents {y}"), sql::documents(y), Table::SimDocuments).await?;
        progress.inc(1);
    }
    progress.finish();
    let year_counts: BTreeMap<i32, (i64, i64)> = rows::<sql::YearCounts>(&ctx, sql::YEAR_COUNTS)
        .await?
        .into_iter()
        .map(|r| (r.filing_year, (r.patents, r.tokens)))
        .collect();
    let years: Vec<i32> = year_counts.keys().copied().collect();
    let (Some(&first_year), Some(&last_year)) = (years.first(), years.last()) else {
        bail!("no patent has a filing year and a kept term (text: {}, min df {})", options.text.name(), options.min_df);
    };
    let documents: i64 = year_counts.values().map(|c| c.0).sum();

    // 3. The vocabulary, folding df_before over the years.
    let mut patents_before = BTreeMap::new();
    let mut cumulative = 0i64;
    let mut previous = None;
    let progress = phase("similarity: vocabulary", "years", year_counts.len());
    for (&year, &(n, _)) in &year_counts {
        patents_before.insert(year, cumulative);
        let query = sql::vocabulary(year, previous, cumulative);
        step(&progress, format!("vocabulary {year}"), query, Table::Vocabulary).await?;
        cumulative += n;
        previous = Some(year);
        progress.inc(1);
    }
    progress.finish();

    // 4. One pass per weighting year t: norms and centroids under BIDF_t, then the window sums.
    let windows = Windows {
        backward_years: options.backward_years,
        forward_years: options.forward_years,
        bidf_year: options.bidf_year,
    };
    let plan = windows.plan(&years);
    let mut window_sum_rows = 0;
    // The weighting queries put the small table on the left of every join, the hash table's side,
    // so that patent_terms streams; keep that order instead of letting statistics swap it.
    set_join_reordering(&ctx, false).await?;
    let progress = phase("similarity: weighting years", "years", plan.len());
    for (i, (&t, year_plan)) in plan.iter().enumerate() {
        if patents_before[&t] == 0 {
            tracing::info!(year = t, "no earlier patents: BIDF undefined, vectors empty, no window partners");
            progress.inc(1);
            continue;
        }
        let started = Instant::now();
        let queries = WeightingQueries { bidf_year: t, plan: year_plan };
        step(&progress, format!("norms under {t}"), queries.norms(), Table::SimNorms).await?;
        step(&progress, format!("centroids under {t}"), queries.centroids(), Table::SimCentroids).await?;
        let label = format!("window sums under {t}");
        window_sum_rows += step(&progress, label, queries.window_sums(), Table::SimWindowSums).await?;
        tracing::info!(
            year = t,
            done = i + 1,
            of = plan.len(),
            year_pairs = year_plan.year_pairs(),
            centroids = year_plan.groups.len(),
            secs = started.elapsed().as_secs_f64(),
            "weighting year done"
        );
        work.child(&format!("sim_norms/bidf_year={t}")).delete_all().await?;
        work.child(&format!("sim_centroids/bidf_year={t}")).delete_all().await?;
        progress.inc(1);
    }

    progress.finish();
    set_join_reordering(&ctx, true).await?;

    // 5. Per-patent statistics.
    let first_complete_year = first_year + options.burn_in_years;
    let query = sql::patent_similarity(
        options.backward_years,
        options.forward_years,
        first_complete_year,
        last_year,
        options.breakthrough_quantile,
    );
    let progress = phase("similarity: per-patent statistics", "tables", 1);
    step(&progress, "patent_similarity".into(), query, Table::PatentSimilarity).await?;
    progress.inc(1);
    progress.finish();

    let mut manifest = new_manifest("similarity", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    let plots = if options.plots {
        plots::write(&ctx, &run.run.child("plots"), options.forward_years, last_year).await?
    } else {
        vec![]
    };
    work.delete_all().await?;
    for &t in WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    manifest.set_metrics(&SimilarityMetrics {
        text: options.text.name().into(),
        min_token_len: options.min_token_len,
        min_df: options.min_df,
        stop_words: "nltk-english-179".into(),
        boilerplate,
        bidf_year: options.bidf_year.name().into(),
        backward_years: options.backward_years,
        forward_years: options.forward_years,
        burn_in_years: options.burn_in_years,
        breakthrough_quantile: options.breakthrough_quantile,
        first_year,
        last_year,
        patents,
        patents_without_filing_year: patents - with_filing_year,
        patents_without_terms: with_filing_year - documents,
        documents,
        kept_terms: kept,
        kept_tokens: year_counts.values().map(|c| c.1).sum(),
        weighting_years: plan.len(),
        window_sum_rows,
        plots,
    })?;
    Ok(manifest)
}

/// Lets DataFusion swap join inputs by statistics (`true`, its default) or keeps the written order.
pub(crate) async fn set_join_reordering(ctx: &SessionContext, on: bool) -> Result<()> {
    set_option(ctx, "datafusion.optimizer.join_reordering", on).await
}

/// Progress over one phase of the stage: `n` of `unit`.
fn phase(label: &str, unit: &'static str, n: usize) -> Progress {
    Progress::over_items(label, unit, Some(n as u64))
}
