//! Similarity stage time (claims text, BIDF of the earlier year, windows 5 and 10 years) on generated
//! corpora of growing size, the growth ratio between sizes, and the ratio against the pairwise mode
//! on the smallest corpus.
//!
//! `cargo bench -p similarity --bench similarity_scaling -- [SIZES] [--sample N]`, sizes
//! comma-separated (default `100000,500000,2000000`). Corpora (with their claims) are generated and
//! ingested once into `target/bench-data/`.
//!
//! The pairwise mode enumerates pairs, and the pairs the stage's statistics cover (every pair filed
//! 1..10 years apart: sum of fs_count) number in the billions even at 0.1 M patents. So it is timed
//! on the backward-window pairs of `--sample` focal patents (default 20, evenly spread over the
//! patents with a backward window) of the smallest corpus, and its time per pair is scaled to the
//! corpus's pair count; the printed line says so.

use std::time::Instant;

use anyhow::{Context, Result};
use schemas::Table;
use similarity::{BidfYear, PairQuery, SimilarityOptions};
use sql_engine::{one_row, register_published, rows, session};
use stage_runtime::{EngineOptions, StoreLocation};

fn main() -> Result<()> {
    stage_runtime::telemetry::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut sizes = vec![100_000u64, 500_000, 2_000_000];
    let mut sample = 20usize;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--sample" {
            sample = rest.next().context("--sample needs a number")?.parse()?;
        } else {
            sizes = arg.split(',').map(str::parse).collect::<Result<_, _>>()?;
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let engine = EngineOptions { memory_limit: 4 << 30, ..EngineOptions::default() };

    let mut rows = vec![];
    let mut pairwise_line = None;
    for (i, &patents) in sizes.iter().enumerate() {
        let input = bench_corpus::ingested_corpus(patents, true, &engine, &runtime)?;
        let out = bench_corpus::bench_data().join(format!("sim-out-{patents}"));
        let _ = std::fs::remove_dir_all(&out);
        let output = StoreLocation::parse(out.to_str().expect("UTF-8 path"))?;
        let options = SimilarityOptions { plots: false, engine: engine.clone(), ..Default::default() };
        let started = Instant::now();
        let manifest = runtime.block_on(similarity::run(&input, &output, &options))?;
        let secs = started.elapsed().as_secs_f64();
        let terms = manifest.tables["patent_terms"].rows;
        let (focal, window_pairs) = runtime.block_on(sample_focal(&output, sample, &engine))?;
        println!("{patents} patents: {secs:.1} s ({terms} patent-term rows, {window_pairs} pairs 1..10 years apart)");
        if i == 0 {
            let candidates = focal.iter().map(|f| f.1).sum::<i64>();
            let query = PairQuery::TopK {
                patents: focal.into_iter().map(|f| f.0).collect(),
                k: 10,
                backward_years: options.backward_years,
            };
            let started = Instant::now();
            runtime.block_on(similarity::pairwise(&output, &query, BidfYear::Earlier, &engine))?;
            let pair_secs = started.elapsed().as_secs_f64();
            let scaled = pair_secs / candidates as f64 * window_pairs as f64;
            pairwise_line = Some(format!(
                "pairwise mode on {patents} patents: {pair_secs:.1} s for the {candidates} backward-window pairs of \
                 {sample} focal patents, {:.2} us per pair; scaled to the {window_pairs} pairs: {scaled:.0} s, \
                 {:.0}x the stage's {secs:.1} s",
                pair_secs / candidates as f64 * 1e6,
                scaled / secs
            ));
            println!("{}", pairwise_line.as_ref().expect("just set"));
        }
        std::fs::remove_dir_all(&out)?;
        rows.push((patents, secs, terms));
    }

    println!("\n| patents | similarity stage (s) | patent-term rows | growth vs previous size (time / size ratio) |");
    println!("|---:|---:|---:|---:|");
    for (i, (patents, secs, terms)) in rows.iter().enumerate() {
        let growth = i
            .checked_sub(1)
            .map(|j| {
                let (p0, t0, _) = rows[j];
                format!("{:.2}x time for {:.1}x patents", secs / t0, *patents as f64 / p0 as f64)
            })
            .unwrap_or_else(|| "-".into());
        println!("| {patents} | {secs:.1} | {terms} | {growth} |");
    }
    if let Some(line) = pairwise_line {
        println!("\n{line}");
    }
    Ok(())
}

/// Up to `sample` focal patents with a non-empty backward window, evenly spread over them (by
/// patent_id), with their bs_count; and the number of distinct pairs the stage's statistics cover
/// (sum of fs_count: each pair filed 1..f years apart is in the forward window of the earlier).
async fn sample_focal(
    output: &StoreLocation,
    sample: usize,
    engine: &EngineOptions,
) -> Result<(Vec<(String, i64)>, i64)> {
    let ctx = session(engine, &[output]).await?;
    register_published(&ctx, output, Table::PatentSimilarity).await?;
    #[derive(serde::Deserialize)]
    struct Total {
        window_pairs: i64,
    }
    #[derive(serde::Deserialize)]
    struct Focal {
        patent_id: String,
        bs_count: i64,
    }
    let total: Total =
        one_row(&ctx, "SELECT CAST(SUM(fs_count) AS BIGINT) AS window_pairs FROM patent_similarity").await?;
    let focal: Vec<Focal> = rows(
        &ctx,
        &format!(
            "SELECT patent_id, bs_count FROM (
               SELECT patent_id, bs_count, ROW_NUMBER() OVER (ORDER BY patent_id) AS i, COUNT(*) OVER () AS n
               FROM patent_similarity WHERE bs_count > 0
             ) WHERE (i - 1) % GREATEST(n / {sample}, 1) = 0 ORDER BY patent_id LIMIT {sample}"
        ),
    )
    .await?;
    let out = focal.into_iter().map(|f| (f.patent_id, f.bs_count)).collect();
    let window_pairs = total.window_pairs;
    Ok((out, window_pairs))
}
