//! Malformed rows planted by the generator come out of ingest in `rejects`, each with the file and
//! the line where it really is, and nothing else is rejected.

use std::io::Read;

use pipeline_tests::{at, published_tables, query, run_ok};
use schemas::Table;

/// The physical lines of a zipped dump's single member (these tables hold no embedded newlines).
fn lines_of(zip_path: &std::path::Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut text = String::new();
    archive.by_index(0).unwrap().read_to_string(&mut text).unwrap();
    text.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn planted_malformed_rows_are_rejected_with_their_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    let out = tmp.path().join("ingest");
    run_ok(
        "synth-patentsview",
        &[
            "--output",
            raw.to_str().unwrap(),
            "--patents",
            "500",
            "--first-year",
            "2000",
            "--years",
            "20",
            "--inject-malformed",
            "8",
        ],
        &[],
    );
    run_ok(
        "ingest",
        &["--input", raw.to_str().unwrap(), "--output", out.to_str().unwrap(), "--max-reject-ratio", "0.05"],
        &[],
    );

    let ctx = published_tables(&at(out.to_str().unwrap()), &[Table::Rejects]).await;
    let rejects = query(&ctx, "SELECT source_file, line, reason, raw FROM rejects ORDER BY source_file, line").await;
    assert_eq!(rejects.len(), 8, "{rejects:?}");
    let per_file = |f: &str| rejects.iter().filter(|r| r[0] == f).count();
    assert_eq!((per_file("g_patent.tsv.zip"), per_file("g_cpc_current.tsv.zip")), (4, 4));

    let run_dir = std::fs::read_dir(raw.join("runs")).unwrap().next().unwrap().unwrap().path();
    for r in &rejects {
        let lines = lines_of(&run_dir.join(&r[0]));
        let line: usize = r[1].parse().unwrap();
        assert_eq!(lines[line - 1], r[3], "reject {r:?} must quote line {line} of {}", r[0]);
        let expected_reason = ["expected", "bad number `one`", "bad date `2001-13-45`"];
        assert!(expected_reason.iter().any(|e| r[2].contains(e)), "unexpected reason {r:?}");
    }
}
