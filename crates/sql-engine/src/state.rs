//! What a stage client, a Ballista scheduler and its executors must build alike, so each of them
//! makes its sessions through the same functions:
//! - [`session_state`]: DataFusion's defaults plus the project's SQL functions (`sql_functions`);
//! - [`ObjectStores`]: object stores made on demand from a table's URL, S3 configured by
//!   [`S3Settings`].
//!
//! What only Ballista's processes share is in `cluster` (the `ballista` feature).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
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
    fn every_session_has_the_project_functions() {
        let state = session_state(SessionConfig::new(), runtime_env(S3Settings::default(), |b| b).unwrap()).unwrap();
        for function in sql_functions::scalar_functions() {
            assert!(state.udf(function.name()).is_ok(), "{} missing", function.name());
        }
    }
}
