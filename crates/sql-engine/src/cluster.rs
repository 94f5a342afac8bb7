//! What Ballista's clients, schedulers and executors share (with the `ballista` feature): a session
//! config on Ballista's static planner, and the S3 settings as session options (`pipeline_s3.*`,
//! [`SessionS3`]), which Ballista sends with every job, so executors reach the store the client
//! meant. Credentials never travel this way.

use std::any::Any;
use std::sync::Arc;

use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionConfig;
use stage_runtime::S3Settings;

use crate::state::{runtime_env, session_state};

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
}
