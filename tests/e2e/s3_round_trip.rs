//! The stages against a real S3 protocol server (moto on loopback): synthetic dumps written to S3,
//! ingested from S3 to S3, and read back, equal to the same ingest on local files.

use pipeline_tests::{MotoServer, at, published_tables, query, run_ok};

#[tokio::test]
async fn synth_and_ingest_round_trip_through_s3() {
    let moto = MotoServer::with_bucket("patents");
    let s3 = moto.vars();

    run_ok(
        "synth-patentsview",
        &["--output", "s3://patents/raw", "--patents", "300", "--first-year", "2000", "--years", "20", "--seed", "11"],
        &s3,
    );
    run_ok("ingest", &["--input", "s3://patents/raw", "--output", "s3://patents/ingest"], &s3);
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("ingest");
    run_ok("ingest", &["--input", "s3://patents/raw", "--output", local.to_str().unwrap()], &s3);

    let tables = schemas::catalogue::ingest::WRITES;
    let summary = "SELECT (SELECT count(*) FROM patents) AS a, (SELECT count(DISTINCT patent_id) FROM cpc) AS b, \
                   (SELECT sum(num_claims) FROM patents) AS c, (SELECT count(*) FROM citations) AS d, \
                   (SELECT sum(length(claim_text)) FROM claims) AS e, (SELECT count(*) FROM rejects) AS f, \
                   (SELECT min(grant_year) FROM cpc) AS g, (SELECT max(grant_year) FROM cpc) AS h";
    let on_s3 = query(&published_tables(&moto.at("s3://patents/ingest"), tables).await, summary).await;
    let on_disk = query(&published_tables(&at(local.to_str().unwrap()), tables).await, summary).await;
    assert_eq!(on_s3, on_disk);
    let patents: u64 = on_s3[0][0].parse().unwrap();
    assert_eq!(patents, 300, "every generated patent arrives through S3");
}
