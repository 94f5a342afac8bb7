//! Checks generated dumps with an independent, quote-aware reader: the real bulk-dump format
//! (packaging, header, quoting), the consistency between tables, and the shapes later stages rely on.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use schemas::patentsview::{APPLICATION, CPC_CURRENT, DumpTable, PATENT, US_PATENT_CITATION};
use synth_patentsview::{SynthConfig, SynthSummary, generate};

/// A parsed field: whether it was in quotes, and its value with doubled quotes undone.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Quoted(String),
    Bare(String),
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Quoted(s) | Cell::Bare(s) => s,
        }
    }
}

/// Splits TSV text into records, honouring quotes (TABs, newlines and `""` inside quoted fields).
fn parse_tsv(text: &str) -> Vec<Vec<Cell>> {
    let mut records = vec![];
    let mut record = vec![];
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let cell = if chars.peek() == Some(&'"') {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next().expect("unterminated quoted field") {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
            Cell::Quoted(value)
        } else {
            let mut value = String::new();
            while let Some(&c) = chars.peek().filter(|&&c| c != '\t' && c != '\n') {
                value.push(c);
                chars.next();
            }
            Cell::Bare(value)
        };
        record.push(cell);
        match chars.next() {
            Some('\t') => {}
            Some('\n') | None => records.push(std::mem::take(&mut record)),
            Some(c) => panic!("unexpected {c:?} after a field"),
        }
    }
    records
}

/// Reads a generated zip, checking it holds exactly one `<stem>.tsv` at its root.
fn read_zip(path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    assert_eq!(archive.len(), 1, "{} holds one member", path.display());
    let mut member = archive.by_index(0).unwrap();
    let file_name = path.file_name().unwrap().to_str().unwrap();
    assert_eq!(member.name().unwrap(), file_name.strip_suffix(".zip").unwrap());
    let mut text = String::new();
    member.read_to_string(&mut text).unwrap();
    text
}

struct Dump {
    dir: tempfile::TempDir,
    summary: SynthSummary,
}

impl Dump {
    fn new(config: &SynthConfig) -> Dump {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(config, dir.path()).unwrap();
        Dump { dir, summary }
    }

    /// The data records of a file; the header is checked against `table`.
    fn table(&self, file_name: &str, table: &DumpTable) -> Vec<Vec<Cell>> {
        let mut records = parse_tsv(&read_zip(&self.dir.path().join(file_name)));
        let header = records.remove(0);
        let expected: Vec<Cell> = table.columns.iter().map(|c| Cell::Quoted(c.name.to_string())).collect();
        assert_eq!(header, expected, "header of {file_name}");
        records
    }

    fn claims(&self) -> Vec<Vec<Cell>> {
        let files = self.summary.files.iter().filter(|(name, _)| name.starts_with("g_claims_"));
        files.flat_map(|(name, _)| self.table(name, &schemas::patentsview::CLAIMS)).collect()
    }
}

fn small(seed: u64) -> SynthConfig {
    SynthConfig { patents: 300, seed, ..SynthConfig::default() }
}

/// Numeric columns hold bare integers, all others quoted text.
fn check_quoting(records: &[Vec<Cell>], table: &DumpTable) {
    for record in records {
        assert_eq!(record.len(), table.columns.len(), "{} row {record:?}", table.name);
        for (cell, column) in record.iter().zip(table.columns) {
            match cell {
                Cell::Bare(v) => assert!(column.numeric && v.parse::<i64>().is_ok(), "{}.{} = {v}", table.name, column.name),
                Cell::Quoted(v) => assert!(!column.numeric, "{}.{} quoted: {v}", table.name, column.name),
            }
        }
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let bytes = |dump: &Dump| -> Vec<(String, Vec<u8>)> {
        let files = dump.summary.files.iter();
        files.map(|(name, _)| (name.clone(), std::fs::read(dump.dir.path().join(name)).unwrap())).collect()
    };
    let (a, b, c) = (Dump::new(&small(7)), Dump::new(&small(7)), Dump::new(&small(8)));
    assert_eq!(bytes(&a), bytes(&b));
    assert_eq!(a.summary, b.summary);
    let (a, c) = (bytes(&a), bytes(&c));
    assert!(a.iter().zip(&c).all(|(x, y)| x.0 == y.0 && x.1 != y.1), "a different seed changes every file");
}

#[test]
fn files_tables_and_quoting_follow_the_real_format() {
    let dump = Dump::new(&SynthConfig::default());
    let names: Vec<&str> = dump.summary.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..4], ["g_patent.tsv.zip", "g_application.tsv.zip", "g_cpc_current.tsv.zip", "g_us_patent_citation.tsv.zip"]);
    let years: Vec<String> = (2000..2020).map(|y| format!("g_claims_{y}.tsv.zip")).collect();
    assert_eq!(names[4..], years.iter().map(String::as_str).collect::<Vec<_>>());

    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    assert_eq!(patents.len(), 2000);
    check_quoting(&patents, &PATENT);
    check_quoting(&dump.table("g_application.tsv.zip", &APPLICATION), &APPLICATION);
    check_quoting(&dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT), &CPC_CURRENT);
    check_quoting(&dump.table("g_us_patent_citation.tsv.zip", &US_PATENT_CITATION), &US_PATENT_CITATION);
    let claims = dump.claims();
    check_quoting(&claims, &schemas::patentsview::CLAIMS);
    for (name, rows) in &dump.summary.files {
        let kind = schemas::patentsview::DumpFileName::parse(name).unwrap().kind;
        assert_eq!(dump.table(name, kind.table()).len() as u64, *rows, "{name}");
    }

    // Ids increase with grant dates; a few design and reissue patents.
    let kinds: HashMap<&str, usize> = patents.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r[1].text()).or_default() += 1;
        m
    });
    assert!(kinds["design"] > 50 && kinds["reissue"] > 3 && kinds["utility"] > 1700, "{kinds:?}");
    let utility: Vec<(&str, u64)> = patents.iter().filter(|r| r[1].text() == "utility").map(|r| (r[2].text(), r[0].text().parse().unwrap())).collect();
    assert!(utility.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
    assert!((6_000_000..6_100_000).contains(&utility[0].1), "{}", utility[0].1);

    // Claims: counts match num_claims; text quirks are present; sequence/number/dependent agree.
    let mut per_patent: HashMap<&str, i64> = HashMap::new();
    for claim in &claims {
        let sequence: i64 = claim[1].text().parse().unwrap();
        assert_eq!(claim[4].text(), format!("{:05}", sequence + 1));
        assert!(claim[2].text().starts_with(&format!("{}. ", sequence + 1)));
        assert_eq!(claim[3].text().is_empty(), !claim[2].text().contains(" of claim "), "{claim:?}");
        *per_patent.entry(claim[0].text()).or_default() += 1;
    }
    for patent in &patents {
        let count = per_patent[patent[0].text()];
        assert_eq!(patent[5].text().parse::<i64>().unwrap(), count);
        assert!((3..=20).contains(&count));
    }
    let texts = || claims.iter().map(|c| c[2].text());
    assert!(texts().filter(|t| t.contains('\n')).count() > 20);
    assert!(texts().filter(|t| t.contains('"')).count() > 5);
    assert!(texts().any(|t| t.contains('\t')));
}

#[test]
fn cpc_codes_are_hierarchical_skewed_and_clustered() {
    let dump = Dump::new(&SynthConfig::default());
    let rows = dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT);
    let mut by_patent: HashMap<&str, Vec<&str>> = HashMap::new();
    for row in &rows {
        let group = row[5].text();
        let (subclass, rest) = group.split_at(4);
        assert_eq!((row[2].text(), row[3].text(), row[4].text()), (&group[..1], &group[..3], subclass));
        assert!("ABCDEFGHY".contains(row[2].text()) && row[3].text()[1..].chars().all(|c| c.is_ascii_digit()));
        let (main, sub) = rest.split_once('/').unwrap();
        assert!(main.parse::<u32>().is_ok() && sub.len() >= 2 && sub.parse::<u32>().is_ok(), "{group}");
        let codes = by_patent.entry(row[0].text()).or_default();
        assert_eq!(row[1].text(), codes.len().to_string(), "0-based sequence");
        assert_eq!(row[6].text(), if codes.is_empty() { "inventional" } else { row[6].text() });
        assert!(!codes.contains(&group));
        codes.push(group);
    }
    assert_eq!(by_patent.len(), 2000);
    let mean = rows.len() as f64 / 2000.0;
    assert!((3.5..6.0).contains(&mean), "{mean}");
    assert!(by_patent.values().all(|c| (1..=8).contains(&c.len())));

    let mut usage: HashMap<&str, usize> = HashMap::new();
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for codes in by_patent.values() {
        for (i, a) in codes.iter().enumerate() {
            *usage.entry(a).or_default() += 1;
            for b in &codes[i + 1..] {
                *pairs.entry(if a < b { (a, b) } else { (b, a) }).or_default() += 1;
            }
        }
    }
    assert!((200..2500).contains(&usage.len()), "{} distinct groups", usage.len());
    let mut counts: Vec<usize> = usage.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(counts[0] > 20 * counts[counts.len() / 2], "skewed usage: {counts:?}");
    // Topics make some pairs co-occur far more often than independent use would.
    let lift = |(&(a, b), &n): (&(&str, &str), &usize)| n as f64 * 2000.0 / (usage[a] * usage[b]) as f64;
    let strong = pairs.iter().filter(|&(_, &n)| n >= 10).map(lift).fold(0.0, f64::max);
    assert!(strong > 5.0, "max lift {strong}");
}

#[test]
fn citations_point_back_in_time_with_heavy_tailed_in_degree() {
    let dump = Dump::new(&SynthConfig::default());
    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    let granted: HashMap<&str, (&str, &str)> = patents.iter().map(|r| (r[0].text(), (r[2].text(), r[4].text()))).collect();
    let first_utility: u64 = patents.iter().find(|r| r[1].text() == "utility").unwrap()[0].text().parse().unwrap();
    let citations = dump.table("g_us_patent_citation.tsv.zip", &US_PATENT_CITATION);
    let mut in_degree: HashMap<&str, usize> = HashMap::new();
    let mut sequences: HashMap<&str, i64> = HashMap::new();
    let mut pre_corpus = 0;
    for c in &citations {
        let next = sequences.entry(c[0].text()).or_default();
        assert_eq!(c[1].text().parse::<i64>().unwrap(), *next);
        *next += 1;
        let citing_date = granted[c[0].text()].0;
        assert!(["cited by applicant", "cited by examiner"].contains(&c[6].text()));
        assert!(c[3].text().ends_with("-01") && !c[4].text().is_empty());
        match granted.get(c[2].text()) {
            Some(&(date, kind)) => {
                assert!(date < citing_date, "{c:?} cites a patent granted {date}");
                assert_eq!((&c[3].text()[..8], c[5].text()), (&date[..8], kind));
                *in_degree.entry(c[2].text()).or_default() += 1;
            }
            None => {
                assert!(c[2].text().parse::<u64>().unwrap() < first_utility, "{c:?}");
                assert!(c[3].text() < citing_date);
                pre_corpus += 1;
            }
        }
    }
    assert!(citations.len() > 10_000 && pre_corpus > 100, "{} citations, {pre_corpus} pre-corpus", citations.len());
    let in_corpus = (citations.len() - pre_corpus) as f64;
    let mean = in_corpus / 2000.0;
    let max = *in_degree.values().max().unwrap() as f64;
    assert!(max > 10.0 * mean, "max in-degree {max}, mean {mean}");
    let uncited = patents.len() - in_degree.len();
    assert!(uncited > 100, "many patents are never cited ({uncited})");
}

#[test]
fn injected_malformed_rows_are_where_asked() {
    let dump = Dump::new(&SynthConfig { inject_malformed: 8, ..small(3) });
    assert_eq!(dump.summary.malformed, 8);
    let bad_patents = dump.table("g_patent.tsv.zip", &PATENT).into_iter().filter(|r| r.len() != 8 || r[2].text() == "2001-13-45").count();
    let bad_cpc = dump
        .table("g_cpc_current.tsv.zip", &CPC_CURRENT)
        .into_iter()
        .filter(|r| r.len() != 7 || r[1].text().parse::<u32>().is_err())
        .count();
    assert_eq!((bad_patents, bad_cpc), (4, 4));
    let clean = Dump::new(&small(3));
    assert_eq!(clean.summary.malformed, 0);
}
