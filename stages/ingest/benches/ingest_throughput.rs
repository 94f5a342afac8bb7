//! Ingest throughput in MB/s of TSV on a generated corpus, side by side with DuckDB's
//! `read_csv` -> `COPY TO parquet` on the same plain TSV files, as a ratio.
//!
//! `cargo bench -p ingest --bench ingest_throughput -- [PATENTS]` (default 1,000,000). The corpus is
//! generated once into `target/bench-data/`; DuckDB (PyPI) is installed into `.venv` on first use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use ingest::parse::ParseOptions;
use ingest::run::{IngestOptions, run};
use stage_runtime::{EngineOptions, StoreLocation};
use synth_patentsview::{SynthConfig, generate};

const DUCKDB_SCRIPT: &str = r#"
import duckdb, glob, os, sys, time
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
start = time.time()
for path in sorted(glob.glob(os.path.join(src, "*.tsv"))):
    out = os.path.join(dst, os.path.basename(path)[:-4] + ".parquet")
    con.execute(f"COPY (SELECT * FROM read_csv('{path}', delim='\t', quote='\"', escape='\"', header=true, all_varchar=true)) TO '{out}' (FORMAT parquet)")
print(time.time() - start)
"#;

fn main() -> Result<()> {
    stage_runtime::telemetry::init_tracing();
    let patents: u64 = std::env::args().skip(1).find(|a| !a.starts_with('-')).map_or(Ok(1_000_000), |a| a.parse())?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = root.join(format!("target/bench-data/synth-{patents}"));
    let zips = data.join("zips");
    let tsv = data.join("tsv");
    if !zips.join("g_patent.tsv.zip").exists() {
        eprintln!("generating {patents} patents into {}", zips.display());
        std::fs::create_dir_all(&zips)?;
        generate(&SynthConfig { patents, ..SynthConfig::default() }, &zips)?;
    }
    if !tsv.join("g_patent.tsv").exists() {
        unzip_all(&zips, &tsv)?;
    }
    let tsv_bytes: u64 = std::fs::read_dir(&tsv)?
        .map(|e| e.map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)))
        .sum::<std::io::Result<u64>>()?;
    let mb = tsv_bytes as f64 / 1e6;

    let runtime = tokio::runtime::Runtime::new()?;
    let ingest_secs = |input: &Path| -> Result<f64> {
        let out = data.join("out");
        let _ = std::fs::remove_dir_all(&out);
        let options = IngestOptions {
            max_reject_ratio: 0.0,
            allow_missing: vec![],
            parse: ParseOptions { max_record_bytes: 64 << 20, parallel_files: 2 },
            engine: EngineOptions { memory_limit: 4 << 30, ..EngineOptions::default() },
            fingerprint: None,
        };
        let started = Instant::now();
        runtime.block_on(run(
            &StoreLocation::parse(input.to_str().unwrap())?,
            &StoreLocation::parse(out.to_str().unwrap())?,
            &options,
        ))?;
        Ok(started.elapsed().as_secs_f64())
    };
    println!("corpus: {patents} patents, {mb:.0} MB of TSV in {} files", std::fs::read_dir(&tsv)?.count());
    let plain = ingest_secs(&tsv)?;
    println!("ingest (plain TSV -> typed, joined, sorted, partitioned Parquet): {plain:.1} s, {:.1} MB/s", mb / plain);
    let zipped = ingest_secs(&zips)?;
    println!("ingest (zipped TSV, the dump format):                        {zipped:.1} s, {:.1} MB/s", mb / zipped);
    let duck = duckdb_secs(&root, &tsv, &data.join("duckdb"))?;
    println!("duckdb read_csv(all_varchar) -> COPY TO parquet, 2 threads:   {duck:.1} s, {:.1} MB/s", mb / duck);
    println!("throughput ratio ingest/duckdb (plain TSV): {:.2}", duck / plain);
    Ok(())
}

fn unzip_all(zips: &Path, tsv: &Path) -> Result<()> {
    std::fs::create_dir_all(tsv)?;
    for entry in std::fs::read_dir(zips)? {
        let path = entry?.path();
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path)?)?;
        let mut member = archive.by_index(0)?;
        let name = member.name()?.to_string();
        std::io::copy(&mut member, &mut std::fs::File::create(tsv.join(name))?)?;
    }
    Ok(())
}

/// Seconds DuckDB takes, installing it into the project's `.venv` first if needed.
fn duckdb_secs(root: &Path, tsv: &Path, out: &Path) -> Result<f64> {
    let python = root.join(".venv/bin/python");
    if !python.exists() {
        run_command(Command::new("python3").args(["-m", "venv"]).arg(root.join(".venv")))?;
    }
    if !Command::new(&python).args(["-c", "import duckdb"]).status()?.success() {
        run_command(Command::new(root.join(".venv/bin/pip")).args(["install", "--quiet", "duckdb"]))?;
    }
    let output = Command::new(&python).args(["-c", DUCKDB_SCRIPT]).arg(tsv).arg(out).output()?;
    if !output.status.success() {
        bail!("duckdb failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8(output.stdout)?;
    stdout.lines().last().unwrap_or_default().trim().parse().with_context(|| format!("duckdb timing in {stdout:?}"))
}

fn run_command(cmd: &mut Command) -> Result<()> {
    if !cmd.status()?.success() {
        bail!("{cmd:?} failed");
    }
    Ok(())
}
