//! Leases: one writer at a time per output (a stage's output folder, or the runner's root).
//!
//! A lease is the object `_lease.json` beside what it guards, created with the store's
//! create-if-absent put (`PutMode::Create`: a hard link on local files, `If-None-Match: *` on S3),
//! so of two writers starting at once exactly one gets it. It names its holder (run id, host,
//! process id, start time) and a heartbeat the holder renews every [`HEARTBEAT`]. A second writer
//! is refused at once with the holder's identity, or waits for it (`PIPELINE_LEASE_WAIT`, e.g.
//! `10m`). A lease is stale, and taken over, when its heartbeat is older than [`EXPIRY`] or its
//! holder was a process on this host that no longer runs; `PIPELINE_LEASE_BREAK=1` takes over a
//! live one (for an operator who knows the holder is gone). Takeover swaps the object only if it is
//! still the stale one (`PutMode::Update` on S3 and in memory; on local files, where the store has
//! no conditional update, a delete and a create). A holder whose lease was taken over notices at its
//! next heartbeat and refuses to publish.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::store::StoreLocation;

/// The lease object's name inside the location it guards.
pub const LEASE: &str = "_lease.json";
/// How often a holder renews its heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A lease whose heartbeat is older than this is stale (six missed heartbeats).
pub const EXPIRY: Duration = Duration::from_secs(60);
/// How long to wait for a live lease to end (humantime, e.g. `10m`; default: do not wait).
pub const WAIT_VAR: &str = "PIPELINE_LEASE_WAIT";
/// `1` takes over a live lease.
pub const BREAK_VAR: &str = "PIPELINE_LEASE_BREAK";

/// What a lease object holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeaseHolder {
    /// The run (or runner) holding the lease.
    pub run_id: String,
    pub host: String,
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
}

impl LeaseHolder {
    fn new(run_id: &str) -> LeaseHolder {
        let now = Utc::now();
        LeaseHolder {
            run_id: run_id.into(),
            host: hostname(),
            pid: std::process::id(),
            started_at: now,
            heartbeat_at: now,
        }
    }

    /// Why the lease no longer protects anything, if it does not.
    fn stale_because(&self) -> Option<String> {
        let silent = (Utc::now() - self.heartbeat_at).to_std().unwrap_or_default();
        if silent > EXPIRY {
            return Some(format!("no heartbeat for {}s", silent.as_secs()));
        }
        (self.host == hostname() && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists())
            .then(|| format!("process {} on this host has ended", self.pid))
    }

    fn describe(&self) -> String {
        format!(
            "run {} (process {} on {}, started {}, last heartbeat {})",
            self.run_id,
            self.pid,
            self.host,
            self.started_at.to_rfc3339(),
            self.heartbeat_at.to_rfc3339()
        )
    }
}

/// How to behave when the lease is held.
#[derive(Debug, Clone, Default)]
pub struct LeaseOptions {
    /// Wait up to this long for a live lease to end.
    pub wait: Duration,
    /// Take over a live lease.
    pub break_live: bool,
}

impl LeaseOptions {
    /// The options of [`WAIT_VAR`] and [`BREAK_VAR`].
    pub fn from_env() -> Result<LeaseOptions> {
        let wait = match std::env::var(WAIT_VAR) {
            Ok(text) => humantime::parse_duration(&text).with_context(|| format!("{WAIT_VAR}={text}"))?,
            Err(_) => Duration::ZERO,
        };
        Ok(LeaseOptions { wait, break_live: std::env::var(BREAK_VAR).is_ok_and(|v| v == "1") })
    }
}

/// A held lease; renewed in the background until released or dropped.
pub struct Lease {
    location: StoreLocation,
    run_id: String,
    lost: Arc<AtomicBool>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Takes the lease on `location` for `run_id`, or fails naming its holder and how to proceed.
    pub async fn acquire(location: &StoreLocation, run_id: &str, options: &LeaseOptions) -> Result<Lease> {
        let deadline = tokio::time::Instant::now() + options.wait;
        let mut announced = false;
        loop {
            let holder = LeaseHolder::new(run_id);
            let body = PutPayload::from(serde_json::to_vec_pretty(&holder)?);
            let create = PutOptions { mode: PutMode::Create, ..Default::default() };
            match location.store.put_opts(&location.path(LEASE), body.clone(), create).await {
                Ok(_) => return Ok(Lease::start(location, run_id)),
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(e).with_context(|| format!("creating the lease {}{LEASE}", location.url())),
            }
            let Some((current, version)) = read(location).await? else { continue };
            let why = current.stale_because().or_else(|| options.break_live.then(|| format!("{BREAK_VAR}=1")));
            if let Some(why) = why {
                tracing::warn!(lease = %format!("{}{LEASE}", location.url()), holder = %current.describe(), %why, "taking over the lease");
                if take_over(location, version, body).await? {
                    return Ok(Lease::start(location, run_id));
                }
                continue;
            }
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "{} is being written by {}; nothing was written. Wait for it (set {WAIT_VAR}, e.g. \
                     {WAIT_VAR}=30m), or, if that writer is gone, rerun after its lease expires ({}s without a \
                     heartbeat) or with {BREAK_VAR}=1 to take the lease over",
                    location.url(),
                    current.describe(),
                    EXPIRY.as_secs()
                );
            }
            if !announced {
                tracing::info!(holder = %current.describe(), wait_secs = options.wait.as_secs(), "waiting for the lease");
                announced = true;
            }
            tokio::time::sleep(Duration::from_secs(1).min(options.wait)).await;
        }
    }

    fn start(location: &StoreLocation, run_id: &str) -> Lease {
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = tokio::spawn(renew(location.clone(), run_id.to_string(), lost.clone()));
        Lease { location: location.clone(), run_id: run_id.into(), lost, heartbeat }
    }

    /// Fails if another writer has taken the lease over (checked now, not only at the last heartbeat).
    pub async fn check(&self) -> Result<()> {
        let current = read(&self.location).await?.map(|(holder, _)| holder);
        if self.lost.load(Ordering::SeqCst) || current.as_ref().map(|h| h.run_id.as_str()) != Some(&self.run_id) {
            let by = current.map(|h| h.describe()).unwrap_or_else(|| "nobody".into());
            bail!("the lease on {} was taken over (now held by {by}); this run publishes nothing", self.location.url());
        }
        Ok(())
    }

    /// Stops the heartbeat (it has ended when this returns) and deletes the lease if it is still this run's.
    pub async fn release(mut self) {
        self.heartbeat.abort();
        let _ = (&mut self.heartbeat).await;
        if let Ok(Some((holder, _))) = read(&self.location).await
            && holder.run_id == self.run_id
            && let Err(e) = self.location.store.delete(&self.location.path(LEASE)).await
        {
            tracing::warn!(lease = %format!("{}{LEASE}", self.location.url()), error = %e, "could not release the lease");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// The lease object and its version, if there is one.
async fn read(location: &StoreLocation) -> Result<Option<(LeaseHolder, UpdateVersion)>> {
    match location.store.get(&location.path(LEASE)).await {
        Ok(got) => {
            let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
            let bytes = got.bytes().await?;
            let holder = serde_json::from_slice(&bytes).with_context(|| {
                format!("{}{LEASE} is not a lease; delete it if no writer is running", location.url())
            })?;
            Ok(Some((holder, version)))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}{LEASE}", location.url())),
    }
}

/// Replaces the stale lease at `version` with `body`; false when another writer changed it first.
async fn take_over(location: &StoreLocation, version: UpdateVersion, body: PutPayload) -> Result<bool> {
    let path = location.path(LEASE);
    let update = PutOptions { mode: PutMode::Update(version), ..Default::default() };
    match location.store.put_opts(&path, body.clone(), update).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => Ok(false),
        Err(object_store::Error::NotImplemented { .. }) => {
            match location.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e).with_context(|| format!("deleting the stale lease {}{LEASE}", location.url())),
            }
            let create = PutOptions { mode: PutMode::Create, ..Default::default() };
            match location.store.put_opts(&path, body, create).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                Err(e) => Err(e).with_context(|| format!("creating the lease {}{LEASE}", location.url())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("taking over the lease {}{LEASE}", location.url())),
    }
}

/// Renews the heartbeat every [`HEARTBEAT`] while the lease is this run's; marks it lost otherwise.
async fn renew(location: StoreLocation, run_id: String, lost: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        match read(&location).await {
            Ok(Some((mut holder, _))) if holder.run_id == run_id => {
                holder.heartbeat_at = Utc::now();
                let Ok(body) = serde_json::to_vec_pretty(&holder) else { continue };
                if let Err(e) = location.put_bytes(LEASE, body).await {
                    tracing::warn!(error = %format!("{e:#}"), "could not renew the lease; retrying");
                }
            }
            Ok(other) => {
                let by = other.map(|(h, _)| h.describe()).unwrap_or_else(|| "nobody".into());
                tracing::error!(lease = %format!("{}{LEASE}", location.url()), holder = %by, "the lease was taken over");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "could not read the lease; retrying"),
        }
    }
}

/// This machine's name (`/proc/sys/kernel/hostname`, else `HOSTNAME`, else `unknown`).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(name: &str) -> StoreLocation {
        StoreLocation::parse(&format!("memory://{name}/out/")).unwrap()
    }

    #[tokio::test]
    async fn a_second_writer_is_refused_with_the_holders_identity_until_release() {
        let location = memory("lease-refused");
        let first = Lease::acquire(&location, "run-1", &LeaseOptions::default()).await.unwrap();
        let err = Lease::acquire(&location, "run-2", &LeaseOptions::default()).await.err().unwrap().to_string();
        assert!(err.contains("being written by run run-1") && err.contains(&std::process::id().to_string()), "{err}");
        assert!(err.contains(WAIT_VAR) && err.contains(BREAK_VAR), "{err}");
        first.check().await.unwrap();
        first.release().await;
        let second = Lease::acquire(&location, "run-2", &LeaseOptions::default()).await.unwrap();
        second.release().await;
        assert!(read(&location).await.unwrap().is_none(), "released leases are deleted");
    }

    #[tokio::test]
    async fn stale_and_broken_leases_are_taken_over_and_the_old_holder_cannot_publish() {
        let location = memory("lease-stale");
        let old = Lease::acquire(&location, "run-old", &LeaseOptions::default()).await.unwrap();
        // A heartbeat older than the expiry, as a holder that stopped long ago leaves it.
        let (mut holder, _) = read(&location).await.unwrap().unwrap();
        holder.heartbeat_at = Utc::now() - chrono::Duration::seconds(EXPIRY.as_secs() as i64 + 5);
        location.put_bytes(LEASE, serde_json::to_vec(&holder).unwrap()).await.unwrap();
        let new = Lease::acquire(&location, "run-new", &LeaseOptions::default()).await.unwrap();
        let err = old.check().await.unwrap_err().to_string();
        assert!(err.contains("taken over") && err.contains("run-new"), "{err}");
        // A live lease is taken only on request.
        let broken = LeaseOptions { break_live: true, ..Default::default() };
        let third = Lease::acquire(&location, "run-third", &broken).await.unwrap();
        assert!(new.check().await.is_err());
        third.check().await.unwrap();
        // Releasing a lease that is no longer yours leaves the holder's in place.
        new.release().await;
        assert_eq!(read(&location).await.unwrap().unwrap().0.run_id, "run-third");
    }

    #[tokio::test]
    async fn a_lease_of_an_ended_process_on_this_host_is_stale_at_once() {
        let location = memory("lease-dead-pid");
        let mut dead = LeaseHolder::new("run-dead");
        dead.pid = u32::MAX; // no such process
        location.put_bytes(LEASE, serde_json::to_vec(&dead).unwrap()).await.unwrap();
        let lease = Lease::acquire(&location, "run-live", &LeaseOptions::default()).await.unwrap();
        lease.check().await.unwrap();
    }

    #[tokio::test]
    async fn a_waiting_writer_gets_the_lease_when_it_is_released() {
        let location = memory("lease-wait");
        let first = Lease::acquire(&location, "run-1", &LeaseOptions::default()).await.unwrap();
        let waiting = {
            let location = location.clone();
            let options = LeaseOptions { wait: Duration::from_secs(30), break_live: false };
            tokio::spawn(async move { Lease::acquire(&location, "run-2", &options).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the second writer waits");
        first.release().await;
        let second = waiting.await.unwrap().unwrap();
        second.check().await.unwrap();
    }
}
