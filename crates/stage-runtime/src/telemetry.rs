//! Tracing setup for stage binaries and periodic progress lines for long work.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

/// What is logged unless `RUST_LOG` says otherwise: `info`, but only warnings from Ballista's
/// crates, which log every task.
const DEFAULT_FILTER: &str = "info,ballista=warn,ballista_core=warn,ballista_scheduler=warn,ballista_executor=warn";

/// Selects the log format: `text` (the default, one compact line per event) or `json` (one JSON
/// object per line, fields flattened, for a cluster's log collector).
pub const LOG_FORMAT_VAR: &str = "PIPELINE_LOG_FORMAT";

/// Logs to stderr at [`DEFAULT_FILTER`] unless `RUST_LOG` says otherwise, as text or JSON
/// ([`LOG_FORMAT_VAR`]). Safe to call more than once.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = match std::env::var(LOG_FORMAT_VAR).as_deref() {
        Ok("json") => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        _ => builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).compact().try_init(),
    };
}

/// The process's peak resident memory so far (`VmHWM` of `/proc/self/status`); `None` where the
/// kernel does not report it (outside Linux).
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Bytes in B, KiB, MiB, GiB or TiB, whichever keeps the number below 1024 (one decimal above B).
pub fn human_bytes(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let power = (0..units.len()).rev().find(|&p| bytes >= 1u64 << (10 * p)).unwrap_or(0);
    match power {
        0 => format!("{bytes} B"),
        p => format!("{:.1} {}", bytes as f64 / (1u64 << (10 * p)) as f64, units[p]),
    }
}

/// Counts rows and bytes from any number of threads and logs a progress line at most every few seconds.
pub struct Progress {
    label: String,
    total_bytes: Option<u64>,
    rows: AtomicU64,
    bytes: AtomicU64,
    started: Instant,
    last: Mutex<Instant>,
    every: Duration,
}

impl Progress {
    pub fn new(label: impl Into<String>, total_bytes: Option<u64>) -> Progress {
        let now = Instant::now();
        Progress {
            label: label.into(),
            total_bytes,
            rows: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            started: now,
            last: Mutex::new(now),
            every: Duration::from_secs(3),
        }
    }

    pub fn add(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        let Ok(mut last) = self.last.try_lock() else { return };
        if last.elapsed() >= self.every {
            *last = Instant::now();
            drop(last);
            self.log("progress");
        }
    }

    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Logs the final totals.
    pub fn finish(&self) {
        self.log("done");
    }

    fn log(&self, what: &str) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        if self.bytes() == 0 && self.total_bytes.is_none() {
            // Counting rows only (patents, examples).
            tracing::info!(
                work = %self.label,
                rows = self.rows(),
                secs,
                rows_per_sec = self.rows() as f64 / secs,
                "{what}"
            );
            return;
        }
        let mb = self.bytes() as f64 / 1e6;
        let pct = self.total_bytes.filter(|t| *t > 0).map(|t| 100.0 * self.bytes() as f64 / t as f64);
        tracing::info!(
            work = %self.label,
            rows = self.rows(),
            mb,
            pct,
            secs,
            mb_per_sec = mb / secs,
            "{what}"
        );
    }
}

/// Awaits `work`, logging a line every ten seconds while it runs, for long steps that report no
/// progress of their own (a large SQL write).
pub async fn with_heartbeat<T>(label: &str, work: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => tracing::info!(work = label, secs = started.elapsed().as_secs_f64(), "still running"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_take_the_largest_unit_below_1024() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
        assert_eq!(human_bytes(5_690_000_000), "5.3 GiB");
    }
}
