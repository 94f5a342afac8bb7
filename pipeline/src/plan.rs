//! Deciding whether a stage is up to date — its fingerprint equals the one in its output's
//! `_published.json` — and the `plan` listing of what a run would do and why.

use std::fmt;

use anyhow::Result;
use stage_runtime::{PublishedManifest, read_published};

use crate::fingerprint::{self, BinaryHashes, Fingerprint};
use crate::manifest::{Pipeline, Stage};
use crate::record;

/// What to do with a stage.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Skip { fingerprint: String },
    Run { reason: String },
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Skip { fingerprint } => {
                write!(f, "skip (up to date: fingerprint {})", Fingerprint::short(fingerprint))
            }
            Decision::Run { reason } => write!(f, "run ({reason})"),
        }
    }
}

/// The stage's published output, if any.
pub async fn published(stage: &Stage) -> Result<Option<PublishedManifest>> {
    read_published(&stage.output.location()?).await
}

/// Compares `fingerprint` with the one the stage's output was published with.
pub async fn decide(
    pipeline_root: &stage_runtime::StoreLocation,
    stage: &Stage,
    fingerprint: &Fingerprint,
) -> Result<Decision> {
    let Some(published) = published(stage).await? else {
        return Ok(Decision::Run { reason: "no published output".into() });
    };
    let reason = match published.fingerprint {
        Some(value) if value == fingerprint.value => return Ok(Decision::Skip { fingerprint: value }),
        None => "published output has no fingerprint: it was not made by `pipeline run`".to_string(),
        Some(value) => {
            // The last run record keeps the parts of the fingerprint it ran with; name what changed.
            let last = record::read(pipeline_root, &stage.name).await.ok().flatten().and_then(|r| r.fingerprint);
            match last.filter(|f| f.value == value).map(|old| fingerprint.changes_since(&old)) {
                Some(changes) if !changes.is_empty() => changes.join(", "),
                _ => "inputs/config/binary changed".to_string(),
            }
        }
    };
    Ok(Decision::Run { reason })
}

/// One line of a plan: a stage and what would happen to it, or why it could not be decided.
#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub stage: String,
    pub decision: Result<Decision, String>,
}

impl fmt::Display for PlanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.decision {
            Ok(d) => write!(f, "{d}"),
            Err(e) => write!(f, "cannot run ({e})"),
        }
    }
}

/// What `pipeline run` would do with each stage, in order. A stage downstream of one that will run
/// will run too (its input gets a new version), so its fingerprint is not computed.
pub async fn plan(pipeline: &Pipeline) -> Vec<PlanEntry> {
    let binaries = BinaryHashes::default();
    let mut entries: Vec<PlanEntry> = Vec::with_capacity(pipeline.stages.len());
    for stage in &pipeline.stages {
        let upstream = stage.inputs.iter().filter_map(|i| i.producer).find_map(|p| match &entries[p].decision {
            Ok(Decision::Skip { .. }) => None,
            Ok(Decision::Run { .. }) => Some(Ok(&entries[p].stage)),
            Err(_) => Some(Err(&entries[p].stage)),
        });
        let decision = match upstream {
            Some(Err(up)) => Err(format!("upstream {up} cannot run")),
            Some(Ok(up)) => match published(stage).await {
                Ok(None) => Ok(Decision::Run { reason: "no published output".into() }),
                Ok(Some(_)) => Ok(Decision::Run { reason: format!("upstream {up} will run") }),
                Err(e) => Err(format!("{e:#}")),
            },
            None => match fingerprint::compute(stage, &binaries).await {
                Ok(fp) => decide(&pipeline.root, stage, &fp).await.map_err(|e| format!("{e:#}")),
                Err(e) => Err(format!("{e:#}")),
            },
        };
        entries.push(PlanEntry { stage: stage.name.clone(), decision });
    }
    entries
}

/// The plan as printed by `pipeline plan`.
pub fn render(pipeline: &Pipeline, entries: &[PlanEntry]) -> String {
    let width = entries.iter().map(|e| e.stage.len()).max().unwrap_or(0);
    let mut out = format!("plan for {} (root {}):\n", pipeline.manifest_path.display(), pipeline.root.url());
    for (i, entry) in entries.iter().enumerate() {
        out.push_str(&format!("  {:>2}. {:width$}  {entry}\n", i + 1, entry.stage));
    }
    let count = |f: fn(&PlanEntry) -> bool| entries.iter().filter(|e| f(e)).count();
    let run = count(|e| matches!(e.decision, Ok(Decision::Run { .. })));
    let skip = count(|e| matches!(e.decision, Ok(Decision::Skip { .. })));
    let fail = count(|e| e.decision.is_err());
    out.push_str(&format!("{} stages: {run} to run, {skip} up to date", entries.len()));
    if fail > 0 {
        out.push_str(&format!(", {fail} cannot run"));
    }
    out.push('\n');
    out
}
