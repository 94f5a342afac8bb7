//! The synthetic CPC scheme, of the real scheme's size and shape: 9 sections, 136 classes, 673
//! subclasses, 10,000 main groups and 261,155 groups (see [`crate::calibration`]). Units have
//! lognormal sizes scaled to these totals, so a few are very large and most are small, as in the real
//! scheme. A group symbol such as `G06N3/08` starts with its subclass (`G06N`), class (`G06`) and
//! section (`G`), and its main group is `G06N3/00`, so the coarser levels are prefixes of it.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::seq::SliceRandom;
use rand_distr::LogNormal;

use crate::calibration::{CLASSES_PER_SECTION, GROUPS, MAIN_GROUPS, SIZE_SPREAD, SUBCLASSES};

/// Letters of subclass symbols (the real scheme avoids I and O).
const SUBCLASS_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Largest main-group number.
const MAIN_GROUP_NUMBERS: u32 = 9_999;

/// The CPC groups and their subclasses.
pub struct Scheme {
    /// Every group symbol; a subclass's groups are contiguous, its main groups' `/00` first.
    pub groups: Vec<String>,
    /// Subclass symbols (`G06N`).
    pub subclasses: Vec<String>,
    /// Groups of subclass `s`: `subclass_start[s]..subclass_start[s + 1]`.
    subclass_start: Vec<u32>,
    /// Number of main groups of each subclass.
    main_groups: Vec<u32>,
}

impl Scheme {
    pub fn new(rng: &mut impl Rng) -> Scheme {
        let classes: Vec<String> = CLASSES_PER_SECTION
            .iter()
            .flat_map(|&(section, count)| {
                sample_sorted(rng, 1..100, count).into_iter().map(move |c| format!("{section}{c:02}"))
            })
            .collect();
        let per_class = allocate(SUBCLASSES, &sizes(rng, classes.len()), SUBCLASS_LETTERS.len());
        let mut subclasses = vec![];
        for (class, &count) in classes.iter().zip(&per_class) {
            for letter in sample_sorted(rng, 0..SUBCLASS_LETTERS.len() as u32, count) {
                subclasses.push(format!("{class}{}", SUBCLASS_LETTERS[letter as usize] as char));
            }
        }
        let main_groups = allocate(MAIN_GROUPS, &sizes(rng, subclasses.len()), MAIN_GROUP_NUMBERS as usize);
        let group_sizes = allocate(GROUPS, &sizes(rng, MAIN_GROUPS), usize::MAX);
        let mut groups = Vec::with_capacity(GROUPS);
        let mut subclass_start = vec![0];
        let mut sizes_left = group_sizes.into_iter();
        for (subclass, &mains) in subclasses.iter().zip(&main_groups) {
            for main in sample_sorted(rng, 1..MAIN_GROUP_NUMBERS + 1, mains) {
                let size = sizes_left.next().expect("one size per main group");
                groups.push(format!("{subclass}{main}/00"));
                let range = (size as u32 * 20).max(100);
                for tail in sample_sorted(rng, 1..range, size - 1) {
                    groups.push(format!("{subclass}{main}/{tail:02}"));
                }
            }
            subclass_start.push(groups.len() as u32);
        }
        let main_groups = main_groups.into_iter().map(|m| m as u32).collect();
        Scheme { groups, subclasses, subclass_start, main_groups }
    }

    /// The group indexes of subclass `s`.
    pub fn groups_of(&self, s: u32) -> std::ops::Range<u32> {
        self.subclass_start[s as usize]..self.subclass_start[s as usize + 1]
    }

    /// The section letter of subclass `s`.
    pub fn section_of(&self, s: u32) -> u8 {
        self.subclasses[s as usize].as_bytes()[0]
    }

    /// Number of main groups.
    pub fn main_group_count(&self) -> usize {
        self.main_groups.iter().map(|&m| m as usize).sum()
    }
}

/// Lognormal unit sizes (median 1, spread [`SIZE_SPREAD`]).
fn sizes(rng: &mut impl Rng, n: usize) -> Vec<f64> {
    let size = LogNormal::new(0.0, SIZE_SPREAD).expect("valid lognormal");
    (0..n).map(|_| size.sample(rng)).collect()
}

/// Splits `total` over units in proportion to `weights`, each unit getting at least 1 and at most
/// `max`: whole shares first, capped, then single units to the heaviest units with room.
pub fn allocate(total: usize, weights: &[f64], max: usize) -> Vec<usize> {
    assert!(weights.len() <= total && weights.len().saturating_mul(max) >= total, "{total} does not fit");
    let mut counts = vec![1; weights.len()];
    let mut left = total - weights.len();
    while left > 0 {
        let open: Vec<usize> = (0..weights.len()).filter(|&i| counts[i] < max).collect();
        let sum: f64 = open.iter().map(|&i| weights[i]).sum();
        let mut given = 0;
        for &i in &open {
            let add = ((left as f64 * weights[i] / sum).floor() as usize).min(max - counts[i]);
            counts[i] += add;
            given += add;
        }
        if given == 0 {
            let mut heaviest = open;
            heaviest.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
            for i in heaviest.into_iter().take(left) {
                counts[i] += 1;
                given += 1;
            }
        }
        left -= given;
    }
    counts
}

/// `count` distinct numbers from `range`, sorted.
pub fn sample_sorted(rng: &mut impl Rng, range: std::ops::Range<u32>, count: usize) -> Vec<u32> {
    let mut picked = rand::seq::index::sample(rng, (range.end - range.start) as usize, count).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| range.start + i as u32).collect()
}

/// Weights `1 / rank^exponent` over a random ranking of `n` items.
pub fn zipf(rng: &mut impl Rng, n: usize, exponent: f64) -> WeightedIndex<f64> {
    let mut ranks: Vec<usize> = (1..=n).collect();
    ranks.shuffle(rng);
    WeightedIndex::new(ranks.iter().map(|&r| (r as f64).powf(-exponent))).expect("positive weights")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn allocation_meets_total_and_bounds() {
        let counts = allocate(100, &[10.0, 1.0, 1.0, 0.01], 40);
        assert_eq!(counts.iter().sum::<usize>(), 100);
        assert_eq!(counts[0], 40, "capped");
        assert!(counts.iter().all(|&c| (1..=40).contains(&c)), "{counts:?}");
        assert_eq!(allocate(3, &[5.0, 1.0, 1.0], 10), [1, 1, 1]);
    }

    #[test]
    fn scheme_has_the_real_counts() {
        let scheme = Scheme::new(&mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(scheme.subclasses.len(), SUBCLASSES);
        assert_eq!(scheme.groups.len(), GROUPS);
        assert_eq!(scheme.main_group_count(), MAIN_GROUPS);
        let mains = scheme.groups.iter().filter(|g| g.ends_with("/00")).count();
        assert_eq!(mains, MAIN_GROUPS, "one /00 symbol per main group");
        let mut classes: Vec<&str> = scheme.subclasses.iter().map(|s| &s[..3]).collect();
        classes.dedup();
        assert_eq!(classes.len(), 136);
        let unique: std::collections::HashSet<&String> = scheme.groups.iter().collect();
        assert_eq!(unique.len(), GROUPS, "symbols are distinct");
        for s in 0..SUBCLASSES as u32 {
            let subclass = &scheme.subclasses[s as usize];
            assert!(scheme.groups_of(s).all(|g| scheme.groups[g as usize].starts_with(subclass.as_str())));
        }
    }
}
