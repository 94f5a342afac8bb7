//! Checks generated dumps with an independent, quote-aware reader: the real bulk-dump format
//! (packaging, header, quoting), the consistency between tables, the marginals against the real
//! corpus's figures and against what the generator claims, and the planted ground truth recomputed
//! from the dumps.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use schemas::patentsview::{APPLICATION, CPC_CURRENT, CPC_TITLE, DumpTable, PATENT, US_PATENT_CITATION};
use synth_patentsview::impact::{ATYPICAL_EFFECT, HOT_CODE_EFFECT, HOT_TERM_EFFECT, HOT_TERMS};
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
                Cell::Bare(v) => {
                    assert!(column.numeric && v.parse::<i64>().is_ok(), "{}.{} = {v}", table.name, column.name)
                }
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
    assert_eq!(
        names[..4],
        ["g_patent.tsv.zip", "g_application.tsv.zip", "g_cpc_current.tsv.zip", "g_us_patent_citation.tsv.zip"]
    );
    let years: Vec<String> = (1976..2026).map(|y| format!("g_claims_{y}.tsv.zip")).collect();
    assert_eq!(names[4..names.len() - 1], years.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(names.last(), Some(&"g_cpc_title.tsv.zip"));

    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    assert_eq!(patents.len(), 2000);
    check_quoting(&patents, &PATENT);
    check_quoting(&dump.table("g_application.tsv.zip", &APPLICATION), &APPLICATION);
    check_quoting(&dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT), &CPC_CURRENT);
    check_quoting(&dump.table("g_us_patent_citation.tsv.zip", &US_PATENT_CITATION), &US_PATENT_CITATION);
    let claims = dump.claims();
    check_quoting(&claims, &schemas::patentsview::CLAIMS);
    check_quoting(&dump.table("g_cpc_title.tsv.zip", &CPC_TITLE), &CPC_TITLE);
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
    let utility: Vec<(&str, u64)> = patents
        .iter()
        .filter(|r| r[1].text() == "utility")
        .map(|r| (r[2].text(), r[0].text().parse().unwrap()))
        .collect();
    assert!(utility.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1));
    assert!((3_930_000..3_960_000).contains(&utility[0].1), "1976's numbers: {}", utility[0].1);

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
        assert!((1..=150).contains(&count));
        assert!(patent[1].text() != "design" || count == 1, "a design patent has one claim");
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
    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    let designs: HashSet<&str> = patents.iter().filter(|r| r[1].text() == "design").map(|r| r[0].text()).collect();
    assert_eq!(by_patent.len(), 2000 - designs.len(), "every patent but the design patents has codes");
    assert!(by_patent.keys().all(|p| !designs.contains(p)));

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
    let mut counts: Vec<usize> = usage.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    // Of the scheme's 261,155 groups, the 1,000 most used carry a large share of the assignments.
    let top: usize = counts[..1000].iter().sum();
    assert!(
        top as f64 > 0.35 * rows.len() as f64,
        "skewed usage: the top 1,000 groups carry {top} of {} rows",
        rows.len()
    );
    assert!(counts.iter().filter(|&&c| c == 1).count() > counts.len() / 3, "most groups in use are rare");
    // Topics make some pairs co-occur far more often than independent use would.
    let patents = by_patent.len() as f64;
    let lift = |(&(a, b), &n): (&(&str, &str), &usize)| n as f64 * patents / (usage[a] * usage[b]) as f64;
    let strong = pairs.iter().filter(|&(_, &n)| n >= 10).map(lift).fold(0.0, f64::max);
    assert!(strong > 5.0, "max lift {strong}");
}

/// The marginals of a dump, counted from its files.
#[derive(Debug)]
struct Marginals {
    patents: usize,
    with_codes: usize,
    cpc_rows_per_patent: f64,
    subclasses_per_patent: f64,
    multi_subclass_share: f64,
    long_tail_share: f64,
    citations_per_patent: f64,
    claims_per_utility_patent: f64,
    claim_bytes_mean: f64,
    first_claim_longest_share: f64,
    groups_in_use: usize,
}

fn marginals(dump: &Dump) -> Marginals {
    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    let cpc = dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT);
    let mut codes: HashMap<&str, (usize, BTreeSet<&str>)> = HashMap::new();
    for row in &cpc {
        let entry = codes.entry(row[0].text()).or_default();
        entry.0 += 1;
        entry.1.insert(row[4].text());
    }
    let citations = dump.table("g_us_patent_citation.tsv.zip", &US_PATENT_CITATION).len();
    let utility: HashSet<&str> = patents.iter().filter(|r| r[1].text() == "utility").map(|r| r[0].text()).collect();
    let claims = dump.claims();
    let mut first: HashMap<&str, (usize, bool)> = HashMap::new();
    for c in &claims {
        let len = c[2].text().len();
        let entry = first.entry(c[0].text()).or_insert((len, true));
        entry.1 &= len <= entry.0;
    }
    let n = codes.len() as f64;
    Marginals {
        patents: patents.len(),
        with_codes: codes.len(),
        cpc_rows_per_patent: cpc.len() as f64 / n,
        subclasses_per_patent: codes.values().map(|(_, s)| s.len()).sum::<usize>() as f64 / n,
        multi_subclass_share: codes.values().filter(|(_, s)| s.len() > 1).count() as f64 / n,
        long_tail_share: codes.values().filter(|(rows, _)| *rows > 15).count() as f64 / n,
        citations_per_patent: citations as f64 / patents.len() as f64,
        claims_per_utility_patent: claims.iter().filter(|c| utility.contains(c[0].text())).count() as f64
            / utility.len() as f64,
        claim_bytes_mean: claims.iter().map(|c| c[2].text().len()).sum::<usize>() as f64 / claims.len() as f64,
        first_claim_longest_share: first.values().filter(|(_, longest)| *longest).count() as f64 / first.len() as f64,
        groups_in_use: cpc.iter().map(|r| r[5].text()).collect::<HashSet<_>>().len(),
    }
}

fn summary(dump: &Dump) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dump.dir.path().join("ground_truth/summary.json")).unwrap()).unwrap()
}

#[test]
fn marginals_match_the_real_corpus_and_the_generator_s_claims() {
    let dump = Dump::new(&SynthConfig { patents: 6000, ..SynthConfig::default() });
    let m = marginals(&dump);
    // Against ../shared/docs/real-corpus.md.
    assert!((5.0..7.0).contains(&m.cpc_rows_per_patent), "CPC rows per patent: {m:?}");
    assert!(m.long_tail_share > 0.02, "a long tail of codes per patent: {m:?}");
    assert!((2.0..3.0).contains(&m.subclasses_per_patent) && m.multi_subclass_share > 0.5, "{m:?}");
    assert!(
        (13.0..19.0).contains(&m.citations_per_patent),
        "about 16 citations per patent over 1976-2025 (fewer in a small sample, where repeated picks are dropped): {m:?}"
    );
    assert!((15.0..17.0).contains(&m.claims_per_utility_patent), "{m:?}");
    assert!((300.0..350.0).contains(&m.claim_bytes_mean), "{m:?}");
    assert!(m.first_claim_longest_share > 0.8, "{m:?}");
    // Against what the generator says it wrote.
    let s = summary(&dump);
    let (marginal, scheme) = (&s["marginals"], &s["scheme"]);
    assert_eq!(marginal["patents"], m.patents);
    assert_eq!(marginal["patents_with_codes"], m.with_codes);
    assert_eq!(scheme["groups_in_use"], m.groups_in_use);
    let close =
        |name: &str, value: f64| assert!((marginal[name].as_f64().unwrap() - value).abs() < 1e-9, "{name}: {value}");
    close("cpc_rows_per_patent_with_codes", m.cpc_rows_per_patent);
    close("subclasses_per_patent_with_codes", m.subclasses_per_patent);
    close("share_spanning_several_subclasses", m.multi_subclass_share);
    close("citations_per_patent", m.citations_per_patent);
    close("claims_per_utility_patent", m.claims_per_utility_patent);
    close("claim_bytes_mean", m.claim_bytes_mean);
    close("share_first_claim_longest", m.first_claim_longest_share);
    let counts: Vec<u64> = ["sections", "classes", "subclasses", "main_groups", "groups"]
        .iter()
        .map(|k| scheme[k].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [9, 136, 673, 10_000, 261_155], "the real CPC scheme's size");
    assert!(m.groups_in_use > 5_000, "thousands of groups in use: {m:?}");
}

/// Reads `ground_truth/<name>` as rows of named CSV fields.
fn csv(dump: &Dump, name: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(dump.dir.path().join("ground_truth").join(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

#[test]
fn ground_truth_agrees_with_the_dumps() {
    let dump = Dump::new(&SynthConfig { patents: 10_000, first_year: 2001, years: 25, ..SynthConfig::default() });
    let truth = csv(&dump, "patents.csv");
    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    assert_eq!(
        truth.iter().map(|r| r["patent_id"].as_str()).collect::<Vec<_>>(),
        patents.iter().map(|r| r[0].text()).collect::<Vec<_>>()
    );
    let granted: HashMap<&str, chrono::NaiveDate> =
        patents.iter().map(|r| (r[0].text(), r[2].text().parse().unwrap())).collect();
    let s = summary(&dump);
    let hot_codes: HashSet<String> =
        s["planted"]["hot_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let opportunities = csv(&dump, "opportunities.csv");
    let opportunity_of: HashMap<&str, &str> =
        opportunities.iter().map(|o| (o["topic"].as_str(), o["opportunity_code"].as_str())).collect();
    assert_eq!(opportunities.len(), 8);

    // Forward citations within 5 years, recounted from the citation table.
    let mut forward: HashMap<&str, (u32, u32)> = HashMap::new();
    let citations = dump.table("g_us_patent_citation.tsv.zip", &US_PATENT_CITATION);
    for c in &citations {
        if let Some(&cited) = granted.get(c[2].text()) {
            let citing = granted[c[0].text()];
            let entry = forward.entry(c[2].text()).or_default();
            entry.1 += 1;
            entry.0 += (citing > cited && citing <= cited.checked_add_months(chrono::Months::new(60)).unwrap()) as u32;
        }
    }
    let cpc = dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT);
    let mut subclasses: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in &cpc {
        subclasses.entry(row[0].text()).or_default().insert(row[4].text());
    }
    let claims = dump.claims();
    let first_claims: HashMap<&str, &str> =
        claims.iter().filter(|c| c[1].text() == "0").map(|c| (c[0].text(), c[2].text())).collect();
    let mut carriers = 0;
    for row in &truth {
        let id = row["patent_id"].as_str();
        let (in_window, all) = forward.get(id).copied().unwrap_or_default();
        assert_eq!(
            (row["forward_citations_5y"].parse::<u32>().unwrap(), row["forward_citations"].parse::<u32>().unwrap()),
            (in_window, all),
            "{id}"
        );
        let codes = subclasses.get(id).cloned().unwrap_or_default();
        let words: HashSet<&str> = first_claims[id].split(|c: char| !c.is_alphabetic()).collect();
        let hot_terms = HOT_TERMS.iter().filter(|t| words.contains(*t)).count();
        assert_eq!(row["hot_terms"].parse::<usize>().unwrap(), hot_terms, "{id}: {}", first_claims[id]);
        let hot_code = codes.iter().any(|c| hot_codes.contains(*c));
        assert_eq!(row["hot_code"] == "1", hot_code, "{id}");
        let opportunity = opportunity_of.get(row["topic"].as_str()).is_some_and(|code| codes.contains(code));
        assert_eq!(row["opportunity"] == "1", opportunity, "{id}");
        carriers += opportunity as usize;
        let multiplier: f64 = if opportunity { 4.0 } else { 1.0 };
        let score = HOT_TERM_EFFECT * hot_terms as f64
            + HOT_CODE_EFFECT * hot_code as u8 as f64
            + ATYPICAL_EFFECT * (row["atypical"] == "1") as u8 as f64
            + multiplier.ln();
        assert!((row["planted_score"].parse::<f64>().unwrap() - score).abs() < 1e-5, "{id}");
    }
    assert!(carriers > 10, "planted opportunities have carriers: {carriers}");
    let atypical = truth.iter().filter(|r| r["atypical"] == "1").count() as f64 / truth.len() as f64;
    assert!((0.02..0.08).contains(&atypical), "{atypical}");

    // Impact follows the planted score: the mean 5-year forward citations rise with it.
    let mean_forward = |keep: &dyn Fn(f64) -> bool| {
        let rows: Vec<f64> = truth
            .iter()
            .filter(|r| keep(r["planted_score"].parse().unwrap()))
            .map(|r| r["forward_citations_5y"].parse().unwrap())
            .collect();
        rows.iter().sum::<f64>() / rows.len() as f64
    };
    let (plain, planted) = (mean_forward(&|s| s == 0.0), mean_forward(&|s| s >= 1.0));
    assert!(planted > 2.0 * plain, "forward citations: {planted} with s >= 1 vs {plain} with s = 0");

    // The planted rule's AUC, by counting pairs over the labels made by the stated rule.
    let last = *granted.values().max().unwrap();
    let mut groups: HashMap<(String, i32), Vec<&HashMap<String, String>>> = HashMap::new();
    let first_section: HashMap<&str, &str> =
        cpc.iter().filter(|r| r[1].text() == "0").map(|r| (r[0].text(), r[2].text())).collect();
    for row in &truth {
        let id = row["patent_id"].as_str();
        let complete = granted[id].checked_add_months(chrono::Months::new(60)).unwrap() <= last;
        if let (Some(section), true) = (first_section.get(id), complete) {
            groups.entry((section.to_string(), row["grant_year"].parse().unwrap())).or_default().push(row);
        }
    }
    let (mut positives, mut negatives) = (vec![], vec![]);
    for members in groups.values_mut() {
        members.sort_by(|a, b| {
            let f = |r: &HashMap<String, String>| r["forward_citations_5y"].parse::<u32>().unwrap();
            f(b).cmp(&f(a)).then(a["patent_id"].cmp(&b["patent_id"]))
        });
        let cut = (members.len() as f64 * 0.1 - 1e-9).ceil() as usize;
        for (rank, r) in members.iter().enumerate() {
            let score: f64 = r["planted_score"].parse().unwrap();
            if rank < cut && r["forward_citations_5y"] != "0" { positives.push(score) } else { negatives.push(score) }
        }
    }
    let pairs: f64 = positives
        .iter()
        .flat_map(|p| {
            negatives.iter().map(move |n| {
                if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum();
    let auc = pairs / (positives.len() * negatives.len()) as f64;
    let rule = &s["planted_rule"];
    assert_eq!(
        (rule["l1"].as_u64().unwrap(), rule["labelled"].as_u64().unwrap()),
        (positives.len() as u64, (positives.len() + negatives.len()) as u64)
    );
    assert!((rule["roc_auc"].as_f64().unwrap() - auc).abs() < 1e-9, "{auc} vs {rule}");
    assert!((0.80..0.92).contains(&auc), "a learnable but not trivial rule: {auc}");
}

#[test]
fn citations_point_back_in_time_with_heavy_tailed_in_degree() {
    let dump = Dump::new(&SynthConfig::default());
    let patents = dump.table("g_patent.tsv.zip", &PATENT);
    let granted: HashMap<&str, (&str, &str)> =
        patents.iter().map(|r| (r[0].text(), (r[2].text(), r[4].text()))).collect();
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
    assert!(uncited > patents.len() / 200, "some patents are never cited ({uncited})");
}

#[test]
fn injected_malformed_rows_are_where_asked() {
    let dump = Dump::new(&SynthConfig { inject_malformed: 8, ..small(3) });
    assert_eq!(dump.summary.malformed, 8);
    let bad_patents = dump
        .table("g_patent.tsv.zip", &PATENT)
        .into_iter()
        .filter(|r| r.len() != 8 || r[2].text() == "2001-13-45")
        .count();
    let bad_cpc = dump
        .table("g_cpc_current.tsv.zip", &CPC_CURRENT)
        .into_iter()
        .filter(|r| r.len() != 7 || r[1].text().parse::<u32>().is_err())
        .count();
    assert_eq!((bad_patents, bad_cpc), (4, 4));
    let clean = Dump::new(&small(3));
    assert_eq!(clean.summary.malformed, 0);
}

/// g_cpc_title has a row for every group the patents carry and for its main group, each naming the
/// group's subclass and class (prefixes of the symbol) with a title for each level, once.
#[test]
fn cpc_titles_cover_every_code_used() {
    let dump = Dump::new(&small(3));
    let titles = dump.table("g_cpc_title.tsv.zip", &CPC_TITLE);
    let groups: Vec<&str> = titles.iter().map(|r| r[2].text()).collect();
    assert!(groups.windows(2).all(|w| w[0] < w[1]), "one row per group, sorted");
    for row in &titles {
        let group = row[2].text();
        assert_eq!((row[0].text(), row[4].text()), (&group[..4], &group[..3]), "{row:?}");
        assert!([1, 3, 5].iter().all(|&i| !row[i].text().is_empty()), "every level titled: {row:?}");
    }
    let used: BTreeSet<String> =
        dump.table("g_cpc_current.tsv.zip", &CPC_CURRENT).iter().map(|r| r[5].text().to_string()).collect();
    for group in &used {
        let main = format!("{}/00", group.split_once('/').unwrap().0);
        assert!(
            groups.binary_search(&group.as_str()).is_ok() && groups.binary_search(&main.as_str()).is_ok(),
            "{group}"
        );
    }
    let mains = used.iter().map(|g| format!("{}/00", g.split_once('/').unwrap().0));
    let expected: BTreeSet<String> = used.iter().cloned().chain(mains).collect();
    assert_eq!(groups.len(), expected.len(), "no group that no patent carries");
}
