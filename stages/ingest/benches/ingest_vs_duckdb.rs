//! Ingest against a DuckDB job doing the same work, in one run: the `ingest` binary on the plain TSV
//! of a generated dump, and the DuckDB peer (`tests/bench-corpus/peers/ingest.py`: the tables read
//! with types, patents joined with applications, cpc / citations / claims joined to the grant year,
//! sorted and written partitioned by grant year), alternated three times; median wall time, the
//! ratio and each one's peak memory. Both must publish the same rows per table (checked).
//!
//!     cargo bench --workspace --bench ingest_vs_duckdb -- [PATENTS] [--rounds N] [--memory-limit SIZE]
//!
//! PATENTS defaults to 300,000. The corpus is generated once into `target/bench-data/` and unzipped
//! there; DuckDB comes from `.venv` (installed on first use).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use bench_corpus::peer::{Job, alternate, duckdb_python, duckdb_version, measure, print_table, project_root};
use schemas::metrics::IngestMetrics;
use stage_runtime::PublishedManifest;
use synth_patentsview::{SynthConfig, generate};

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
    let data = bench_corpus::bench_data().join(format!("synth-{patents}"));
    let (zips, tsv) = (data.join("zips"), data.join("tsv"));
    if !zips.join("g_patent.tsv.zip").exists() {
        eprintln!("generating {patents} patents into {}", zips.display());
        std::fs::create_dir_all(&zips)?;
        generate(&SynthConfig { patents, ..SynthConfig::default() }, &zips)?;
    }
    if !tsv.join("g_patent.tsv").exists() {
        unzip_all(&zips, &tsv)?;
    }
    let entries: Vec<_> = std::fs::read_dir(&tsv)?.collect::<std::io::Result<_>>()?;
    let tsv_mb = entries.iter().map(|e| e.metadata().map(|m| m.len())).sum::<std::io::Result<u64>>()? as f64 / 1e6;

    let python = duckdb_python()?;
    let peer_script = project_root().join("tests/bench-corpus/peers/ingest.py");
    let (stage_out, peer_out) = (data.join("ingest-out"), data.join("duckdb-out"));
    let mut jobs = [
        Job {
            name: "ingest",
            run: Box::new(|| {
                let _ = std::fs::remove_dir_all(&stage_out);
                measure(
                    Command::new(env!("CARGO_BIN_EXE_ingest"))
                        .arg("--input")
                        .arg(&tsv)
                        .arg("--output")
                        .arg(&stage_out)
                        .args(["--max-reject-ratio", "0", "--memory-limit", &memory_limit]),
                )
            }),
        },
        Job {
            name: "DuckDB",
            run: Box::new(|| {
                let _ = std::fs::remove_dir_all(&peer_out);
                std::fs::create_dir_all(&peer_out)?;
                measure(Command::new(&python).arg(&peer_script).arg(&tsv).arg(&peer_out))
            }),
        },
    ];
    let medians = alternate(rounds, &mut jobs)?;

    let published: PublishedManifest = serde_json::from_slice(&std::fs::read(stage_out.join("_published.json"))?)?;
    let peer_rows: BTreeMap<String, u64> =
        serde_json::from_str(medians[1].stdout.lines().next().context("the peer printed no row counts")?)?;
    for (table, rows) in &peer_rows {
        let ours = published.tables[table].rows;
        if ours != *rows {
            bail!("{table}: ingest published {ours} rows, DuckDB {rows}");
        }
    }
    let metrics: IngestMetrics = published.metrics_as()?;
    println!(
        "\n{patents} patents, {tsv_mb:.0} MB of TSV in {} files; same rows in both: {}",
        entries.len(),
        peer_rows.iter().map(|(t, r)| format!("{t} {r}")).collect::<Vec<_>>().join(", ")
    );
    print_table(
        &format!(
            "Ingest vs DuckDB {} (2 threads), plain TSV, median of {rounds}, ingest memory limit {memory_limit}",
            duckdb_version(&python)?
        ),
        &jobs,
        &medians,
    );
    println!(
        "\ningest phases (last run): staging {:.1} s, layout (child tables parsed, joins, checks, sort, partitioned write) {:.1} s",
        metrics.staging_seconds,
        metrics.seconds - metrics.staging_seconds
    );
    Ok(())
}

fn unzip_all(zips: &Path, tsv: &Path) -> Result<()> {
    std::fs::create_dir_all(tsv)?;
    for entry in std::fs::read_dir(zips)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "zip") {
            continue; // the generator's ground truth
        }
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path)?)?;
        let mut member = archive.by_index(0)?;
        let name = member.name()?.to_string();
        std::io::copy(&mut member, &mut std::fs::File::create(tsv.join(name))?)?;
    }
    Ok(())
}
