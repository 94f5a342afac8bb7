//! Stage fingerprints: one blake3 hash over everything that decides a stage's output — the binary's
//! content, its arguments, environment and dataset locations, and the version of each input
//! (`stage_runtime::fingerprint_input`: the published run id, or a listing hash for raw folders).
//!
//! A fingerprint is computed just before its stage would run, once the stages upstream have finished, so
//! an upstream rerun (a new run id) changes every fingerprint downstream of it. The parts are kept too, so
//! the runner can say which of them changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use stage_runtime::fingerprint_input;

use crate::manifest::Stage;

/// Versions the fingerprint scheme itself: changing what is hashed must change every fingerprint.
const SCHEME: &str = "pipeline-fingerprint/1";

/// A stage's fingerprint and the parts it was hashed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The fingerprint proper, hex; the stage records it in its `_published.json`.
    pub value: String,
    /// blake3 of the binary's content.
    pub binary: String,
    /// Hash of the arguments, environment, input and output locations.
    pub config: String,
    pub inputs: Vec<InputVersion>,
}

/// The version of one input when the fingerprint was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputVersion {
    pub dataset: String,
    pub version: String,
}

impl Fingerprint {
    /// The first characters of the value, enough to tell fingerprints apart in a listing.
    pub fn short(value: &str) -> &str {
        &value[..value.len().min(16)]
    }

    /// What differs from an earlier fingerprint of the same stage, in words.
    pub fn changes_since(&self, old: &Fingerprint) -> Vec<String> {
        let mut changes = vec![];
        if self.binary != old.binary {
            changes.push("binary changed".to_string());
        }
        if self.config != old.config {
            changes.push("args/env/locations changed".to_string());
        }
        for new in &self.inputs {
            match old.inputs.iter().find(|o| o.dataset == new.dataset) {
                Some(o) if o.version == new.version => {}
                Some(o) => changes.push(format!("input {} changed ({} -> {})", new.dataset, o.version, new.version)),
                None => changes.push(format!("input {} added", new.dataset)),
            }
        }
        for old_input in &old.inputs {
            if !self.inputs.iter().any(|n| n.dataset == old_input.dataset) {
                changes.push(format!("input {} removed", old_input.dataset));
            }
        }
        changes
    }
}

/// Content hashes of binaries, each file read once per process.
#[derive(Default)]
pub struct BinaryHashes(Mutex<HashMap<PathBuf, String>>);

impl BinaryHashes {
    pub async fn get(&self, path: &Path) -> Result<String> {
        if let Some(hash) = self.0.lock().expect("binary hash cache").get(path) {
            return Ok(hash.clone());
        }
        let owned = path.to_path_buf();
        let hash = tokio::task::spawn_blocking(move || -> Result<String> {
            let file = std::fs::File::open(&owned).with_context(|| format!("opening binary {}", owned.display()))?;
            let mut hasher = blake3::Hasher::new();
            hasher.update_reader(file).with_context(|| format!("reading binary {}", owned.display()))?;
            Ok(hasher.finalize().to_hex().to_string())
        })
        .await
        .context("hashing task failed")??;
        self.0.lock().expect("binary hash cache").insert(path.to_path_buf(), hash.clone());
        Ok(hash)
    }
}

/// Computes `stage`'s fingerprint from its binary, configuration and the current versions of its inputs.
pub async fn compute(stage: &Stage, binaries: &BinaryHashes) -> Result<Fingerprint> {
    let binary = binaries.get(&stage.binary).await?;

    let mut config = blake3::Hasher::new();
    field(&mut config, "args");
    for arg in &stage.args {
        field(&mut config, arg);
    }
    field(&mut config, "env");
    for (key, value) in &stage.env {
        field(&mut config, key);
        field(&mut config, value);
    }
    field(&mut config, "inputs");
    for input in &stage.inputs {
        field(&mut config, &input.dataset.url);
    }
    field(&mut config, "output");
    field(&mut config, &stage.output.url);
    let config = config.finalize().to_hex().to_string();

    let mut inputs = vec![];
    for input in &stage.inputs {
        let location = input.dataset.location()?;
        let version = fingerprint_input(&location)
            .await
            .with_context(|| format!("input {} ({})", input.dataset.name, input.dataset.url))?;
        inputs.push(InputVersion { dataset: input.dataset.name.clone(), version });
    }

    let mut total = blake3::Hasher::new();
    field(&mut total, SCHEME);
    field(&mut total, &binary);
    field(&mut total, &config);
    for input in &inputs {
        field(&mut total, &input.version);
    }
    Ok(Fingerprint { value: total.finalize().to_hex().to_string(), binary, config, inputs })
}

/// Hashes a length-prefixed field, so that no two different field lists hash the same bytes.
fn field(hasher: &mut blake3::Hasher, value: &str) {
    hasher.update(&(value.len() as u64).to_le_bytes());
    hasher.update(value.as_bytes());
}
