//! The latent structure behind the tables: a CPC hierarchy (sections, classes, subclasses, main groups
//! and subgroups), technology topics that each own a few subclasses and use their groups with skewed
//! (Zipf-like) frequencies, topic popularity drifting over the years, and citation pools that pick
//! cited patents by preferential attachment within topics.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::seq::{IndexedRandom, SliceRandom};

/// Number of classes per CPC section (`Y` is the cross-sectional section).
const CLASSES_PER_SECTION: [(char, usize); 9] =
    [('A', 7), ('B', 10), ('C', 7), ('D', 3), ('E', 4), ('F', 7), ('G', 8), ('H', 6), ('Y', 2)];
/// Letters used for subclasses (CPC skips vowels and some consonants).
const SUBCLASS_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWY";

/// The CPC groups in use. A group symbol such as `G06N3/08` starts with its subclass (`G06N`), class
/// (`G06`) and section (`G`), so the coarser levels are prefixes of it.
pub struct Catalogue {
    pub groups: Vec<String>,
    /// Indexes into `groups`, by subclass.
    subclass_groups: Vec<Vec<u32>>,
    /// Every group, with weights skewed over a random ranking: the background of unusual codes.
    background: WeightedIndex<f64>,
}

impl Catalogue {
    fn new(rng: &mut impl Rng) -> Catalogue {
        let mut groups = vec![];
        let mut subclass_groups = vec![];
        for (section, classes) in CLASSES_PER_SECTION {
            for class in sample_sorted(rng, 1..100, classes) {
                let letters = rng.random_range(2..=4);
                for letter in sample_sorted(rng, 0..SUBCLASS_LETTERS.len() as u32, letters) {
                    let subclass = format!("{section}{class:02}{}", SUBCLASS_LETTERS[letter as usize] as char);
                    let mut members = vec![];
                    let mains = rng.random_range(2..=6);
                    for main in sample_sorted(rng, 1..100, mains) {
                        let subgroups = rng.random_range(0..=3);
                        let tails = std::iter::once(0).chain(sample_sorted(rng, 2..1500, subgroups));
                        for tail in tails {
                            members.push(groups.len() as u32);
                            groups.push(format!("{subclass}{main}/{tail:02}"));
                        }
                    }
                    subclass_groups.push(members);
                }
            }
        }
        let background = zipf(rng, groups.len(), 1.0);
        Catalogue { groups, subclass_groups, background }
    }

    pub fn subclasses(&self) -> usize {
        self.subclass_groups.len()
    }
}

/// `count` distinct numbers from `range`, sorted.
fn sample_sorted(rng: &mut impl Rng, range: std::ops::Range<u32>, count: usize) -> Vec<u32> {
    let mut picked = rand::seq::index::sample(rng, (range.end - range.start) as usize, count).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| range.start + i as u32).collect()
}

/// Weights `1 / rank^exponent` over a random ranking of `n` items.
fn zipf(rng: &mut impl Rng, n: usize, exponent: f64) -> WeightedIndex<f64> {
    let mut ranks: Vec<usize> = (1..=n).collect();
    ranks.shuffle(rng);
    WeightedIndex::new(ranks.iter().map(|&r| (r as f64).powf(-exponent))).expect("positive weights")
}

/// A technology field: the subclasses it works in and how often it uses their groups.
pub struct Topic {
    pub subclasses: Vec<u32>,
    groups: Vec<u32>,
    group_weights: WeightedIndex<f64>,
    /// Topics sharing its section: the usual partners of multi-field patents.
    related: Vec<u16>,
}

/// A patent's fields: its main topic and possibly a second one.
#[derive(Debug, Clone, Copy)]
pub struct PatentTopics {
    pub primary: u16,
    pub secondary: Option<u16>,
}

/// The catalogue, the topics and their popularity in each grant year.
pub struct Model {
    pub catalogue: Catalogue,
    pub topics: Vec<Topic>,
    /// Topic popularity per grant year (index 0 = first year).
    popularity: Vec<WeightedIndex<f64>>,
}

impl Model {
    pub fn new(rng: &mut impl Rng, topics: u16, years: u32) -> Model {
        let catalogue = Catalogue::new(rng);
        let mut built: Vec<Topic> = (0..topics).map(|_| Topic::new(&catalogue, rng)).collect();
        let section = |t: &Topic| catalogue.groups[catalogue.subclass_groups[t.subclasses[0] as usize][0] as usize].as_bytes()[0];
        let sections: Vec<u8> = built.iter().map(section).collect();
        for (t, topic) in built.iter_mut().enumerate() {
            topic.related = (0..topics).filter(|&o| o as usize != t && sections[o as usize] == sections[t]).collect();
        }
        // Base popularity is Zipf-like; each topic rises or falls over the years at its own rate.
        let base: Vec<f64> = (0..topics).map(|t| (t as f64 + 1.0).powf(-0.8)).collect();
        let trends: Vec<f64> = (0..topics).map(|_| rng.random_range(-1.5..1.5)).collect();
        let popularity = (0..years)
            .map(|y| {
                let time = if years > 1 { y as f64 / (years - 1) as f64 - 0.5 } else { 0.0 };
                WeightedIndex::new(base.iter().zip(&trends).map(|(b, trend)| b * (trend * time).exp())).expect("positive weights")
            })
            .collect();
        Model { catalogue, topics: built, popularity }
    }

    /// The topics of a patent granted in the `year_index`-th year: a second topic for about a third of
    /// patents, usually a related one, now and then any topic (a novel combination).
    pub fn draw_topics(&self, year_index: usize, rng: &mut impl Rng) -> PatentTopics {
        let primary = self.popularity[year_index].sample(rng) as u16;
        let related = &self.topics[primary as usize].related;
        let secondary = match rng.random_range(0..100) {
            0..25 => related.choose(rng).copied(),
            25..29 => Some(rng.random_range(0..self.topics.len() as u16)),
            _ => None,
        };
        PatentTopics { primary, secondary: secondary.filter(|&s| s != primary) }
    }

    /// 1–8 distinct CPC groups (mean 4.5) for a patent, main group first, into `codes`.
    pub fn draw_cpc(&self, topics: PatentTopics, rng: &mut impl Rng, codes: &mut Vec<u32>) {
        codes.clear();
        let wanted = 1 + (rng.random::<u8>() & 0x7f).count_ones() as usize;
        for _ in 0..wanted * 3 {
            if codes.len() == wanted {
                break;
            }
            let draw = rng.random_range(0..100);
            let code = match (draw, topics.secondary) {
                (0..5, _) if !codes.is_empty() => self.catalogue.background.sample(rng) as u32,
                (5..30, Some(secondary)) if !codes.is_empty() => self.topics[secondary as usize].draw_group(rng),
                _ => self.topics[topics.primary as usize].draw_group(rng),
            };
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
}

impl Topic {
    /// A home subclass plus 1–3 more, mostly from the same section.
    fn new(catalogue: &Catalogue, rng: &mut impl Rng) -> Topic {
        let home = rng.random_range(0..catalogue.subclasses() as u32);
        let mut subclasses = vec![home];
        for _ in 0..rng.random_range(1..=3) {
            let other = if rng.random_bool(0.7) {
                (home as i64 + rng.random_range(-6..=6)).clamp(0, catalogue.subclasses() as i64 - 1) as u32
            } else {
                rng.random_range(0..catalogue.subclasses() as u32)
            };
            if !subclasses.contains(&other) {
                subclasses.push(other);
            }
        }
        let groups: Vec<u32> = subclasses.iter().flat_map(|&s| catalogue.subclass_groups[s as usize].iter().copied()).collect();
        let group_weights = zipf(rng, groups.len(), 1.1);
        Topic { subclasses, groups, group_weights, related: vec![] }
    }

    fn draw_group(&self, rng: &mut impl Rng) -> u32 {
        self.groups[self.group_weights.sample(rng)]
    }
}

/// Patents that may be cited, by primary topic. A cited patent is picked from its topic either among
/// recent patents, uniformly, or in proportion to the citations it already has (preferential
/// attachment), so in-degree becomes heavy-tailed while early patents do not take everything.
pub struct CitationPools {
    /// Each admitted patent once.
    patents: Vec<Vec<u32>>,
    /// Each patent once per citation received.
    citations: Vec<Vec<u32>>,
    /// Primary topic of each admitted patent, by patent index.
    admitted: Vec<u16>,
}

impl CitationPools {
    pub fn new(topics: usize, patents: usize) -> CitationPools {
        CitationPools { patents: vec![vec![]; topics], citations: vec![vec![]; topics], admitted: Vec::with_capacity(patents) }
    }

    /// Patents admitted so far (patents `0..admitted()` may be cited).
    pub fn admitted(&self) -> usize {
        self.admitted.len()
    }

    /// Makes the next patent (index `admitted()`) citable.
    pub fn admit(&mut self, topic: u16) {
        self.patents[topic as usize].push(self.admitted.len() as u32);
        self.admitted.push(topic);
    }

    /// Picks a patent for a patent of `topics` to cite and records the citation: mostly from its own
    /// topics, sometimes from anywhere. `None` while nothing is citable.
    pub fn cite(&mut self, topics: PatentTopics, rng: &mut impl Rng) -> Option<u32> {
        let mut topic = match rng.random_range(0..100) {
            0..70 => topics.primary,
            70..85 => topics.secondary.unwrap_or(topics.primary),
            _ => *self.admitted.choose(rng)?,
        };
        if self.patents[topic as usize].is_empty() {
            topic = *self.admitted.choose(rng)?;
        }
        let (patents, citations) = (&self.patents[topic as usize], &self.citations[topic as usize]);
        let cited = match rng.random_range(0..100) {
            0..35 => {
                let recent = (patents.len() / 10).max(50).min(patents.len());
                patents[patents.len() - 1 - rng.random_range(0..recent)]
            }
            35..85 if !citations.is_empty() => *citations.choose(rng)?,
            _ => *patents.choose(rng)?,
        };
        self.citations[self.admitted[cited as usize] as usize].push(cited);
        Some(cited)
    }
}
