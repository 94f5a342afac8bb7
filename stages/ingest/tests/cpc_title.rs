//! Ingest's optional `g_cpc_title`: without it `cpc_title` is published empty and nothing fails;
//! with it the table holds one title per code of each level (class, subclass, group), the first in
//! file order, and a malformed row goes to `rejects`.

use std::path::Path;

use ingest::parse::ParseOptions;
use ingest::run::{IngestOptions, run};
use pipeline_tests::{published_tables, query};
use schemas::Table;
use schemas::patentsview::DumpKind;
use stage_runtime::{EngineOptions, StoreLocation};

fn options() -> IngestOptions {
    IngestOptions {
        max_reject_ratio: 0.5,
        allow_missing: vec![DumpKind::Application, DumpKind::UsPatentCitation, DumpKind::Claims],
        parse: ParseOptions { max_record_bytes: 1 << 20, parallel_files: 2 },
        engine: EngineOptions { memory_limit: 256 << 20, target_partitions: Some(2), ..EngineOptions::default() },
        fingerprint: None,
    }
}

/// One patent with one code, and `titles` as `g_cpc_title.tsv` when given.
fn dumps(dir: &Path, titles: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("g_patent.tsv"),
        "\"patent_id\"\t\"patent_type\"\t\"patent_date\"\t\"patent_title\"\t\"wipo_kind\"\t\"num_claims\"\t\"withdrawn\"\t\"filename\"\n\
         \"100\"\t\"utility\"\t\"2001-02-03\"\t\"A thing\"\t\"B1\"\t2\t0\t\"ipg010203.xml\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("g_cpc_current.tsv"),
        "\"patent_id\"\t\"cpc_sequence\"\t\"cpc_section\"\t\"cpc_class\"\t\"cpc_subclass\"\t\"cpc_group\"\t\"cpc_type\"\n\
         \"100\"\t0\t\"G\"\t\"G06\"\t\"G06N\"\t\"G06N3/08\"\t\"inventional\"\n",
    )
    .unwrap();
    if let Some(titles) = titles {
        std::fs::write(dir.join("g_cpc_title.tsv"), titles).unwrap();
    }
}

async fn ingest(dir: &Path, titles: Option<&str>) -> (StoreLocation, stage_runtime::PublishedManifest) {
    dumps(&dir.join("in"), titles);
    let input = StoreLocation::parse(dir.join("in").to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(dir.join("out").to_str().unwrap()).unwrap();
    let published = run(&input, &output, &options()).await.unwrap();
    (output, published)
}

#[tokio::test]
async fn without_g_cpc_title_the_table_is_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let (output, published) = ingest(tmp.path(), None).await;
    assert_eq!(published.tables["cpc_title"].rows, 0);
    let ctx = published_tables(&output, &[Table::CpcTitle, Table::Cpc]).await;
    assert_eq!(query(&ctx, "SELECT count(*) FROM cpc_title").await, [["0"]]);
    assert_eq!(query(&ctx, "SELECT count(*) FROM cpc").await, [["1"]]);
}

#[tokio::test]
async fn g_cpc_title_gives_one_title_per_code_and_level() {
    // PatentsView's layout: one row per group, its subclass's and class's titles repeated. The
    // third row repeats G06N with another title (the first is kept) and writes a space inside its
    // group symbol; H04L's title is empty (left out); the last row is cut short (rejected).
    let titles = concat!(
        "\"cpc_subclass\"\t\"cpc_subclass_title\"\t\"cpc_group\"\t\"cpc_group_title\"\t\"cpc_class\"\t\"cpc_class_title\"\n",
        "\"G06N\"\t\"Computing arrangements based on specific computational models\"\t\"G06N3/00\"\t\"Computing arrangements based on biological models\"\t\"G06\"\t\"Computing; calculating or counting\"\n",
        "\"G06N\"\t\"Computing arrangements based on specific computational models\"\t\"G06N3/08\"\t\"Learning methods\"\t\"G06\"\t\"Computing; calculating or counting\"\n",
        "\"G06N\"\t\"A later title\"\t\"G06N 3/04\"\t\"Architecture, e.g. interconnection topology\"\t\"G06\"\t\"Computing; calculating or counting\"\n",
        "\"H04L\"\t\"\"\t\"H04L9/32\"\t\"Including means for verifying identity\"\t\"H04\"\t\"Electric communication technique\"\n",
        "\"H04L\"\t\"cut short\"\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let (output, published) = ingest(tmp.path(), Some(titles)).await;
    let ctx = published_tables(&output, &[Table::CpcTitle, Table::Rejects]).await;
    let rows = query(&ctx, "SELECT code, level, title FROM cpc_title ORDER BY code").await;
    let want = [
        ["G06", "class", "Computing; calculating or counting"],
        ["G06N", "subclass", "Computing arrangements based on specific computational models"],
        ["G06N3/00", "group", "Computing arrangements based on biological models"],
        ["G06N3/04", "group", "Architecture, e.g. interconnection topology"],
        ["G06N3/08", "group", "Learning methods"],
        ["H04", "class", "Electric communication technique"],
        ["H04L9/32", "group", "Including means for verifying identity"],
    ];
    assert_eq!(rows, want.map(|r| r.map(String::from).to_vec()).to_vec());
    let rejects = query(&ctx, "SELECT source_file, line, source_table, reason FROM rejects").await;
    assert_eq!(rejects, [["g_cpc_title.tsv", "6", "g_cpc_title", "expected 6 columns, found 2"]]);
    assert_eq!(published.metrics["files"]["g_cpc_title.tsv"]["rows"], 4);
}
