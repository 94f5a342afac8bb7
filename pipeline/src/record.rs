//! Run records and logs, kept on the object store beside the data: `<root>/_pipeline/stages/<stage>.json`
//! holds a stage's last run (written as it starts, rewritten as it ends), `<root>/_pipeline/logs/<stage>.log`
//! its output (written when it ends).

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stage_runtime::StoreLocation;

use crate::fingerprint::Fingerprint;

/// Folder below the root for the runner's own objects.
pub const PIPELINE_DIR: &str = "_pipeline";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

/// A stage's last run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub stage: String,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_s: Option<f64>,
    /// The process's exit code; `None` while running, when killed by a signal, or when it never started.
    pub exit_code: Option<i32>,
    /// Why the run failed, in words.
    pub error: Option<String>,
    /// Binary and arguments as run.
    pub command: Vec<String>,
    /// `None` when the fingerprint could not be computed.
    pub fingerprint: Option<Fingerprint>,
    /// URL of the log.
    pub log: String,
    /// Process id of the `pipeline` that ran it (for telling a live run from one that was killed).
    pub runner_pid: u32,
}

fn stages_dir(root: &StoreLocation) -> StoreLocation {
    root.child(PIPELINE_DIR).child("stages")
}

fn logs_dir(root: &StoreLocation) -> StoreLocation {
    root.child(PIPELINE_DIR).child("logs")
}

/// URL of a stage's log.
pub fn log_url(root: &StoreLocation, stage: &str) -> String {
    let url = logs_dir(root).child(&format!("{stage}.log")).url();
    url.strip_suffix('/').unwrap_or(&url).to_string()
}

/// A stage's last run record, if it ever ran.
pub async fn read(root: &StoreLocation, stage: &str) -> Result<Option<RunRecord>> {
    let dir = stages_dir(root);
    match dir.get_bytes(&format!("{stage}.json")).await? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{}{stage}.json is not a run record", dir.url()))
            .map(Some),
    }
}

pub async fn write(root: &StoreLocation, record: &RunRecord) -> Result<()> {
    let json = serde_json::to_vec_pretty(record)?;
    stages_dir(root).put_bytes(&format!("{}.json", record.stage), json).await
}

pub async fn write_log(root: &StoreLocation, stage: &str, log: Vec<u8>) -> Result<()> {
    logs_dir(root).put_bytes(&format!("{stage}.log"), log).await
}
