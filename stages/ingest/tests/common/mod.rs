//! Helpers the ingest test binaries share: test options, writing dump files (zipped or plain),
//! and a set of current-format dumps with known problems.

use std::io::Write;
use std::path::Path;

use ingest::parse::ParseOptions;
use ingest::run::IngestOptions;
use stage_runtime::EngineOptions;

/// Options for a test run with a small memory limit and 1 MiB records.
pub fn options(max_reject_ratio: f64) -> IngestOptions {
    IngestOptions {
        max_reject_ratio,
        allow_missing: vec![],
        parse: ParseOptions { max_record_bytes: 1 << 20, parallel_files: 2 },
        engine: EngineOptions { memory_limit: 256 << 20, target_partitions: Some(2), ..EngineOptions::default() },
        fingerprint: Some("test".into()),
    }
}

/// Writes `text` as dump `file` in `dir`: zipped (one member named without `.zip`) when the name ends
/// in `.zip`.
pub fn write_dump(dir: &Path, file: &str, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(dir).unwrap();
    if let Some(member) = file.strip_suffix(".zip") {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join(file)).unwrap());
        zip.start_file(member, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(text.as_ref()).unwrap();
        zip.finish().unwrap();
    } else {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

/// Current-format dumps (file, text) with known problems: rows 4-6 of g_patent and others are bad
/// on purpose.
pub const CURRENT_DUMPS: [(&str, &str); 5] = [
    (
        "g_patent.tsv.zip",
        concat!(
            "\"patent_id\"\t\"patent_type\"\t\"patent_date\"\t\"patent_title\"\t\"wipo_kind\"\t\"num_claims\"\t\"withdrawn\"\t\"filename\"\n",
            "\"100\"\t\"utility\"\t\"2001-02-03\"\t\"A \"\"smart\"\" thing\"\t\"B1\"\t2\t0\t\"ipg010203.xml\"\n",
            "\"101\"\t\"utility\"\t\"2002-05-07\"\t\"Tab\there\"\t\"B2\"\t1\t0\t\"ipg020507.xml\"\n",
            "\"102\"\t\"design\"\t\"2002-06-01\"\t\"\"\t\"S1\"\t\"\"\t\"\"\t\"\"\n",
            "\"101\"\t\"utility\"\t\"2002-05-07\"\t\"duplicate\"\t\"B2\"\t1\t0\t\"ipg020507.xml\"\n",
            "\"103\"\t\"utility\"\t\"2002-13-07\"\t\"bad date\"\t\"B2\"\t1\t0\t\"x\"\n",
            "\"104\"\t\"utility\"\t\"2002-05-07\"\n",
        ),
    ),
    (
        "g_application.tsv.zip",
        concat!(
            "\"application_id\"\t\"patent_id\"\t\"patent_application_type\"\t\"filing_date\"\t\"series_code\"\t\"rule_47_flag\"\n",
            "\"09123456\"\t\"100\"\t\"2\"\t\"1999-03-04\"\t\"09\"\t0\n",
            "\"10123456\"\t\"101\"\t\"2\"\t\"2000-01-31\"\t\"10\"\t0\n",
            "\"77777777\"\t\"999\"\t\"2\"\t\"2000-01-31\"\t\"10\"\t0\n",
        ),
    ),
    (
        "g_cpc_current.tsv.zip",
        concat!(
            "\"patent_id\"\t\"cpc_sequence\"\t\"cpc_section\"\t\"cpc_class\"\t\"cpc_subclass\"\t\"cpc_group\"\t\"cpc_type\"\n",
            "\"100\"\t0\t\"G\"\t\"G06\"\t\"G06N\"\t\"G06N3/08\"\t\"inventional\"\n",
            "\"100\"\t1\t\"H\"\t\"H04\"\t\"H04L\"\t\"H04L9/32\"\t\"additional\"\n",
            "\"101\"\t0\t\"A\"\t\"A63\"\t\"A63B\"\t\"A63B71/146\"\t\"inventional\"\n",
            "\"101\"\tx\t\"A\"\t\"A63\"\t\"A63B\"\t\"A63B71/146\"\t\"inventional\"\n",
            "\"555\"\t0\t\"A\"\t\"A63\"\t\"A63B\"\t\"A63B71/146\"\t\"inventional\"\n",
        ),
    ),
    // Plain, unzipped TSV is accepted too.
    (
        "g_us_patent_citation.tsv",
        concat!(
            "\"patent_id\"\t\"citation_sequence\"\t\"citation_patent_id\"\t\"citation_date\"\t\"record_name\"\t\"wipo_kind\"\t\"citation_category\"\n",
            "\"101\"\t0\t\"100\"\t\"2001-02-01\"\t\"Berg\"\t\"B1\"\t\"cited by examiner\"\n",
            "\"101\"\t1\t\"1963218\"\t\"1934-06-01\"\t\"Godshaw et al.\"\t\"A\"\t\"\"\n",
        ),
    ),
    (
        "g_claims_2001.tsv.zip",
        concat!(
            "\"patent_id\"\t\"claim_sequence\"\t\"claim_text\"\t\"dependent\"\t\"claim_number\"\t\"exemplary\"\n",
            "\"100\"\t0\t\"1. A thing comprising:\na part; and\n\na \"\"widget\"\".\"\t\"\"\t\"00001\"\t1\n",
            "\"100\"\t1\t\"2. The thing of claim 1\"\t\"claim 1\"\t\"00002\"\t0\n",
            "\"100\"\t2\t\"3. Unterminated claim\n",
        ),
    ),
];

/// Writes [`CURRENT_DUMPS`] into `dir`.
pub fn current_dumps(dir: &Path) {
    for (file, text) in CURRENT_DUMPS {
        write_dump(dir, file, text);
    }
}

/// Rows of string slices as owned rows, to compare with query results.
pub fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
}
