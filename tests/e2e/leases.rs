//! Leases on a real S3 protocol server (moto): the create-if-absent put refuses a second writer, a
//! stale lease is swapped only if it is still the one read (If-Match), and a stage binary started
//! on an output another writer holds fails naming the holder and publishes nothing.

use std::process::Command;

use chrono::Utc;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use pipeline_tests::{MotoServer, binary, run_ok};
use stage_runtime::lease::{LEASE, Lease, LeaseHolder, LeaseOptions};
use stage_runtime::read_published;

#[tokio::test]
async fn s3_leases_refuse_a_second_writer_and_swap_stale_ones_atomically() {
    let moto = MotoServer::with_bucket("leases");
    let output = moto.at("s3://leases/ingest");
    let first = Lease::acquire(&output, "run-first", &LeaseOptions::default()).await.unwrap();
    let refused = Lease::acquire(&output, "run-second", &LeaseOptions::default()).await.err().unwrap().to_string();
    assert!(refused.contains("being written by run run-first"), "{refused}");
    first.release().await;
    assert!(output.get_bytes(LEASE).await.unwrap().is_none(), "a released lease is deleted");

    // A writer on a machine that vanished ten minutes ago left its lease: the next writer takes it
    // over by a put conditional on the stale object's ETag, so a second writer that read the same
    // stale lease cannot swap it again.
    let started = Utc::now() - chrono::Duration::minutes(10);
    let vanished = LeaseHolder {
        run_id: "run-vanished".into(),
        host: "a-vanished-machine".into(),
        pid: 1,
        started_at: started,
        heartbeat_at: started,
    };
    output.put_bytes(LEASE, serde_json::to_vec(&vanished).unwrap()).await.unwrap();
    let stale = output.store.head(&output.path(LEASE)).await.unwrap();
    let taker = Lease::acquire(&output, "run-taker", &LeaseOptions::default()).await.unwrap();
    taker.check().await.unwrap();
    let late = PutOptions {
        mode: PutMode::Update(UpdateVersion { e_tag: stale.e_tag, version: stale.version }),
        ..Default::default()
    };
    let swap = output.store.put_opts(&output.path(LEASE), PutPayload::from_static(b"{}"), late).await;
    assert!(matches!(swap, Err(object_store::Error::Precondition { .. })), "{swap:?}");
    let refused = Lease::acquire(&output, "run-late", &LeaseOptions::default()).await.err().unwrap().to_string();
    assert!(refused.contains("being written by run run-taker"), "{refused}");
    taker.release().await;
}

#[tokio::test]
async fn a_stage_on_an_s3_output_another_writer_holds_fails_and_publishes_nothing() {
    let moto = MotoServer::with_bucket("held");
    let s3 = moto.vars();
    run_ok(
        "synth-patentsview",
        &["--output", "s3://held/raw", "--patents", "200", "--first-year", "2010", "--years", "5", "--seed", "3"],
        &s3,
    );
    let output = moto.at("s3://held/ingest");
    let holder = Lease::acquire(&output, "run-holder", &LeaseOptions::default()).await.unwrap();

    let refused = Command::new(binary("ingest"))
        .args(["--input", "s3://held/raw", "--output", "s3://held/ingest"])
        .envs(s3.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("being written by run run-holder") && stderr.contains("PIPELINE_LEASE_WAIT"), "{stderr}");
    assert!(read_published(&output).await.unwrap().is_none(), "nothing published");
    assert!(output.child("runs").list_all().await.unwrap().is_empty(), "no run folder started");

    // Released, the output is free again.
    holder.release().await;
    run_ok("ingest", &["--input", "s3://held/raw", "--output", "s3://held/ingest"], &s3);
    assert!(read_published(&output).await.unwrap().is_some());
    assert!(output.get_bytes(LEASE).await.unwrap().is_none(), "the stage released its lease");
}
