//! Co-occurrence's memory bound: under a memory pool smaller than its data the stage still
//! finishes (every sort, aggregation and window spills; the hash joins hold only code-sized build
//! sides: the numbered codes, the year's unit sums, one year's patents' codes) and publishes the same
//! tables as under the default pool.

use pipeline_tests::{assert_same_outputs, at, run_ok};
use stage_runtime::PublishedManifest;

#[test]
fn cooccurrence_in_a_small_pool_publishes_what_the_default_pool_does() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    run_ok(
        "synth-patentsview",
        &["--output", &path("raw"), "--patents", "20000", "--first-year", "2000", "--years", "10", "--seed", "9"],
        &[],
    );
    run_ok("ingest", &["--input", &path("raw"), "--output", &path("ingest")], &[]);
    run_ok("cooccurrence", &["--input", &path("ingest"), "--output", &path("default"), "--no-plots"], &[]);
    run_ok(
        "cooccurrence",
        &[
            "--input",
            &path("ingest"),
            "--output",
            &path("small"),
            "--no-plots",
            "--memory-limit",
            "64MiB",
            "--spill-dir",
            &path("spill"),
        ],
        &[],
    );
    let compared = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(assert_same_outputs(&at(&path("default")), &at(&path("small"))));
    let manifest: PublishedManifest =
        serde_json::from_slice(&std::fs::read(tmp.path().join("small/_published.json")).unwrap()).unwrap();
    // The pair rows alone outweigh the pool in memory (two codes and seven 8-byte numbers, at least
    // 64 bytes a row in Arrow), so the run could not have held its data.
    let pair_rows = manifest.tables["cpc_pair_stats"].rows;
    assert!(pair_rows * 64 > 64 << 20, "the corpus is too small to test the pool: {pair_rows} pair rows");
    assert!(compared.iter().any(|(t, rows)| t == "cpc_pair_stats" && *rows > 0), "{compared:?}");
}
