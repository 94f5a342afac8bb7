//! Vocabularies of CPC codes and claim tokens, built from the training split: ids 0..4 are the
//! special tokens (PAD, BOS, EOS, UNK), then the tokens seen at least `min_count` times, most frequent
//! first (ties by token); anything else maps to UNK. Stored as JSON next to the checkpoints.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Padding (ignored by the losses and the attention).
pub const PAD: usize = 0;
/// Start of a code sequence.
pub const BOS: usize = 1;
/// End of a code sequence.
pub const EOS: usize = 2;
/// Unknown token.
pub const UNK: usize = 3;
/// The special tokens, by id.
pub const SPECIAL: [&str; 4] = ["<pad>", "<bos>", "<eos>", "<unk>"];

/// Tokens by id and ids by token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    tokens: Vec<String>,
    #[serde(skip)]
    ids: HashMap<String, usize>,
}

impl Vocabulary {
    /// Builds a vocabulary from token sequences, keeping tokens seen at least `min_count` times,
    /// at most `max_size` ids in all.
    pub fn build<'a>(
        sequences: impl IntoIterator<Item = &'a [String]>,
        min_count: usize,
        max_size: usize,
    ) -> Vocabulary {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for sequence in sequences {
            for token in sequence {
                *counts.entry(token.as_str()).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, usize)> = counts.into_iter().filter(|(_, c)| *c >= min_count).collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let tokens = SPECIAL
            .iter()
            .map(|s| s.to_string())
            .chain(kept.into_iter().map(|(t, _)| t.to_string()))
            .take(max_size.max(SPECIAL.len()))
            .collect();
        Vocabulary::from_tokens(tokens)
    }

    fn from_tokens(tokens: Vec<String>) -> Vocabulary {
        let ids = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i)).collect();
        Vocabulary { tokens, ids }
    }

    /// Reads a vocabulary written by [`Vocabulary::to_json`].
    pub fn from_json(json: &[u8]) -> anyhow::Result<Vocabulary> {
        let read: Vocabulary = serde_json::from_slice(json)?;
        Ok(Vocabulary::from_tokens(read.tokens))
    }

    /// The vocabulary as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a vocabulary serialises")
    }

    /// Number of ids, special tokens included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether only the special tokens are present.
    pub fn is_empty(&self) -> bool {
        self.tokens.len() == SPECIAL.len()
    }

    /// The id of `token`, UNK when it is not in the vocabulary.
    pub fn id(&self, token: &str) -> usize {
        self.ids.get(token).copied().unwrap_or(UNK)
    }

    /// The token of `id`.
    pub fn token(&self, id: usize) -> &str {
        &self.tokens[id]
    }

    /// A code sequence as ids: BOS, the codes (at most `max_len`), EOS.
    pub fn encode_codes(&self, codes: &[String], max_len: usize) -> Vec<usize> {
        std::iter::once(BOS).chain(codes.iter().take(max_len).map(|c| self.id(c))).chain(std::iter::once(EOS)).collect()
    }

    /// Claim tokens as ids, at most `max_len`.
    pub fn encode_text(&self, tokens: &[String], max_len: usize) -> Vec<usize> {
        tokens.iter().take(max_len).map(|t| self.id(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seqs(s: &[&[&str]]) -> Vec<Vec<String>> {
        s.iter().map(|q| q.iter().map(|t| t.to_string()).collect()).collect()
    }

    #[test]
    fn frequent_tokens_first_rare_ones_unknown() {
        let data = seqs(&[&["G06N", "H04L", "G06N"], &["A01B", "H04L", "G06N"], &["B65D"]]);
        let v = Vocabulary::build(data.iter().map(Vec::as_slice), 2, 100);
        assert_eq!(v.len(), 6);
        assert_eq!((v.id("G06N"), v.id("H04L"), v.id("A01B"), v.id("nope")), (4, 5, UNK, UNK));
        assert_eq!(v.encode_codes(&data[1], 2), [BOS, UNK, 5, EOS]);
        let back = Vocabulary::from_json(&v.to_json()).unwrap();
        assert_eq!(back.id("H04L"), 5);
        assert_eq!(Vocabulary::build(data.iter().map(Vec::as_slice), 1, 5).len(), 5);
    }
}
