//! Running a pipeline: stages as child processes in dependency order, independent ones in parallel up
//! to a limit, each skipped when its fingerprint matches its published output.
//!
//! A stage runs as `<binary> --input URL... --output URL <args...>` with `PIPELINE_FINGERPRINT` set. Its
//! stdout and stderr go to the terminal line by line, prefixed `[stage] `, and into its log; they are
//! copied as they are, not re-logged, so a stage's JSON log lines (`PIPELINE_LOG_FORMAT=json`) stay
//! JSON. The runner's own events go through `tracing` (fields `stage`, `secs`, `done`, `total`, ...). A failed stage
//! stops the stages downstream of it while the others go on; SIGINT/SIGTERM kill the running children and
//! record them as failed. The runner holds a lease on `<root>/_pipeline/` for its whole run
//! ([`stage_runtime::lease`]), so a second runner on the same root is refused (or waits) at once. Records and logs are written through [`crate::record`], so a later run resumes:
//! finished stages are up to date and skip, failed ones run again.

use std::collections::HashMap;
use std::io::Write;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::Utc;
use stage_runtime::StoreLocation;
use stage_runtime::lease::{Lease, LeaseOptions};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::fingerprint::{self, BinaryHashes, Fingerprint};
use crate::manifest::{Pipeline, Stage};
use crate::plan::{self, Decision};
use crate::record::{self, RunRecord, RunStatus};

/// How long to keep reading a finished stage's output pipes, which a leftover grandchild may hold open.
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stages running at once, at least 1.
    pub jobs: usize,
    /// Stages to run even when up to date.
    pub force: Vec<String>,
    /// How often to print what is running.
    pub progress_every: Duration,
    /// Waiting for, or taking over, the root's lease when another runner holds it.
    pub lease: LeaseOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            force: vec![],
            progress_every: Duration::from_secs(10),
            lease: LeaseOptions::default(),
        }
    }
}

/// How a stage ended up in a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded { seconds: f64 },
    Skipped { fingerprint: String },
    Failed { error: String, seconds: f64, log: String },
    NotRun { reason: String },
}

/// Every stage's outcome, in pipeline order.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub outcomes: Vec<(String, Outcome)>,
    pub interrupted: bool,
    pub seconds: f64,
}

impl RunSummary {
    /// Whether every stage succeeded or was up to date.
    pub fn success(&self) -> bool {
        !self.interrupted
            && self.outcomes.iter().all(|(_, o)| matches!(o, Outcome::Succeeded { .. } | Outcome::Skipped { .. }))
    }

    pub fn outcome(&self, stage: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|(name, _)| name == stage).map(|(_, o)| o)
    }

    /// The closing summary: counts, then each stage that failed or did not run.
    pub fn render(&self) -> String {
        let count = |f: fn(&Outcome) -> bool| self.outcomes.iter().filter(|(_, o)| f(o)).count();
        let succeeded = count(|o| matches!(o, Outcome::Succeeded { .. }));
        let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
        let failed = count(|o| matches!(o, Outcome::Failed { .. }));
        let not_run = count(|o| matches!(o, Outcome::NotRun { .. }));
        let verdict = if self.interrupted {
            "INTERRUPTED"
        } else if self.success() {
            "ok"
        } else {
            "FAILED"
        };
        let mut out = format!(
            "pipeline {verdict} after {:.1}s: {succeeded} ran, {skipped} up to date, {failed} failed, {not_run} not run\n",
            self.seconds
        );
        for (name, outcome) in &self.outcomes {
            match outcome {
                Outcome::Failed { error, log, .. } => {
                    out.push_str(&format!("  {name}: failed: {error} (log: {log})\n"))
                }
                Outcome::NotRun { reason } => out.push_str(&format!("  {name}: not run: {reason}\n")),
                Outcome::Succeeded { .. } | Outcome::Skipped { .. } => {}
            }
        }
        out
    }
}

enum State {
    Pending,
    Running(Instant),
    Done(Outcome),
}

/// Runs the pipeline's stages; the summary says how each ended. Errors only when it cannot start
/// (an unknown stage in `force`, no signal handler).
pub async fn run(pipeline: &Pipeline, options: &RunOptions) -> Result<RunSummary> {
    for name in &options.force {
        if pipeline.stage(name).is_none() {
            let names: Vec<&str> = pipeline.stages.iter().map(|s| s.name.as_str()).collect();
            bail!("--force names unknown stage `{name}` (stages: {})", names.join(", "));
        }
    }
    // One runner per root: a second is refused (or waits) before it touches anything.
    let runner_id = format!("pipeline-{}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let lease = Lease::acquire(&pipeline.root.child(record::PIPELINE_DIR), &runner_id, &options.lease).await?;
    let began = Instant::now();
    let jobs = options.jobs.max(1);
    let total = pipeline.stages.len();
    let binaries = Arc::new(BinaryHashes::default());
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + options.progress_every, options.progress_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    let mut states: Vec<State> = pipeline.stages.iter().map(|_| State::Pending).collect();
    let mut tasks = JoinSet::new();
    let mut task_stage = HashMap::new();
    let mut interrupted = false;
    tracing::info!(stages = total, jobs, root = %pipeline.root.url(), "pipeline run");

    loop {
        // One pass in dependency order settles stages whose upstream failed and starts those now ready.
        for i in 0..total {
            if !matches!(states[i], State::Pending) {
                continue;
            }
            let stage = &pipeline.stages[i];
            let blocked = stage.upstream.iter().find_map(|&u| match &states[u] {
                State::Done(Outcome::Failed { .. }) => Some(format!("upstream {} failed", pipeline.stages[u].name)),
                State::Done(Outcome::NotRun { .. }) => {
                    Some(format!("upstream {} did not run", pipeline.stages[u].name))
                }
                _ => None,
            });
            if let Some(reason) = blocked.or_else(|| interrupted.then(|| "interrupted".to_string())) {
                tracing::warn!(stage = %stage.name, %reason, "not run");
                states[i] = State::Done(Outcome::NotRun { reason });
                continue;
            }
            let ready = stage.upstream.iter().all(|&u| matches!(states[u], State::Done(_)));
            if ready && tasks.len() < jobs {
                let job = Job {
                    stage: stage.clone(),
                    root: pipeline.root.clone(),
                    force: options.force.contains(&stage.name),
                    binaries: binaries.clone(),
                    cancel: cancel_rx.clone(),
                };
                let handle = tasks.spawn(execute(job));
                task_stage.insert(handle.id(), i);
                states[i] = State::Running(Instant::now());
            }
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next_with_id() => {
                let (i, outcome) = match joined {
                    Ok((id, outcome)) => (task_stage[&id], outcome),
                    Err(e) => {
                        let i = task_stage[&e.id()];
                        let log = record::log_url(&pipeline.root, &pipeline.stages[i].name);
                        (i, Outcome::Failed { error: format!("runner task failed: {e}"), seconds: 0.0, log })
                    }
                };
                states[i] = State::Done(outcome);
                let done = states.iter().filter(|s| matches!(s, State::Done(Outcome::Succeeded { .. } | Outcome::Skipped { .. }))).count();
                let name = &pipeline.stages[i].name;
                let State::Done(outcome) = &states[i] else { unreachable!("just set") };
                match outcome {
                    Outcome::Succeeded { seconds } => tracing::info!(stage = %name, secs = seconds, done, total, "stage done"),
                    Outcome::Skipped { fingerprint } => tracing::info!(stage = %name, %fingerprint, done, total, "up to date, skipped"),
                    Outcome::Failed { error, seconds, log } => tracing::error!(stage = %name, secs = seconds, %error, %log, done, total, "stage failed"),
                    Outcome::NotRun { reason } => tracing::warn!(stage = %name, %reason, done, total, "not run"),
                }
            }
            _ = ticker.tick() => {
                let running: Vec<String> = states
                    .iter()
                    .zip(&pipeline.stages)
                    .filter_map(|(s, stage)| match s {
                        State::Running(since) => Some(format!("{} ({:.0}s)", stage.name, since.elapsed().as_secs_f64())),
                        _ => None,
                    })
                    .collect();
                let done = states.iter().filter(|s| matches!(s, State::Done(Outcome::Succeeded { .. } | Outcome::Skipped { .. }))).count();
                tracing::info!(running = %running.join(", "), done, total, secs = began.elapsed().as_secs_f64().round(), "progress");
            }
            Some(()) = interrupt.recv(), if !interrupted => {
                interrupted = true;
                tracing::warn!(running = tasks.len(), "interrupted: killing the running stages");
                cancel_tx.send_replace(true);
            }
            Some(()) = terminate.recv(), if !interrupted => {
                interrupted = true;
                tracing::warn!(running = tasks.len(), "terminated: killing the running stages");
                cancel_tx.send_replace(true);
            }
        }
    }

    let outcomes = pipeline
        .stages
        .iter()
        .zip(states)
        .map(|(stage, state)| {
            let outcome = match state {
                State::Done(outcome) => outcome,
                State::Pending | State::Running(_) => Outcome::NotRun { reason: "never started".into() },
            };
            (stage.name.clone(), outcome)
        })
        .collect();
    lease.release().await;
    Ok(RunSummary { outcomes, interrupted, seconds: began.elapsed().as_secs_f64() })
}

/// Everything a stage's task needs.
struct Job {
    stage: Stage,
    root: StoreLocation,
    force: bool,
    binaries: Arc<BinaryHashes>,
    cancel: watch::Receiver<bool>,
}

/// Fingerprints a stage, skips it when up to date, else runs it and records the run.
async fn execute(job: Job) -> Outcome {
    let name = &job.stage.name;
    let fingerprint = match fingerprint::compute(&job.stage, &job.binaries).await {
        Ok(fp) => fp,
        Err(e) => return job.fail_before_start(format!("cannot compute its fingerprint: {e:#}"), None).await,
    };
    let reason = match plan::decide(&job.root, &job.stage, &fingerprint).await {
        Ok(Decision::Skip { fingerprint }) if !job.force => return Outcome::Skipped { fingerprint },
        Ok(Decision::Skip { .. }) => "forced".to_string(),
        Ok(Decision::Run { reason }) if job.force => format!("forced; {reason}"),
        Ok(Decision::Run { reason }) => reason,
        Err(e) => {
            return job.fail_before_start(format!("cannot read its published output: {e:#}"), Some(fingerprint)).await;
        }
    };
    if *job.cancel.borrow() {
        return Outcome::NotRun { reason: "interrupted".into() };
    }
    tracing::info!(stage = %name, %reason, "stage start");
    job.launch(fingerprint).await
}

impl Job {
    fn command(&self) -> Vec<String> {
        let mut command = vec![self.stage.binary.display().to_string()];
        for input in &self.stage.inputs {
            command.push("--input".into());
            command.push(input.dataset.url.clone());
        }
        command.push("--output".into());
        command.push(self.stage.output.url.clone());
        command.extend(self.stage.args.iter().cloned());
        command
    }

    fn record(&self, fingerprint: Option<Fingerprint>) -> RunRecord {
        RunRecord {
            stage: self.stage.name.clone(),
            status: RunStatus::Running,
            started_at: Utc::now(),
            finished_at: None,
            duration_s: None,
            exit_code: None,
            error: None,
            command: self.command(),
            fingerprint,
            log: record::log_url(&self.root, &self.stage.name),
            runner_pid: std::process::id(),
        }
    }

    /// Records a stage that failed before its process could start.
    async fn fail_before_start(&self, error: String, fingerprint: Option<Fingerprint>) -> Outcome {
        let mut record = self.record(fingerprint);
        record.status = RunStatus::Failed;
        record.finished_at = Some(record.started_at);
        record.duration_s = Some(0.0);
        record.error = Some(error.clone());
        let log =
            format!("# stage {} could not start at {}: {error}\n", self.stage.name, record.started_at.to_rfc3339());
        self.save(&record, log.into_bytes()).await;
        Outcome::Failed { error, seconds: 0.0, log: record.log }
    }

    /// Writes the record and, when given, the log; a store error is reported but does not fail the stage.
    async fn save(&self, record: &RunRecord, log: Vec<u8>) {
        if let Err(e) = record::write(&self.root, record).await {
            tracing::warn!(stage = %self.stage.name, error = %format!("{e:#}"), "cannot write the run record");
        }
        if !log.is_empty()
            && let Err(e) = record::write_log(&self.root, &self.stage.name, log).await
        {
            tracing::warn!(stage = %self.stage.name, error = %format!("{e:#}"), "cannot write the stage log");
        }
    }

    /// Runs the stage's process to the end (or until cancelled), streaming and keeping its output.
    async fn launch(mut self, fingerprint: Fingerprint) -> Outcome {
        let mut record = self.record(Some(fingerprint.clone()));
        self.save(&record, vec![]).await;
        let header = format!(
            "# stage {}\n# started {}\n# command: {}\n# fingerprint: {}\n",
            self.stage.name,
            record.started_at.to_rfc3339(),
            record.command.join(" "),
            fingerprint.value
        );
        let log = Arc::new(Mutex::new(header.into_bytes()));
        let started = Instant::now();
        let mut child = match Command::new(&record.command[0])
            .args(&record.command[1..])
            .envs(&self.stage.env)
            .env("PIPELINE_FINGERPRINT", &fingerprint.value)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                return self
                    .fail_before_start(format!("cannot start {}: {e}", record.command[0]), Some(fingerprint))
                    .await;
            }
        };
        let mut pumps: Vec<JoinHandle<()>> = vec![];
        if let Some(out) = child.stdout.take() {
            pumps.push(tokio::spawn(pump(out, self.stage.name.clone(), false, log.clone())));
        }
        if let Some(err) = child.stderr.take() {
            pumps.push(tokio::spawn(pump(err, self.stage.name.clone(), true, log.clone())));
        }

        let deadline = async {
            match self.stage.timeout {
                Some(limit) => {
                    tokio::time::sleep(limit).await;
                    limit
                }
                None => std::future::pending().await,
            }
        };
        let ended = tokio::select! {
            status = child.wait() => Ok(status),
            Ok(_) = self.cancel.wait_for(|cancelled| *cancelled) => Err("interrupted".to_string()),
            limit = deadline => {
                let why = format!("timed out after {}", humantime::format_duration(limit));
                tracing::error!(stage = %self.stage.name, reason = %why, "killing the stage");
                Err(why)
            }
        };
        let (status, killed_for) = match ended {
            Ok(status) => (status, None),
            Err(why) => {
                let _ = child.start_kill();
                (child.wait().await, Some(why))
            }
        };
        let drain = async {
            for pump in pumps.iter_mut() {
                let _ = pump.await;
            }
        };
        if tokio::time::timeout(PIPE_GRACE, drain).await.is_err() {
            pumps.iter().for_each(JoinHandle::abort);
        }
        let seconds = started.elapsed().as_secs_f64();

        record.exit_code = status.as_ref().ok().and_then(ExitStatus::code);
        record.error = match (&status, killed_for) {
            (Ok(_), Some(why)) => Some(format!("{why}: killed by the pipeline")),
            (Ok(s), None) if s.success() => None,
            (Ok(s), None) => Some(describe(s)),
            (Err(e), _) => Some(format!("waiting for the process: {e}")),
        };
        record.status = if record.error.is_none() { RunStatus::Succeeded } else { RunStatus::Failed };
        record.finished_at = Some(Utc::now());
        record.duration_s = Some(seconds);

        if record.status == RunStatus::Succeeded {
            let published = plan::published(&self.stage).await.ok().flatten();
            if published.and_then(|p| p.fingerprint).as_deref() != Some(fingerprint.value.as_str()) {
                tracing::warn!(
                    stage = %self.stage.name,
                    output = %self.stage.output.url,
                    "the stage exited successfully but its output is not published with this run's fingerprint; it will run again next time"
                );
            }
        }
        let mut log = std::mem::take(&mut *log.lock().expect("log buffer"));
        let ending = record.error.clone().unwrap_or_else(|| "succeeded".into());
        log.extend(format!("# finished {} after {seconds:.1}s: {ending}\n", Utc::now().to_rfc3339()).into_bytes());
        self.save(&record, log).await;
        match record.error {
            None => Outcome::Succeeded { seconds },
            Some(error) => Outcome::Failed { error, seconds, log: record.log },
        }
    }
}

fn describe(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => format!("ended with {status}"),
    }
}

/// Copies a child's output line by line to the terminal, prefixed `[stage] ` (unless the log format
/// is JSON), and into its log (without terminal colour codes).
async fn pump(stream: impl AsyncRead + Unpin, stage: String, to_stderr: bool, log: Arc<Mutex<Vec<u8>>>) {
    // JSON lines stay JSON for the log collector (a stage's events carry their own target).
    let json = std::env::var(stage_runtime::telemetry::LOG_FORMAT_VAR).is_ok_and(|f| f == "json");
    let prefix = if json { String::new() } else { format!("[{stage}] ") };
    let mut reader = BufReader::new(stream);
    let mut buf = vec![];
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim_end_matches(['\n', '\r']);
        let _ = if to_stderr {
            writeln!(std::io::stderr().lock(), "{prefix}{line}")
        } else {
            writeln!(std::io::stdout().lock(), "{prefix}{line}")
        };
        let mut log = log.lock().expect("log buffer");
        log.extend(strip_ansi(line.as_bytes()));
        log.push(b'\n');
    }
}

/// Removes ANSI escape sequences (`ESC [ ... final-byte`).
fn strip_ansi(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] == 0x1b && line.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < line.len() && !(0x40..=0x7e).contains(&line[i]) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(line[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi(b"\x1b[2m2025\x1b[0m \x1b[32m INFO\x1b[0m ingest"), b"2025  INFO ingest");
        assert_eq!(strip_ansi(b"plain"), b"plain");
    }
}
