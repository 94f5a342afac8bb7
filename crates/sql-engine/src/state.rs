//! What a stage client, a Ballista scheduler and its executors must build alike, so each of them
//! makes its sessions through the same functions:
//! - [`session_state`]: DataFusion's defaults plus the project's SQL functions (`sql_functions`);
//! - [`ObjectStores`]: object stores made on demand from a table's URL, S3 configured by
//!   [`S3Settings`];
//! - [`SessionS3`]: the S3 settings as session options (`pipeline_s3.*`), which Ballista sends with
//!   every job, so executors reach the store the client meant. Credentials never travel this way.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;
use stage_runtime::S3Settings;
use url::Url;

/// [`S3Settings`] as the session options `pipeline_s3.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionS3(pub S3Settings);

impl ConfigExtension for SessionS3 {
    const PREFIX: &'static str = "pipeline_s3";
}

// Written out rather than by DataFusion's `extensions_options!`, whose entries lack the prefix:
// Ballista sends a session's options to schedulers and executors as the entries' key-value pairs,
// and keys without `pipeline_s3.` would be dropped there.
impl ExtensionOptions for SessionS3 {
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
            "endpoint" => self.0.endpoint = Some(value.to_string()),
            "region" => self.0.region = Some(value.to_string()),
            "allow_http" => self.0.allow_http = flag()?,
            "virtual_hosted_style" => self.0.virtual_hosted_style = Some(flag()?),
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
            entry("endpoint", self.0.endpoint.clone(), "S3-compatible endpoint"),
            entry("region", self.0.region.clone(), "S3 region"),
            entry("allow_http", Some(self.0.allow_http.to_string()), "allow a plain-http endpoint"),
            entry(
                "virtual_hosted_style",
                self.0.virtual_hosted_style.map(|v| v.to_string()),
                "virtual-hosted-style requests",
            ),
        ]
    }
}

/// Object stores by `scheme://authority`: registered ones (a stage's own) first, others made on
/// first use from the URL ([`stage_runtime::store::store_for_url`]). Schedulers and executors get theirs
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
        let store = stage_runtime::store::store_for_url(url, &self.s3)
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
    let mut config = SessionConfig::new_with_ballista().with_option_extension(SessionS3::default());
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
    let s3 = config.options().extensions.get::<SessionS3>().cloned().unwrap_or_default().0;
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
    fn s3_settings_travel_as_session_option_entries() {
        let sent = S3Settings {
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("eu-west-3".into()),
            allow_http: true,
            virtual_hosted_style: Some(false),
        };
        let client = ballista_session_config().with_option_extension(SessionS3(sent.clone()));
        // What Ballista does: the client's entries as key-value pairs, set on a fresh config.
        let mut received = ballista_session_config();
        for entry in client.options().entries() {
            if let Some(value) = entry.value {
                let _ = received.options_mut().set(&entry.key, &value);
            }
        }
        assert_eq!(received.options().extensions.get::<SessionS3>(), Some(&SessionS3(sent)));
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
