//! Classification and rank statistics with no heavy dependencies, shared by the generator's ground
//! truth, the model's training metrics and the validation stage: confusion counts of a binary
//! prediction and the Jaccard similarity of sets ([`classification`]), the Mann-Whitney U test and
//! the ROC-AUC from value counts, and the Wilcoxon signed-rank test of paired differences ([`rank`]);
//! quantiles of value counts and the exact binomial upper tail ([`tail`]).

pub mod classification;
pub mod rank;
pub mod tail;

pub use classification::{Confusion, bleu1, jaccard};
pub use rank::{
    EXACT_SIGNED_RANK_PAIRS, RankTest, SignedRankTest, mann_whitney, normal_upper_tail, roc_auc, round_significant,
    wilcoxon_signed_rank,
};
pub use tail::{binomial_upper_tail, quantile_of_counts};
