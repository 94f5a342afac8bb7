//! Reading published tables by name: `pipeline tables` lists them and prints DuckDB views,
//! `pipeline sql` queries them with DataFusion, locally and on S3 (moto). The run read here has an
//! empty partitioned table (a citation dump with a header and no rows) and an empty unpartitioned
//! one (no rejects): DuckDB (through the printed views), pyarrow (a hive dataset over the table's
//! folder) and DataFusion read every table with the same recipe, with the catalogue's columns and
//! the manifest's row counts.

use std::path::Path;
use std::process::Command;

use pipeline_tests::{MotoServer, binary, run_ok, workspace_root};
use schemas::Table;
use stage_runtime::{StoreLocation, read_published};

/// A current-format dump of three patents in two grant years, whose citation file holds no rows.
const DUMP: [(&str, &str); 5] = [
    (
        "g_patent.tsv",
        "patent_id\tpatent_type\tpatent_date\tpatent_title\twipo_kind\tnum_claims\twithdrawn\tfilename\n\
         100\tutility\t2001-02-03\tA widget\tB1\t1\t0\tx.xml\n\
         101\tutility\t2002-05-07\tA gadget\tB2\t1\t0\tx.xml\n\
         102\tutility\t2002-06-01\tA gizmo\tB2\t1\t0\tx.xml\n",
    ),
    (
        "g_application.tsv",
        "application_id\tpatent_id\tpatent_application_type\tfiling_date\tseries_code\trule_47_flag\n\
         09123456\t100\t2\t1999-03-04\t09\t0\n",
    ),
    (
        "g_cpc_current.tsv",
        "patent_id\tcpc_sequence\tcpc_section\tcpc_class\tcpc_subclass\tcpc_group\tcpc_type\n\
         100\t0\tG\tG06\tG06N\tG06N3/08\tinventional\n\
         100\t1\tH\tH04\tH04L\tH04L9/32\tadditional\n\
         101\t0\tA\tA63\tA63B\tA63B71/146\tinventional\n\
         102\t0\tG\tG06\tG06N\tG06N3/04\tinventional\n",
    ),
    (
        "g_us_patent_citation.tsv",
        "patent_id\tcitation_sequence\tcitation_patent_id\tcitation_date\trecord_name\twipo_kind\tcitation_category\n",
    ),
    (
        "g_claims_2001.tsv",
        "patent_id\tclaim_sequence\tclaim_text\tdependent\tclaim_number\texemplary\n\
         100\t0\t1. A widget.\t\t00001\t1\n",
    ),
];

/// Runs `pipeline` with `args` and `envs`; its stdout, panicking with both streams if it fails.
fn pipeline(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new(binary("pipeline")).args(args).envs(envs.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "pipeline {args:?} failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Runs a Python script with the project's virtual environment (duckdb and pyarrow, installed by
/// tests/run.sh); its stdout.
fn python(script: &str, args: &[&str]) -> String {
    let out =
        Command::new(workspace_root().join(".venv/bin/python")).arg("-c").arg(script).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "python failed:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

/// `table rows columns...` per table, as a reader sees it; every table of ingest's catalogue.
fn expected(published: &stage_runtime::PublishedManifest) -> Vec<String> {
    let mut lines: Vec<String> = schemas::catalogue::ingest::WRITES
        .iter()
        .map(|t: &Table| {
            let columns: Vec<&str> = t.def().columns.iter().map(|c| c.name).collect();
            format!("ingest.{} {} {}", t.name(), published.tables[t.name()].rows, columns.join(","))
        })
        .collect();
    lines.sort();
    lines
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn duckdb_pyarrow_and_datafusion_read_every_table_by_name_empty_ones_included() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    std::fs::create_dir_all(&dump).unwrap();
    for (name, text) in DUMP {
        std::fs::write(dump.join(name), text).unwrap();
    }
    let root = tmp.path().join("root");
    let root_text = root.to_str().unwrap();
    run_ok("ingest", &["--input", dump.to_str().unwrap(), "--output", &format!("{root_text}/ingest")], &[]);
    let published =
        read_published(&StoreLocation::parse(&format!("{root_text}/ingest")).unwrap()).await.unwrap().unwrap();
    assert_eq!((published.tables["citations"].rows, published.tables["rejects"].rows), (0, 0));
    assert_eq!(published.tables["cpc"].rows, 4);
    let expected = expected(&published);

    // The list names each table with its rows and its folder in the published run.
    let list = pipeline(&["tables", "--root", root_text], &[]);
    let citations = list.lines().find(|l| l.starts_with("ingest.citations ")).unwrap_or_else(|| panic!("{list}"));
    let fields: Vec<&str> = citations.split_whitespace().collect();
    assert_eq!(fields[1], "0", "{list}");
    assert!(fields.last().unwrap().ends_with(&format!("/ingest/runs/{}/citations/", published.run_id)), "{list}");

    // DuckDB runs the printed statements as they are.
    let views = pipeline(&["tables", "--root", root_text, "--duckdb"], &[]);
    let duckdb = python(
        "import duckdb, sys\n\
         con = duckdb.connect()\n\
         con.execute(sys.argv[1])\n\
         for (schema, name) in con.execute(\"SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal\").fetchall():\n\
         \x20   rel = con.sql(f'SELECT * FROM {schema}.{name}')\n\
         \x20   print(f'{schema}.{name}', len(rel.fetchall()), ','.join(rel.columns))\n",
        &[&views],
    );
    assert_eq!(sorted_lines(&duckdb), expected, "DuckDB:\n{views}");

    // pyarrow: a hive-partitioned dataset over each table's folder.
    let mut folders = vec![];
    for line in list.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let path = fields.last().unwrap().trim_start_matches("file://");
        folders.push(format!("{}={path}", fields[0]));
    }
    let folder_args: Vec<&str> = folders.iter().map(String::as_str).collect();
    let pyarrow = python(
        "import sys, pyarrow.dataset as ds\n\
         for arg in sys.argv[1:]:\n\
         \x20   name, path = arg.split('=', 1)\n\
         \x20   t = ds.dataset(path, format='parquet', partitioning='hive').to_table()\n\
         \x20   print(name, t.num_rows, ','.join(t.column_names))\n",
        &folder_args,
    );
    assert_eq!(sorted_lines(&pyarrow), expected);

    // DataFusion through `pipeline sql`: every table's count, and a join checked against DuckDB's answer.
    for line in &expected {
        let (name, rest) = line.split_once(' ').unwrap();
        let rows = rest.split(' ').next().unwrap();
        let csv = pipeline(
            &["sql", "--root", root_text, &format!("SELECT count(*) AS n FROM {name}"), "--format", "csv"],
            &[],
        );
        assert_eq!(csv, format!("n\n{rows}\n"), "{name}");
    }
    let join = "SELECT p.grant_year, c.cpc_subclass, count(*) AS n FROM ingest.patents p \
                JOIN ingest.cpc c ON c.patent_id = p.patent_id \
                LEFT JOIN ingest.citations t ON t.patent_id = p.patent_id \
                GROUP BY p.grant_year, c.cpc_subclass ORDER BY p.grant_year, c.cpc_subclass";
    let datafusion = pipeline(&["sql", "--root", root_text, join, "--format", "csv"], &[]);
    let duckdb = python(
        "import duckdb, sys\n\
         con = duckdb.connect()\n\
         con.execute(sys.argv[1])\n\
         print('grant_year,cpc_subclass,n')\n\
         for row in con.execute(sys.argv[2]).fetchall(): print(','.join(map(str, row)))\n",
        &[&views, join],
    );
    assert_eq!(datafusion, duckdb);
    assert_eq!(datafusion.lines().count(), 5, "header and four groups:\n{datafusion}");

    // JSON lines, a Parquet file, and statements from standard input.
    let json = pipeline(
        &[
            "sql",
            "--root",
            root_text,
            "SELECT patent_id, grant_year FROM ingest.patents ORDER BY patent_id",
            "--format",
            "json",
        ],
        &[],
    );
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first, serde_json::json!({"patent_id": "100", "grant_year": 2001}));
    let parquet = tmp.path().join("cpc.parquet");
    pipeline(
        &[
            "sql",
            "--root",
            root_text,
            "SELECT * FROM ingest.cpc",
            "--format",
            "parquet",
            "--output",
            parquet.to_str().unwrap(),
        ],
        &[],
    );
    let read_back = python(
        "import sys, pyarrow.parquet as pq\nprint(pq.read_table(sys.argv[1]).num_rows)",
        &[parquet.to_str().unwrap()],
    );
    assert_eq!(read_back.trim(), "4");
    let shell = Command::new(binary("pipeline"))
        .args(["sql", "--root", root_text])
        .stdin(
            std::fs::File::open(write(
                tmp.path(),
                "q.sql",
                "SHOW TABLES;\nSELECT count(*) AS n\n  FROM ingest.claims;\n",
            ))
            .unwrap(),
        )
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shell.stdout);
    assert!(shell.status.success(), "{shown}{}", String::from_utf8_lossy(&shell.stderr));
    assert!(shown.contains("| ingest ") && shown.contains("citations") && shown.contains("| 1 |"), "{shown}");

    // A query that fails says why and exits 1.
    let bad = Command::new(binary("pipeline"))
        .args(["sql", "--root", root_text, "SELECT * FROM ingest.nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"), "{}", String::from_utf8_lossy(&bad.stderr));
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn tables_and_sql_work_on_an_s3_root() {
    let moto = MotoServer::with_bucket("tables");
    let vars = moto.vars();
    let raw = moto.at("s3://tables/dump/");
    for (name, text) in DUMP {
        raw.put_bytes(name, text.as_bytes().to_vec()).await.unwrap();
    }
    run_ok("ingest", &["--input", "s3://tables/dump/", "--output", "s3://tables/root/ingest"], &vars);
    let published = read_published(&moto.at("s3://tables/root/ingest/")).await.unwrap().unwrap();

    let list = pipeline(&["tables", "--root", "s3://tables/root"], &vars);
    assert!(
        list.lines().any(|l| l.starts_with("ingest.citations ") && l.contains("s3://tables/root/ingest/runs/")),
        "{list}"
    );
    for line in expected(&published) {
        let (name, rest) = line.split_once(' ').unwrap();
        let rows = rest.split(' ').next().unwrap();
        let csv = pipeline(
            &["sql", "--root", "s3://tables/root", &format!("SELECT count(*) AS n FROM {name}"), "--format", "csv"],
            &vars,
        );
        assert_eq!(csv, format!("n\n{rows}\n"), "{name}");
    }
    // The DuckDB script for S3 loads httpfs and points its secret at the same endpoint.
    let views = pipeline(&["tables", "--root", "s3://tables/root", "--duckdb"], &vars);
    let host = moto.endpoint.trim_start_matches("http://");
    assert!(views.contains("LOAD httpfs;") && views.contains(&format!("ENDPOINT '{host}'")), "{views}");
    assert!(views.contains("read_parquet('s3://tables/root/ingest/runs/"), "{views}");
    assert!(!views.contains(pipeline_tests::MOTO_SECRET), "credentials must not be printed");
}
