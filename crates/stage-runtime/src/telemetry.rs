//! Tracing setup for stage binaries, and progress of long work: bars on a terminal, periodic lines
//! in logs ([`Progress`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
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
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| AboveBars).with_target(false);
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

/// Selects how [`Progress`] reports: `auto` (the default: bars when standard error is a terminal
/// and the log format is text, periodic lines otherwise) or `lines` (always lines).
pub const PROGRESS_VAR: &str = "PIPELINE_PROGRESS";

/// How often [`Progress`] logs a line when it draws no bar.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The bars of this process, drawn on standard error below the log lines (which the log writer
/// prints through [`MultiProgress::suspend`], so bars and lines do not overwrite each other).
static BARS: LazyLock<MultiProgress> = LazyLock::new(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));

/// Whether progress is drawn as bars: standard error is a terminal, logs are text, and
/// [`PROGRESS_VAR`] does not ask for lines.
fn draws_bars() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var(LOG_FORMAT_VAR).as_deref() != Ok("json")
        && std::env::var(PROGRESS_VAR).as_deref() != Ok("lines")
}

/// Standard error for the log writer, printing each line above the progress bars.
struct AboveBars;

impl std::io::Write for AboveBars {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BARS.suspend(|| std::io::stderr().write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        BARS.suspend(|| std::io::stderr().write_all(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// What a [`Progress`] counts toward its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Bytes read (rows are counted beside them).
    Bytes,
    /// Things of the named unit (`years`, `samples`, `patents`).
    Items(&'static str),
}

/// Where a [`Progress`] reports.
enum Output {
    Bar(ProgressBar),
    Lines { every: Duration, last: Mutex<Instant> },
}

/// Counts the progress of one long piece of work from any number of threads: a bar on a terminal
/// (done / total, rate, ETA, the current step), otherwise a `progress` log line at most every few
/// seconds with the same figures, and a `done` line at the end either way.
pub struct Progress {
    label: String,
    measure: Measure,
    total: Option<u64>,
    rows: AtomicU64,
    bytes: AtomicU64,
    step: Mutex<String>,
    started: Instant,
    output: Output,
}

impl Progress {
    /// Progress over bytes read, of `total_bytes` when known (rows are counted beside them).
    pub fn over_bytes(label: impl Into<String>, total_bytes: Option<u64>) -> Progress {
        Progress::reporting(label.into(), Measure::Bytes, total_bytes)
    }

    /// Progress over a count of `unit`, of `total` when known.
    pub fn over_items(label: impl Into<String>, unit: &'static str, total: Option<u64>) -> Progress {
        Progress::reporting(label.into(), Measure::Items(unit), total)
    }

    fn reporting(label: String, measure: Measure, total: Option<u64>) -> Progress {
        let output = if draws_bars() {
            Output::Bar(BARS.add(ProgressBar::no_length()))
        } else {
            Output::Lines { every: LINE_EVERY, last: Mutex::new(Instant::now()) }
        };
        Progress::with_output(label, measure, total, output)
    }

    fn with_output(label: String, measure: Measure, total: Option<u64>, output: Output) -> Progress {
        if let Output::Bar(bar) = &output {
            bar.set_style(bar_style(measure, total.is_some()));
            bar.set_prefix(label.clone());
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.enable_steady_tick(Duration::from_millis(500));
        }
        Progress {
            label,
            measure,
            total,
            rows: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            step: Mutex::new(String::new()),
            started: Instant::now(),
            output,
        }
    }

    /// Counts `rows` more rows and `bytes` more bytes (for [`Measure::Items`], rows are the items).
    pub fn add(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        match &self.output {
            Output::Bar(bar) => bar.set_position(self.done()),
            Output::Lines { every, last } => {
                let Ok(mut last) = last.try_lock() else { return };
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    drop(last);
                    self.log("progress");
                }
            }
        }
    }

    /// Counts `n` more items.
    pub fn inc(&self, n: u64) {
        self.add(n, 0);
    }

    /// Names the step now running (a year's query, a file), shown beside the bar and in the lines.
    pub fn set_step(&self, step: impl Into<String>) {
        let step = step.into();
        if let Output::Bar(bar) = &self.output {
            bar.set_message(step.clone());
        }
        *self.step.lock().expect("progress step") = step;
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

    /// Ends the bar and logs the final totals.
    pub fn finish(&self) {
        if let Output::Bar(bar) = &self.output {
            bar.set_position(self.done());
            bar.finish_and_clear();
            BARS.remove(bar);
        }
        self.log("done");
    }

    /// What counts toward the total: bytes or items.
    fn done(&self) -> u64 {
        match self.measure {
            Measure::Bytes => self.bytes(),
            Measure::Items(_) => self.rows(),
        }
    }

    fn log(&self, what: &str) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let done = self.done();
        let pct = self.total.filter(|t| *t > 0).map(|t| 100.0 * done as f64 / t as f64);
        let rate = done as f64 / secs;
        let eta_secs = self.total.filter(|_| rate > 0.0).map(|t| (t.saturating_sub(done) as f64 / rate).round());
        let step = self.step.lock().map(|s| s.clone()).unwrap_or_default();
        let step = (!step.is_empty()).then_some(step);
        match self.measure {
            Measure::Items(unit) => tracing::info!(
                work = %self.label,
                done,
                total = self.total,
                unit,
                pct,
                per_sec = rate,
                secs,
                eta_secs,
                step,
                "{what}"
            ),
            Measure::Bytes => tracing::info!(
                work = %self.label,
                rows = self.rows(),
                mb = done as f64 / 1e6,
                total_mb = self.total.map(|t| t as f64 / 1e6),
                pct,
                mb_per_sec = rate / 1e6,
                secs,
                eta_secs,
                step,
                "{what}"
            ),
        }
    }
}

/// The bar's layout: label, bar, done / total with the unit, rate, ETA and the current step; a
/// spinner with the count when the total is unknown.
fn bar_style(measure: Measure, has_total: bool) -> ProgressStyle {
    let counts = match (measure, has_total) {
        (Measure::Bytes, true) => "{binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}".to_string(),
        (Measure::Bytes, false) => "{binary_bytes} {binary_bytes_per_sec}".to_string(),
        (Measure::Items(unit), true) => format!("{{human_pos}}/{{human_len}} {unit} {{per_sec}}"),
        (Measure::Items(unit), false) => format!("{{human_pos}} {unit} {{per_sec}}"),
    };
    let template = if has_total {
        format!("{{prefix}} [{{bar:30}}] {counts} ETA {{eta}} {{msg}}")
    } else {
        format!("{{prefix}} {{spinner}} {counts} {{elapsed}} {{msg}}")
    };
    ProgressStyle::with_template(&template).expect("valid progress template").progress_chars("=> ")
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
    use std::sync::Arc;

    use indicatif::InMemoryTerm;

    use super::*;

    /// Log lines written while `f` runs, as text.
    fn logged(f: impl FnOnce()) -> String {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || SharedBuffer(sink.clone()))
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(buffer.lock().unwrap().clone()).unwrap()
    }

    struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SharedBuffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(every: Duration) -> Output {
        Output::Lines { every, last: Mutex::new(Instant::now()) }
    }

    #[test]
    fn without_a_terminal_progress_is_logged_as_lines_with_done_total_and_step() {
        let text = logged(|| {
            let p =
                Progress::with_output("epoch 1/3".into(), Measure::Items("samples"), Some(40), lines(Duration::ZERO));
            p.set_step("batch 1");
            p.inc(10);
            p.inc(30);
            p.finish();
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].contains("progress") && lines[0].contains("done=10") && lines[0].contains("pct=25.0"),
            "{text}"
        );
        assert!(lines[0].contains("total=40") && lines[0].contains("step=\"batch 1\""), "{text}");
        assert!(
            lines[2].contains("done") && lines[2].contains("done=40") && lines[2].contains("eta_secs=0.0"),
            "{text}"
        );
    }

    #[test]
    fn lines_are_rate_limited_to_one_per_interval() {
        let text = logged(|| {
            let p = Progress::with_output("parse".into(), Measure::Bytes, Some(4096), lines(Duration::from_secs(3600)));
            for _ in 0..100 {
                p.add(1, 40);
            }
            p.finish();
        });
        // No progress line within the hour; the final line has the totals.
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("rows=100") && text.contains("mb=0.004") && text.contains("pct=97.65625"), "{text}");
    }

    #[test]
    fn on_a_terminal_the_bar_shows_done_of_total_with_the_unit_and_step() {
        let term = InMemoryTerm::new(4, 120);
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::term_like(Box::new(term.clone())));
        let p = Progress::with_output("explore".into(), Measure::Items("patents"), Some(200), Output::Bar(bar.clone()));
        p.set_step("step 3");
        p.inc(50);
        // Draws are rate-limited (20 a second): past the interval, a tick draws the latest state.
        std::thread::sleep(Duration::from_millis(120));
        bar.tick();
        let shown = term.contents();
        assert!(shown.contains("explore") && shown.contains("50/200 patents") && shown.contains("step 3"), "{shown}");
        let text = logged(|| p.finish());
        assert!(text.contains("done=50"), "{text}");
    }

    #[test]
    fn bytes_take_the_largest_unit_below_1024() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
        assert_eq!(human_bytes(5_690_000_000), "5.3 GiB");
    }
}
