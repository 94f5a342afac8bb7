//! The labels stage against brute force: random corpora (leap-day grants, patents without a main
//! CPC code, citations from earlier or later patents, duplicate and dangling citations, many ties)
//! published as ingest would, the stage run, and every row of `impact_labels` compared with plain
//! Rust loops over the same patents; plus a hand-counted window edge case and a patent list. The
//! paper's variants (one pool, the strict quantile rule, calendar-year windows) are checked the same
//! way, the quantile in exact integer arithmetic, and against hand-computed quantiles.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::array::{Date32Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::{Datelike, Months, NaiveDate};
use labels::{CitationWindow, FieldLevel, LabelOptions, LabelRule, PatentList};
use pipeline_tests::{published_tables, query};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemas::Table;
use stage_runtime::StoreLocation;

struct Patent {
    id: String,
    granted: NaiveDate,
    /// CPC groups in cpc_sequence order (may be empty).
    codes: Vec<String>,
}

/// A corpus: patents and (citing, cited) rows.
struct Corpus {
    patents: Vec<Patent>,
    citations: Vec<(String, String)>,
}

fn days(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

fn random_corpus(seed: u64) -> Corpus {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups = ["A01B1/00", "A01B3/04", "A01C5/02", "G06N3/08", "G06N20/00", "H04L9/32", "B65D81/38"];
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut patents: Vec<Patent> = (0..500)
        .map(|i| {
            let granted = match i {
                0 => NaiveDate::from_ymd_opt(2004, 2, 29).unwrap(),
                1 => NaiveDate::from_ymd_opt(2008, 2, 29).unwrap(),
                _ => start + chrono::Days::new(rng.random_range(0..13 * 365)),
            };
            let codes = if rng.random_bool(0.1) {
                vec![]
            } else {
                (0..rng.random_range(1..=3)).map(|_| groups[rng.random_range(0..groups.len())].to_string()).collect()
            };
            Patent { id: format!("{}", 7_000_000 + i * 7), granted, codes }
        })
        .collect();
    patents.sort_by(|a, b| a.id.cmp(&b.id));
    let mut citations = vec![];
    for citing in &patents {
        for _ in 0..rng.random_range(0..8) {
            // a skewed choice: low indices are cited far more often, so counts tie and spread
            let cited = &patents[(rng.random::<f64>().powi(3) * patents.len() as f64) as usize];
            citations.push((citing.id.clone(), cited.id.clone()));
            if rng.random_bool(0.05) {
                citations.push((citing.id.clone(), cited.id.clone()));
            }
        }
        if rng.random_bool(0.1) {
            citations.push((citing.id.clone(), "3999999".to_string()));
        }
    }
    Corpus { patents, citations }
}

async fn publish(corpus: &Corpus, location: &StoreLocation) {
    let patents = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("grant_date", DataType::Date32, false),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(corpus.patents.iter().map(|p| p.id.clone()))),
            Arc::new(Date32Array::from_iter_values(corpus.patents.iter().map(|p| days(p.granted)))),
        ],
    )
    .unwrap();
    let rows: Vec<(&Patent, usize, &String)> =
        corpus.patents.iter().flat_map(|p| p.codes.iter().enumerate().map(move |(i, g)| (p, i, g))).collect();
    let cpc = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("cpc_sequence", DataType::Int32, false),
            Field::new("cpc_group", DataType::Utf8, false),
            Field::new("grant_year", DataType::Int32, false),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.id.clone()))),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.1 as i32))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.clone()))),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0.granted.year()))),
        ],
    )
    .unwrap();
    let year_of: BTreeMap<&str, i32> = corpus.patents.iter().map(|p| (p.id.as_str(), p.granted.year())).collect();
    let citations = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("cited_patent_id", DataType::Utf8, false),
            Field::new("grant_year", DataType::Int32, false),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(corpus.citations.iter().map(|c| c.0.clone()))),
            Arc::new(StringArray::from_iter_values(corpus.citations.iter().map(|c| c.1.clone()))),
            Arc::new(Int32Array::from_iter_values(corpus.citations.iter().map(|c| year_of[c.0.as_str()]))),
        ],
    )
    .unwrap();
    let tables = [
        (
            Table::Patents,
            "SELECT patent_id, 'utility' AS patent_type, grant_date, NULL AS filing_date, NULL AS filing_year, \
             NULL AS application_id, NULL AS title, 'B2' AS wipo_kind, 1 AS num_claims, false AS withdrawn, \
             CAST(date_part('year', grant_date) AS INT) AS grant_year FROM mem_patents",
        ),
        (
            Table::Cpc,
            "SELECT patent_id, cpc_sequence, substr(cpc_group, 1, 1) AS cpc_section, substr(cpc_group, 1, 3) AS cpc_class, \
             substr(cpc_group, 1, 4) AS cpc_subclass, cpc_group, split_part(cpc_group, '/', 1) || '/00' AS cpc_main_group, \
             'inventional' AS cpc_type, grant_year FROM mem_cpc",
        ),
        (
            Table::Citations,
            "SELECT patent_id, 0 AS citation_sequence, cited_patent_id, NULL AS citation_date, \
             'cited by examiner' AS citation_category, grant_year FROM mem_citations",
        ),
    ];
    pipeline_tests::publish_as_ingest(
        location,
        vec![("mem_patents", patents), ("mem_cpc", cpc), ("mem_citations", citations)],
        &tables,
    )
    .await;
}

/// The field of a group symbol at `level`, as the test builds the cpc columns.
fn field_of(group: &str, level: FieldLevel) -> String {
    match level {
        FieldLevel::Section => group[..1].to_string(),
        FieldLevel::Class => group[..3].to_string(),
        FieldLevel::Subclass => group[..4].to_string(),
        FieldLevel::MainGroup => format!("{}/00", group.split('/').next().unwrap()),
        FieldLevel::Group => group.to_string(),
        FieldLevel::All => "all".to_string(),
    }
}

/// One output row, as strings in the column order of `impact_labels` (NULL as "").
type Row = Vec<String>;

/// What the brute force computes: the stage's options in exact terms.
struct Rule<'a> {
    window_years: u32,
    calendar_years: bool,
    level: FieldLevel,
    /// The L1 share as `numerator / denominator`, so that ceil(share x n) and the quantile's place
    /// (n - 1) x (1 - share) are exact integer arithmetic.
    share: (usize, usize),
    above_quantile: bool,
    listed: Option<&'a BTreeSet<String>>,
}

impl Rule<'_> {
    fn new(window_years: u32, level: FieldLevel, share: (usize, usize)) -> Self {
        Rule { window_years, calendar_years: false, level, share, above_quantile: false, listed: None }
    }
}

/// Whether `forward` is strictly above the (1 - share) quantile of `ascending` (sorted counts),
/// NumPy's linear method: the value at place h = (n - 1) x q, interpolated between its neighbours;
/// compared as integers scaled by the share's denominator.
fn above_quantile(forward: i64, ascending: &[i64], (numerator, denominator): (usize, usize)) -> bool {
    let place = (ascending.len() - 1) * (denominator - numerator);
    let (lower, remainder) = (place / denominator, (place % denominator) as i64);
    let next = ascending.get(lower + 1).copied().unwrap_or(ascending[lower]);
    forward * denominator as i64 > ascending[lower] * denominator as i64 + remainder * (next - ascending[lower])
}

fn brute_force(corpus: &Corpus, rule: &Rule) -> Vec<Row> {
    let granted: BTreeMap<&str, NaiveDate> = corpus.patents.iter().map(|p| (p.id.as_str(), p.granted)).collect();
    let last = corpus.patents.iter().map(|p| p.granted).max().unwrap();
    let population: Vec<&Patent> =
        corpus.patents.iter().filter(|p| rule.listed.is_none_or(|l| l.contains(&p.id))).collect();
    let mut rows = vec![];
    let mut groups: BTreeMap<(String, i32), Vec<(i64, String)>> = BTreeMap::new();
    for p in &population {
        let (end, complete) = if rule.calendar_years {
            let last_year = p.granted.year() + rule.window_years as i32;
            let end = NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap();
            (end, last >= NaiveDate::from_ymd_opt(last_year, 12, 25).unwrap())
        } else {
            let end = p.granted.checked_add_months(Months::new(12 * rule.window_years)).unwrap();
            (end, end <= last)
        };
        let in_window = |citing: NaiveDate, id: &str| {
            if rule.calendar_years {
                id != p.id && (p.granted.year()..=end.year()).contains(&citing.year())
            } else {
                citing > p.granted && citing <= end
            }
        };
        let citing: BTreeSet<&str> = corpus
            .citations
            .iter()
            .filter(|(c, cited)| *cited == p.id && granted.get(c.as_str()).is_some_and(|d| in_window(*d, c)))
            .map(|(c, _)| c.as_str())
            .collect();
        let field = match rule.level {
            FieldLevel::All => Some("all".to_string()),
            level => p.codes.first().map(|g| field_of(g, level)),
        };
        if complete && let Some(f) = &field {
            let year = if rule.level == FieldLevel::All { 0 } else { p.granted.year() };
            groups.entry((f.clone(), year)).or_default().push((citing.len() as i64, p.id.clone()));
        }
        rows.push((p, field, citing.len() as i64, end, complete));
    }
    let mut ranks: BTreeMap<String, (usize, usize, bool)> = BTreeMap::new();
    let (numerator, denominator) = rule.share;
    for members in groups.values_mut() {
        members.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let n = members.len();
        let top = (n * numerator).div_ceil(denominator);
        let ascending: Vec<i64> = members.iter().rev().map(|m| m.0).collect();
        for (i, (forward, id)) in members.iter().enumerate() {
            let l1 = if rule.above_quantile {
                above_quantile(*forward, &ascending, rule.share)
            } else {
                i < top && *forward > 0
            };
            ranks.insert(id.clone(), (n, i + 1, l1));
        }
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|(p, field, forward, end, complete)| {
            let rank = ranks.get(&p.id);
            vec![
                p.id.clone(),
                field.unwrap_or_default(),
                forward.to_string(),
                end.to_string(),
                complete.to_string(),
                rank.map(|r| r.0.to_string()).unwrap_or_default(),
                rank.map(|r| r.1.to_string()).unwrap_or_default(),
                rank.map(|r| if r.2 { "L1" } else { "L2" }.to_string()).unwrap_or_default(),
                p.granted.year().to_string(),
            ]
        })
        .collect();
    out.sort();
    out
}

async fn stage_rows(corpus: &Corpus, options: &LabelOptions) -> Vec<Row> {
    let dir = tempfile::tempdir().unwrap();
    let input = StoreLocation::parse(dir.path().join("ingest").to_str().unwrap()).unwrap();
    publish(corpus, &input).await;
    let output = dir.path().join("labels");
    labels::run(&input, &StoreLocation::parse(output.to_str().unwrap()).unwrap(), options).await.unwrap();
    let ctx = published_tables(&pipeline_tests::at(output.to_str().unwrap()), &[Table::ImpactLabels]).await;
    query(
        &ctx,
        "SELECT patent_id, field, forward_citations, window_end, window_complete, group_size, citation_rank, label, \
         grant_year FROM impact_labels ORDER BY patent_id",
    )
    .await
    .into_iter()
    .map(|r| r.into_iter().map(|v| if v == "NULL" { String::new() } else { v }).collect())
    .collect()
}

/// Checks that a corpus exercised what the test is about.
fn assert_covers(rows: &[Row]) {
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    assert!(count(&|r| r[7] == "L1") > 5, "L1 patents");
    assert!(count(&|r| r[4] == "false") > 5, "incomplete windows");
    assert!(count(&|r| r[1].is_empty()) > 5, "patents without a field");
    assert!(count(&|r| r[7] == "L2" && r[2] != "0") > 5, "cited L2 patents");
    // ties across the cut: an L2 patent with as many citations as an L1 patent of its group
    let tie = rows
        .iter()
        .any(|a| a[7] == "L1" && rows.iter().any(|b| b[7] == "L2" && b[1] == a[1] && b[8] == a[8] && b[2] == a[2]));
    assert!(tie, "a tie at the cut");
}

#[tokio::test]
async fn labels_match_brute_force_by_subclass_over_five_years() {
    for seed in [1, 2] {
        let corpus = random_corpus(seed);
        let got = stage_rows(&corpus, &LabelOptions { plots: seed == 1, ..Default::default() }).await;
        let want = brute_force(&corpus, &Rule::new(5, FieldLevel::Subclass, (1, 10)));
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w);
        }
        assert_covers(&want);
    }
}

#[tokio::test]
async fn labels_match_brute_force_with_other_window_share_and_level() {
    let corpus = random_corpus(3);
    for (level, years) in [(FieldLevel::Section, 2), (FieldLevel::MainGroup, 3)] {
        let options =
            LabelOptions { window_years: years, field: level, top_share: 0.25, plots: false, ..Default::default() };
        let got = stage_rows(&corpus, &options).await;
        let want = brute_force(&corpus, &Rule::new(years as u32, level, (1, 4)));
        assert_eq!(got, want, "{level:?} {years}");
    }
}

#[tokio::test]
async fn a_patent_list_restricts_who_is_labelled_and_ranked() {
    let corpus = random_corpus(4);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ai.csv");
    let mut text = String::from("doc_id,pub_dt,predict50_any_ai\n");
    let mut listed = BTreeSet::new();
    for (i, p) in corpus.patents.iter().enumerate() {
        let flag = i % 3 == 0;
        if flag {
            listed.insert(p.id.clone());
        }
        if i % 5 != 4 || flag {
            text.push_str(&format!("{},{},{}\n", p.id, p.granted, flag as u8));
        }
    }
    text.push_str("20200012345,2020-01-09,1\n"); // a pre-grant publication: not in the corpus
    std::fs::write(&csv, text).unwrap();
    let list = PatentList {
        url: csv.to_str().unwrap().to_string(),
        id_column: "doc_id".into(),
        flag_column: Some("predict50_any_ai".into()),
    };
    let options = LabelOptions { patent_list: Some(list), plots: false, ..Default::default() };
    let got = stage_rows(&corpus, &options).await;
    let want = brute_force(&corpus, &Rule { listed: Some(&listed), ..Rule::new(5, FieldLevel::Subclass, (1, 10)) });
    assert_eq!(got.len(), listed.len());
    assert_eq!(got, want);
}

#[tokio::test]
async fn window_ends_on_the_same_date_years_later_and_leap_days_clamp() {
    // A granted 2000-02-29: its 5-year window ends 2005-02-28. B (2005-02-28) counts, C (2005-03-01)
    // does not, D (2000-02-29, same day) does not, and E cites A twice but counts once.
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let patent = |id: &str, granted| Patent { id: id.into(), granted, codes: vec!["G06N3/08".into()] };
    let corpus = Corpus {
        patents: vec![
            patent("1000001", date(2000, 2, 29)),
            patent("1000002", date(2005, 2, 28)),
            patent("1000003", date(2005, 3, 1)),
            patent("1000004", date(2000, 2, 29)),
            patent("1000005", date(2003, 7, 1)),
        ],
        citations: [
            ("1000002", "1000001"),
            ("1000003", "1000001"),
            ("1000004", "1000001"),
            ("1000005", "1000001"),
            ("1000005", "1000001"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
    };
    let got = stage_rows(&corpus, &LabelOptions { plots: false, ..Default::default() }).await;
    let a = &got[0];
    assert_eq!(a[..5], ["1000001", "G06N", "2", "2005-02-28", "true"]);
    // A and D (both 2000) are labelled; n = 2, ceil(0.2) = 1: A (2 citations) is L1, D (0) is L2.
    assert_eq!(a[5..8], ["2", "1", "L1"]);
    assert_eq!(got[3][5..8], ["2", "2", "L2"]);
    // B, C, E have windows ending after the corpus's last grant (2005-03-01): unlabelled.
    for row in [&got[1], &got[2], &got[4]] {
        assert_eq!(row[4..8], ["false", "", "", ""], "{row:?}");
    }
}

#[tokio::test]
async fn a_group_of_thirty_has_exactly_three_l1_patents() {
    // 0.1 x 30 is 3.0000000000000004 in binary floating point; the cut must be 3 whatever
    // arithmetic the engine uses. Thirty 2000
    // patents each cited once (by one 2001 patent each), ties broken by patent_id.
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let patent =
        |i: usize, granted| Patent { id: format!("{}", 5_000_000 + i), granted, codes: vec!["G06N3/08".into()] };
    let mut patents: Vec<Patent> = (0..30).map(|i| patent(i, date(2000, 5, 2))).collect();
    patents.extend((30..60).map(|i| patent(i, date(2001, 5, 1))));
    patents.push(patent(60, date(2010, 1, 1)));
    let citations = (0..30).map(|i| (format!("{}", 5_000_030 + i), format!("{}", 5_000_000 + i))).collect();
    let got = stage_rows(&Corpus { patents, citations }, &LabelOptions { plots: false, ..Default::default() }).await;
    let l1: Vec<&str> = got.iter().filter(|r| r[7] == "L1").map(|r| r[0].as_str()).collect();
    assert_eq!(l1, ["5000000", "5000001", "5000002"]);
}

#[tokio::test]
async fn the_papers_pooled_strict_quantile_rule_over_calendar_years_matches_brute_force() {
    for seed in [5, 6] {
        let corpus = random_corpus(seed);
        let options = LabelOptions {
            window: CitationWindow::CalendarYears,
            field: FieldLevel::All,
            rule: LabelRule::AboveQuantile,
            plots: seed == 5,
            ..Default::default()
        };
        let got = stage_rows(&corpus, &options).await;
        let rule = Rule { calendar_years: true, above_quantile: true, ..Rule::new(5, FieldLevel::All, (1, 10)) };
        let want = brute_force(&corpus, &rule);
        assert_eq!(got, want, "seed {seed}");
        // What the case is about: one pool over every year, patents without codes labelled too,
        // ties at the cut all L2, and fewer L1 patents than the share where the cut is a tie.
        let labelled: Vec<&Row> = want.iter().filter(|r| !r[7].is_empty()).collect();
        assert!(labelled.iter().all(|r| r[1] == "all" && r[5] == labelled.len().to_string()));
        let years: BTreeSet<&str> = labelled.iter().map(|r| r[8].as_str()).collect();
        assert!(years.len() > 5, "{years:?}");
        let l1_min = labelled.iter().filter(|r| r[7] == "L1").map(|r| r[2].parse::<i64>().unwrap()).min().unwrap();
        let l2_max = labelled.iter().filter(|r| r[7] == "L2").map(|r| r[2].parse::<i64>().unwrap()).max().unwrap();
        assert!(l2_max < l1_min, "L2 up to {l2_max}, L1 from {l1_min}");
        assert!(want.iter().any(|r| r[4] == "false"), "incomplete windows");
    }
}

#[tokio::test]
async fn the_strict_quantile_rule_per_field_and_year_and_calendar_windows_per_subclass_match_brute_force() {
    let corpus = random_corpus(7);
    for (quantile, calendar_years) in [(true, false), (false, true), (true, true)] {
        let options = LabelOptions {
            window_years: 3,
            window: if calendar_years { CitationWindow::CalendarYears } else { CitationWindow::ExactDate },
            field: FieldLevel::Section,
            top_share: 0.3,
            rule: if quantile { LabelRule::AboveQuantile } else { LabelRule::TopShare },
            plots: false,
            ..Default::default()
        };
        let got = stage_rows(&corpus, &options).await;
        let rule = Rule { calendar_years, above_quantile: quantile, ..Rule::new(3, FieldLevel::Section, (3, 10)) };
        assert_eq!(got, brute_force(&corpus, &rule), "quantile {quantile}, calendar years {calendar_years}");
    }
}

#[test]
fn the_quantile_rule_agrees_with_hand_computed_quantiles() {
    // counts 1, 2, 3, 4: the 0.9 quantile is at place 3 x 0.9 = 2.7, 3 + 0.7 x (4 - 3) = 3.7
    assert!(above_quantile(4, &[1, 2, 3, 4], (1, 10)));
    assert!(!above_quantile(3, &[1, 2, 3, 4], (1, 10)));
    // counts 0..=10: place 9, the quantile is 9 itself; 9 is not above it
    let counts: Vec<i64> = (0..=10).collect();
    assert!(above_quantile(10, &counts, (1, 10)) && !above_quantile(9, &counts, (1, 10)));
    // many ties: 0, 0, ..., 0, 5 (ten patents) has its 0.9 quantile at place 8.1, 0 + 0.1 x 0
    let mut ties = vec![0; 9];
    ties.push(5);
    assert!(above_quantile(5, &ties, (1, 10)) && !above_quantile(0, &ties, (1, 10)));
}

#[tokio::test]
async fn the_pooled_quantile_cut_by_hand() {
    // Twenty 2001 patents, the i-th cited by i of twenty 2002 patents (i = 0..19), and a patent of
    // 28 December 2010, so that the windows of 2001 (2001..2006) and 2002 (..2007) are complete and
    // the 2010 one's is not. The pool: 0, 1, ..., 19 and twenty uncited 2002 patents, 40 counts, 21
    // of them 0. The 0.9 quantile's place is 39 x 0.9 = 35.1, between the 36th and 37th counts in
    // ascending order, 15 and 16: 15.1. The patents cited 16 to 19 times are L1.
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let patent = |i: usize, granted| Patent { id: format!("{}", 6_000_000 + i), granted, codes: vec![] };
    let mut patents: Vec<Patent> = (0..20).map(|i| patent(i, date(2001, 5, 1))).collect();
    patents.extend((20..40).map(|i| patent(i, date(2002, 5, 7))));
    patents.push(patent(40, date(2010, 12, 28)));
    let citations = (0..20)
        .flat_map(|i| (0..i).map(move |j| (format!("{}", 6_000_020 + j), format!("{}", 6_000_000 + i))))
        .collect();
    let options = LabelOptions {
        window: CitationWindow::CalendarYears,
        field: FieldLevel::All,
        rule: LabelRule::AboveQuantile,
        plots: false,
        ..Default::default()
    };
    let got = stage_rows(&Corpus { patents, citations }, &options).await;
    let l1: Vec<&str> = got.iter().filter(|r| r[7] == "L1").map(|r| r[0].as_str()).collect();
    assert_eq!(l1, ["6000016", "6000017", "6000018", "6000019"]);
    assert_eq!(got.iter().filter(|r| r[7] == "L2").count(), 36);
    assert_eq!(got[40][4..8], ["false", "", "", ""]);
    assert_eq!(got[0][3], "2006-12-31");
}

/// The labels query for each option that changes its shape, pinned as snapshots
/// (`tests/snapshots/`; `INSTA_UPDATE=always cargo test -p labels --test brute_force sql_snapshots`
/// rewrites them).
mod sql_snapshots {
    use labels::sql;
    use labels::{CitationWindow, FieldLevel, LabelOptions, LabelRule, PatentList};

    #[test]
    fn impact_labels() {
        for field in [FieldLevel::Section, FieldLevel::Subclass, FieldLevel::MainGroup] {
            let options = LabelOptions { field, ..LabelOptions::default() };
            insta::assert_snapshot!(format!("impact_labels-{}", field.name()), sql::impact_labels(&options));
        }
        let list = PatentList { url: "list.csv".into(), id_column: "patent".into(), flag_column: Some("ai".into()) };
        let options = LabelOptions { patent_list: Some(list), ..LabelOptions::default() };
        insta::assert_snapshot!("impact_labels-with-list", sql::impact_labels(&options));
        let paper = LabelOptions {
            window: CitationWindow::CalendarYears,
            field: FieldLevel::All,
            rule: LabelRule::AboveQuantile,
            ..LabelOptions::default()
        };
        insta::assert_snapshot!("impact_labels-paper", sql::impact_labels(&paper));
        insta::assert_snapshot!("listed_count", sql::listed_count(options.patent_list.as_ref().unwrap()));
        insta::assert_snapshot!("counts", sql::COUNTS);
    }
}
