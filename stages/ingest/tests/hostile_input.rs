//! Ingest on corrupt and hostile input. A byte-order mark or CRLF line endings change nothing; a
//! field that is not UTF-8, a header row repeated mid-file and a line over `--max-record-bytes` land
//! in `rejects` with file, line and reason while the other rows are kept; a 100 MB field is read
//! when the limit allows it. A truncated or corrupted zip, a zip holding two TSV files or none, and
//! a header that is not UTF-8 fail naming the file, publish nothing, leave no run folder behind and
//! keep the previous output published. A run that fails while other files are still being parsed
//! stops their parsers and writers before it returns, so none of them writes into its deleted folder.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use common::{CURRENT_DUMPS, current_dumps, options, strings, write_dump};
use ingest::run::{IngestOptions, run};
use pipeline_tests::{published_tables, query};
use schemas::catalogue::ingest::WRITES as TABLES;
use stage_runtime::{StoreLocation, read_published};

fn location(path: &Path) -> StoreLocation {
    StoreLocation::parse(path.to_str().unwrap()).unwrap()
}

/// The text of one of [`CURRENT_DUMPS`].
fn text_of(file: &str) -> &'static str {
    CURRENT_DUMPS.iter().find(|(name, _)| *name == file).expect("a current dump").1
}

/// Every published table of `output` as its rows in text, each row's values passed through `map`,
/// rows sorted.
async fn all_rows(output: &StoreLocation, map: impl Fn(String) -> String) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    let ctx = published_tables(output, TABLES).await;
    let mut tables = BTreeMap::new();
    for &t in TABLES {
        let mut rows: Vec<Vec<String>> = query(&ctx, &format!("SELECT * FROM {}", t.name()))
            .await
            .into_iter()
            .map(|row| row.into_iter().map(&map).collect())
            .collect();
        rows.sort();
        tables.insert(t.name(), rows);
    }
    tables
}

/// Runs ingest from `input` to `output` and returns its rejects as (file, line, table, reason).
async fn rejects(input: &Path, output: &Path, options: &IngestOptions) -> Vec<Vec<String>> {
    let output = location(output);
    run(&location(input), &output, options).await.unwrap();
    let ctx = published_tables(&output, TABLES).await;
    query(&ctx, "SELECT source_file, line, source_table, reason FROM rejects ORDER BY source_file, line").await
}

#[tokio::test]
async fn byte_order_marks_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    current_dumps(&tmp.path().join("plain"));
    for (file, text) in CURRENT_DUMPS {
        write_dump(&tmp.path().join("bom"), file, format!("\u{feff}{text}"));
    }
    let (plain, bom) = (location(&tmp.path().join("plain-out")), location(&tmp.path().join("bom-out")));
    run(&location(&tmp.path().join("plain")), &plain, &options(0.9)).await.unwrap();
    run(&location(&tmp.path().join("bom")), &bom, &options(0.9)).await.unwrap();
    let rows = all_rows(&bom, |v| v).await;
    assert_eq!(rows["patents"].len(), 3, "{:?}", rows["patents"]);
    assert_eq!(rows, all_rows(&plain, |v| v).await);
}

#[tokio::test]
async fn crlf_line_endings_read_as_lf() {
    let tmp = tempfile::tempdir().unwrap();
    current_dumps(&tmp.path().join("lf"));
    for (file, text) in CURRENT_DUMPS {
        write_dump(&tmp.path().join("crlf"), file, text.replace('\n', "\r\n"));
    }
    let (lf, crlf) = (location(&tmp.path().join("lf-out")), location(&tmp.path().join("crlf-out")));
    run(&location(&tmp.path().join("lf")), &lf, &options(0.9)).await.unwrap();
    run(&location(&tmp.path().join("crlf")), &crlf, &options(0.9)).await.unwrap();
    let rows = all_rows(&crlf, |v| v).await;
    for value in rows.values().flatten().flatten() {
        assert!(!value.ends_with('\r'), "a value keeps the line end's \\r: {value:?}");
    }
    // Line breaks inside a quoted field (claim 1 spans four lines) are data: they stay CRLF.
    assert!(rows["claims"].iter().flatten().any(|v| v.contains("comprising:\r\na part")), "{:?}", rows["claims"]);
    let as_lf = all_rows(&crlf, |v| v.replace("\r\n", "\n")).await;
    assert_eq!(as_lf, all_rows(&lf, |v| v).await);
}

#[tokio::test]
async fn invalid_utf8_and_a_repeated_header_are_rejected_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    current_dumps(&dir);
    let patent = text_of("g_patent.tsv.zip");
    let header = patent.lines().next().unwrap();
    // Line 8: a Latin-1 title; line 9: the header again, as when two dumps are concatenated; line 10
    // a good row after it.
    let mut text = patent.as_bytes().to_vec();
    text.extend_from_slice(b"\"105\"\t\"utility\"\t\"2003-01-07\"\t\"caf\xe9 table\"\t\"B1\"\t1\t0\t\"x\"\n");
    text.extend_from_slice(format!("{header}\n").as_bytes());
    text.extend_from_slice(b"\"106\"\t\"utility\"\t\"2003-01-07\"\t\"after the header\"\t\"B1\"\t1\t0\t\"x\"\n");
    write_dump(&dir, "g_patent.tsv.zip", &text);
    let out = tmp.path().join("out");
    let rejects = rejects(&dir, &out, &options(0.9)).await;
    let patent_rejects: Vec<Vec<String>> = rejects.into_iter().filter(|r| r[0] == "g_patent.tsv.zip").collect();
    assert_eq!(
        patent_rejects,
        strings(&[
            &["g_patent.tsv.zip", "5", "g_patent", "duplicate patent_id; the first row is kept"],
            &["g_patent.tsv.zip", "6", "g_patent", "patent_date: bad date `2002-13-07`"],
            &["g_patent.tsv.zip", "7", "g_patent", "expected 8 columns, found 3"],
            &["g_patent.tsv.zip", "8", "g_patent", "patent_title: not valid UTF-8"],
            &["g_patent.tsv.zip", "9", "g_patent", "repeated header row (were two dumps concatenated?)"],
        ])
    );
    let ctx = published_tables(&location(&out), TABLES).await;
    let raw = query(&ctx, "SELECT raw FROM rejects WHERE source_file = 'g_patent.tsv.zip' AND line = 8").await;
    assert!(raw[0][0].contains("caf\u{fffd} table"), "the raw text keeps the row, lossily: {raw:?}");
    let kept = query(&ctx, "SELECT patent_id, title FROM patents ORDER BY patent_id").await;
    assert_eq!(
        kept,
        strings(&[&["100", "A \"smart\" thing"], &["101", "Tab\there"], &["102", ""], &["106", "after the header"]])
    );
}

/// A claim text of 100 MiB.
const HUGE: usize = 100 << 20;

/// Writes a plain `g_claims_2001.tsv` into `dir` (replacing the zipped one) whose line 2 holds a
/// [`HUGE`] claim text, streamed in 1 MiB pieces so the test never holds it whole.
fn write_huge_claim(dir: &Path) {
    std::fs::remove_file(dir.join("g_claims_2001.tsv.zip")).unwrap();
    let file = std::fs::File::create(dir.join("g_claims_2001.tsv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    out.write_all(text_of("g_claims_2001.tsv.zip").lines().next().unwrap().as_bytes()).unwrap();
    out.write_all(b"\n\"100\"\t0\t\"").unwrap();
    let piece: Vec<u8> = b"a widget ".iter().copied().cycle().take(1 << 20).collect();
    for _ in 0..HUGE / piece.len() {
        out.write_all(&piece).unwrap();
    }
    out.write_all(b"\"\t\"\"\t\"00001\"\t1\n\"100\"\t1\t\"2. The thing of claim 1\"\t\"claim 1\"\t\"00002\"\t0\n")
        .unwrap();
    out.flush().unwrap();
}

#[tokio::test]
async fn a_100_mb_field_over_the_default_record_limit_is_rejected_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    current_dumps(&dir);
    write_huge_claim(&dir);
    let mut options = options(0.9);
    // The command line's default, `--max-record-bytes 64MiB`.
    options.parse.max_record_bytes = 64 << 20;
    let out = tmp.path().join("out");
    let rejects = rejects(&dir, &out, &options).await;
    assert!(
        rejects.contains(
            &strings(&[&["g_claims_2001.tsv", "2", "g_claims", "line runs past 67108864 bytes (--max-record-bytes)"]])
                [0]
        ),
        "{rejects:?}"
    );
    let ctx = published_tables(&location(&out), TABLES).await;
    let claims = query(&ctx, "SELECT claim_sequence, claim_text FROM claims").await;
    assert_eq!(claims, strings(&[&["1", "2. The thing of claim 1"]]));
}

#[tokio::test]
async fn a_100_mb_field_is_read_within_a_raised_record_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    current_dumps(&dir);
    write_huge_claim(&dir);
    let mut options = options(0.9);
    options.parse.max_record_bytes = 128 << 20;
    options.engine.memory_limit = 1 << 30;
    let out = tmp.path().join("out");
    let rejects = rejects(&dir, &out, &options).await;
    assert!(rejects.iter().all(|r| r[0] != "g_claims_2001.tsv"), "{rejects:?}");
    let ctx = published_tables(&location(&out), TABLES).await;
    let claims = query(
        &ctx,
        "SELECT claim_sequence, octet_length(claim_text), substr(claim_text, 1, 18) FROM claims ORDER BY claim_sequence",
    )
    .await;
    assert_eq!(claims, strings(&[&["0", &HUGE.to_string(), "a widget a widget "], &["1", "23", "2. The thing of cl"]]));
}

/// Writes a zip archive at `path` holding `members` (name, content).
fn write_zip(path: &Path, members: &[(&str, &str)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, text) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// Flips the bytes in the middle of the first member's compressed data: the archive still opens,
/// but the member no longer inflates to what its checksum says.
fn corrupt_zip_data(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let compressed = u32::from_le_bytes(bytes[18..22].try_into().unwrap()) as usize;
    let start = 30 + u16_at(26) + u16_at(28);
    assert!(compressed > 16, "the member is too small to corrupt");
    for b in &mut bytes[start + compressed / 4..start + compressed / 2] {
        *b ^= 0xff;
    }
    std::fs::write(path, bytes).unwrap();
}

/// Writes `g_patent.tsv.zip` with a 0xff byte, never valid in UTF-8, inside a column name.
fn write_patents_with_a_non_utf8_header(dir: &Path) {
    let text = text_of("g_patent.tsv.zip").replacen("patent_title", "patent_t\u{0}tle", 1);
    write_dump(dir, "g_patent.tsv.zip", text.bytes().map(|b| if b == 0 { 0xff } else { b }).collect::<Vec<u8>>());
}

/// Damages one file in a folder of good dumps.
type Damage = fn(&Path);

#[tokio::test]
async fn broken_zips_and_headers_fail_naming_the_file_and_keep_the_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let output = location(&tmp.path().join("out"));
    current_dumps(&tmp.path().join("good"));
    let first = run(&location(&tmp.path().join("good")), &output, &options(0.9)).await.unwrap();

    let cases: [(&str, Damage, &str); 5] = [
        (
            "a truncated zip",
            |dir| {
                let path = dir.join("g_cpc_current.tsv.zip");
                let len = std::fs::metadata(&path).unwrap().len();
                std::fs::File::options().write(true).open(&path).unwrap().set_len(len / 2).unwrap();
            },
            "g_cpc_current.tsv.zip is not a readable zip",
        ),
        (
            "a zip with corrupted data",
            |dir| corrupt_zip_data(&dir.join("g_cpc_current.tsv.zip")),
            "reading g_cpc_current.tsv.zip",
        ),
        (
            "a zip holding two TSV files",
            |dir| {
                let text = text_of("g_cpc_current.tsv.zip");
                write_zip(&dir.join("g_cpc_current.tsv.zip"), &[("a.tsv", text), ("b.tsv", text)]);
            },
            "g_cpc_current.tsv.zip should hold exactly one .tsv file, holds 2",
        ),
        (
            "a zip holding no TSV file",
            |dir| write_zip(&dir.join("g_cpc_current.tsv.zip"), &[("README.txt", "nothing here")]),
            "g_cpc_current.tsv.zip should hold exactly one .tsv file, holds 0",
        ),
        ("a header that is not UTF-8", write_patents_with_a_non_utf8_header, "g_patent.tsv.zip: header is not UTF-8"),
    ];
    for (case, prepare, expected) in cases {
        let bad = tmp.path().join(case.replace(' ', "-"));
        current_dumps(&bad);
        prepare(&bad);
        let err = format!("{:#}", run(&location(&bad), &output, &options(0.9)).await.unwrap_err());
        assert!(err.contains(expected), "{case}: expected `{expected}` in: {err}");
        let alive = tokio::runtime::Handle::current().metrics().num_alive_tasks();
        assert_eq!(alive, 0, "{case}: tasks of the failed run still alive after it returned");
        assert_eq!(read_published(&output).await.unwrap().as_ref(), Some(&first), "{case}: the published run changed");
        let runs: Vec<String> = std::fs::read_dir(tmp.path().join("out/runs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(runs, [first.run_id.as_str()], "{case}: the failed run left its folder");
    }
    let ctx = published_tables(&output, TABLES).await;
    assert_eq!(query(&ctx, "SELECT count(*) FROM patents").await, strings(&[&["3"]]), "the previous output reads");
}

/// g_patent's header fails while a long g_application is still being parsed on the other file
/// slot. The run must stop that parser and its staging writers before it deletes its folder and
/// returns: one left running would write into the deleted folder afterwards (CI once saw a run
/// folder come back this way). So when `run` returns, no task it spawned on this runtime is alive.
#[tokio::test]
async fn a_failed_run_stops_its_other_files_before_it_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let dumps = tmp.path().join("dumps");
    current_dumps(&dumps);
    let (header, rows) = text_of("g_application.tsv.zip").split_once('\n').unwrap();
    let row = rows.lines().next().unwrap();
    std::fs::remove_file(dumps.join("g_application.tsv.zip")).unwrap();
    write_dump(&dumps, "g_application.tsv", format!("{header}\n{}", format!("{row}\n").repeat(500_000)));
    write_patents_with_a_non_utf8_header(&dumps);

    let output = location(&tmp.path().join("out"));
    let err = format!("{:#}", run(&location(&dumps), &output, &options(0.9)).await.unwrap_err());
    assert!(err.contains("g_patent.tsv.zip: header is not UTF-8"), "{err}");
    let alive = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    assert_eq!(alive, 0, "tasks of the failed run still alive after it returned: {err}");
    let runs = tmp.path().join("out/runs");
    let left = std::fs::read_dir(&runs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the failed run left a folder in {}", runs.display());
}
