//! The co-occurrence stage from ingest output to published tables: stage each patent's codes by
//! year, fold the years in order (pairs, unit counts, pair statistics, patent features), plot,
//! publish.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use arrow::array::AsArray;
use arrow::datatypes::{Int32Type, Int64Type};
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::catalogue::cooccurrence::{WORK, WRITES};
use sql_engine::{register_parquet, register_published, session, write_table};
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
        register_parquet(&ctx, t.name(), &work.child(t.name()), t.def()).await?;
    }
    for &t in WRITES {
        register_parquet(&ctx, t.name(), &run.table(t), t.def()).await?;
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
        write_table(
            &ctx,
            &queries.patent_pairs(),
            Table::CoocPatentPairs.def(),
            &work.child(Table::CoocPatentPairs.name()),
        )
        .await?;
        write_table(
            &ctx,
            &queries.unit_counts(),
            Table::CoocUnitCounts.def(),
            &work.child(Table::CoocUnitCounts.name()),
        )
        .await?;
        let pairs =
            write_table(&ctx, &queries.pair_stats(), Table::CpcPairStats.def(), &run.table(Table::CpcPairStats))
                .await?;
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
    }

    let mut manifest = new_manifest("cooccurrence", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    if options.plots {
        let written = plots::write(&ctx, &run.run.child("plots"), &levels).await?;
        manifest.metrics.insert("plots".into(), written.into());
    }
    work.delete_all().await?;
    for &t in WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    let metrics = [
        ("year_field", options.year_field.name().into()),
        ("levels", levels.iter().map(|l| l.name()).collect::<Vec<_>>().into()),
        ("coarse_graining", options.coarse_graining.name().into()),
        ("marginals", options.marginals.name().into()),
        ("first_year", first.into()),
        ("last_year", last.into()),
        ("patents", cumulative.into()),
        ("pair_rows", pair_rows.into()),
        ("novelty_rows", novelty_rows.into()),
    ];
    manifest.metrics.extend(metrics.into_iter().map(|(k, v): (&str, serde_json::Value)| (k.to_string(), v)));
    Ok(manifest)
}

/// Patents with codes per year, from the staged codes.
async fn patents_per_year(ctx: &SessionContext) -> Result<BTreeMap<i32, i64>> {
    let batches = ctx.sql(sql::PATENTS_PER_YEAR).await?.collect().await.context("counting patents per year")?;
    let mut out = BTreeMap::new();
    for batch in batches {
        let years = batch.column(0).as_primitive::<Int32Type>();
        let counts = batch.column(1).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            out.insert(years.value(i), counts.value(i));
        }
    }
    Ok(out)
}
