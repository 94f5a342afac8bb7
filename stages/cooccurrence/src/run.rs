//! The co-occurrence stage from ingest output to published tables: number the codes, stage each
//! patent's codes by year, fold the years in order (pairs, unit counts, pair statistics, patent
//! features), plot, publish.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::catalogue::cooccurrence::{WORK, WRITES};
use schemas::metrics::CooccurrenceMetrics;
use sql_engine::{register_parquet, register_published, register_sorted_parquet, rows, session, write_table};
use stage_runtime::telemetry::Progress;
use stage_runtime::{PublishedManifest, RunWriter, StoreLocation, new_manifest, write_and_publish};

use crate::options::{CoarseGraining, CooccurrenceOptions, YearField};
use crate::plots;
use crate::sql::{self, YearQueries};

/// Runs the stage from ingest's output `input` to `output` and publishes the result.
pub async fn run(
    input: &StoreLocation,
    output: &StoreLocation,
    options: &CooccurrenceOptions,
) -> Result<PublishedManifest> {
    if options.levels.is_empty() {
        bail!("no levels chosen: pass --levels with one or more of group, subclass, class");
    }
    write_and_publish(&[input], output, async |run: &RunWriter| write_run(run, input, output, options).await).await
}

async fn write_run(
    run: &RunWriter,
    input: &StoreLocation,
    output: &StoreLocation,
    options: &CooccurrenceOptions,
) -> Result<PublishedManifest> {
    let ctx = session(&options.engine, &[input, output]).await?;
    register_published(&ctx, input, Table::Cpc).await?;
    if options.year_field == YearField::Filing {
        register_published(&ctx, input, Table::Patents).await?;
    }
    let work = run.run.child("_work");
    for &t in WORK {
        // Work tables are written in their declared order (`cooc_pair_moments` by its pair key), so
        // the planner may rely on it.
        register_sorted_parquet(&ctx, t.name(), &work.child(t.name()), t.def()).await?;
    }
    for &t in WRITES {
        register_parquet(&ctx, t.name(), &run.table(t), t.def()).await?;
    }

    let units = write_table(
        &ctx,
        &sql::units(options.year_field),
        Table::CoocUnits.def(),
        &work.child(Table::CoocUnits.name()),
    )
    .await?;
    tracing::info!(units, "numbered the codes of every level");
    if units >= sql::PAIR_BASE.unsigned_abs() {
        bail!("{units} codes: the pair key packs two code ids below 2^32");
    }
    let codes = write_table(
        &ctx,
        &sql::patent_codes(options.year_field),
        Table::CoocPatentCodes.def(),
        &work.child(Table::CoocPatentCodes.name()),
    )
    .await?;
    tracing::info!(rows = codes, year_field = options.year_field.name(), "staged distinct (patent, group) rows");
    if options.coarse_graining == CoarseGraining::SumCodePairs {
        // A work table, not an in-memory one: Ballista executors read it too.
        write_table(&ctx, sql::CODE_MAP, Table::CoocCodeMap.def(), &work.child(Table::CoocCodeMap.name())).await?;
    }
    let per_year = patents_per_year(&ctx).await?;
    let (Some(&first), Some(&last)) = (per_year.keys().next(), per_year.keys().next_back()) else {
        bail!("the input has no patents with CPC codes (and a {})", options.year_field.name());
    };

    let mut levels = options.levels.clone();
    levels.sort();
    levels.dedup();
    let mut cumulative = 0i64;
    let mut pair_rows = 0u64;
    let mut novelty_rows = 0u64;
    let progress = Progress::over_items("cooccurrence", "years", Some(u64::try_from(last - first + 1)?));
    for year in first..=last {
        cumulative += per_year.get(&year).copied().unwrap_or(0);
        let queries = YearQueries {
            year,
            has_previous: year > first,
            patents: cumulative,
            levels: &levels,
            coarse_graining: options.coarse_graining,
            marginals: options.marginals,
        };
        let year_started = std::time::Instant::now();
        progress.set_step(format!("{year}: patent pairs"));
        write_table(
            &ctx,
            &queries.patent_pairs(),
            Table::CoocPatentPairs.def(),
            &work.child(Table::CoocPatentPairs.name()),
        )
        .await?;
        progress.set_step(format!("{year}: unit counts"));
        write_table(
            &ctx,
            &queries.unit_counts(),
            Table::CoocUnitCounts.def(),
            &work.child(Table::CoocUnitCounts.name()),
        )
        .await?;
        progress.set_step(format!("{year}: pair moments"));
        write_table(
            &ctx,
            &queries.pair_moments(),
            Table::CoocPairMoments.def(),
            &work.child(Table::CoocPairMoments.name()),
        )
        .await?;
        progress.set_step(format!("{year}: pair statistics"));
        let pairs =
            write_table(&ctx, &queries.pair_stats(), Table::CpcPairStats.def(), &run.table(Table::CpcPairStats))
                .await?;
        progress.set_step(format!("{year}: patent novelty"));
        let patents =
            write_table(&ctx, &queries.patent_novelty(), Table::PatentNovelty.def(), &run.table(Table::PatentNovelty))
                .await?;
        pair_rows += pairs;
        novelty_rows += patents;
        tracing::info!(
            year,
            done = year - first + 1,
            of = last - first + 1,
            cumulative_patents = cumulative,
            pairs,
            patent_rows = patents,
            secs = year_started.elapsed().as_secs_f64(),
            "year done"
        );
        // Only the year just written is read by the next one.
        work.child(&format!("cooc_patent_pairs/year={year}")).delete_all().await?;
        work.child(&format!("cooc_unit_counts/year={}", year - 1)).delete_all().await?;
        work.child(&format!("cooc_pair_moments/year={}", year - 1)).delete_all().await?;
        progress.inc(1);
    }
    progress.finish();

    let mut manifest = new_manifest("cooccurrence", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    let plots = if options.plots { plots::write(&ctx, &run.run.child("plots"), &levels).await? } else { vec![] };
    work.delete_all().await?;
    for &t in WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    manifest.set_metrics(&CooccurrenceMetrics {
        year_field: options.year_field.name().into(),
        levels: levels.iter().map(|l| l.name().to_string()).collect(),
        coarse_graining: options.coarse_graining.name().into(),
        marginals: options.marginals.name().into(),
        first_year: first,
        last_year: last,
        patents: cumulative,
        pair_rows,
        novelty_rows,
        plots,
    })?;
    Ok(manifest)
}

/// Patents with codes per year, from the staged codes.
async fn patents_per_year(ctx: &SessionContext) -> Result<BTreeMap<i32, i64>> {
    let rows: Vec<sql::YearPatents> = rows(ctx, sql::PATENTS_PER_YEAR).await.context("counting patents per year")?;
    Ok(rows.into_iter().map(|r| (r.year, r.patents)).collect())
}
