//! The recovery figures: for explored patents of planted topics that lack their topic's opportunity
//! code, how often the codes exploration added include it, and how often two baselines given the
//! same number of codes would: the most frequent codes the patent lacks, and codes drawn by
//! frequency (without replacement, among the codes it lacks).

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One explored patent: its topic (from the ground truth), its codes and the codes exploration added.
#[derive(Debug, Clone)]
pub struct ExploredPatent {
    pub topic: u32,
    pub original: BTreeSet<String>,
    pub added: BTreeSet<String>,
}

/// Hits of one opportunity (or of all of them): patents considered, and how many of them the model
/// and each baseline gave the opportunity code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// Explored patents of the topic without the opportunity code.
    pub patents: u64,
    /// Codes exploration added to them, in all.
    pub added_codes: u64,
    /// Of them, those whose added codes include the opportunity code.
    pub model: u64,
    /// Those whose most frequent lacking codes (as many as exploration added) include it.
    pub most_frequent: u64,
    /// Expected number whose frequency-drawn codes include it (a Monte Carlo mean).
    pub frequency_draw: f64,
}

impl Hits {
    fn add(&mut self, other: &Hits) {
        self.patents += other.patents;
        self.added_codes += other.added_codes;
        self.model += other.model;
        self.most_frequent += other.most_frequent;
        self.frequency_draw += other.frequency_draw;
    }

    fn share(&self, hits: f64) -> f64 {
        if self.patents == 0 { 0.0 } else { hits / self.patents as f64 }
    }

    pub fn model_share(&self) -> f64 {
        self.share(self.model as f64)
    }

    pub fn most_frequent_share(&self) -> f64 {
        self.share(self.most_frequent as f64)
    }

    pub fn frequency_draw_share(&self) -> f64 {
        self.share(self.frequency_draw)
    }

    /// The model's share over the better baseline's; `None` when both baselines are 0.
    pub fn lift(&self) -> Option<f64> {
        let baseline = self.most_frequent_share().max(self.frequency_draw_share());
        (baseline > 0.0).then(|| self.model_share() / baseline)
    }
}

/// Code frequencies (patents carrying each code) and the two baselines drawn from them.
pub struct Baselines {
    /// Codes by descending frequency (ties by code).
    ranked: Vec<(String, u64)>,
    draws: usize,
    rng: ChaCha8Rng,
}

impl Baselines {
    /// `frequencies`: patents per code; `draws`: Monte Carlo draws per patent for the frequency baseline.
    pub fn new(frequencies: &BTreeMap<String, u64>, draws: usize, seed: u64) -> Baselines {
        let mut ranked: Vec<(String, u64)> = frequencies.iter().map(|(c, n)| (c.clone(), *n)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Baselines { ranked, draws, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Whether the `k` most frequent codes not in `original` include `code`.
    pub fn most_frequent_includes(&self, original: &BTreeSet<String>, k: usize, code: &str) -> bool {
        self.ranked.iter().filter(|(c, _)| !original.contains(c)).take(k).any(|(c, _)| c == code)
    }

    /// The probability (estimated by `draws` draws) that `k` codes drawn by frequency without
    /// replacement among those not in `original` include `code`.
    pub fn frequency_draw_probability(&mut self, original: &BTreeSet<String>, k: usize, code: &str) -> f64 {
        let lacking: Vec<&(String, u64)> = self.ranked.iter().filter(|(c, _)| !original.contains(c)).collect();
        if k == 0 || lacking.is_empty() {
            return 0.0;
        }
        let total: u64 = lacking.iter().map(|(_, n)| n).sum();
        let mut hits = 0;
        for _ in 0..self.draws {
            let mut taken: Vec<usize> = vec![];
            let mut left = total;
            while taken.len() < k.min(lacking.len()) && left > 0 {
                let mut u = self.rng.random_range(0..left);
                let pick = (0..lacking.len())
                    .filter(|i| !taken.contains(i))
                    .find(|&i| {
                        if u < lacking[i].1 {
                            true
                        } else {
                            u -= lacking[i].1;
                            false
                        }
                    })
                    .expect("u below the remaining weight");
                left -= lacking[pick].1;
                taken.push(pick);
            }
            hits += taken.iter().any(|&i| lacking[i].0 == code) as u32;
        }
        hits as f64 / self.draws as f64
    }
}

/// Hits per opportunity (topic -> opportunity code) over `explored`, and their total.
pub fn recovery(
    explored: &[ExploredPatent],
    opportunities: &BTreeMap<u32, String>,
    baselines: &mut Baselines,
) -> (BTreeMap<u32, Hits>, Hits) {
    let mut per_topic: BTreeMap<u32, Hits> = opportunities.keys().map(|&t| (t, Hits::default())).collect();
    for patent in explored {
        let Some(code) = opportunities.get(&patent.topic) else { continue };
        if patent.original.contains(code) {
            continue;
        }
        let k = patent.added.len();
        let hits = per_topic.get_mut(&patent.topic).expect("a planted topic");
        hits.patents += 1;
        hits.added_codes += k as u64;
        hits.model += patent.added.contains(code) as u64;
        hits.most_frequent += baselines.most_frequent_includes(&patent.original, k, code) as u64;
        hits.frequency_draw += baselines.frequency_draw_probability(&patent.original, k, code);
    }
    let mut total = Hits::default();
    per_topic.values().for_each(|h| total.add(h));
    (per_topic, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn frequencies() -> BTreeMap<String, u64> {
        [("A01B", 50), ("B60K", 30), ("C07D", 15), ("H04L", 5)].iter().map(|(c, n)| (c.to_string(), *n)).collect()
    }

    #[test]
    fn most_frequent_baseline_skips_the_codes_a_patent_has() {
        let b = Baselines::new(&frequencies(), 1, 1);
        // Lacking A01B: the two most frequent lacking codes are B60K and C07D.
        assert!(b.most_frequent_includes(&set(&["A01B"]), 2, "C07D"));
        assert!(!b.most_frequent_includes(&set(&["A01B"]), 2, "H04L"));
        assert!(!b.most_frequent_includes(&set(&[]), 0, "A01B"));
    }

    #[test]
    fn frequency_draw_matches_the_exact_probability() {
        // One code drawn among B60K, C07D, H04L (30, 15, 5): P(H04L) = 5 / 50. Two codes drawn:
        // P(H04L) = 1 - P(not first) P(not second | not first)
        //         = 1 - (30/50 x 15/20 + 15/50 x 30/35).
        let mut b = Baselines::new(&frequencies(), 200_000, 7);
        let one = b.frequency_draw_probability(&set(&["A01B"]), 1, "H04L");
        assert!((one - 0.1).abs() < 0.005, "{one}");
        let two = b.frequency_draw_probability(&set(&["A01B"]), 2, "H04L");
        let exact = 1.0 - (30.0 / 50.0 * 15.0 / 20.0 + 15.0 / 50.0 * 30.0 / 35.0);
        assert!((two - exact).abs() < 0.005, "{two} vs {exact}");
        assert_eq!(b.frequency_draw_probability(&set(&["A01B"]), 3, "H04L"), 1.0, "every lacking code drawn");
    }

    #[test]
    fn recovery_counts_only_patents_of_planted_topics_lacking_the_code() {
        let patent = |topic, original: &[&str], added: &[&str]| ExploredPatent {
            topic,
            original: set(original),
            added: set(added),
        };
        let explored = [
            patent(1, &["A01B"], &["H04L"]),         // model hit; most frequent lacking is B60K: miss
            patent(1, &["A01B"], &["B60K"]),         // model miss; baseline hit? no (H04L is last)
            patent(1, &["H04L"], &["B60K"]),         // already carries it: not counted
            patent(2, &["B60K"], &["A01B", "C07D"]), // topic 2 is not planted
        ];
        let opportunities = BTreeMap::from([(1, "H04L".to_string())]);
        let mut b = Baselines::new(&frequencies(), 1000, 3);
        let (per_topic, total) = recovery(&explored, &opportunities, &mut b);
        assert_eq!(per_topic.len(), 1);
        assert_eq!((total.patents, total.added_codes, total.model, total.most_frequent), (2, 2, 1, 0));
        assert!((total.frequency_draw - 0.2).abs() < 0.05, "{}", total.frequency_draw);
        assert_eq!(total.model_share(), 0.5);
        assert!((total.lift().unwrap() - 0.5 / total.frequency_draw_share()).abs() < 1e-12);
    }
}
