//! The co-occurrence stage against an independent brute-force computation: plain loops over patent
//! code sets on random small corpora, every level, every year, both coarse-graining rules, both
//! marginal methods and both year fields, to 1e-9 relative; plus a hand-computed z-score.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema};
use cooccurrence::{CoarseGraining, CooccurrenceOptions, Level, Marginals, YearField};
use datafusion::prelude::SessionContext;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schemas::Table;
use sql_engine::register_published;
use stage_runtime::{EngineOptions, StoreLocation};

/// One patent of a test corpus.
#[derive(Debug, Clone)]
struct Patent {
    id: String,
    grant_year: i32,
    filing_year: Option<i32>,
    /// CPC groups in cpc_sequence order; may repeat a group (the stage must deduplicate).
    groups: Vec<String>,
}

fn subclass(group: &str) -> String {
    group[..4].to_string()
}

fn class(group: &str) -> String {
    group[..3].to_string()
}

fn unit(level: Level, group: &str) -> String {
    match level {
        Level::Group => group.to_string(),
        Level::Subclass => subclass(group),
        Level::Class => class(group),
    }
}

/// A random corpus over a small hierarchy: 2 sections, classes with 1-3 subclasses, subclasses with
/// 1-4 groups; patents with 0-6 codes, skewed toward a few popular groups, over `years` years with
/// one year left empty.
fn random_corpus(seed: u64, patents: usize) -> Vec<Patent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut groups = vec![];
    for section in ["A", "H"] {
        for class in 1..=3 {
            for sub in ["B", "C", "K"].iter().take(rng.random_range(1..=3)) {
                for g in 0..rng.random_range(1..=4) {
                    groups.push(format!("{section}{class:02}{sub}{}/{:02}", g + 1, 2 * g));
                }
            }
        }
    }
    let years = [2001, 2002, 2004, 2005];
    (0..patents)
        .map(|i| {
            let grant_year = years[rng.random_range(0..years.len())];
            let k = rng.random_range(0..=6);
            let codes = (0..k)
                .map(|_| {
                    // Squaring skews toward the first groups, so pairs repeat across patents.
                    let u: f64 = rng.random();
                    groups[((u * u) * groups.len() as f64) as usize].clone()
                })
                .collect();
            let filing_year = (rng.random_range(0..10) > 0).then(|| grant_year - rng.random_range(0..3));
            Patent { id: format!("{}", 7_000_000 + i), grant_year, filing_year, groups: codes }
        })
        .collect()
}

/// Publishes `corpus` at `location` as ingest would: tables `patents` and `cpc`.
async fn publish_ingest_output(corpus: &[Patent], location: &StoreLocation) {
    let patents = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("patent_id", DataType::Utf8, false),
            Field::new("grant_year", DataType::Int32, false),
            Field::new("filing_year", DataType::Int32, true),
        ])),
        vec![
            Arc::new(StringArray::from_iter_values(corpus.iter().map(|p| p.id.clone()))),
            Arc::new(Int32Array::from_iter_values(corpus.iter().map(|p| p.grant_year))),
            Arc::new(Int32Array::from_iter(corpus.iter().map(|p| p.filing_year))),
        ],
    )
    .unwrap();
    let rows: Vec<(&Patent, usize, &String)> =
        corpus.iter().flat_map(|p| p.groups.iter().enumerate().map(move |(i, g)| (p, i, g))).collect();
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
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0.grant_year))),
        ],
    )
    .unwrap();
    let tables = [
        (
            Table::Patents,
            "SELECT patent_id, 'utility' AS patent_type, make_date(grant_year, 6, 1) AS grant_date, \
             CASE WHEN filing_year IS NULL THEN NULL ELSE make_date(filing_year, 1, 15) END AS filing_date, filing_year, \
             NULL AS application_id, NULL AS title, 'B2' AS wipo_kind, 1 AS num_claims, false AS withdrawn, grant_year \
             FROM mem_patents",
        ),
        (
            Table::Cpc,
            "SELECT patent_id, cpc_sequence, substr(cpc_group, 1, 1) AS cpc_section, substr(cpc_group, 1, 3) AS cpc_class, \
             substr(cpc_group, 1, 4) AS cpc_subclass, cpc_group, cpc_group AS cpc_main_group, 'inventional' AS cpc_type, \
             grant_year FROM mem_cpc",
        ),
    ];
    pipeline_tests::publish_as_ingest(location, vec![("mem_patents", patents), ("mem_cpc", cpc)], &tables).await;
}

/// Pair statistics as the stage reports them or as brute force computes them.
#[derive(Debug, Clone, PartialEq)]
struct PairStats {
    o: f64,
    mu: f64,
    var: f64,
    z: Option<f64>,
    n_a: i64,
    n_b: i64,
    patents: i64,
}

/// Per-patent features at one level.
#[derive(Debug, Clone, PartialEq)]
struct Features {
    year: i32,
    n_codes: i64,
    n_pairs: i64,
    min_z: Option<f64>,
    p10_z: Option<f64>,
    median_z: Option<f64>,
    share_negative: Option<f64>,
    novel: Option<bool>,
    conventional: Option<bool>,
    profile: Option<String>,
}

type PairKey = (String, i32, String, String);

/// Every statistic by brute force: for each year t, the patents of years <= t as code sets, code
/// pairs counted by looping over patents, coarse pairs by looping over every pair of distinct groups.
fn brute_force(
    corpus: &[Patent],
    options: &CooccurrenceOptions,
) -> (BTreeMap<PairKey, PairStats>, BTreeMap<(String, String), Features>) {
    let year_of = |p: &Patent| match options.year_field {
        YearField::Grant => Some(p.grant_year),
        YearField::Filing => p.filing_year,
    };
    let sets: Vec<(i32, &str, BTreeSet<String>)> = corpus
        .iter()
        .filter_map(|p| {
            let groups: BTreeSet<String> = p.groups.iter().cloned().collect();
            (!groups.is_empty()).then_some(())?;
            Some((year_of(p)?, p.id.as_str(), groups))
        })
        .collect();
    let first = sets.iter().map(|s| s.0).min().unwrap();
    let last = sets.iter().map(|s| s.0).max().unwrap();
    let mut pairs = BTreeMap::new();
    let mut features = BTreeMap::new();
    for t in first..=last {
        let members: Vec<&BTreeSet<String>> = sets.iter().filter(|s| s.0 <= t).map(|s| &s.2).collect();
        let p = members.len() as f64;
        let n_group = |g: &str| members.iter().filter(|m| m.contains(g)).count() as f64;
        let o_group = |a: &str, b: &str| members.iter().filter(|m| m.contains(a) && m.contains(b)).count() as f64;
        let mu_var = |na: f64, nb: f64| (na * nb / p, na * nb / p * (1.0 - na / p) * (p - nb) / (p - 1.0));
        for &level in &options.levels {
            let holds = |m: &BTreeSet<String>, u: &str| m.iter().any(|g| unit(level, g) == u);
            let n_unit = |u: &str| members.iter().filter(|m| holds(m, u)).count() as i64;
            let units: BTreeSet<String> = members.iter().flat_map(|m| m.iter().map(|g| unit(level, g))).collect();
            let all_groups: BTreeSet<&String> = members.iter().flat_map(|m| m.iter()).collect();
            let mut year_pairs: BTreeMap<(String, String), PairStats> = BTreeMap::new();
            for a in &units {
                for b in units.range(a.clone()..) {
                    let (o, mu, var) = if level == Level::Group || options.coarse_graining == CoarseGraining::MapDedupe
                    {
                        if a == b {
                            continue;
                        }
                        let o = members.iter().filter(|m| holds(m, a) && holds(m, b)).count() as f64;
                        let (mu, var) = mu_var(n_unit(a) as f64, n_unit(b) as f64);
                        (o, mu, var)
                    } else {
                        let mut sums = (0.0, 0.0, 0.0);
                        for i in all_groups.iter().filter(|g| unit(level, g) == *a) {
                            for j in all_groups.iter().filter(|g| unit(level, g) == *b) {
                                if i == j || (a == b && i > j) {
                                    continue; // distinct groups; inside one unit each unordered pair once
                                }
                                let (mu, var) = mu_var(n_group(i), n_group(j));
                                sums = (sums.0 + o_group(i, j), sums.1 + mu, sums.2 + var);
                            }
                        }
                        sums
                    };
                    if o == 0.0 {
                        continue;
                    }
                    let var = if p < 2.0 { 0.0 } else { var };
                    // o = mu exactly can come out as +-1e-16 from summing in another order; snap it, so
                    // signs (share_negative, novel) are compared only where they are well defined.
                    let diff = if (o - mu).abs() <= 1e-9 * o.max(mu) { 0.0 } else { o - mu };
                    let z = (var > 0.0).then(|| diff / var.sqrt());
                    let stats =
                        PairStats { o, mu, var, z, n_a: n_unit(a), n_b: n_unit(b), patents: members.len() as i64 };
                    year_pairs.insert((a.clone(), b.clone()), stats);
                }
            }
            // Features of the patents of year t, against the statistics of year t.
            let mut year_features = vec![];
            for (_, id, groups) in sets.iter().filter(|s| s.0 == t) {
                let mut count: BTreeMap<String, usize> = BTreeMap::new();
                for g in groups.iter() {
                    *count.entry(unit(level, g)).or_default() += 1;
                }
                let mut zs = vec![];
                let mut n_pairs = 0;
                for (a, ca) in &count {
                    for (b, _) in count.range(a.clone()..) {
                        let within = a == b;
                        let dedupe = level == Level::Group || options.coarse_graining == CoarseGraining::MapDedupe;
                        if within && (dedupe || *ca < 2) {
                            continue;
                        }
                        n_pairs += 1;
                        zs.extend(year_pairs[&(a.clone(), b.clone())].z);
                    }
                }
                zs.sort_by(f64::total_cmp);
                let quantile = |q: f64| {
                    let h = q * (zs.len() as f64 - 1.0);
                    let lo = h.floor() as usize;
                    if lo + 1 < zs.len() { zs[lo] + (h - lo as f64) * (zs[lo + 1] - zs[lo]) } else { zs[lo] }
                };
                let any = !zs.is_empty();
                let f = Features {
                    year: t,
                    n_codes: count.len() as i64,
                    n_pairs,
                    min_z: any.then(|| zs[0]),
                    p10_z: any.then(|| quantile(0.1)),
                    median_z: any.then(|| quantile(0.5)),
                    share_negative: any.then(|| zs.iter().filter(|z| **z < 0.0).count() as f64 / zs.len() as f64),
                    novel: any.then(|| quantile(0.1) < 0.0),
                    conventional: None,
                    profile: None,
                };
                year_features.push((id.to_string(), f));
            }
            let mut medians: Vec<f64> = year_features.iter().filter_map(|(_, f)| f.median_z).collect();
            medians.sort_by(f64::total_cmp);
            let m = medians.len();
            let yearly_median =
                (m > 0).then(|| if m % 2 == 1 { medians[m / 2] } else { (medians[m / 2 - 1] + medians[m / 2]) / 2.0 });
            for (id, mut f) in year_features {
                f.conventional = f.median_z.zip(yearly_median).map(|(z, y)| z > y);
                f.profile = f.novel.zip(f.conventional).map(|(n, c)| {
                    match (n, c) {
                        (true, true) => "novel_conventional",
                        (true, false) => "novel",
                        (false, true) => "conventional",
                        (false, false) => "neither",
                    }
                    .to_string()
                });
                features.insert((level.name().to_string(), id), f);
            }
            for ((a, b), s) in year_pairs {
                pairs.insert((level.name().to_string(), t, a, b), s);
            }
        }
    }
    (pairs, features)
}

/// Reads the stage's published tables back into the brute-force shapes.
async fn read_stage_output(
    output: &StoreLocation,
) -> (BTreeMap<PairKey, PairStats>, BTreeMap<(String, String), Features>) {
    let ctx = SessionContext::new();
    register_published(&ctx, output, Table::CpcPairStats).await.unwrap();
    register_published(&ctx, output, Table::PatentNovelty).await.unwrap();
    let f64_at = |b: &RecordBatch, c: usize, i: usize| {
        let a = b.column(c).as_primitive::<Float64Type>();
        (!a.is_null(i)).then(|| a.value(i))
    };
    let mut pairs = BTreeMap::new();
    let sql = "SELECT level, year, code_a, code_b, o, mu, var, z, n_a, n_b, patents FROM cpc_pair_stats";
    for b in sql_engine::collect(&ctx, sql).await.unwrap() {
        let s = |c: usize, i: usize| b.column(c).as_string::<i32>().value(i).to_string();
        let i64_at = |c: usize, i: usize| b.column(c).as_primitive::<Int64Type>().value(i);
        for i in 0..b.num_rows() {
            let key = (s(0, i), b.column(1).as_primitive::<Int32Type>().value(i), s(2, i), s(3, i));
            let stats = PairStats {
                o: i64_at(4, i) as f64,
                mu: f64_at(&b, 5, i).unwrap(),
                var: f64_at(&b, 6, i).unwrap(),
                z: f64_at(&b, 7, i),
                n_a: i64_at(8, i),
                n_b: i64_at(9, i),
                patents: i64_at(10, i),
            };
            assert!(pairs.insert(key.clone(), stats).is_none(), "pair {key:?} published twice");
        }
    }
    let mut features = BTreeMap::new();
    let sql = "SELECT level, patent_id, year, n_codes, n_pairs, min_z, p10_z, median_z, share_negative, novel, \
               conventional, profile FROM patent_novelty";
    for b in sql_engine::collect(&ctx, sql).await.unwrap() {
        let s = |c: usize, i: usize| {
            let a = b.column(c).as_string::<i32>();
            (!a.is_null(i)).then(|| a.value(i).to_string())
        };
        let flag = |c: usize, i: usize| {
            let a: &BooleanArray = b.column(c).as_boolean();
            (!a.is_null(i)).then(|| a.value(i))
        };
        for i in 0..b.num_rows() {
            let f = Features {
                year: b.column(2).as_primitive::<Int32Type>().value(i),
                n_codes: b.column(3).as_primitive::<Int64Type>().value(i),
                n_pairs: b.column(4).as_primitive::<Int64Type>().value(i),
                min_z: f64_at(&b, 5, i),
                p10_z: f64_at(&b, 6, i),
                median_z: f64_at(&b, 7, i),
                share_negative: f64_at(&b, 8, i),
                novel: flag(9, i),
                conventional: flag(10, i),
                profile: s(11, i),
            };
            let key = (s(0, i).unwrap(), s(1, i).unwrap());
            assert!(features.insert(key.clone(), f).is_none(), "patent {key:?} published twice");
        }
    }
    (pairs, features)
}

/// Fails with the keys only one side has (at most 10 of each).
fn assert_same_keys<K: Ord + std::fmt::Debug, V>(got: &BTreeMap<K, V>, want: &BTreeMap<K, V>, what: &str) {
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(k)).take(10).collect();
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(k)).take(10).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}: {} published, {} by brute force; published only: {extra:?}; brute force only: {missing:?}",
        got.len(),
        want.len()
    );
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

/// Runs the stage on `corpus` with `options` and compares everything with brute force.
async fn check(corpus: &[Patent], options: CooccurrenceOptions) {
    let dir = tempfile::tempdir().unwrap();
    let input = StoreLocation::parse(dir.path().join("ingest").to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(dir.path().join("cooccurrence").to_str().unwrap()).unwrap();
    publish_ingest_output(corpus, &input).await;
    let manifest = cooccurrence::run(&input, &output, &options).await.unwrap();
    let (pairs, features) = read_stage_output(&output).await;
    let (want_pairs, want_features) = brute_force(corpus, &options);
    let label = format!("{:?}/{:?}/{:?}", options.year_field, options.coarse_graining, options.marginals);
    assert_same_keys(&pairs, &want_pairs, &format!("{label}: pairs"));
    for (key, want) in &want_pairs {
        let got = &pairs[key];
        let same = close(got.o, want.o)
            && close(got.mu, want.mu)
            && close(got.var, want.var)
            && close_opt(got.z, want.z)
            && (got.n_a, got.n_b, got.patents) == (want.n_a, want.n_b, want.patents);
        assert!(same, "{label}: pair {key:?}: stage {got:?}, brute force {want:?}");
    }
    assert_same_keys(&features, &want_features, &format!("{label}: patents"));
    for (key, want) in &want_features {
        let got = &features[key];
        let same = (got.year, got.n_codes, got.n_pairs) == (want.year, want.n_codes, want.n_pairs)
            && close_opt(got.min_z, want.min_z)
            && close_opt(got.p10_z, want.p10_z)
            && close_opt(got.median_z, want.median_z)
            && close_opt(got.share_negative, want.share_negative)
            && (&got.novel, &got.conventional, &got.profile) == (&want.novel, &want.conventional, &want.profile);
        assert!(same, "{label}: patent {key:?}: stage {got:?}, brute force {want:?}");
    }
    // The corpus is rich enough for the comparison to mean something.
    let coarse_within = want_pairs.keys().filter(|k| k.0 != "group" && k.2 == k.3).count();
    if options.coarse_graining == CoarseGraining::SumCodePairs {
        assert!(coarse_within > 0, "{label}: no within-class pairs were exercised");
    } else {
        assert_eq!(coarse_within, 0, "{label}: map-dedupe has no within-class pairs");
    }
    assert!(want_pairs.values().any(|s| s.z.is_some_and(|z| z < 0.0)), "{label}: no negative z exercised");
    assert!(want_features.values().any(|f| f.n_pairs == 0), "{label}: no pairless patent exercised");
    assert_eq!(manifest.tables["cpc_pair_stats"].rows, want_pairs.len() as u64);
    assert_pair_files_sorted(&dir.path().join("cooccurrence"), &label);
}

/// Every `cpc_pair_stats` file below `dir` holds its rows in (code_a, code_b) order, as the catalogue
/// promises (the stage's plan sorts nothing there: it relies on the work table's declared order).
fn assert_pair_files_sorted(dir: &std::path::Path, label: &str) {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let mut folders = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet")
                && path.to_string_lossy().contains("cpc_pair_stats")
            {
                let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
                let mut rows = Vec::new();
                for batch in reader.build().unwrap() {
                    let batch = batch.unwrap();
                    let column = |name: &str| batch.column_by_name(name).unwrap().as_string::<i32>().clone();
                    let (a, b) = (column("code_a"), column("code_b"));
                    rows.extend((0..batch.num_rows()).map(|i| (a.value(i).to_string(), b.value(i).to_string())));
                }
                assert!(rows.is_sorted(), "{label}: {} is not in (code_a, code_b) order", path.display());
                files += 1;
            }
        }
    }
    assert!(files > 0, "{label}: no cpc_pair_stats files under {}", dir.display());
}

fn options(year_field: YearField, coarse_graining: CoarseGraining, marginals: Marginals) -> CooccurrenceOptions {
    CooccurrenceOptions {
        year_field,
        coarse_graining,
        marginals,
        plots: false,
        engine: EngineOptions { target_partitions: Some(2), ..EngineOptions::default() },
        ..CooccurrenceOptions::default()
    }
}

#[tokio::test]
async fn sum_code_pairs_matches_brute_force() {
    for seed in [1, 2, 3] {
        let corpus = random_corpus(seed, 70);
        check(&corpus, options(YearField::Grant, CoarseGraining::SumCodePairs, Marginals::Aggregates)).await;
    }
}

#[tokio::test]
async fn map_dedupe_matches_brute_force() {
    for seed in [4, 5] {
        let corpus = random_corpus(seed, 70);
        check(&corpus, options(YearField::Grant, CoarseGraining::MapDedupe, Marginals::Aggregates)).await;
    }
}

#[tokio::test]
async fn enumerated_marginals_match_brute_force() {
    let corpus = random_corpus(6, 60);
    check(&corpus, options(YearField::Grant, CoarseGraining::SumCodePairs, Marginals::EnumeratePairs)).await;
    check(&corpus, options(YearField::Grant, CoarseGraining::MapDedupe, Marginals::EnumeratePairs)).await;
}

#[tokio::test]
async fn filing_years_match_brute_force() {
    let corpus = random_corpus(7, 70);
    assert!(corpus.iter().any(|p| p.filing_year.is_none() && !p.groups.is_empty()));
    check(&corpus, options(YearField::Filing, CoarseGraining::SumCodePairs, Marginals::Aggregates)).await;
}

/// The worked example of the methods note: |P| = 40, n_A = 19, n_B = 15, o_AB = 1 gives mu = 7.125,
/// sigma = 1.548 and z = -3.955 (hand-computed there).
#[tokio::test]
async fn hand_computed_z() {
    let patent = |i: usize, groups: &[&str]| Patent {
        id: format!("{}", 9_000_000 + i),
        grant_year: 2010,
        filing_year: Some(2009),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    let mut corpus = vec![patent(0, &["A01B1/00", "B02C1/00"])];
    corpus.extend((1..19).map(|i| patent(i, &["A01B1/00", "H01L1/00"])));
    corpus.extend((19..33).map(|i| patent(i, &["B02C1/00", "H01L1/00"])));
    corpus.extend((33..40).map(|i| patent(i, &["H01L1/00"])));
    let dir = tempfile::tempdir().unwrap();
    let input = StoreLocation::parse(dir.path().join("in").to_str().unwrap()).unwrap();
    let output = StoreLocation::parse(dir.path().join("out").to_str().unwrap()).unwrap();
    publish_ingest_output(&corpus, &input).await;
    let opts = CooccurrenceOptions {
        levels: vec![Level::Group],
        ..options(YearField::Grant, CoarseGraining::SumCodePairs, Marginals::Aggregates)
    };
    cooccurrence::run(&input, &output, &opts).await.unwrap();
    let (pairs, _) = read_stage_output(&output).await;
    let ab = &pairs[&("group".to_string(), 2010, "A01B1/00".to_string(), "B02C1/00".to_string())];
    assert_eq!((ab.o, ab.n_a, ab.n_b, ab.patents), (1.0, 19, 15, 40));
    assert!((ab.mu - 7.125).abs() < 1e-12);
    assert!((ab.var.sqrt() - 1.548).abs() < 5e-4, "sigma {}", ab.var.sqrt());
    assert!((ab.z.unwrap() + 3.955).abs() < 5e-4, "z {:?}", ab.z);
}

/// Every query the stage generates, for each combination of the options that change it, pinned as
/// snapshots (`tests/snapshots/`): a change to the SQL shows in review as a diff of these files
/// (`INSTA_UPDATE=always cargo test -p cooccurrence --test brute_force sql_snapshots` rewrites them).
mod sql_snapshots {
    use cooccurrence::sql::{self, YearQueries};
    use cooccurrence::{CoarseGraining, Level, Marginals, YearField};

    #[test]
    fn patent_codes() {
        for field in [YearField::Grant, YearField::Filing] {
            insta::assert_snapshot!(format!("units-{}", field.name()), sql::units(field));
            insta::assert_snapshot!(format!("patent_codes-{}", field.name()), sql::patent_codes(field));
        }
        insta::assert_snapshot!("patents_per_year", sql::PATENTS_PER_YEAR);
        insta::assert_snapshot!("code_map", sql::CODE_MAP);
    }

    #[test]
    fn plot_queries() {
        insta::assert_snapshot!("z_by_year", sql::z_by_year(Level::Subclass));
        insta::assert_snapshot!("novel_share_by_year", sql::novel_share_by_year(Level::Subclass));
    }

    #[test]
    fn year_queries() {
        let levels = [Level::Group, Level::Subclass, Level::Class];
        for has_previous in [false, true] {
            for coarse_graining in [CoarseGraining::SumCodePairs, CoarseGraining::MapDedupe] {
                for marginals in [Marginals::Aggregates, Marginals::EnumeratePairs] {
                    let q = YearQueries {
                        year: 2001,
                        has_previous,
                        patents: 1234,
                        levels: &levels,
                        coarse_graining,
                        marginals,
                    };
                    let variant = format!(
                        "{}-{}-{}",
                        if has_previous { "later-year" } else { "first-year" },
                        coarse_graining.name(),
                        marginals.name()
                    );
                    insta::assert_snapshot!(format!("patent_pairs-{variant}"), q.patent_pairs());
                    insta::assert_snapshot!(format!("unit_counts-{variant}"), q.unit_counts());
                    insta::assert_snapshot!(format!("pair_moments-{variant}"), q.pair_moments());
                    insta::assert_snapshot!(format!("pair_stats-{variant}"), q.pair_stats());
                    insta::assert_snapshot!(format!("patent_novelty-{variant}"), q.patent_novelty());
                }
            }
        }
    }
}
