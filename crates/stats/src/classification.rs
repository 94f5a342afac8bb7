//! Classification and reconstruction metrics, computed from plain counts: the confusion matrix of
//! the L1 prediction (accuracy, precision, recall, F1) and the Jaccard similarity of code sets.

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
    }

    #[test]
    fn jaccard_of_code_sets() {
        let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(jaccard(&set(&["A", "B", "C"]), &set(&["B", "C", "D", "E"])), 2.0 / 5.0);
        assert_eq!(jaccard(&set(&[]), &set(&[])), 1.0);
        assert_eq!(jaccard(&set(&["A"]), &set(&[])), 0.0);
    }
}
