//! The DAG manifest: its TOML form, loading, and validation into a [`Pipeline`] whose stages are in
//! dependency order, with binaries resolved and every dataset given its URL.
//!
//! ```toml
//! root = "data"                      # a path (from the current directory) or URL; --root / PIPELINE_ROOT win
//!
//! [[stage]]
//! name = "ingest"                    # unique
//! binary = "ingest"                  # bare name: beside the `pipeline` executable, then PATH;
//!                                    # with a `/`: a path relative to the manifest's folder
//! inputs = ["raw"]                   # datasets: stage outputs or [external] entries
//! output = "ingest"                  # one dataset, unique across stages, stored at <root>/ingest
//! args = []                          # passed after --input/--output
//! depends_on = []                    # extra ordering on other stages
//! env = { RUST_LOG = "info" }        # extra environment variables
//! timeout = "12h"                    # optional: killed and failed past this (humantime: 90m, 1h 30m);
//!                                    # `pipeline export` makes it the Argo / AWS Batch job's deadline
//!
//! [external]                         # datasets no stage produces
//! dumps = "s3://bucket/patentsview/2025-12"
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;
use stage_runtime::StoreLocation;

use crate::dag;

/// Root of the datasets when neither `--root`, `PIPELINE_ROOT` nor the manifest names one.
pub const DEFAULT_ROOT: &str = "data";

/// A manifest as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub root: Option<String>,
    #[serde(default, rename = "stage")]
    pub stages: Vec<StageDef>,
    /// Datasets not produced by any stage: name to path or URL.
    #[serde(default)]
    pub external: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads and parses the manifest at `path` (not yet validated).
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading manifest {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing manifest {}", path.display()))
    }
}

/// One `[[stage]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    pub name: String,
    pub binary: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub inputs: Vec<String>,
    pub output: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Longest the stage may run, as humantime text (`90m`, `12h`).
    pub timeout: Option<String>,
}

/// How to load a manifest.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Overrides the manifest's `root` (from `--root` or `PIPELINE_ROOT`).
    pub root: Option<String>,
    /// Whether a binary that cannot be found is an error (not needed to show status).
    pub require_binaries: bool,
}

/// A validated manifest: stages in dependency order, every reference resolved.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub manifest_path: PathBuf,
    pub root: StoreLocation,
    /// In topological order: every stage comes after the stages it needs.
    pub stages: Vec<Stage>,
}

/// A stage ready to fingerprint and run.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    /// The resolved executable (as written when unresolved and binaries were not required).
    pub binary: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Past this the stage is killed and recorded failed.
    pub timeout: Option<Duration>,
    pub inputs: Vec<Input>,
    pub output: Dataset,
    /// Positions in [`Pipeline::stages`] of the stages that must finish first: producers of the inputs
    /// and `depends_on`.
    pub upstream: Vec<usize>,
}

/// A dataset a stage reads, and the stage producing it (`None` for `[external]` datasets).
#[derive(Debug, Clone)]
pub struct Input {
    pub dataset: Dataset,
    pub producer: Option<usize>,
}

/// A named dataset and its location.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub url: String,
}

impl Dataset {
    pub fn location(&self) -> Result<StoreLocation> {
        StoreLocation::parse(&self.url)
    }
}

impl Pipeline {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Pipeline> {
        Ok(validate(Manifest::read(path)?, path, options)?)
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }
}

/// Everything wrong with a manifest.
#[derive(Debug)]
pub struct ValidationError {
    pub manifest: PathBuf,
    pub problems: Vec<String>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{} is not a valid pipeline ({n} problem{}):",
            self.manifest.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Checks a manifest and resolves it into a [`Pipeline`], listing every problem found.
pub fn validate(manifest: Manifest, manifest_path: &Path, options: &LoadOptions) -> Result<Pipeline, ValidationError> {
    let mut problems = vec![];
    let manifest_path = std::path::absolute(manifest_path).unwrap_or_else(|_| manifest_path.to_path_buf());
    let manifest_dir = manifest_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let defs = &manifest.stages;

    let root_text = options.root.clone().or(manifest.root.clone()).unwrap_or_else(|| DEFAULT_ROOT.to_string());
    let root = StoreLocation::parse(&root_text).map_err(|e| problems.push(format!("root `{root_text}`: {e:#}"))).ok();

    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut by_output: HashMap<&str, usize> = HashMap::new();
    for (i, def) in defs.iter().enumerate() {
        if def.name.trim().is_empty() {
            problems.push(format!("stage #{} has an empty name", i + 1));
        } else if let Some(&first) = by_name.get(def.name.as_str()) {
            problems.push(format!("duplicate stage name `{}` (stages #{} and #{})", def.name, first + 1, i + 1));
        } else {
            by_name.insert(&def.name, i);
        }
        if def.output.trim().is_empty() {
            problems.push(format!("stage {}: empty output name", def.name));
        } else if def.output.starts_with('_') {
            problems.push(format!(
                "stage {}: output `{}`: dataset names starting with `_` are reserved",
                def.name, def.output
            ));
        } else if let Some(&first) = by_output.get(def.output.as_str()) {
            problems.push(format!(
                "dataset `{}` is the output of both stage {} and stage {}",
                def.output, defs[first].name, def.name
            ));
        } else {
            by_output.insert(&def.output, i);
        }
        if manifest.external.contains_key(&def.output) {
            problems.push(format!(
                "dataset `{}` is both the output of stage {} and an [external] entry",
                def.output, def.name
            ));
        }
    }
    let mut known: Vec<&str> = defs.iter().map(|d| d.output.as_str()).collect();
    known.extend(manifest.external.keys().map(String::as_str));
    let known = if known.is_empty() { "none are declared".to_string() } else { known.join(", ") };
    let stage_names = defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ");

    let mut external_urls = BTreeMap::new();
    for (name, location) in &manifest.external {
        match StoreLocation::parse(location) {
            Ok(loc) => {
                external_urls.insert(name.as_str(), loc.url());
            }
            Err(e) => problems.push(format!("[external] {name} = `{location}`: {e:#}")),
        }
    }

    // Edges between stages, in manifest positions, and each input's producer.
    let mut upstream: Vec<Vec<usize>> = vec![vec![]; defs.len()];
    let mut producers: Vec<Vec<Option<usize>>> = vec![];
    for (i, def) in defs.iter().enumerate() {
        let mut stage_producers = vec![];
        for input in &def.inputs {
            if let Some(&p) = by_output.get(input.as_str()) {
                stage_producers.push(Some(p));
                if !upstream[i].contains(&p) {
                    upstream[i].push(p);
                }
            } else if manifest.external.contains_key(input) {
                stage_producers.push(None);
            } else {
                problems.push(format!("stage {}: unknown input `{input}` (known datasets: {known})", def.name));
            }
        }
        producers.push(stage_producers);
        for dep in &def.depends_on {
            match by_name.get(dep.as_str()) {
                Some(&d) => {
                    if !upstream[i].contains(&d) {
                        upstream[i].push(d);
                    }
                }
                None => problems.push(format!(
                    "stage {}: depends_on names unknown stage `{dep}` (stages: {stage_names})",
                    def.name
                )),
            }
        }
    }

    let mut timeouts = vec![];
    for def in defs {
        timeouts.push(def.timeout.as_deref().and_then(|text| match humantime::parse_duration(text) {
            Ok(limit) if !limit.is_zero() => Some(limit),
            Ok(_) => {
                problems.push(format!("stage {}: timeout `{text}` is zero", def.name));
                None
            }
            Err(e) => {
                problems.push(format!("stage {}: timeout `{text}`: {e} (write it like `90m` or `12h`)", def.name));
                None
            }
        }));
    }

    let mut binaries = vec![];
    for def in defs {
        match resolve_binary(&def.binary, &manifest_dir) {
            Ok(path) => binaries.push(path),
            Err(e) => {
                if options.require_binaries {
                    problems.push(format!("stage {}: {e}", def.name));
                }
                binaries.push(PathBuf::from(&def.binary));
            }
        }
    }

    let order = match dag::topo_order(&upstream) {
        Ok(order) => order,
        Err(cycle) => {
            let names: Vec<&str> = cycle.iter().map(|&i| defs[i].name.as_str()).collect();
            problems.push(format!("dependency cycle: {}", names.join(" -> ")));
            vec![]
        }
    };
    let root = match root {
        Some(root) if problems.is_empty() => root,
        _ => return Err(ValidationError { manifest: manifest_path, problems }),
    };

    let mut position = vec![0; defs.len()];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let dataset_url = |name: &str| external_urls.get(name).cloned().unwrap_or_else(|| root.child(name).url());
    let stages = order
        .iter()
        .map(|&i| {
            let def = &defs[i];
            Stage {
                name: def.name.clone(),
                binary: binaries[i].clone(),
                args: def.args.clone(),
                env: def.env.clone(),
                timeout: timeouts[i],
                inputs: def
                    .inputs
                    .iter()
                    .zip(&producers[i])
                    .map(|(name, producer)| Input {
                        dataset: Dataset { name: name.clone(), url: dataset_url(name) },
                        producer: producer.map(|p| position[p]),
                    })
                    .collect(),
                output: Dataset { name: def.output.clone(), url: root.child(&def.output).url() },
                upstream: upstream[i].iter().map(|&u| position[u]).collect(),
            }
        })
        .collect();
    Ok(Pipeline { manifest_path, root, stages })
}

const BUILD_HINT: &str = "build the stages with `cargo build --release`";

/// Finds a stage's executable: a path with a `/` relative to the manifest's folder, or a bare name
/// beside the running `pipeline` executable, then on `PATH`.
fn resolve_binary(binary: &str, manifest_dir: &Path) -> Result<PathBuf, String> {
    if binary.contains('/') {
        let path = manifest_dir.join(binary);
        let path = std::path::absolute(&path).unwrap_or(path);
        return match executable(&path) {
            Ok(()) => Ok(path),
            Err(why) => Err(format!(
                "binary `{binary}` {why} at {} (a binary path containing `/` is relative to the manifest's folder); {BUILD_HINT}",
                path.display()
            )),
        };
    }
    let exe_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf));
    let path_dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    let mut not_executable = None;
    for dir in exe_dir.iter().chain(&path_dirs) {
        let candidate = dir.join(binary);
        match executable(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(why) if candidate.exists() => not_executable = Some(format!(" ({} {why})", candidate.display())),
            Err(_) => {}
        }
    }
    let beside = exe_dir.map(|d| format!("{} (beside the pipeline executable) or ", d.display())).unwrap_or_default();
    Err(format!("binary `{binary}` not found in {beside}on PATH{}; {BUILD_HINT}", not_executable.unwrap_or_default()))
}

fn executable(path: &Path) -> Result<(), &'static str> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Err(_) => Err("not found"),
        Ok(m) if !m.is_file() => Err("is not a file"),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => Err("is not executable"),
        Ok(_) => Ok(()),
    }
}
