//! Ingest and the SQL stages on Ballista started inside the stage's process (`--engine standalone`: the
//! distributed planner, shuffles and the project's functions on executors) publish the same tables
//! as on the local engine.

use pipeline_tests::{assert_same_outputs, at, run_ok};

#[test]
fn ingest_and_sql_stages_on_standalone_ballista_equal_the_local_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    run_ok(
        "synth-patentsview",
        &["--output", &path("raw"), "--patents", "120", "--first-year", "2000", "--years", "20", "--seed", "5"],
        &[],
    );
    run_ok("ingest", &["--input", &path("raw"), "--output", &path("ingest")], &[]);
    run_ok(
        "ingest",
        &[
            "--input",
            &path("raw"),
            "--output",
            &path("ingest-ballista"),
            "--engine",
            "standalone",
            "--target-partitions",
            "1",
        ],
        &[],
    );
    let ingested = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(assert_same_outputs(&at(&path("ingest")), &at(&path("ingest-ballista"))));
    assert!(ingested.iter().filter(|(_, rows)| *rows > 0).count() >= 4, "ingest published too little: {ingested:?}");
    for stage in ["cooccurrence", "similarity", "labels"] {
        let (local, ballista) = (path(&format!("{stage}-local")), path(&format!("{stage}-ballista")));
        run_ok(stage, &["--input", &path("ingest"), "--output", &local], &[]);
        run_ok(
            stage,
            &["--input", &path("ingest"), "--output", &ballista, "--engine", "standalone", "--target-partitions", "1"],
            &[],
        );
        let compared =
            tokio::runtime::Runtime::new().unwrap().block_on(assert_same_outputs(&at(&local), &at(&ballista)));
        assert!(compared.iter().any(|(_, rows)| *rows > 0), "{stage} published no rows: {compared:?}");
    }
}
