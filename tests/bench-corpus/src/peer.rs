//! Side-by-side runs against a peer engine: the stage binary and the peer (DuckDB, from the
//! project's `.venv`) as child processes, alternated, each timed by wall clock and by its own peak
//! resident memory (`wait4`'s `ru_maxrss`, so one child's peak is never mixed with another's).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// One finished child: wall time, peak resident memory and what it printed.
#[derive(Debug, Clone)]
pub struct Measured {
    pub secs: f64,
    pub peak_rss_bytes: u64,
    pub stdout: String,
}

/// Runs `cmd` to completion, failing with its stderr when it fails.
pub fn measure(cmd: &mut Command) -> Result<Measured> {
    let started = Instant::now();
    let child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().with_context(|| format!("starting {cmd:?}"))?;
    let pid = i32::try_from(child.id())?;
    // Drain the pipes on threads so a chatty child never blocks on a full pipe before it exits.
    let (mut out, mut err) = (child.stdout.expect("piped"), child.stderr.expect("piped"));
    let out_reader = std::thread::spawn(move || read_all(&mut out));
    let err_reader = std::thread::spawn(move || read_all(&mut err));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for (Child::wait was never called); the pointers are
    // to live locals.
    if unsafe { libc::wait4(pid, &mut status, 0, &mut usage) } != pid {
        bail!("wait4 on {cmd:?}: {}", std::io::Error::last_os_error());
    }
    let secs = started.elapsed().as_secs_f64();
    let stdout = out_reader.join().expect("reader thread")?;
    let stderr = err_reader.join().expect("reader thread")?;
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!("{cmd:?} failed (wait status {status}):\n{}", tail(&stderr, 4000));
    }
    // Linux reports ru_maxrss in KiB.
    Ok(Measured { secs, peak_rss_bytes: u64::try_from(usage.ru_maxrss)? * 1024, stdout })
}

fn read_all(reader: &mut impl std::io::Read) -> Result<String> {
    let mut text = String::new();
    reader.read_to_string(&mut text)?;
    Ok(text)
}

fn tail(text: &str, bytes: usize) -> &str {
    let start = text.len().saturating_sub(bytes);
    let start = (start..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
    &text[start..]
}

/// The project's root (two folders above this crate).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `.venv` Python with DuckDB, installing DuckDB (the version range tests/run.sh installs) on
/// first use.
pub fn duckdb_python() -> Result<PathBuf> {
    let root = project_root();
    let python = root.join(".venv/bin/python");
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(root.join(".venv")))?;
    }
    if !Command::new(&python).args(["-c", "import duckdb"]).status()?.success() {
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "duckdb>=1.1,<3"]))?;
    }
    Ok(python)
}

/// DuckDB's version, for the report.
pub fn duckdb_version(python: &Path) -> Result<String> {
    let out = Command::new(python).args(["-c", "import duckdb; print(duckdb.__version__)"]).output()?;
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

fn run(cmd: &mut Command) -> Result<()> {
    if !cmd.status().with_context(|| format!("starting {cmd:?}"))?.success() {
        bail!("{cmd:?} failed");
    }
    Ok(())
}

/// A job of a side-by-side comparison: its name and how to run it once.
pub struct Job<'a> {
    pub name: &'static str,
    pub run: Box<dyn FnMut() -> Result<Measured> + 'a>,
}

/// The median run of each job over `rounds` rounds, the jobs alternating within each round (so a
/// slow spell of the machine hits every job alike). Prints every run as it ends.
pub fn alternate(rounds: usize, jobs: &mut [Job<'_>]) -> Result<Vec<Measured>> {
    let mut runs: Vec<Vec<Measured>> = jobs.iter().map(|_| vec![]).collect();
    for round in 1..=rounds {
        for (job, runs) in jobs.iter_mut().zip(&mut runs) {
            let m = (job.run)()?;
            eprintln!("round {round}/{rounds}: {} {:.2} s, peak {}", job.name, m.secs, gib(m.peak_rss_bytes));
            runs.push(m);
        }
    }
    Ok(runs
        .into_iter()
        .map(|mut r| {
            r.sort_by(|a, b| a.secs.total_cmp(&b.secs));
            r.swap_remove(r.len() / 2)
        })
        .collect())
}

/// Bytes as GiB (or MiB below one GiB), for reports.
pub fn gib(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

/// Prints a Markdown table of median runs: job, time, ratio to the last job (the peer), peak memory.
pub fn print_table(title: &str, jobs: &[Job<'_>], medians: &[Measured]) {
    let peer = medians.last().expect("at least one job");
    println!(
        "\n{title}\n\n| job | median time | ratio to {} | peak memory |\n|---|---:|---:|---:|",
        jobs.last().unwrap().name
    );
    for (job, m) in jobs.iter().zip(medians) {
        println!("| {} | {:.2} s | {:.2}x | {} |", job.name, m.secs, m.secs / peer.secs, gib(m.peak_rss_bytes));
    }
}
