//! Which earlier patent a citation points to. Admitted (citable) patents sit in buckets by primary
//! topic and grant year, each with the running sum of its patents' planted impact weights. A
//! citation first picks a topic (the citing patent's own, its second one, or anywhere), then a
//! grant year in proportion to the bucket's weight times the citation-age kernel, then a patent of
//! that bucket in proportion to its weight. The weights never change once admitted, so each pick
//! costs one pass over the years plus a binary search, and memory is a few bytes per patent.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::calibration::{CITATION_AGE_SCALE, CITE_OWN_TOPIC, CITE_SECOND_TOPIC};
use crate::model::PatentTopics;

/// The patents of one topic granted in one year.
#[derive(Default, Clone)]
struct Bucket {
    patents: Vec<u32>,
    /// Running sum of the patents' weights.
    cumulative: Vec<f64>,
}

impl Bucket {
    fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }
}

/// Citable patents, by primary topic and grant year.
pub struct CitationPools {
    /// `buckets[topic][year_index]`.
    buckets: Vec<Vec<Bucket>>,
    /// Primary topic of each admitted patent, by patent index.
    admitted: Vec<u16>,
    /// Kernel weight by citation age in whole years.
    age_kernel: Vec<f64>,
}

/// Relative citation weight of a patent `age` grant years older than the citing one.
pub fn age_kernel(age: usize) -> f64 {
    let age = age as f64;
    ((age + 1.0) / 3.0).min(1.0) * (-age / CITATION_AGE_SCALE).exp()
}

impl CitationPools {
    pub fn new(topics: usize, years: usize, patents: usize) -> CitationPools {
        CitationPools {
            buckets: vec![vec![Bucket::default(); years]; topics],
            admitted: Vec::with_capacity(patents),
            age_kernel: (0..years).map(age_kernel).collect(),
        }
    }

    /// Patents admitted so far (patents `0..admitted()` may be cited).
    pub fn admitted(&self) -> usize {
        self.admitted.len()
    }

    /// Makes the next patent (index `admitted()`) of `topic`, granted in the `year_index`-th year with
    /// impact weight `weight`, citable.
    pub fn admit(&mut self, topic: u16, year_index: usize, weight: f64) {
        let bucket = &mut self.buckets[topic as usize][year_index];
        bucket.patents.push(self.admitted.len() as u32);
        bucket.cumulative.push(bucket.total() + weight);
        self.admitted.push(topic);
    }

    /// Picks a patent for a patent of `topics` granted in the `year_index`-th year to cite. `None`
    /// while nothing is citable.
    pub fn cite(&self, topics: PatentTopics, year_index: usize, rng: &mut impl Rng) -> Option<u32> {
        let draw = rng.random::<f64>();
        let mut topic = if draw < CITE_OWN_TOPIC {
            topics.primary
        } else if draw < CITE_OWN_TOPIC + CITE_SECOND_TOPIC {
            topics.secondary.unwrap_or(topics.primary)
        } else {
            *self.admitted.choose(rng)?
        };
        let weighted = |topic: u16| {
            let buckets = &self.buckets[topic as usize][..=year_index];
            buckets.iter().enumerate().map(move |(y, b)| b.total() * self.age_kernel[year_index - y])
        };
        let mut total: f64 = weighted(topic).sum();
        if total <= 0.0 {
            topic = *self.admitted.choose(rng)?;
            total = weighted(topic).sum();
        }
        let mut target = rng.random::<f64>() * total;
        let buckets = &self.buckets[topic as usize];
        let (mut year, mut last_filled) = (None, None);
        for (y, w) in weighted(topic).enumerate() {
            if w > 0.0 {
                last_filled = Some(y);
                if target < w {
                    year = Some(y);
                    break;
                }
                target -= w;
            }
        }
        let bucket = &buckets[year.or(last_filled)?];
        let within = rng.random::<f64>() * bucket.total();
        let i = bucket.cumulative.partition_point(|&c| c <= within).min(bucket.patents.len() - 1);
        Some(bucket.patents[i])
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn picks_follow_weights_and_age() {
        let mut pools = CitationPools::new(1, 3, 3);
        pools.admit(0, 0, 1.0);
        pools.admit(0, 2, 1.0);
        pools.admit(0, 2, 3.0);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let topics = PatentTopics { primary: 0, secondary: None };
        let mut counts = [0usize; 3];
        let n = 200_000;
        for _ in 0..n {
            counts[pools.cite(topics, 2, &mut rng).unwrap() as usize] += 1;
        }
        // Year 2 (age 0) weighs 4 x kernel(0), year 0 (age 2) weighs 1 x kernel(2).
        let (k0, k2) = (age_kernel(0), age_kernel(2));
        let total = 4.0 * k0 + k2;
        let expected = [k2 / total, k0 / total, 3.0 * k0 / total];
        for (c, e) in counts.iter().zip(expected) {
            assert!((*c as f64 / n as f64 - e).abs() < 0.01, "{counts:?} vs {expected:?}");
        }
        assert_eq!(CitationPools::new(1, 1, 0).cite(topics, 0, &mut rng), None);
    }
}
