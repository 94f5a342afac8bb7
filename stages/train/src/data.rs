//! The training examples: each labelled patent (ingest's `cpc` and `claims`, the labels stage's
//! `impact_labels`) as its CPC codes at one level in cpc_sequence order (repeats dropped unless
//! kept) and the tokens of its first claim, its split (by a seeded hash of the patent id, or
//! stratified by label), and the encoding through vocabularies built from the training split.

use anyhow::{Context, Result};
use arrow::array::{Array, AsArray, ListArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sql_functions::tokenize::{DEFAULT_BOILERPLATE, Tokenizer};

use crate::fit::Example;
use crate::vocab::Vocabulary;

/// The CPC level of the code sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CodeLevel {
    /// Subclass, e.g. `G06N`.
    Subclass,
    /// Main group, e.g. `G06N3/00`.
    MainGroup,
}

impl CodeLevel {
    /// The level's name in options and manifests (as serde writes it).
    pub fn name(self) -> &'static str {
        match self {
            CodeLevel::Subclass => "subclass",
            CodeLevel::MainGroup => "main-group",
        }
    }

    fn column(self) -> &'static str {
        match self {
            CodeLevel::Subclass => "cpc_subclass",
            CodeLevel::MainGroup => "cpc_main_group",
        }
    }
}

/// Which part of the data a patent belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl Split {
    /// The split of `patent_id` under `seed`: 80% train, 10% validation, 10% test, by an FNV-1a
    /// hash of the seed and the id (stable across runs, machines and row order).
    pub fn of(patent_id: &str, seed: u64) -> Split {
        match fnv1a(seed, patent_id) % 10 {
            0..8 => Split::Train,
            8 => Split::Validation,
            _ => Split::Test,
        }
    }

    /// The value of the `split` column.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// How the labelled patents are split into training, validation and test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitRule {
    /// 80/10/10 by a seeded hash of each patent id ([`Split::of`], the default): a patent's split
    /// depends on nothing else, so it stays put as the corpus grows.
    #[default]
    Hash,
    /// Stratified by label: within L1 and within L2, patents in the order of their seeded hash, the
    /// first `test_share` of them test, `validation_share` of the rest validation, the rest training
    /// (the reference's 10 % and 20 %: 72/18/10), so each split has the population's L1 share.
    Stratified,
}

/// The split of each of `records` (in their order) under `rule` and `seed`; `shares` are
/// (validation share of what test leaves, test share), used by the stratified rule.
pub fn assign_splits(records: &[PatentRecord], rule: SplitRule, shares: (f64, f64), seed: u64) -> Vec<Split> {
    match rule {
        SplitRule::Hash => records.iter().map(|r| Split::of(&r.patent_id, seed)).collect(),
        SplitRule::Stratified => {
            let (validation_share, test_share) = shares;
            let mut splits = vec![Split::Train; records.len()];
            for label in [false, true] {
                let mut class: Vec<usize> = (0..records.len()).filter(|&i| records[i].l1 == label).collect();
                class.sort_by_cached_key(|&i| (fnv1a(seed, &records[i].patent_id), records[i].patent_id.clone()));
                let test = (class.len() as f64 * test_share).round() as usize;
                let validation = ((class.len() - test) as f64 * validation_share).round() as usize;
                for (rank, &i) in class.iter().enumerate() {
                    splits[i] = if rank < test {
                        Split::Test
                    } else if rank < test + validation {
                        Split::Validation
                    } else {
                        Split::Train
                    };
                }
            }
            splits
        }
    }
}

/// FNV-1a hash of a seed and a patent id.
fn fnv1a(seed: u64, patent_id: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for byte in seed.to_le_bytes().iter().chain(patent_id.as_bytes()) {
        hash = (hash ^ *byte as u64).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Whether `patent_id` is in the sample of share `share` under `seed`: its hash under a seed other
/// than the split's (so the sample is split 80/10/10 like the whole) falls in the lowest `share` of
/// the hash range.
pub fn in_sample(patent_id: &str, seed: u64, share: f64) -> bool {
    share >= 1.0 || ((fnv1a(seed ^ 0x5a3c_96e1_0f87_d24b, patent_id) >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// One labelled patent before encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct PatentRecord {
    pub patent_id: String,
    /// Codes in cpc_sequence order (repeats dropped unless kept).
    pub codes: Vec<String>,
    /// Tokens of the first claim (empty without claims).
    pub tokens: Vec<String>,
    pub l1: bool,
}

/// The labelled patents with at least one CPC code for which `keep(patent_id)` holds, read from the
/// registered `impact_labels`, `cpc` and `claims`, sorted by patent id; a code repeated at `level`
/// (two groups of one main group) is kept once unless `keep_repeats`. The rows stream past `keep`,
/// so only the kept patents are held in memory. Claims are tokenised as the similarity stage does
/// (tokens of at least 2 characters, its default boilerplate removed).
pub async fn load(
    ctx: &SessionContext,
    level: CodeLevel,
    keep_repeats: bool,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<PatentRecord>> {
    let tokenizer = Tokenizer::new(2, &DEFAULT_BOILERPLATE);
    let query = format!(
        "SELECT l.patent_id, l.label = 'L1' AS l1, c.codes, f.claim_text
FROM impact_labels l
JOIN (SELECT patent_id, array_agg({column} ORDER BY cpc_sequence) AS codes FROM cpc GROUP BY patent_id) c
  ON c.patent_id = l.patent_id
LEFT JOIN (SELECT patent_id, claim_text FROM claims WHERE claim_sequence = 0) f ON f.patent_id = l.patent_id
WHERE l.label IS NOT NULL
ORDER BY l.patent_id",
        column = level.column()
    );
    let mut out = vec![];
    let mut batches = sql_engine::stream(ctx, &query).await?;
    while let Some(batch) = batches.next().await {
        let batch = batch.context("reading the training examples")?;
        let column = |name: &str| batch.column_by_name(name).with_context(|| format!("the examples have no {name}"));
        let ids = cast(column("patent_id")?, &DataType::Utf8)?;
        let text = cast(column("claim_text")?, &DataType::Utf8)?;
        let codes = column("codes")?.as_any().downcast_ref::<ListArray>().context("codes are a list")?;
        let l1 = column("l1")?.as_boolean();
        for i in 0..batch.num_rows() {
            let patent_id = ids.as_string::<i32>().value(i);
            if !keep(patent_id) {
                continue;
            }
            let code_values = cast(&codes.value(i), &DataType::Utf8)?;
            let mut sequence: Vec<String> = vec![];
            for code in code_values.as_string::<i32>().iter().flatten() {
                if keep_repeats || !sequence.iter().any(|c| c == code) {
                    sequence.push(code.to_string());
                }
            }
            let claim = text.as_string::<i32>();
            out.push(PatentRecord {
                patent_id: patent_id.to_string(),
                codes: sequence,
                tokens: if claim.is_null(i) { vec![] } else { tokenizer.tokens(claim.value(i)).collect() },
                l1: l1.value(i),
            });
        }
    }
    Ok(out)
}

/// Encodes `records` with the vocabularies, truncating codes to `max_codes` and tokens to `max_text`.
pub fn encode(
    records: &[&PatentRecord],
    codes: &Vocabulary,
    text: &Vocabulary,
    max_codes: usize,
    max_text: usize,
) -> Vec<Example> {
    records
        .iter()
        .map(|r| Example {
            codes: codes.encode_codes(&r.codes, max_codes),
            text: text.encode_text(&r.tokens, max_text),
            l1: r.l1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_stable_and_about_eighty_ten_ten() {
        let ids: Vec<String> = (0..10_000).map(|i| (9_000_000 + i * 13).to_string()).collect();
        let count = |seed, split| ids.iter().filter(|id| Split::of(id, seed) == split).count();
        for seed in [0, 42] {
            let (train, validation, test) =
                (count(seed, Split::Train), count(seed, Split::Validation), count(seed, Split::Test));
            assert_eq!(train + validation + test, 10_000);
            assert!(
                (7_700..8_300).contains(&train) && (800..1_200).contains(&validation),
                "{train} {validation} {test}"
            );
        }
        assert_eq!(Split::of("10000000", 42), Split::of("10000000", 42));
        let moved = ids.iter().filter(|id| Split::of(id, 1) != Split::of(id, 2)).count();
        assert!(moved > 2_000, "another seed gives another split: {moved}");
    }

    #[test]
    fn stratified_splits_keep_each_labels_share_in_every_split() {
        // 1,000 L2 and 111 L1 patents: test 10 % of each class (100 and 11), validation 20 % of the
        // rest (180 and 20), the rest training (720 and 80).
        let records: Vec<PatentRecord> = (0..1_111)
            .map(|i| PatentRecord {
                patent_id: (7_000_000 + i * 3).to_string(),
                codes: vec![],
                tokens: vec![],
                l1: i % 10 == 0 && i < 1_110,
            })
            .collect();
        let splits = assign_splits(&records, SplitRule::Stratified, (0.2, 0.1), 42);
        let count =
            |l1: bool, split: Split| records.iter().zip(&splits).filter(|(r, s)| r.l1 == l1 && **s == split).count();
        assert_eq!(records.iter().filter(|r| r.l1).count(), 111);
        assert_eq!([count(true, Split::Test), count(true, Split::Validation), count(true, Split::Train)], [11, 20, 80]);
        assert_eq!(
            [count(false, Split::Test), count(false, Split::Validation), count(false, Split::Train)],
            [100, 180, 720]
        );
        assert_eq!(splits, assign_splits(&records, SplitRule::Stratified, (0.2, 0.1), 42), "stable under a seed");
        assert_ne!(splits, assign_splits(&records, SplitRule::Stratified, (0.2, 0.1), 43));
        let hashed = assign_splits(&records, SplitRule::Hash, (0.2, 0.1), 42);
        assert!(records.iter().zip(&hashed).all(|(r, s)| *s == Split::of(&r.patent_id, 42)));
    }

    #[test]
    fn a_sample_keeps_its_share_and_is_split_like_the_whole() {
        let ids: Vec<String> = (0..20_000).map(|i| (9_000_000 + i * 7).to_string()).collect();
        let sample: Vec<&String> = ids.iter().filter(|id| in_sample(id, 42, 0.25)).collect();
        assert!((4_600..5_400).contains(&sample.len()), "{}", sample.len());
        let test = sample.iter().filter(|id| Split::of(id, 42) == Split::Test).count();
        assert!((380..620).contains(&test), "about 10% of the sample is test: {test}");
        assert!(ids.iter().all(|id| in_sample(id, 42, 1.0)));
        let smaller: Vec<&String> = ids.iter().filter(|id| in_sample(id, 42, 0.1)).collect();
        assert!(smaller.iter().all(|id| in_sample(id, 42, 0.25)), "a smaller share is a subset");
    }
}
