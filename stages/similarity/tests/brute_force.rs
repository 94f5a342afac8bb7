//! The similarity stage against an independent brute force: random small corpora published as an
//! ingest output, tokenized by a plain character loop, BIDF and normalised vectors built in plain
//! Rust, and every window sum taken over explicit pairs of patents. Both BIDF conventions, two
//! window sizes, all three text sources; plus the pairwise mode against the brute-force pairs, and
//! a hand-counted corpus for the vocabulary and the BIDF edge cases (empty first year, negative
//! BIDF).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, Int32Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::prelude::SessionContext;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemas::Table;
use similarity::{BidfYear, PairQuery, SimilarityOptions, TextSource};
use sql_engine::register_published;
use sql_functions::tokenize::NLTK_STOP_WORDS;
use stage_runtime::{EngineOptions, PublishedManifest, StoreLocation};

/// One patent of a test corpus.
#[derive(Debug, Clone)]
struct Patent {
    id: String,
    grant_year: i32,
    filing_year: Option<i32>,
    title: Option<String>,
    /// Claim texts in claim_sequence order.
    claims: Vec<String>,
}

/// Words the random texts are made of: content words (some upper-case, accented, hyphenated or
/// with an apostrophe), stop words, boiler-plate, digits and punctuation.
#[rustfmt::skip]
const WORDS: [&str; 36] = [
    "gear", "Shaft", "SPRING", "lever", "valve", "rotor", "blade", "sensor", "circuit", "signal", "café", "Straße",
    "self-locking", "device's", "Über", "H2O", "non-linear", "Gear", "motor", "housing", "the", "and", "of", "a",
    "is", "wherein", "claim", "said", "comprising", "12", "3.5mm", "x", "é", "(1)", ";", "--",
];

const SEPARATORS: [&str; 5] = [" ", ", ", "\n", "-", " . "];

fn random_text(rng: &mut ChaCha8Rng, words: usize) -> String {
    let mut text = String::new();
    for i in 0..words {
        if i > 0 {
            text.push_str(SEPARATORS[rng.random_range(0..SEPARATORS.len())]);
        }
        // Squaring skews toward the first words, so terms repeat across patents.
        let u: f64 = rng.random();
        text.push_str(WORDS[(u * u * WORDS.len() as f64) as usize]);
    }
    text
}

/// A random corpus of `n` patents filed over 2001..=2008, plus a patent with no text at all, one
/// whose text is only stop words and boiler-plate, and one without a filing year.
fn random_corpus(seed: u64, n: usize) -> Vec<Patent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut corpus: Vec<Patent> = (0..n)
        .map(|i| {
            let filing_year = 2001 + rng.random_range(0..8);
            let claims = (0..rng.random_range(0..=3)).map(|_| {
                let words = rng.random_range(2..=10);
                random_text(&mut rng, words)
            });
            let claims = claims.collect();
            let title = (rng.random_range(0..6) > 0).then(|| {
                let words = rng.random_range(1..=4);
                random_text(&mut rng, words)
            });
            Patent {
                id: format!("{}", 8_000_000 + i),
                grant_year: filing_year + rng.random_range(0..3),
                filing_year: Some(filing_year),
                title,
                claims,
            }
        })
        .collect();
    let special = |i: usize, filing_year: Option<i32>, title: Option<&str>, claims: &[&str]| Patent {
        id: format!("{}", 9_000_000 + i),
        grant_year: 2006,
        filing_year,
        title: title.map(str::to_string),
        claims: claims.iter().map(|c| c.to_string()).collect(),
    };
    corpus.push(special(0, Some(2004), None, &[]));
    corpus.push(special(1, Some(2005), Some("The And"), &["a method according to claim 1, wherein the 12 of it"]));
    corpus.push(special(2, None, Some("gear shaft"), &["gear shaft spring lever valve"]));
    corpus
}

/// Publishes `corpus` at `location` as ingest would: tables `patents` and `claims` (rows in
/// reverse claim order, so the stage cannot rely on row order).
async fn publish_ingest_output(corpus: &[Patent], location: &StoreLocation) {
    let patents = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("grant_year", DataType::Int32, false),
            Field::new("filing_year", DataType::Int32, true),
            Field::new("title", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(corpus.iter().map(|p| p.id.clone()))),
            Arc::new(Int32Array::from_iter_values(corpus.iter().map(|p| p.grant_year))),
            Arc::new(Int32Array::from_iter(corpus.iter().map(|p| p.filing_year))),
            Arc::new(StringArray::from_iter(corpus.iter().map(|p| p.title.clone()))),
        ],
    )
    .unwrap();
    let rows: Vec<(&Patent, usize, &String)> =
        corpus.iter().flat_map(|p| p.claims.iter().enumerate().rev().map(move |(i, c)| (p, i, c))).collect();
    let claims = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("claim_sequence", DataType::Int32, false),
            Field::new("claim_text", DataType::Utf8, false),
            Field::new("grant_year", DataType::Int32, false),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.id.clone()))),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.1 as i32))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.clone()))),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0.grant_year))),
        ],
    )
    .unwrap();
    let tables = [
        (
            Table::Patents,
            "SELECT patent_id, 'utility' AS patent_type, make_date(grant_year, 6, 1) AS grant_date, \
             CASE WHEN filing_year IS NULL THEN NULL ELSE make_date(filing_year, 1, 15) END AS filing_date, filing_year, \
             NULL AS application_id, title, 'B2' AS wipo_kind, 1 AS num_claims, false AS withdrawn, grant_year \
             FROM mem_patents",
        ),
        (
            Table::Claims,
            "SELECT patent_id, claim_sequence, lpad(CAST(claim_sequence + 1 AS VARCHAR), 5, '0') AS claim_number, \
             claim_text, NULL AS dependent, claim_sequence = 0 AS exemplary, grant_year FROM mem_claims",
        ),
    ];
    pipeline_tests::publish_as_ingest(location, vec![("mem_patents", patents), ("mem_claims", claims)], &tables).await;
}

/// Plain tokenizer: walk the characters, collect letters, cut at anything else.
fn brute_tokens(text: &str, min_len: usize, dropped: &HashSet<String>) -> Vec<String> {
    let mut out = vec![];
    let mut word = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_alphabetic() {
            word.push(c);
        } else if !word.is_empty() {
            let lower = word.to_lowercase();
            if lower.chars().count() >= min_len && !dropped.contains(&lower) {
                out.push(lower);
            }
            word.clear();
        }
    }
    out
}

/// The concatenated text of a patent as the options define it.
fn text_of(p: &Patent, text: TextSource) -> String {
    let mut parts = vec![];
    if text != TextSource::Title {
        parts.push(p.claims.join(" "));
    }
    if text != TextSource::Claims {
        parts.extend(p.title.clone());
    }
    parts.join(" ")
}

/// A vocabulary row: df, df_before, patents_before, bidf.
#[derive(Debug, Clone, PartialEq)]
struct VocabRow {
    df: i64,
    df_before: i64,
    patents_before: i64,
    bidf: Option<f64>,
}

/// A patent_similarity row.
#[derive(Debug, Clone, PartialEq)]
struct Stats {
    filing_year: i32,
    grant_year: i32,
    bs_sum: f64,
    bs_count: i64,
    fs_sum: f64,
    fs_count: i64,
    bs: Option<f64>,
    fs: Option<f64>,
    q: Option<f64>,
    log_q: Option<f64>,
    log_q_residual: Option<f64>,
    breakthrough: Option<bool>,
    bs_incomplete: bool,
    fs_incomplete: bool,
}

/// The statistic by brute force, for one corpus and set of options.
struct BruteForce {
    options: SimilarityOptions,
    /// Kept-term counts of every patent with a filing year and at least one kept term.
    counts: BTreeMap<String, BTreeMap<String, i64>>,
    /// Filing year of those patents.
    years: BTreeMap<String, i32>,
    grant_years: BTreeMap<String, i32>,
    vocabulary: BTreeMap<(String, i32), VocabRow>,
}

impl BruteForce {
    fn new(corpus: &[Patent], options: &SimilarityOptions) -> BruteForce {
        let mut dropped: HashSet<String> = NLTK_STOP_WORDS.iter().map(|s| s.to_string()).collect();
        dropped.extend(options.boilerplate.iter().map(|s| s.to_lowercase()));
        let mut raw: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for p in corpus.iter().filter(|p| p.filing_year.is_some()) {
            let counts = raw.entry(p.id.clone()).or_default();
            for token in brute_tokens(&text_of(p, options.text), options.min_token_len, &dropped) {
                *counts.entry(token).or_insert(0) += 1;
            }
        }
        let mut corpus_df: HashMap<String, u64> = HashMap::new();
        for term in raw.values().flat_map(|c| c.keys()) {
            *corpus_df.entry(term.clone()).or_insert(0) += 1;
        }
        let counts: BTreeMap<String, BTreeMap<String, i64>> = raw
            .into_iter()
            .map(|(id, c)| {
                (id, c.into_iter().filter(|(t, _)| corpus_df[t] >= options.min_df).collect::<BTreeMap<_, _>>())
            })
            .filter(|(_, c)| !c.is_empty())
            .collect();
        let of = |p: &Patent| counts.contains_key(&p.id);
        let years: BTreeMap<String, i32> =
            corpus.iter().filter(|p| of(p)).map(|p| (p.id.clone(), p.filing_year.unwrap())).collect();
        let grant_years = corpus.iter().filter(|p| of(p)).map(|p| (p.id.clone(), p.grant_year)).collect();
        let terms: BTreeSet<&String> = counts.values().flat_map(|c| c.keys()).collect();
        let mut vocabulary = BTreeMap::new();
        for t in years.values().copied().collect::<BTreeSet<i32>>() {
            let before: Vec<&String> = years.iter().filter(|(_, y)| **y < t).map(|(id, _)| id).collect();
            let n = before.len() as i64;
            for &term in &terms {
                let df = years.iter().filter(|(id, y)| **y == t && counts[*id].contains_key(term)).count() as i64;
                let df_before = before.iter().filter(|id| counts[**id].contains_key(term)).count() as i64;
                let bidf = (n > 0).then(|| (n as f64 / (1.0 + df_before as f64)).ln());
                vocabulary.insert((term.clone(), t), VocabRow { df, df_before, patents_before: n, bidf });
            }
        }
        BruteForce { options: options.clone(), counts, years, grant_years, vocabulary }
    }

    /// The normalised vector of `id` under the BIDF of year `t` (empty in the first year, and
    /// for a zero vector).
    fn vector(&self, id: &str, t: i32) -> HashMap<String, f64> {
        let counts = &self.counts[id];
        let total: i64 = counts.values().sum();
        let mut x = HashMap::new();
        for (term, count) in counts {
            let Some(bidf) = self.vocabulary[&(term.clone(), t)].bidf else { return HashMap::new() };
            x.insert(term.clone(), *count as f64 / total as f64 * bidf);
        }
        let norm = x.values().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            return HashMap::new();
        }
        x.into_iter().map(|(k, v)| (k, v / norm)).collect()
    }

    /// The similarity of two patents, both weighted with the BIDF of the year the convention picks.
    fn similarity(&self, a: &str, b: &str) -> f64 {
        let (va, vb) = self.vectors(a, b);
        va.iter().map(|(term, x)| x * vb.get(term).copied().unwrap_or(0.0)).sum()
    }

    /// Both vectors of a pair under the BIDF of the year the convention picks.
    fn vectors(&self, a: &str, b: &str) -> (HashMap<String, f64>, HashMap<String, f64>) {
        let t = match self.options.bidf_year {
            BidfYear::Earlier => self.years[a].min(self.years[b]),
            BidfYear::Later => self.years[a].max(self.years[b]),
        };
        (self.vector(a, t), self.vector(b, t))
    }

    /// Whether a pair is a window partner: both vectors non-empty under its BIDF year.
    fn partners(&self, a: &str, b: &str) -> bool {
        let (va, vb) = self.vectors(a, b);
        !va.is_empty() && !vb.is_empty()
    }

    /// Every patent's statistics by explicit sums over the pairs of its windows.
    fn stats(&self) -> BTreeMap<String, Stats> {
        let (b, f) = (self.options.backward_years, self.options.forward_years);
        let last_year = *self.years.values().max().unwrap();
        let first_complete_year = *self.years.values().min().unwrap() + self.options.burn_in_years;
        let mut stats = BTreeMap::new();
        for (id, &year) in &self.years {
            let (mut bs_sum, mut bs_count, mut fs_sum, mut fs_count) = (0.0, 0, 0.0, 0);
            for (other, &other_year) in &self.years {
                if !self.partners(id, other) {
                    continue;
                }
                if other_year < year && other_year >= year - b {
                    bs_sum += self.similarity(id, other);
                    bs_count += 1;
                } else if other_year > year && other_year <= year + f {
                    fs_sum += self.similarity(id, other);
                    fs_count += 1;
                }
            }
            let bs = (bs_count > 0).then(|| bs_sum / bs_count as f64);
            let fs = (fs_count > 0).then(|| fs_sum / fs_count as f64);
            let q = match (bs, fs) {
                (Some(bs), Some(fs)) if bs != 0.0 => Some(fs / bs),
                _ => None,
            };
            let log_q = q.filter(|q| *q > 0.0 && q.is_finite()).map(f64::ln);
            let s = Stats {
                filing_year: year,
                grant_year: self.grant_years[id],
                bs_sum,
                bs_count,
                fs_sum,
                fs_count,
                bs,
                fs,
                q,
                log_q,
                log_q_residual: None,
                breakthrough: None,
                bs_incomplete: year - b < first_complete_year,
                fs_incomplete: year + f > last_year,
            };
            stats.insert(id.clone(), s);
        }
        // Residuals from grant-year means over complete windows (both directions); breakthrough at
        // the pooled quantile (linear interpolation between closest ranks).
        let eligible = |s: &Stats| if s.bs_incomplete || s.fs_incomplete { None } else { s.log_q };
        let mut by_grant_year: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
        for s in stats.values() {
            by_grant_year.entry(s.grant_year).or_default().extend(eligible(s));
        }
        for s in stats.values_mut() {
            let values = &by_grant_year[&s.grant_year];
            s.log_q_residual = eligible(s).map(|l| l - values.iter().sum::<f64>() / values.len() as f64);
        }
        if let Some(threshold) = breakthrough_threshold(&stats, self.options.breakthrough_quantile) {
            for s in stats.values_mut() {
                s.breakthrough = s.log_q_residual.map(|r| r >= threshold);
            }
        }
        stats
    }
}

/// The pooled `quantile` of the residuals (linear interpolation between closest ranks).
fn breakthrough_threshold(stats: &BTreeMap<String, Stats>, quantile: f64) -> Option<f64> {
    let mut residuals: Vec<f64> = stats.values().filter_map(|s| s.log_q_residual).collect();
    residuals.sort_by(f64::total_cmp);
    let h = quantile * residuals.len().checked_sub(1)? as f64;
    let lo = h.floor() as usize;
    Some(match residuals.get(lo + 1) {
        Some(next) => residuals[lo] + (h - lo as f64) * (next - residuals[lo]),
        None => residuals[lo],
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-12
}

fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Fails with the keys only one side has (at most 10 of each).
fn assert_same_keys<K: Ord + std::fmt::Debug, V, W>(got: &BTreeMap<K, V>, want: &BTreeMap<K, W>, what: &str) {
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(k)).take(10).collect();
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(k)).take(10).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}: {} published, {} by brute force; published only: {extra:?}; brute force only: {missing:?}",
        got.len(),
        want.len()
    );
}

/// Column `name` of `batch` cast to `to`.
fn column(batch: &RecordBatch, name: &str, to: &DataType) -> Arc<dyn Array> {
    cast(batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")), to).unwrap()
}

fn f64s(batch: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let c = column(batch, name, &DataType::Float64);
    let c = c.as_primitive::<Float64Type>();
    (0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i))).collect()
}

fn i64s(batch: &RecordBatch, name: &str) -> Vec<i64> {
    let c = column(batch, name, &DataType::Int64);
    let c = c.as_primitive::<Int64Type>();
    (0..c.len()).map(|i| c.value(i)).collect()
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<String> {
    let c = column(batch, name, &DataType::Utf8);
    let c = c.as_string::<i32>();
    (0..c.len()).map(|i| c.value(i).to_string()).collect()
}

fn bools(batch: &RecordBatch, name: &str) -> Vec<Option<bool>> {
    let c = column(batch, name, &DataType::Boolean);
    let c: &BooleanArray = c.as_boolean();
    (0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i))).collect()
}

/// The published tables read back.
struct Published {
    vocabulary: BTreeMap<(String, i32), VocabRow>,
    /// (patent, term) -> (filing year, count, tf).
    patent_terms: BTreeMap<(String, String), (i32, i64, f64)>,
    stats: BTreeMap<String, Stats>,
}

async fn read_published(output: &StoreLocation) -> Published {
    let ctx = SessionContext::new();
    for &t in schemas::catalogue::similarity::WRITES {
        register_published(&ctx, output, t).await.unwrap();
    }
    let query = |sql: &'static str| {
        let ctx = &ctx;
        async move { sql_engine::collect(ctx, sql).await.unwrap() }
    };
    let mut vocabulary = BTreeMap::new();
    for b in query("SELECT * FROM vocabulary").await {
        let (terms, years, df, df_before, n, bidf) = (
            strings(&b, "term"),
            i64s(&b, "filing_year"),
            i64s(&b, "df"),
            i64s(&b, "df_before"),
            i64s(&b, "patents_before"),
            f64s(&b, "bidf"),
        );
        for i in 0..b.num_rows() {
            let row = VocabRow { df: df[i], df_before: df_before[i], patents_before: n[i], bidf: bidf[i] };
            let key = (terms[i].clone(), years[i] as i32);
            assert!(vocabulary.insert(key.clone(), row).is_none(), "vocabulary row {key:?} twice");
        }
    }
    let mut patent_terms = BTreeMap::new();
    for b in query("SELECT * FROM patent_terms").await {
        let (ids, terms, years, counts, tf) =
            (strings(&b, "patent_id"), strings(&b, "term"), i64s(&b, "filing_year"), i64s(&b, "count"), f64s(&b, "tf"));
        for i in 0..b.num_rows() {
            let key = (ids[i].clone(), terms[i].clone());
            assert!(
                patent_terms.insert(key.clone(), (years[i] as i32, counts[i], tf[i].unwrap())).is_none(),
                "{key:?} twice"
            );
        }
    }
    let mut stats = BTreeMap::new();
    for b in query("SELECT * FROM patent_similarity").await {
        let ids = strings(&b, "patent_id");
        let (filing, grant, bs_count, fs_count) =
            (i64s(&b, "filing_year"), i64s(&b, "grant_year"), i64s(&b, "bs_count"), i64s(&b, "fs_count"));
        let (bs_sum, fs_sum, bs, fs) = (f64s(&b, "bs_sum"), f64s(&b, "fs_sum"), f64s(&b, "bs"), f64s(&b, "fs"));
        let (q, log_q, residual) = (f64s(&b, "q"), f64s(&b, "log_q"), f64s(&b, "log_q_residual"));
        let breakthrough = bools(&b, "breakthrough");
        let (bs_incomplete, fs_incomplete) = (bools(&b, "bs_incomplete"), bools(&b, "fs_incomplete"));
        for i in 0..b.num_rows() {
            let s = Stats {
                filing_year: filing[i] as i32,
                grant_year: grant[i] as i32,
                bs_sum: bs_sum[i].unwrap(),
                bs_count: bs_count[i],
                fs_sum: fs_sum[i].unwrap(),
                fs_count: fs_count[i],
                bs: bs[i],
                fs: fs[i],
                q: q[i],
                log_q: log_q[i],
                log_q_residual: residual[i],
                breakthrough: breakthrough[i],
                bs_incomplete: bs_incomplete[i].unwrap(),
                fs_incomplete: fs_incomplete[i].unwrap(),
            };
            assert!(stats.insert(ids[i].clone(), s).is_none(), "patent {} twice", ids[i]);
        }
    }
    Published { vocabulary, patent_terms, stats }
}

fn options(bidf_year: BidfYear, backward_years: i32, forward_years: i32) -> SimilarityOptions {
    SimilarityOptions {
        bidf_year,
        backward_years,
        forward_years,
        plots: false,
        engine: EngineOptions { target_partitions: Some(2), ..EngineOptions::default() },
        ..SimilarityOptions::default()
    }
}

/// Runs the stage on `corpus` with `options`, publishes, and compares every published table and
/// the pairwise mode with brute force. Returns the manifest, the published tables and the brute
/// force's statistics.
async fn check(
    corpus: &[Patent],
    options: &SimilarityOptions,
) -> (PublishedManifest, Published, BTreeMap<String, Stats>) {
    let dir = tempfile::tempdir().unwrap();
    let input = StoreLocation::parse(dir.path().join("ingest").to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(dir.path().join("similarity").to_str().unwrap()).unwrap();
    publish_ingest_output(corpus, &input).await;
    let manifest = similarity::run(&input, &output, options).await.unwrap();
    let published = read_published(&output).await;
    let brute = BruteForce::new(corpus, options);
    let label = format!(
        "{}/{}/{}+{}",
        options.text.name(),
        options.bidf_year.name(),
        options.backward_years,
        options.forward_years
    );

    assert_same_keys(&published.vocabulary, &brute.vocabulary, &format!("{label}: vocabulary"));
    for (key, want) in &brute.vocabulary {
        let got = &published.vocabulary[key];
        let same = (got.df, got.df_before, got.patents_before) == (want.df, want.df_before, want.patents_before)
            && close_opt(got.bidf, want.bidf);
        assert!(same, "{label}: vocabulary {key:?}: stage {got:?}, brute force {want:?}");
    }

    let want_terms: BTreeMap<(String, String), (i32, i64, f64)> = brute
        .counts
        .iter()
        .flat_map(|(id, c)| {
            let total: i64 = c.values().sum();
            let year = brute.years[id];
            c.iter().map(move |(t, n)| ((id.clone(), t.clone()), (year, *n, *n as f64 / total as f64)))
        })
        .collect();
    assert_same_keys(&published.patent_terms, &want_terms, &format!("{label}: patent_terms"));
    for (key, want) in &want_terms {
        let got = published.patent_terms[key];
        assert!(
            got.0 == want.0 && got.1 == want.1 && close(got.2, want.2),
            "{label}: {key:?}: stage {got:?}, brute force {want:?}"
        );
    }

    let want_stats = brute.stats();
    assert_same_keys(&published.stats, &want_stats, &format!("{label}: patent_similarity"));
    let threshold = breakthrough_threshold(&want_stats, options.breakthrough_quantile);
    for (id, want) in &want_stats {
        let got = &published.stats[id];
        // A residual equal to the threshold (to rounding) may fall on either side of it.
        let on_the_cut = matches!((want.log_q_residual, threshold), (Some(r), Some(t)) if close(r, t));
        let flags = |s: &Stats| (s.filing_year, s.grant_year, s.bs_count, s.fs_count, s.bs_incomplete, s.fs_incomplete);
        let same = flags(got) == flags(want)
            && close(got.bs_sum, want.bs_sum)
            && close(got.fs_sum, want.fs_sum)
            && close_opt(got.bs, want.bs)
            && close_opt(got.fs, want.fs)
            && close_opt(got.q, want.q)
            && close_opt(got.log_q, want.log_q)
            && close_opt(got.log_q_residual, want.log_q_residual)
            && (got.breakthrough == want.breakthrough || on_the_cut);
        assert!(same, "{label}: patent {id}:\n stage       {got:?}\n brute force {want:?}");
    }
    // Exactly, on the published residuals: a residual is a breakthrough when at least
    // ceil(q (n - 1)) + 1 of the n residuals are at or below it (ties share the flag).
    let mut residuals: Vec<f64> = published.stats.values().filter_map(|s| s.log_q_residual).collect();
    residuals.sort_by(f64::total_cmp);
    let cut = (options.breakthrough_quantile * residuals.len().saturating_sub(1) as f64).ceil() as usize;
    for (id, got) in &published.stats {
        let at_or_below = |r: f64| residuals.partition_point(|v| *v <= r);
        let want = got.log_q_residual.map(|r| at_or_below(r) > cut);
        assert_eq!(
            got.breakthrough,
            want,
            "{label}: patent {id}: breakthrough against the published residuals (cut at {cut} of {})",
            residuals.len()
        );
    }

    // Pairwise mode: every pair of patents with text, and the top 4 of a few patents.
    let ids: Vec<&String> = brute.years.keys().collect();
    let pairs: Vec<(String, String)> =
        ids.iter().enumerate().flat_map(|(i, a)| ids[i + 1..].iter().map(|b| ((*a).clone(), (*b).clone()))).collect();
    let engine = &options.engine;
    let got = similarity::pairwise(&output, &PairQuery::Pairs(pairs.clone()), options.bidf_year, engine).await.unwrap();
    assert_eq!(got.len(), pairs.len(), "{label}: pairwise returns every pair once");
    for r in &got {
        let want = brute.similarity(&r.patent_a, &r.patent_b);
        assert!(
            close(r.similarity, want),
            "{label}: pair {} {}: pairwise {}, brute force {want}",
            r.patent_a,
            r.patent_b,
            r.similarity
        );
        assert_eq!((r.year_a, r.year_b), (brute.years[&r.patent_a], brute.years[&r.patent_b]));
    }
    let focal: Vec<String> = ids.iter().rev().take(3).map(|s| s.to_string()).collect();
    let query = PairQuery::TopK { patents: focal.clone(), k: 4, backward_years: options.backward_years };
    let got = similarity::pairwise(&output, &query, options.bidf_year, engine).await.unwrap();
    for a in &focal {
        let year = brute.years[a];
        let mut want: Vec<f64> = ids
            .iter()
            .filter(|b| brute.years[**b] < year && brute.years[**b] >= year - options.backward_years)
            .map(|b| brute.similarity(a, b))
            .collect();
        want.sort_by(|x, y| y.total_cmp(x));
        want.truncate(4);
        let ranked: Vec<_> = got.iter().filter(|r| &r.patent_a == a).collect();
        assert_eq!(ranked.len(), want.len(), "{label}: top-k of {a}");
        for (i, (r, w)) in ranked.iter().zip(&want).enumerate() {
            assert_eq!(r.rank, Some(i as u64 + 1));
            assert!(
                close(r.similarity, *w),
                "{label}: top-k of {a}, rank {}: {} vs brute force {w}",
                i + 1,
                r.similarity
            );
            assert!(close(r.similarity, brute.similarity(a, &r.patent_b)), "{label}: top-k pair {a} {}", r.patent_b);
        }
    }

    let metric = |name: &str| manifest.metrics[name].as_i64().unwrap();
    let with_filing_year = corpus.iter().filter(|p| p.filing_year.is_some()).count() as i64;
    assert_eq!(metric("patents"), corpus.len() as i64);
    assert_eq!(metric("patents_without_filing_year"), corpus.len() as i64 - with_filing_year);
    assert_eq!(metric("patents_without_terms"), with_filing_year - brute.years.len() as i64);
    assert_eq!(manifest.tables["patent_similarity"].rows, want_stats.len() as u64);
    (manifest, published, want_stats)
}

#[tokio::test]
async fn earlier_convention_matches_brute_force() {
    for seed in [1, 2] {
        let corpus = random_corpus(seed, 45);
        for (b, f) in [(5, 10), (2, 3)] {
            let (_, _, stats) = check(&corpus, &options(BidfYear::Earlier, b, f)).await;
            assert!(stats.values().any(|s| s.log_q.is_some()), "no log q exercised");
            if f == 3 {
                assert!(stats.values().any(|s| s.breakthrough == Some(true)), "no breakthrough exercised");
                assert!(stats.values().any(|s| s.breakthrough == Some(false)));
            }
        }
    }
}

/// The corpus's start: with a burn-in year, backward windows reaching before 2002 (filing years up to
/// 2003 at b = 2) are incomplete and out of the ranking; the first year's BIDF is undefined, so
/// the patents filed in 2002 have no backward partner at all under the earlier convention.
#[tokio::test]
async fn burn_in_flags_backward_windows_at_the_corpus_start() {
    let corpus = random_corpus(6, 60);
    let settings = SimilarityOptions { burn_in_years: 1, ..options(BidfYear::Earlier, 2, 3) };
    let (manifest, published, _) = check(&corpus, &settings).await;
    assert_eq!(manifest.metrics["burn_in_years"].as_i64(), Some(1));
    for (id, s) in &published.stats {
        assert_eq!(s.bs_incomplete, s.filing_year <= 2003, "{id}: filed {}", s.filing_year);
        if s.bs_incomplete || s.fs_incomplete {
            assert_eq!((s.log_q_residual, s.breakthrough), (None, None), "{id}");
        }
        if s.filing_year == 2002 {
            assert_eq!((s.bs_count, s.bs, s.q), (0, None, None), "{id}: the 2001 vectors are empty");
        }
    }
    let rated: Vec<_> = published.stats.values().filter(|s| s.breakthrough.is_some()).collect();
    assert!(rated.iter().any(|s| s.breakthrough == Some(true)), "no breakthrough exercised");
    assert!(rated.iter().all(|s| (2004..=2005).contains(&s.filing_year)));
}

#[tokio::test]
async fn later_convention_matches_brute_force() {
    for seed in [3, 4] {
        let corpus = random_corpus(seed, 45);
        for (b, f) in [(5, 10), (2, 3)] {
            check(&corpus, &options(BidfYear::Later, b, f)).await;
        }
    }
}

#[tokio::test]
async fn other_texts_and_tokenizer_settings_match_brute_force() {
    let corpus = random_corpus(5, 45);
    for text in [TextSource::Title, TextSource::ClaimsAndTitle] {
        check(&corpus, &SimilarityOptions { text, ..options(BidfYear::Earlier, 3, 2) }).await;
    }
    let settings = SimilarityOptions {
        min_token_len: 4,
        min_df: 3,
        boilerplate: vec!["gear".into(), "motor".into()],
        breakthrough_quantile: 0.75,
        ..options(BidfYear::Later, 2, 2)
    };
    check(&corpus, &settings).await;
}

/// A corpus small enough to count by hand (default tokenizer, min df 2):
/// - 2001: P1 `gear shaft`, P2 `gear spring`
/// - 2002: P3 `gear lever`, P4 `shaft lever`
/// - 2003: P5 `gear shaft lever spring widget` (`widget` occurs once: dropped)
/// - P6 has no filing year, P7 (2002) only stop words and boiler-plate.
#[tokio::test]
async fn hand_counted_vocabulary_and_bidf_edge_cases() {
    let patent = |i: usize, filing_year: Option<i32>, claims: &[&str]| Patent {
        id: format!("P{i}"),
        grant_year: 2004,
        filing_year,
        title: None,
        claims: claims.iter().map(|c| c.to_string()).collect(),
    };
    let corpus = vec![
        patent(1, Some(2001), &["A gear according to claim 1,", "wherein the SHAFT"]),
        patent(2, Some(2001), &["gear; spring"]),
        patent(3, Some(2002), &["Gear-lever"]),
        patent(4, Some(2002), &["shaft (12) lever"]),
        patent(5, Some(2003), &["gear, shaft, lever", "spring widget"]),
        patent(6, None, &["gear widget"]),
        patent(7, Some(2002), &["The method of claim 1, wherein said it is"]),
    ];
    let (_, published, _) = check(&corpus, &options(BidfYear::Earlier, 5, 10)).await;

    // (term, year) -> (df, df_before, patents_before, bidf) counted by hand.
    let ln = f64::ln;
    let hand = [
        ("gear", 2001, 2, 0, 0, None),
        ("shaft", 2001, 1, 0, 0, None),
        ("spring", 2001, 1, 0, 0, None),
        ("lever", 2001, 0, 0, 0, None),
        // gear is in both earlier patents: BIDF = ln(2 / 3) < 0.
        ("gear", 2002, 1, 2, 2, Some(ln(2.0 / 3.0))),
        ("shaft", 2002, 1, 1, 2, Some(0.0)),
        ("spring", 2002, 0, 1, 2, Some(0.0)),
        ("lever", 2002, 2, 0, 2, Some(ln(2.0))),
        ("gear", 2003, 1, 3, 4, Some(0.0)),
        ("shaft", 2003, 1, 2, 4, Some(ln(4.0 / 3.0))),
        ("spring", 2003, 1, 1, 4, Some(ln(2.0))),
        ("lever", 2003, 1, 2, 4, Some(ln(4.0 / 3.0))),
    ];
    assert_eq!(published.vocabulary.len(), hand.len(), "{:?}", published.vocabulary.keys().collect::<Vec<_>>());
    for (term, year, df, df_before, n, bidf) in hand {
        let got = &published.vocabulary[&(term.to_string(), year)];
        let want = VocabRow { df, df_before, patents_before: n, bidf };
        assert!(
            (got.df, got.df_before, got.patents_before) == (want.df, want.df_before, want.patents_before)
                && close_opt(got.bidf, want.bidf),
            "{term} {year}: {got:?}, by hand {want:?}"
        );
    }
    let stats = &published.stats;
    assert_eq!(stats.keys().collect::<Vec<_>>(), ["P1", "P2", "P3", "P4", "P5"], "P6 has no year, P7 no kept term");
    // 2001 is the first year: its vectors are empty, so 2001 patents' forward windows (weighted with
    // 2001) and 2002 patents' backward windows hold no partner: no mean, no q (not a mean of zeros).
    for id in ["P1", "P2"] {
        let s = &stats[id];
        assert_eq!((s.fs_sum, s.fs_count, s.fs, s.bs_count, s.bs), (0.0, 0, None, 0, None), "{id}");
    }
    for id in ["P3", "P4"] {
        let s = &stats[id];
        assert_eq!((s.bs_sum, s.bs_count, s.bs, s.q, s.fs_count), (0.0, 0, None, None, 1), "{id}");
    }
    // Under BIDF_2002, P3 (gear .5, lever .5) and P5 (gear, shaft, lever, spring .25 each; shaft and
    // spring weigh 0) point the same way: similarity 1. P4 keeps only lever (shaft weighs 0).
    assert!(close(stats["P3"].fs_sum, 1.0), "{:?}", stats["P3"]);
    let p4 = ln(2.0) / (ln(2.0 / 3.0).powi(2) + ln(2.0).powi(2)).sqrt();
    assert!(close(stats["P4"].fs_sum, p4), "{:?}", stats["P4"]);
    assert!(stats.values().all(|s| s.fs_incomplete), "every forward window of 10 years runs past 2003");
    assert!(stats.values().all(|s| s.bs_incomplete), "every backward window of 5 years reaches before 2001");
}

/// One filing year only: no patent has another in its windows, so counts are 0, means and q are
/// NULL, and every BIDF is undefined (no earlier patents); no weighting pass runs at all.
#[tokio::test]
async fn single_year_corpus_has_empty_windows() {
    let corpus: Vec<Patent> = ["gear shaft", "gear lever", "shaft lever"]
        .iter()
        .enumerate()
        .map(|(i, text)| Patent {
            id: format!("S{i}"),
            grant_year: 2010,
            filing_year: Some(2008),
            title: None,
            claims: vec![text.to_string()],
        })
        .collect();
    let (manifest, published, _) = check(&corpus, &options(BidfYear::Earlier, 5, 10)).await;
    assert_eq!(published.stats.len(), 3);
    for s in published.stats.values() {
        assert_eq!((s.bs_count, s.fs_count, s.bs, s.fs, s.q, s.breakthrough), (0, 0, None, None, None, None));
    }
    assert!(published.vocabulary.values().all(|v| v.bidf.is_none() && v.patents_before == 0));
    assert_eq!(manifest.metrics["window_sum_rows"].as_i64(), Some(0));
}

/// Every query the stage generates, for each option that changes it, pinned as snapshots
/// (`tests/snapshots/`; `INSTA_UPDATE=always cargo test -p similarity --test brute_force
/// sql_snapshots` rewrites them).
mod sql_snapshots {
    use similarity::sql::{self, WeightingQueries};
    use similarity::windows::Windows;
    use similarity::{BidfYear, TextSource};

    #[test]
    fn vector_queries() {
        let boilerplate = ["said".to_string(), "wherein".to_string()];
        for text in [TextSource::Claims, TextSource::Title, TextSource::ClaimsAndTitle] {
            insta::assert_snapshot!(format!("raw_terms-{}", text.name()), sql::raw_terms(text, 2001, 3, &boilerplate));
        }
        insta::assert_snapshot!("kept_terms", sql::kept_terms(2));
        insta::assert_snapshot!("patent_terms", sql::patent_terms(2001));
        insta::assert_snapshot!("documents", sql::documents(2001));
        insta::assert_snapshot!("vocabulary-first-year", sql::vocabulary(1990, None, 0));
        insta::assert_snapshot!("vocabulary-later-year", sql::vocabulary(2001, Some(2000), 4321));
    }

    #[test]
    fn weighting_queries() {
        for bidf_year in [BidfYear::Earlier, BidfYear::Later] {
            let windows = Windows { backward_years: 5, forward_years: 10, bidf_year };
            let plans = windows.plan(&(1990..=2020).collect::<Vec<_>>());
            let queries = WeightingQueries { bidf_year: 2005, plan: &plans[&2005] };
            let name = bidf_year.name();
            insta::assert_snapshot!(format!("norms-{name}"), queries.norms());
            insta::assert_snapshot!(format!("centroids-{name}"), queries.centroids());
            insta::assert_snapshot!(format!("window_sums-{name}"), queries.window_sums());
            insta::assert_snapshot!(
                format!("pair_similarities-{name}"),
                sql::pair_similarities(sql::GIVEN_PAIRS, bidf_year)
            );
        }
        insta::assert_snapshot!("patent_similarity", sql::patent_similarity(5, 10, 1995, 2020, 0.9));
        insta::assert_snapshot!("backward_candidates", sql::backward_candidates(5));
        insta::assert_snapshot!("top_k", sql::top_k("SELECT * FROM pairs", 10));
        for (name, query) in [
            ("grant_years", sql::GRANT_YEARS),
            ("patent_counts", sql::PATENT_COUNTS),
            ("raw_filing_years", sql::RAW_FILING_YEARS),
            ("year_counts", sql::YEAR_COUNTS),
            ("given_pairs", sql::GIVEN_PAIRS),
        ] {
            insta::assert_snapshot!(name, query);
        }
    }
}
