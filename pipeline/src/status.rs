//! `pipeline status`: each stage's last run record and its published output, read from the store.

use anyhow::Result;
use schemas::metrics::RunMetrics;
use stage_runtime::PublishedManifest;
use stage_runtime::telemetry::human_bytes;

use crate::fingerprint::Fingerprint;
use crate::manifest::Pipeline;
use crate::plan;
use crate::record::{self, RunRecord, RunStatus};

/// What the store says about one stage.
#[derive(Debug, Clone)]
pub struct StageStatus {
    pub stage: String,
    pub output_url: String,
    pub last_run: Option<RunRecord>,
    pub published: Option<PublishedManifest>,
}

/// Reads every stage's record and published manifest.
pub async fn collect(pipeline: &Pipeline) -> Result<Vec<StageStatus>> {
    let mut statuses = vec![];
    for stage in &pipeline.stages {
        statuses.push(StageStatus {
            stage: stage.name.clone(),
            output_url: stage.output.url.clone(),
            last_run: record::read(&pipeline.root, &stage.name).await?,
            published: plan::published(stage).await?,
        });
    }
    Ok(statuses)
}

/// The status as printed by `pipeline status`.
pub fn render(pipeline: &Pipeline, statuses: &[StageStatus]) -> String {
    let mut out = format!("status of {} (root {}):\n", pipeline.manifest_path.display(), pipeline.root.url());
    for s in statuses {
        out.push_str(&format!("\n{}  -> {}\n", s.stage, s.output_url));
        match &s.last_run {
            None => out.push_str("  last run   none recorded\n"),
            Some(r) => {
                let started = r.started_at.format("%Y-%m-%d %H:%M:%S UTC");
                let line = match r.status {
                    RunStatus::Running => format!(
                        "running since {started} (pipeline pid {}; if that pipeline is gone, it was killed)",
                        r.runner_pid
                    ),
                    RunStatus::Succeeded | RunStatus::Failed => {
                        let status = if r.status == RunStatus::Succeeded { "succeeded" } else { "failed" };
                        let mut line =
                            format!("{status}, started {started}, took {:.1}s", r.duration_s.unwrap_or_default());
                        if let Some(code) = r.exit_code {
                            line.push_str(&format!(", exit code {code}"));
                        }
                        if let Some(error) = &r.error {
                            line.push_str(&format!(": {error}"));
                        }
                        line
                    }
                };
                out.push_str(&format!("  last run   {line}\n  log        {}\n", r.log));
            }
        }
        match &s.published {
            None => out.push_str("  published  nothing yet\n"),
            Some(p) => {
                let fingerprint = p.fingerprint.as_deref().map(Fingerprint::short).unwrap_or("none");
                out.push_str(&format!(
                    "  published  run {}, at {}, fingerprint {fingerprint}{}\n",
                    p.run_id,
                    p.published_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    peak_memory(p).map(|b| format!(", peak memory {}", human_bytes(b))).unwrap_or_default()
                ));
                for (name, table) in &p.tables {
                    out.push_str(&format!(
                        "    {name}: {} rows, {} files, {} bytes ({})\n",
                        table.rows,
                        table.files.len(),
                        table.bytes,
                        table.format
                    ));
                }
            }
        }
    }
    out
}

/// The stage's peak memory as its manifest records it.
fn peak_memory(published: &PublishedManifest) -> Option<u64> {
    published.metrics_as::<RunMetrics>().ok()?.peak_memory_bytes
}

/// The status as one Markdown table (`pipeline status --table`): per stage, its last run's wall
/// time, the peak memory its published manifest records, and its published tables' rows and bytes.
pub fn render_table(statuses: &[StageStatus]) -> String {
    let mut out =
        String::from("| stage | wall time | peak memory | rows out | bytes out |\n|---|---:|---:|---:|---:|\n");
    for s in statuses {
        let wall =
            s.last_run.as_ref().and_then(|r| r.duration_s).map(|d| format!("{d:.1} s")).unwrap_or_else(|| "–".into());
        let (memory, rows, bytes) = match &s.published {
            None => ("–".to_string(), "–".to_string(), "–".to_string()),
            Some(p) => (
                peak_memory(p).map(human_bytes).unwrap_or_else(|| "–".into()),
                p.tables.values().map(|t| t.rows).sum::<u64>().to_string(),
                human_bytes(p.tables.values().map(|t| t.bytes).sum()),
            ),
        };
        out.push_str(&format!("| {} | {wall} | {memory} | {rows} | {bytes} |\n", s.stage));
    }
    out
}
