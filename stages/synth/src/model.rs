//! The latent structure behind the CPC codes: technology topics living in a home subclass with a
//! few companion subclasses, topic popularity drifting over the years, and for each patent the
//! subclasses it spans (its topic's, a second topic's, an enabling technology, a Y tag, a stray
//! code, a planted opportunity) and the groups it is classified in, drawn with skewed (Zipf-like)
//! frequencies within each subclass. See [`crate::calibration`] for every rate.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::calibration::{
    CODES_MEDIAN, CODES_SPREAD, COMPANION_INCLUSION, GROUP_ZIPF, HOME_SHARE, HOT_CODE_SHARE, MAX_CODES,
    SECONDARY_ATYPICAL, SECONDARY_RELATED, STRAY_CODE_SHARE, SUBCLASS_ZIPF, TOPIC_ZIPF, Y_TAG_SHARE, lognormal,
};
use crate::impact::{ImpactTraits, OpportunitySettings, Planted, draw_hot_terms};
use crate::scheme::{Scheme, zipf};

/// A technology field: the subclasses it works in and how often it uses their groups.
pub struct Topic {
    /// The subclass of its patents' first code.
    pub home: u32,
    /// Subclasses its patents often also carry, most frequent first.
    pub companions: Vec<u32>,
    /// Group weights in the home subclass and each companion, this topic's own ranking.
    groups: Vec<(u32, WeightedIndex<f64>)>,
    /// Topics whose home shares its section: the usual partners of multi-field patents.
    related: Vec<u16>,
}

/// A patent's fields: its main topic and possibly a second one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatentTopics {
    pub primary: u16,
    pub secondary: Option<u16>,
}

/// What the generator decides about a patent before writing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub topics: PatentTopics,
    /// Distinct subclasses, the home subclass first (empty for design patents).
    pub subclasses: Vec<u32>,
    pub traits: ImpactTraits,
}

/// The scheme, the topics, their popularity in each grant year and the planted impact.
pub struct Model {
    pub scheme: Scheme,
    pub topics: Vec<Topic>,
    pub planted: Planted,
    /// Topic popularity per grant year (index 0 = first year).
    popularity: Vec<WeightedIndex<f64>>,
    /// Subclass popularity, for stray codes.
    subclass_popularity: WeightedIndex<f64>,
    /// Group weights within each subclass, for codes outside a patent's topics.
    subclass_groups: Vec<WeightedIndex<f64>>,
    /// The Y (cross-sectional) subclasses.
    y_tags: Vec<u32>,
}

impl Model {
    pub fn new(rng: &mut impl Rng, topics: u16, years: u32, opportunities: OpportunitySettings) -> Model {
        let scheme = Scheme::new(rng);
        let n = scheme.subclasses.len();
        let mut ranks: Vec<usize> = (1..=n).collect();
        ranks.shuffle(rng);
        let weights: Vec<f64> = ranks.iter().map(|&r| (r as f64).powf(-SUBCLASS_ZIPF)).collect();
        let mut by_popularity: Vec<u32> = (0..n as u32).collect();
        by_popularity.sort_by_key(|&s| ranks[s as usize]);
        let subclass_groups: Vec<WeightedIndex<f64>> =
            (0..n as u32).map(|s| zipf(rng, scheme.groups_of(s).len(), GROUP_ZIPF)).collect();
        let y_tags: Vec<u32> = (0..n as u32).filter(|&s| scheme.section_of(s) == b'Y').collect();
        let homes =
            WeightedIndex::new(weights.iter().zip(0..).map(|(w, s)| if y_tags.contains(&s) { 0.0 } else { *w }))
                .expect("positive weights");

        let mut built: Vec<Topic> = (0..topics).map(|_| Topic::new(&scheme, &homes, rng)).collect();
        let sections: Vec<u8> = built.iter().map(|t| scheme.section_of(t.home)).collect();
        for (t, topic) in built.iter_mut().enumerate() {
            topic.related = (0..topics).filter(|&o| o as usize != t && sections[o as usize] == sections[t]).collect();
        }
        // Base popularity is Zipf-like in the topic's index; each topic rises or falls over the years.
        let base: Vec<f64> = (0..topics).map(|t| (t as f64 + 1.0).powf(-TOPIC_ZIPF)).collect();
        let trends: Vec<f64> = (0..topics).map(|_| rng.random_range(-1.5..1.5)).collect();
        let popularity = (0..years)
            .map(|y| {
                let time = if years > 1 { y as f64 / (years - 1) as f64 - 0.5 } else { 0.0 };
                WeightedIndex::new(base.iter().zip(&trends).map(|(b, trend)| b * (trend * time).exp()))
                    .expect("positive weights")
            })
            .collect();
        let topics_by_popularity: Vec<u16> = (0..topics).collect();
        let planted = Planted::new(
            &scheme,
            &by_popularity,
            &topics_by_popularity,
            |t| built[t as usize].typical(),
            |t| sections[t as usize],
            opportunities,
            rng,
        );
        let subclass_popularity = WeightedIndex::new(&weights).expect("positive weights");
        Model { scheme, topics: built, planted, popularity, subclass_popularity, subclass_groups, y_tags }
    }

    /// The topics, subclasses and impact traits of a utility or reissue patent granted in the
    /// `year_index`-th year.
    pub fn draw_profile(&self, year_index: usize, rng: &mut impl Rng) -> Profile {
        let primary = self.popularity[year_index].sample(rng) as u16;
        let topic = &self.topics[primary as usize];
        let home_section = self.scheme.section_of(topic.home);
        let draw = rng.random::<f64>();
        let secondary = if draw < SECONDARY_RELATED {
            topic.related.choose(rng).copied()
        } else if draw < SECONDARY_RELATED + SECONDARY_ATYPICAL {
            (0..10)
                .map(|_| rng.random_range(0..self.topics.len() as u16))
                .find(|&t| self.scheme.section_of(self.topics[t as usize].home) != home_section)
        } else {
            None
        };
        let mut subclasses = vec![topic.home];
        let mut add = |s: u32| {
            if !subclasses.contains(&s) {
                subclasses.push(s);
            }
        };
        for (&companion, &p) in topic.companions.iter().zip(&COMPANION_INCLUSION) {
            if rng.random_bool(p) {
                add(companion);
            }
        }
        if let Some(second) = secondary {
            add(self.topics[second as usize].home);
        }
        if rng.random_bool(HOT_CODE_SHARE) {
            add(*self.planted.hot_codes.choose(rng).expect("hot codes"));
        }
        if rng.random_bool(Y_TAG_SHARE)
            && let Some(&tag) = self.y_tags.choose(rng)
        {
            add(tag);
        }
        if rng.random_bool(STRAY_CODE_SHARE) {
            add(self.subclass_popularity.sample(rng) as u32);
        }
        if let Some(opportunity) = self.planted.opportunity_of(primary)
            && rng.random_bool(self.planted.opportunity_share)
        {
            add(opportunity.code);
        }
        let opportunity = self.planted.opportunity_of(primary).is_some_and(|o| subclasses.contains(&o.code));
        let traits = ImpactTraits {
            hot_terms: draw_hot_terms(rng),
            hot_code: subclasses.iter().any(|s| self.planted.hot_codes.contains(s)),
            atypical: secondary.is_some_and(|s| self.scheme.section_of(self.topics[s as usize].home) != home_section),
            opportunity,
        };
        Profile { topics: PatentTopics { primary, secondary }, subclasses, traits }
    }

    /// A design patent's profile: a topic for its citations, no codes, no traits.
    pub fn draw_design(&self, year_index: usize, rng: &mut impl Rng) -> Profile {
        let primary = self.popularity[year_index].sample(rng) as u16;
        Profile {
            topics: PatentTopics { primary, secondary: None },
            subclasses: vec![],
            traits: ImpactTraits::default(),
        }
    }

    /// The distinct CPC groups of `profile`, into `codes`: at least one in each of its subclasses, the
    /// first in its home subclass; lognormally many in all (see [`CODES_MEDIAN`]), the extra ones in
    /// the home subclass with probability [`HOME_SHARE`], else in any of its subclasses.
    pub fn draw_codes(&self, profile: &Profile, rng: &mut impl Rng, codes: &mut Vec<u32>) {
        codes.clear();
        let Some(&home) = profile.subclasses.first() else { return };
        let count = lognormal(CODES_MEDIAN, CODES_SPREAD, rng).round() as usize;
        let wanted = count.clamp(profile.subclasses.len(), MAX_CODES.max(profile.subclasses.len()));
        let push = |code: u32, codes: &mut Vec<u32>| {
            if !codes.contains(&code) {
                codes.push(code);
            }
        };
        for &s in &profile.subclasses {
            push(self.draw_group(profile.topics, s, rng), codes);
        }
        for _ in 0..3 * wanted {
            if codes.len() >= wanted {
                break;
            }
            let s =
                if rng.random_bool(HOME_SHARE) { home } else { *profile.subclasses.choose(rng).expect("not empty") };
            push(self.draw_group(profile.topics, s, rng), codes);
        }
    }

    /// A group of subclass `s` as a patent of `topics` uses it.
    fn draw_group(&self, topics: PatentTopics, s: u32, rng: &mut impl Rng) -> u32 {
        let own = std::iter::once(topics.primary).chain(topics.secondary).find_map(|t| {
            self.topics[t as usize].groups.iter().find(|(subclass, _)| *subclass == s).map(|(_, weights)| weights)
        });
        let weights = own.unwrap_or(&self.subclass_groups[s as usize]);
        self.scheme.groups_of(s).start + weights.sample(rng) as u32
    }
}

impl Topic {
    /// A home subclass drawn by popularity plus 1–3 companions, mostly nearby subclasses (the same
    /// class or section), otherwise by popularity.
    fn new(scheme: &Scheme, homes: &WeightedIndex<f64>, rng: &mut impl Rng) -> Topic {
        let home = homes.sample(rng) as u32;
        let last = scheme.subclasses.len() as i64 - 1;
        let mut companions = vec![];
        for _ in 0..rng.random_range(1..=3) {
            let other = if rng.random_bool(0.7) {
                (home as i64 + rng.random_range(-6..=6)).clamp(0, last) as u32
            } else {
                homes.sample(rng) as u32
            };
            if other != home && !companions.contains(&other) && scheme.section_of(other) != b'Y' {
                companions.push(other);
            }
        }
        let groups = std::iter::once(home)
            .chain(companions.iter().copied())
            .map(|s| (s, zipf(rng, scheme.groups_of(s).len(), GROUP_ZIPF)))
            .collect();
        Topic { home, companions, groups, related: vec![] }
    }

    /// The subclasses its patents typically carry: home and companions.
    pub fn typical(&self) -> Vec<u32> {
        std::iter::once(self.home).chain(self.companions.iter().copied()).collect()
    }
}
