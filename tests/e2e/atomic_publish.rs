//! A stage killed half-way leaves the previous published output in place and readable; the next
//! successful run publishes and clears the killed run's debris.

use std::process::Command;
use std::time::{Duration, Instant};

use pipeline_tests::{binary, published_tables, query, run_ok};
use schemas::Table;
use stage_runtime::{StoreLocation, read_published};

#[tokio::test]
async fn killed_ingest_leaves_previous_output_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    let out = tmp.path().join("ingest");
    let (raw, out) = (raw.to_str().unwrap(), out.to_str().unwrap());
    run_ok(
        "synth-patentsview",
        &["--output", raw, "--patents", "4000", "--first-year", "2000", "--years", "20", "--seed", "3"],
        &[],
    );
    run_ok("ingest", &["--input", raw, "--output", out], &[]);
    let location = StoreLocation::parse(out).unwrap();
    let before = read_published(&location).await.unwrap().unwrap();
    let ctx = published_tables(&location, &[Table::Patents, Table::Cpc]).await;
    let counts_before =
        query(&ctx, "SELECT (SELECT count(*) FROM patents) AS p, (SELECT count(*) FROM cpc) AS c").await;

    // Start a second run and kill it as soon as it has begun writing its run folder.
    let mut child = Command::new(binary("ingest"))
        .args(["--input", raw, "--output", out])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let runs = tmp.path().join("ingest/runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let started_writing = std::fs::read_dir(&runs)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy() != before.run_id && e.path().join("_staging").exists());
        if started_writing {
            break;
        }
        assert!(Instant::now() < deadline, "second ingest never started writing");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "ingest finished before it could be killed; the test needs a larger input"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let after = read_published(&location).await.unwrap().unwrap();
    assert_eq!(after, before, "the killed run must not change what is published");
    for table in before.tables.values() {
        for f in &table.files {
            assert!(tmp.path().join("ingest").join(&before.run_prefix).join(&f.path).exists(), "{} vanished", f.path);
        }
    }
    let ctx = published_tables(&location, &[Table::Patents, Table::Cpc]).await;
    assert_eq!(
        query(&ctx, "SELECT (SELECT count(*) FROM patents) AS p, (SELECT count(*) FROM cpc) AS c").await,
        counts_before
    );

    // The next run publishes, and removes the killed run's folder.
    run_ok("ingest", &["--input", raw, "--output", out], &[]);
    let latest = read_published(&location).await.unwrap().unwrap();
    let mut left: Vec<String> =
        std::fs::read_dir(&runs).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    let mut expected = vec![before.run_id, latest.run_id];
    expected.sort();
    assert_eq!(left, expected);
}
