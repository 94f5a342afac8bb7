//! Ingest end to end on hand-written dumps: typed tables, joins, partitions, rejects with lines and
//! reasons, legacy names and columns, clear errors, the reject-ratio gate and replace-on-rerun.

mod common;

use common::{current_dumps, options, strings, write_dump};
use ingest::run::run;
use pipeline_tests::{published_tables, query};
use schemas::catalogue::ingest::WRITES as TABLES;
use stage_runtime::{StoreLocation, read_published};

#[tokio::test]
async fn current_format_dumps_become_typed_partitioned_tables() {
    let tmp = tempfile::tempdir().unwrap();
    current_dumps(&tmp.path().join("in"));
    let input = StoreLocation::parse(tmp.path().join("in").to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(tmp.path().join("out").to_str().unwrap()).unwrap();
    let published = run(&input, &output, &options(0.9)).await.unwrap();
    assert_eq!(published.fingerprint.as_deref(), Some("test"));
    let ctx = published_tables(&output, TABLES).await;

    let patents = query(
        &ctx,
        "SELECT patent_id, patent_type, CAST(grant_date AS VARCHAR), CAST(filing_date AS VARCHAR), filing_year, \
                application_id, title, num_claims, withdrawn, grant_year FROM patents ORDER BY patent_id",
    )
    .await;
    assert_eq!(
        patents,
        strings(&[
            &[
                "100",
                "utility",
                "2001-02-03",
                "1999-03-04",
                "1999",
                "09123456",
                "A \"smart\" thing",
                "2",
                "false",
                "2001"
            ],
            &["101", "utility", "2002-05-07", "2000-01-31", "2000", "10123456", "Tab\there", "1", "false", "2002"],
            &["102", "design", "2002-06-01", "", "", "", "", "", "", "2002"],
        ])
    );
    // One folder per grant year.
    let files: Vec<String> = published.tables["patents"].files.iter().map(|f| f.path.clone()).collect();
    assert!(
        files.iter().any(|f| f.starts_with("patents/grant_year=2001/"))
            && files.iter().any(|f| f.starts_with("patents/grant_year=2002/")),
        "{files:?}"
    );

    let cpc = query(&ctx, "SELECT patent_id, cpc_sequence, cpc_section, cpc_class, cpc_subclass, cpc_group, cpc_main_group, grant_year FROM cpc ORDER BY patent_id, cpc_sequence").await;
    assert_eq!(
        cpc,
        strings(&[
            &["100", "0", "G", "G06", "G06N", "G06N3/08", "G06N3/00", "2001"],
            &["100", "1", "H", "H04", "H04L", "H04L9/32", "H04L9/00", "2001"],
            &["101", "0", "A", "A63", "A63B", "A63B71/146", "A63B71/00", "2002"],
        ])
    );
    let citations = query(&ctx, "SELECT patent_id, cited_patent_id, CAST(citation_date AS VARCHAR), citation_category, grant_year FROM citations ORDER BY citation_sequence").await;
    assert_eq!(
        citations,
        strings(&[
            &["101", "100", "2001-02-01", "cited by examiner", "2002"],
            &["101", "1963218", "1934-06-01", "", "2002"]
        ])
    );

    let claims = query(
        &ctx,
        "SELECT claim_sequence, claim_text, dependent, claim_number, exemplary FROM claims ORDER BY claim_sequence",
    )
    .await;
    assert_eq!(claims[0], vec!["0", "1. A thing comprising:\na part; and\n\na \"widget\".", "", "00001", "true"]);
    assert_eq!(claims[1], vec!["1", "2. The thing of claim 1", "claim 1", "00002", "false"]);
    assert_eq!(claims.len(), 2);

    let rejects =
        query(&ctx, "SELECT source_file, line, source_table, reason FROM rejects ORDER BY source_file, line").await;
    assert_eq!(
        rejects,
        strings(&[
            &["g_application.tsv.zip", "4", "g_application", "patent_id not found in g_patent"],
            &["g_claims_2001.tsv.zip", "7", "g_claims", "unterminated quoted field at end of file"],
            &["g_cpc_current.tsv.zip", "5", "g_cpc_current", "cpc_sequence: bad number `x`"],
            &["g_cpc_current.tsv.zip", "6", "g_cpc_current", "patent_id not found in g_patent"],
            &["g_patent.tsv.zip", "5", "g_patent", "duplicate patent_id; the first row is kept"],
            &["g_patent.tsv.zip", "6", "g_patent", "patent_date: bad date `2002-13-07`"],
            &["g_patent.tsv.zip", "7", "g_patent", "expected 8 columns, found 3"],
        ])
    );
    let raw = query(&ctx, "SELECT raw FROM rejects WHERE source_file = 'g_patent.tsv.zip' AND line = 6").await;
    assert!(raw[0][0].contains("bad date"), "{raw:?}");
    assert_eq!(published.metrics["rows_rejected"], 7);
}

#[tokio::test]
async fn legacy_names_and_columns_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("legacy");
    // 2017-era unquoted export with NULLs, and 2021-era quoted legacy files.
    write_dump(
        &dir,
        "patent.tsv",
        "id\ttype\tnumber\tcountry\tdate\tabstract\ttitle\tkind\tnum_claims\tfilename\n3930271\tutility\t3930271\tUS\t1976-01-06\tAn abstract\tGolf glove\tA\t5\tpftaps19760106_wk01.zip\n",
    );
    write_dump(
        &dir,
        "application.tsv",
        "id\tpatent_id\tseries_code\tnumber\tcountry\tdate\n05/123\t3930271\t05\t05123456\tUS\t1974-02-01\n",
    );
    write_dump(
        &dir,
        "cpc_current.tsv.zip",
        "\"uuid\"\t\"patent_id\"\t\"section_id\"\t\"subsection_id\"\t\"group_id\"\t\"subgroup_id\"\t\"category\"\t\"sequence\"\n\"u1\"\t\"3930271\"\t\"A\"\t\"A41\"\t\"A41D\"\t\"A41D19/00\"\t\"inventional\"\t0\n",
    );
    write_dump(
        &dir,
        "uspatentcitation.tsv.zip",
        "\"uuid\"\t\"patent_id\"\t\"citation_id\"\t\"date\"\t\"name\"\t\"kind\"\t\"country\"\t\"category\"\t\"sequence\"\n\"u2\"\t\"3930271\"\t\"1963218\"\t\"1934-06-01\"\t\"Berg\"\t\"A\"\t\"US\"\t\"cited by examiner\"\t0\n",
    );
    write_dump(
        &dir,
        "claims_1976.tsv.zip",
        "\"uuid\"\t\"patent_id\"\t\"claim_number\"\t\"text\"\t\"sequence\"\t\"dependent\"\t\"exemplary\"\n\"u3\"\t\"3930271\"\t\"1\"\t\"1. A glove.\"\t0.0\tNULL\tTRUE\n",
    );
    let input = StoreLocation::parse(dir.to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(tmp.path().join("out").to_str().unwrap()).unwrap();
    let published = run(&input, &output, &options(0.0)).await.unwrap();
    assert_eq!(published.tables["rejects"].rows, 0);
    let ctx = published_tables(&output, TABLES).await;
    let rows = query(
        &ctx,
        "SELECT p.patent_id, p.title, p.wipo_kind, p.withdrawn, CAST(p.filing_date AS VARCHAR), p.application_id, c.cpc_subclass, c.cpc_type, \
                t.cited_patent_id, t.citation_category, l.claim_text, l.dependent, l.exemplary, p.grant_year \
         FROM patents p JOIN cpc c ON c.patent_id = p.patent_id JOIN citations t ON t.patent_id = p.patent_id JOIN claims l ON l.patent_id = p.patent_id",
    )
    .await;
    assert_eq!(
        rows,
        strings(&[&[
            "3930271",
            "Golf glove",
            "A",
            "",
            "1974-02-01",
            "05123456",
            "A41D",
            "inventional",
            "1963218",
            "cited by examiner",
            "1. A glove.",
            "",
            "true",
            "1976"
        ]])
    );
}

#[tokio::test]
async fn missing_files_and_columns_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    current_dumps(&dir);
    std::fs::remove_file(dir.join("g_us_patent_citation.tsv")).unwrap();
    let input = StoreLocation::parse(dir.to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(tmp.path().join("out").to_str().unwrap()).unwrap();
    let err = format!("{:#}", run(&input, &output, &options(1.0)).await.unwrap_err());
    assert!(err.contains("lacks g_us_patent_citation.tsv(.zip)") && err.contains("g_patent.tsv.zip"), "{err}");

    write_dump(
        &dir,
        "g_us_patent_citation.tsv",
        "\"patent_id\"\t\"citation_sequence\"\t\"citation_date\"\n\"101\"\t0\t\"2001-02-01\"\n",
    );
    let err = format!("{:#}", run(&input, &output, &options(1.0)).await.unwrap_err());
    assert!(err.contains("g_us_patent_citation.tsv: missing required column(s) citation_patent_id"), "{err}");
    assert!(read_published(&output).await.unwrap().is_none(), "a failed ingest publishes nothing");
    let leftovers = std::fs::read_dir(tmp.path().join("out/runs")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "a failed ingest deletes its unfinished run");
}

#[tokio::test]
async fn reject_ratio_gate_keeps_previous_output_and_reruns_replace() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    current_dumps(&dir);
    let input = StoreLocation::parse(dir.to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(tmp.path().join("out").to_str().unwrap()).unwrap();
    let first = run(&input, &output, &options(0.9)).await.unwrap();

    // 7 of 19 rows are rejected: above a 10% gate the run fails and the first output stays published.
    let err = format!("{:#}", run(&input, &output, &options(0.1)).await.unwrap_err());
    assert!(err.contains("7 of 19 rows rejected") && err.contains("nothing published"), "{err}");
    assert_eq!(read_published(&output).await.unwrap().unwrap().run_id, first.run_id);

    // Re-running replaces: same row counts, and only the new run and the one it replaced remain.
    let second = run(&input, &output, &options(0.9)).await.unwrap();
    let third = run(&input, &output, &options(0.9)).await.unwrap();
    assert_ne!(second.run_id, third.run_id);
    let ctx = published_tables(&output, TABLES).await;
    assert_eq!(query(&ctx, "SELECT count(*) FROM patents").await, strings(&[&["3"]]));
    let runs: Vec<String> = std::fs::read_dir(tmp.path().join("out/runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut expected = vec![second.run_id.clone(), third.run_id.clone()];
    expected.sort();
    let mut runs = runs;
    runs.sort();
    assert_eq!(runs, expected);
}
