//! Which engine runs a stage's SQL and with what limits, as the command line gives them: plain data,
//! so that the runner and the generator need no SQL engine to parse a stage's arguments. The
//! `sql-engine` crate builds sessions from it.
//!
//! [`Engine`]: `local` (DataFusion in the stage's process, the default), `standalone` (a Ballista
//! scheduler and executor started inside the stage's process: the distributed code path on one
//! machine) or `df://host:port` (a Ballista scheduler, e.g. the `pipeline-scheduler` binary).
//! [`S3Settings`]: the non-secret S3 settings (endpoint, region, http, addressing style) of this
//! process's environment; `sql-engine` sends them with every Ballista job so that executors reach
//! the store the client meant. Credentials never travel: every process takes them from its own
//! environment or instance profile, and none is logged.

use std::fmt;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use url::Url;

/// Where a stage's SQL runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Engine {
    /// DataFusion inside the stage's process.
    #[default]
    Local,
    /// A Ballista scheduler and executor started inside the stage's process.
    Standalone,
    /// The Ballista scheduler at this `df://host:port` URL.
    Cluster(String),
}

impl FromStr for Engine {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Engine> {
        match s {
            "local" => Ok(Engine::Local),
            "standalone" => Ok(Engine::Standalone),
            url if url.starts_with("df://") => {
                let parsed = Url::parse(url).with_context(|| format!("engine URL {url}"))?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    bail!("engine URL {url} names no scheduler host (use df://host:port)");
                }
                Ok(Engine::Cluster(url.to_string()))
            }
            other => bail!("unknown engine `{other}`: use local, standalone or df://host:port (a Ballista scheduler)"),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Local => f.write_str("local"),
            Engine::Standalone => f.write_str("standalone"),
            Engine::Cluster(url) => f.write_str(url),
        }
    }
}

/// Which engine runs one stage's SQL, and its limits.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Local DataFusion, in-process Ballista, or a Ballista scheduler.
    pub engine: Engine,
    /// Bytes the engine's operators may hold before spilling (sorts, aggregations) or failing.
    /// Ballista executors set their own.
    pub memory_limit: u64,
    /// Folder for spill files; the system temp folder when `None`.
    pub spill_dir: Option<std::path::PathBuf>,
    /// Parallelism of plans; the number of cores when `None`.
    pub target_partitions: Option<usize>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { engine: Engine::Local, memory_limit: 2 << 30, spill_dir: None, target_partitions: None }
    }
}

/// Non-secret S3 settings (never credentials).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// An S3-compatible endpoint instead of AWS (`AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// The bucket's region (`AWS_REGION`, `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// Whether a plain-http endpoint may be used (set when the endpoint is `http://`).
    pub allow_http: bool,
    /// Virtual-hosted-style addressing (`AWS_VIRTUAL_HOSTED_STYLE_REQUEST`); path style when an
    /// endpoint is named and this is unset.
    pub virtual_hosted_style: Option<bool>,
}

impl S3Settings {
    /// The settings of this process's environment.
    pub fn from_env() -> S3Settings {
        S3Settings::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings of the environment variables `var` looks up (empty values count as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> S3Settings {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let endpoint = var("AWS_ENDPOINT_URL");
        S3Settings {
            allow_http: endpoint.as_deref().is_some_and(|e| e.starts_with("http://")),
            virtual_hosted_style: var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST").map(|v| v == "true" || v == "1"),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            endpoint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_parse_and_print() {
        for text in ["local", "standalone", "df://scheduler:50050"] {
            assert_eq!(text.parse::<Engine>().unwrap().to_string(), text);
        }
        let err = "spark".parse::<Engine>().unwrap_err().to_string();
        assert!(err.contains("unknown engine `spark`"), "{err}");
        assert!("df://".parse::<Engine>().is_err());
    }
}
