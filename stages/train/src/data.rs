//! The training examples: each labelled patent (ingest's `cpc` and `claims`, the labels stage's
//! `impact_labels`) as its CPC codes at one level in cpc_sequence order (repeats dropped) and the
//! tokens of its first claim, its split by a seeded hash of the patent id, and the encoding through
//! vocabularies built from the training split.

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
    /// Codes in cpc_sequence order, repeats dropped.
    pub codes: Vec<String>,
    /// Tokens of the first claim (empty without claims).
    pub tokens: Vec<String>,
    pub l1: bool,
}

/// The labelled patents with at least one CPC code for which `keep(patent_id)` holds, read from the
/// registered `impact_labels`, `cpc` and `claims`, sorted by patent id. The rows stream past `keep`,
/// so only the kept patents are held in memory. Claims are tokenised as the similarity stage does
/// (tokens of at least 2 characters, its default boilerplate removed).
pub async fn load(ctx: &SessionContext, level: CodeLevel, keep: impl Fn(&str) -> bool) -> Result<Vec<PatentRecord>> {
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
    let mut batches = ctx.sql(&query).await?.execute_stream().await?;
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
                if !sequence.iter().any(|c| c == code) {
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
