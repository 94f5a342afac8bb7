//! The co-occurrence stage against a DuckDB job doing the same work, in one run: the stage binary at
//! group level and at all three levels, and the DuckDB peer (`tests/bench-corpus/peers/
//! cooccurrence_group.py`: group-level yearly cumulative pair statistics for every year and each
//! patent's min / p10 / median z), alternated three times; median wall time, the ratios, and each
//! one's peak memory. The peer's rows are checked against the stage's before anything is printed
//! (`cooccurrence_check.py`: same pairs and counts, moments to 1e-9).
//!
//!     cargo bench --workspace --bench cooccurrence_vs_duckdb -- [PATENTS] [--rounds N] [--memory-limit SIZE]
//!
//! PATENTS defaults to 300,000; the corpus is generated and ingested once into
//! `target/bench-data/` (claims dropped); DuckDB comes from `.venv` (installed on first use).

use std::process::Command;

use anyhow::{Context, Result, bail};
use bench_corpus::peer::{Job, alternate, duckdb_python, duckdb_version, measure, print_table, project_root};
use stage_runtime::{EngineOptions, PublishedManifest};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut patents = 300_000u64;
    let mut rounds = 3usize;
    let mut memory_limit = "2GiB".to_string();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--rounds" => rounds = rest.next().context("--rounds N")?.parse()?,
            "--memory-limit" => memory_limit = rest.next().context("--memory-limit SIZE")?.clone(),
            size => patents = size.parse().with_context(|| format!("a patent count, not {size:?}"))?,
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let input_dir = bench_corpus::ingested_corpus_dir(patents, false, &EngineOptions::default(), &runtime)?;
    let cpc = bench_corpus::published_run(&input_dir)?.join("cpc/*/*.parquet");

    let data = bench_corpus::bench_data().join(format!("cooc-vs-duckdb-{patents}"));
    let python = duckdb_python()?;
    let peers = project_root().join("tests/bench-corpus/peers");
    let stage = |levels: &'static str| {
        let out = data.join(format!("stage-{}", levels.replace(',', "-")));
        let (input, memory_limit) = (input_dir.clone(), memory_limit.clone());
        move || {
            let _ = std::fs::remove_dir_all(&out);
            measure(
                Command::new(env!("CARGO_BIN_EXE_cooccurrence"))
                    .arg("--input")
                    .arg(&input)
                    .arg("--output")
                    .arg(&out)
                    .args(["--levels", levels, "--no-plots", "--memory-limit", &memory_limit]),
            )
        }
    };
    let peer_out = data.join("duckdb");
    let mut jobs = [
        Job { name: "cooccurrence --levels group", run: Box::new(stage("group")) },
        Job { name: "cooccurrence (all levels)", run: Box::new(stage("group,subclass,class")) },
        Job {
            name: "DuckDB, group level",
            run: Box::new(|| {
                let _ = std::fs::remove_dir_all(&peer_out);
                std::fs::create_dir_all(&peer_out)?;
                measure(Command::new(&python).arg(peers.join("cooccurrence_group.py")).arg(&cpc).arg(&peer_out))
            }),
        },
    ];
    let medians = alternate(rounds, &mut jobs)?;

    let stage_out = data.join("stage-group");
    let published: PublishedManifest = serde_json::from_slice(&std::fs::read(stage_out.join("_published.json"))?)?;
    let check = Command::new(&python)
        .arg(peers.join("cooccurrence_check.py"))
        .arg(bench_corpus::published_run(&stage_out)?)
        .arg(&peer_out)
        .output()?;
    let verdict = String::from_utf8_lossy(&check.stdout);
    if !check.status.success() {
        bail!("the stage and DuckDB disagree: {verdict}{}", String::from_utf8_lossy(&check.stderr));
    }
    let pair_rows = published.tables["cpc_pair_stats"].rows;
    println!("\n{patents} patents, {pair_rows} group pair rows in both outputs (checked: {})", verdict.trim());
    print_table(
        &format!(
            "Co-occurrence vs DuckDB {} (2 threads), median of {rounds}, stage memory limit {memory_limit}",
            duckdb_version(&python)?
        ),
        &jobs,
        &medians,
    );
    println!("\nall levels / group only: {:.2}x", medians[1].secs / medians[0].secs);
    Ok(())
}
