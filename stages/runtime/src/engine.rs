//! Which engine runs a stage's SQL, and what every engine shares.
//!
//! [`Engine`]: `local` (DataFusion in the stage's process, the default), `standalone` (a Ballista
//! scheduler and executor started inside the stage's process: the distributed code path on one
//! machine) or `df://host:port` (a Ballista scheduler, e.g. the `pipeline-scheduler` binary).
//!
//! The pieces that must be the same in a stage client, a scheduler and its executors live here, so
//! each of them builds its sessions through the same functions:
//! - [`session_state`]: DataFusion's defaults plus the project's SQL functions (`sql_functions`);
//! - [`ObjectStores`]: object stores made on demand from a table's URL, S3 configured by
//!   [`S3Settings`];
//! - [`S3Settings`]: the non-secret S3 settings (endpoint, region, http, addressing style). The
//!   client puts them into its session options (`pipeline_s3.*`), which Ballista sends with every
//!   job, so executors reach the store the client meant. Credentials never travel this way: every
//!   process takes them from its own environment or instance profile, and none is logged.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, bail};
use std::any::Any;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;
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

/// S3 settings that travel with a session as options `pipeline_s3.*`; never credentials.
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

impl ConfigExtension for S3Settings {
    const PREFIX: &'static str = "pipeline_s3";
}

// Written out rather than by DataFusion's `extensions_options!`, whose entries lack the prefix:
// Ballista sends a session's options to schedulers and executors as the entries' key-value pairs,
// and keys without `pipeline_s3.` would be dropped there.
impl ExtensionOptions for S3Settings {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> datafusion::common::Result<()> {
        let flag = || {
            value.parse::<bool>().map_err(|_| {
                datafusion::error::DataFusionError::Configuration(format!(
                    "pipeline_s3.{key} is true or false, not `{value}`"
                ))
            })
        };
        match key {
            "endpoint" => self.endpoint = Some(value.to_string()),
            "region" => self.region = Some(value.to_string()),
            "allow_http" => self.allow_http = flag()?,
            "virtual_hosted_style" => self.virtual_hosted_style = Some(flag()?),
            _ => {
                return Err(datafusion::error::DataFusionError::Configuration(format!(
                    "unknown option pipeline_s3.{key} (credentials are never session options)"
                )));
            }
        }
        Ok(())
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        let entry = |key: &str, value: Option<String>, description: &'static str| ConfigEntry {
            key: format!("{}.{key}", Self::PREFIX),
            value,
            description,
        };
        vec![
            entry("endpoint", self.endpoint.clone(), "S3-compatible endpoint"),
            entry("region", self.region.clone(), "S3 region"),
            entry("allow_http", Some(self.allow_http.to_string()), "allow a plain-http endpoint"),
            entry(
                "virtual_hosted_style",
                self.virtual_hosted_style.map(|v| v.to_string()),
                "virtual-hosted-style requests",
            ),
        ]
    }
}

impl S3Settings {
    /// The settings of this process's environment.
    pub fn from_env() -> S3Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = var("AWS_ENDPOINT_URL");
        S3Settings {
            allow_http: endpoint.as_deref().is_some_and(|e| e.starts_with("http://")),
            virtual_hosted_style: var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST").map(|v| v == "true" || v == "1"),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            endpoint,
        }
    }
}

/// Object stores by `scheme://authority`: registered ones (a stage's own) first, others made on
/// first use from the URL ([`crate::store::store_for_url`]). Schedulers and executors get theirs
/// this way, as tables name them.
#[derive(Debug)]
pub struct ObjectStores {
    s3: S3Settings,
    stores: RwLock<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl ObjectStores {
    pub fn new(s3: S3Settings) -> ObjectStores {
        ObjectStores { s3, stores: RwLock::default() }
    }
}

fn store_key(url: &Url) -> String {
    format!("{}://{}", url.scheme(), &url[url::Position::BeforeHost..url::Position::AfterPort])
}

impl ObjectStoreRegistry for ObjectStores {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.stores.write().expect("object store registry").insert(store_key(url), store)
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        let key = store_key(url);
        if let Some(store) = self.stores.read().expect("object store registry").get(&key) {
            return Ok(store.clone());
        }
        let store = crate::store::store_for_url(url, &self.s3)
            .map_err(|e| datafusion::error::DataFusionError::Configuration(format!("{e:#}")))?;
        Ok(self.stores.write().expect("object store registry").entry(key).or_insert(store).clone())
    }
}

/// A runtime whose object stores follow [`ObjectStores`] and which caches no directory listings
/// (stages read back tables they are still writing, and a cached listing would hide new files).
/// `configure` adds what the caller owns, such as a memory pool and spill folders.
pub fn runtime_env(
    s3: S3Settings,
    configure: impl FnOnce(RuntimeEnvBuilder) -> RuntimeEnvBuilder,
) -> Result<Arc<RuntimeEnv>> {
    let builder = RuntimeEnvBuilder::new()
        .with_cache_manager(CacheManagerConfig::default().with_list_files_cache_limit(0))
        .with_object_store_registry(Arc::new(ObjectStores::new(s3)));
    configure(builder).build_arc().context("building the DataFusion runtime")
}

/// A session config for Ballista that knows the `pipeline_s3.*` options, on Ballista's static
/// distributed planner. Its adaptive planner (55.0) rewrites stages whose input turns out empty,
/// after which executors report metrics for a plan the scheduler does not have, and the job never
/// finishes: co-occurrence's first year, whose cumulative "earlier years" input is empty, hangs so.
pub fn ballista_session_config() -> SessionConfig {
    use ballista::prelude::SessionConfigExt;
    let mut config = SessionConfig::new_with_ballista().with_option_extension(S3Settings::default());
    config
        .options_mut()
        .set(ballista_core::config::BALLISTA_ADAPTIVE_PLANNER_ENABLED, "false")
        .expect("a Ballista option");
    config
}

/// The session state a Ballista scheduler or executor builds for `config`: [`session_state`] on
/// [`cluster_runtime_env`].
pub fn cluster_session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let runtime = cluster_runtime_env(&config)?;
    session_state(config, runtime)
}

/// The runtime a Ballista scheduler or executor uses for a session: stores from the session's
/// `pipeline_s3.*` options.
pub fn cluster_runtime_env(config: &SessionConfig) -> datafusion::common::Result<Arc<RuntimeEnv>> {
    let s3 = config.options().extensions.get::<S3Settings>().cloned().unwrap_or_default();
    runtime_env(s3, |b| b).map_err(|e| datafusion::error::DataFusionError::Configuration(format!("{e:#}")))
}

/// A session state with DataFusion's defaults and the project's functions ([`add_functions`]): how
/// stage clients, schedulers and executors build their sessions.
pub fn session_state(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> datafusion::common::Result<SessionState> {
    let mut state =
        SessionStateBuilder::new().with_config(config).with_runtime_env(runtime).with_default_features().build();
    add_functions(&mut state)?;
    Ok(state)
}

/// Registers every function of `sql_functions` on `state`. A Ballista client calls it again after
/// Ballista has set up its session, which resets the function list.
pub fn add_functions(state: &mut SessionState) -> datafusion::common::Result<()> {
    for function in sql_functions::scalar_functions() {
        state.register_udf(function)?;
    }
    Ok(())
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

    #[test]
    fn s3_settings_travel_as_session_option_entries() {
        let sent = S3Settings {
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("eu-west-3".into()),
            allow_http: true,
            virtual_hosted_style: Some(false),
        };
        let client = ballista_session_config().with_option_extension(sent.clone());
        // What Ballista does: the client's entries as key-value pairs, set on a fresh config.
        let mut received = ballista_session_config();
        for entry in client.options().entries() {
            if let Some(value) = entry.value {
                let _ = received.options_mut().set(&entry.key, &value);
            }
        }
        assert_eq!(received.options().extensions.get::<S3Settings>(), Some(&sent));
        let err = received.options_mut().set("pipeline_s3.secret_access_key", "x").unwrap_err().to_string();
        assert!(err.contains("credentials are never session options"), "{err}");
        assert!(received.options_mut().set("pipeline_s3.allow_http", "maybe").is_err());
    }

    #[test]
    fn every_session_has_the_project_functions() {
        let state = session_state(SessionConfig::new(), runtime_env(S3Settings::default(), |b| b).unwrap()).unwrap();
        for function in sql_functions::scalar_functions() {
            assert!(state.udf(function.name()).is_ok(), "{} missing", function.name());
        }
    }
}
