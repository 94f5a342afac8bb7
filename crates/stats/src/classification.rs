//! Classification and reconstruction metrics, computed from plain counts: the confusion matrix of
//! the L1 prediction (accuracy, precision, recall, F1, specificity, negative predictive value, each
//! class's scores and their macro and weighted averages), the Jaccard similarity of code sets and
//! BLEU-1 of code sequences.

use std::collections::BTreeSet;

/// Counts of a binary prediction against the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    pub true_positive: u64,
    pub false_positive: u64,
    pub true_negative: u64,
    pub false_negative: u64,
}

impl Confusion {
    /// Adds one prediction.
    pub fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_positive += 1,
            (false, false) => self.true_negative += 1,
            (false, true) => self.false_negative += 1,
        }
    }

    fn ratio(numerator: u64, denominator: u64) -> f64 {
        if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
    }

    /// (TP + TN) / all; 0 when empty.
    pub fn accuracy(&self) -> f64 {
        let all = self.true_positive + self.false_positive + self.true_negative + self.false_negative;
        Confusion::ratio(self.true_positive + self.true_negative, all)
    }

    /// TP / (TP + FP); 0 when nothing is predicted positive.
    pub fn precision(&self) -> f64 {
        Confusion::ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    /// TP / (TP + FN); 0 when nothing is positive.
    pub fn recall(&self) -> f64 {
        Confusion::ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    /// 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall; 0 when undefined.
    pub fn f1(&self) -> f64 {
        Confusion::ratio(2 * self.true_positive, 2 * self.true_positive + self.false_positive + self.false_negative)
    }

    /// The same predictions scored for the negative class: its precision is the negative
    /// predictive value, its recall the specificity.
    pub fn swapped(&self) -> Confusion {
        Confusion {
            true_positive: self.true_negative,
            false_positive: self.false_negative,
            true_negative: self.true_positive,
            false_negative: self.false_positive,
        }
    }

    /// TN / (TN + FP), the negative class's recall; 0 when nothing is negative.
    pub fn specificity(&self) -> f64 {
        self.swapped().recall()
    }

    /// TN / (TN + FN), the negative class's precision; 0 when nothing is predicted negative.
    pub fn negative_predictive_value(&self) -> f64 {
        self.swapped().precision()
    }

    /// `metric` averaged over the two classes: plainly (macro) and weighted by each class's true
    /// members (weighted), as scikit-learn's `classification_report` gives them.
    pub fn averages(&self, metric: fn(&Confusion) -> f64) -> (f64, f64) {
        let (positive, negative) = (metric(self), metric(&self.swapped()));
        let (p, n) = (self.true_positive + self.false_negative, self.true_negative + self.false_positive);
        let weighted = if p + n == 0 { 0.0 } else { (positive * p as f64 + negative * n as f64) / (p + n) as f64 };
        ((positive + negative) / 2.0, weighted)
    }
}

/// BLEU-1 of `candidate` against one `reference` sequence (Papineni et al. 2002): the unigram
/// precision with each item's matches clipped to its count in the reference, times the brevity
/// penalty exp(1 - r/c) when the candidate is shorter than the reference (c < r); 0 for an empty
/// candidate.
pub fn bleu1<T: Ord>(reference: &[T], candidate: &[T]) -> f64 {
    if candidate.is_empty() {
        return 0.0;
    }
    let mut available: std::collections::BTreeMap<&T, usize> = std::collections::BTreeMap::new();
    for item in reference {
        *available.entry(item).or_default() += 1;
    }
    let mut matched = 0usize;
    for item in candidate {
        if let Some(left) = available.get_mut(item).filter(|left| **left > 0) {
            *left -= 1;
            matched += 1;
        }
    }
    let (c, r) = (candidate.len() as f64, reference.len() as f64);
    let brevity = if c < r { (1.0 - r / c).exp() } else { 1.0 };
    brevity * matched as f64 / c
}

/// |A ∩ B| / |A ∪ B|; 1 for two empty sets.
pub fn jaccard<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let union = a.union(b).count();
    if union == 0 { 1.0 } else { a.intersection(b).count() as f64 / union as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_counted_confusion() {
        // predictions vs truth: TP TP FP TN TN TN FN
        let mut c = Confusion::default();
        for (p, a) in
            [(true, true), (true, true), (true, false), (false, false), (false, false), (false, false), (false, true)]
        {
            c.add(p, a);
        }
        assert_eq!(c, Confusion { true_positive: 2, false_positive: 1, true_negative: 3, false_negative: 1 });
        assert!((c.accuracy() - 5.0 / 7.0).abs() < 1e-12);
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(Confusion::default().f1(), 0.0);
        // the negative class: TN 3, FN 1 predicted negative; TN 3, FP 1 truly negative
        assert!((c.specificity() - 3.0 / 4.0).abs() < 1e-12);
        assert!((c.negative_predictive_value() - 3.0 / 4.0).abs() < 1e-12);
        // scikit-learn's report of these 7 predictions: class 1 precision 2/3, recall 2/3 (support 3);
        // class 0 precision 3/4, recall 3/4 (support 4); macro precision (2/3 + 3/4) / 2 = 17/24,
        // weighted (3 x 2/3 + 4 x 3/4) / 7 = 5/7
        let (macro_precision, weighted_precision) = c.averages(Confusion::precision);
        assert!((macro_precision - 17.0 / 24.0).abs() < 1e-12);
        assert!((weighted_precision - 5.0 / 7.0).abs() < 1e-12);
        let (macro_f1, _) = c.averages(Confusion::f1);
        assert!((macro_f1 - (2.0 / 3.0 + 3.0 / 4.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn bleu1_by_hand() {
        // Papineni et al.'s example: "the" seven times against "the cat is on the mat": the matches
        // clip to the reference's two "the", 2/7; the candidate is longer, no brevity penalty.
        let reference = ["the", "cat", "is", "on", "the", "mat"];
        assert!((bleu1(&reference, &["the"; 7]) - 2.0 / 7.0).abs() < 1e-12);
        // a shorter candidate, every item matching: the brevity penalty exp(1 - 4/2) alone
        assert!((bleu1(&["a", "b", "c", "d"], &["a", "b"]) - (-1f64).exp()).abs() < 1e-12);
        assert_eq!(bleu1(&["a", "b"], &["b", "a"]), 1.0, "unigrams ignore the order");
        assert_eq!(bleu1::<&str>(&["a"], &[]), 0.0);
    }

    #[test]
    fn jaccard_of_code_sets() {
        let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(jaccard(&set(&["A", "B", "C"]), &set(&["B", "C", "D", "E"])), 2.0 / 5.0);
        assert_eq!(jaccard(&set(&[]), &set(&[])), 1.0);
        assert_eq!(jaccard(&set(&["A"]), &set(&[])), 0.0);
    }
}
