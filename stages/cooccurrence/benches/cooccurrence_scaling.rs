//! Co-occurrence stage time on generated corpora of growing size (all years, all three levels), the
//! growth ratio between sizes, and the naive reference (`--marginals enumerate-pairs`, which
//! enumerates the code pairs behind every coarse pair) side by side.
//!
//! `cargo bench -p cooccurrence --bench cooccurrence_scaling -- [SIZES] [--naive-up-to N]`, sizes
//! comma-separated (default `100000,1000000,5000000`); the naive method runs on sizes up to
//! `--naive-up-to` (default 1,000,000). Corpora are generated once into `target/bench-data/` (claims
//! are not needed and are dropped before ingest).

use std::time::Instant;

use anyhow::Result;
use cooccurrence::{CooccurrenceOptions, Marginals};
use stage_runtime::{EngineOptions, StoreLocation};

fn main() -> Result<()> {
    stage_runtime::telemetry::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut sizes = vec![100_000u64, 1_000_000, 5_000_000];
    let mut naive_up_to = 1_000_000u64;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--naive-up-to" {
            naive_up_to = rest.next().map_or(Ok(naive_up_to), |v| v.parse())?;
        } else {
            sizes = arg.split(',').map(str::parse).collect::<Result<_, _>>()?;
        }
    }
    let root = bench_corpus::bench_data();
    let runtime = tokio::runtime::Runtime::new()?;
    let engine = EngineOptions { memory_limit: 4 << 30, ..EngineOptions::default() };

    let mut rows = vec![];
    for &patents in &sizes {
        let input = bench_corpus::ingested_corpus(patents, false, &engine, &runtime)?;
        let time = |marginals: Marginals| -> Result<(f64, u64)> {
            let out = root.join(format!("cooc-out-{patents}-{}", marginals.name()));
            let _ = std::fs::remove_dir_all(&out);
            let options = CooccurrenceOptions { marginals, plots: false, engine: engine.clone(), ..Default::default() };
            let started = Instant::now();
            let manifest =
                runtime.block_on(cooccurrence::run(&input, &StoreLocation::parse(out.to_str().unwrap())?, &options))?;
            let secs = started.elapsed().as_secs_f64();
            let _ = std::fs::remove_dir_all(&out);
            Ok((secs, manifest.tables["cpc_pair_stats"].rows))
        };
        let (fast, pair_rows) = time(Marginals::Aggregates)?;
        let naive = if patents <= naive_up_to { Some(time(Marginals::EnumeratePairs)?.0) } else { None };
        println!(
            "{patents} patents: aggregates {fast:.1} s ({pair_rows} pair rows){}",
            naive.map(|n| format!(", enumerate-pairs {n:.1} s")).unwrap_or_default()
        );
        rows.push((patents, fast, pair_rows, naive));
    }

    println!(
        "\n| patents | aggregates (s) | pair rows | growth vs previous size (time / size ratio) | enumerate-pairs (s) | naive / aggregates |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for (i, (patents, fast, pair_rows, naive)) in rows.iter().enumerate() {
        let growth = i
            .checked_sub(1)
            .map(|j| {
                let (p0, t0, ..) = rows[j];
                format!("{:.2}x time for {:.1}x patents", fast / t0, *patents as f64 / p0 as f64)
            })
            .unwrap_or_else(|| "-".into());
        let (naive_s, ratio) = match naive {
            Some(n) => (format!("{n:.1}"), format!("{:.2}", n / fast)),
            None => ("not run".into(), "-".into()),
        };
        println!("| {patents} | {fast:.1} | {pair_rows} | {growth} | {naive_s} | {ratio} |");
    }
    Ok(())
}
