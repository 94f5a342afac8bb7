//! The planted impact: what makes a patent cited. Each patent's citation weight is
//! lambda = exp(s + noise) with the *planted score*
//!
//! s = [`HOT_TERM_EFFECT`] x (hot terms in its first claim)
//!   + [`HOT_CODE_EFFECT`] x (carries an enabling-technology subclass)
//!   + [`ATYPICAL_EFFECT`] x (combines topics of two sections: an atypical, Uzzi-style pair)
//!   + ln(multiplier) x (carries its topic's planted opportunity code),
//!
//! and noise ~ N(0, [`IMPACT_NOISE`]^2) that no feature reveals. Later patents pick the patents they
//! cite in proportion to lambda (and the citation age, see [`crate::citations`]), so the expected
//! forward citations of a patent are proportional to its lambda among patents of its topic and
//! year: an opportunity code multiplies them by its multiplier. The score is known only to the
//! generator and written to `ground_truth/`, never to the dumps.

use rand::Rng;
use rand::distr::Distribution;
use rand::seq::IndexedRandom;
use rand_distr::Normal;

use crate::scheme::Scheme;

/// Words of advanced techniques that raise impact when a first claim names them; they appear in no
/// other claim text.
pub const HOT_TERMS: [&str; 12] = [
    "federated",
    "holographic",
    "metamaterial",
    "neuromorphic",
    "quantized",
    "spintronic",
    "graphene",
    "lidar",
    "perovskite",
    "exosomal",
    "optogenetic",
    "ledger",
];
/// Probabilities of 0, 1, 2 and 3 hot terms in a utility patent's first claim.
pub const HOT_TERM_COUNTS: [f64; 4] = [0.6, 0.25, 0.1, 0.05];
/// Effect on log impact of each hot term.
pub const HOT_TERM_EFFECT: f64 = 0.9;
/// Effect on log impact of an enabling-technology subclass.
pub const HOT_CODE_EFFECT: f64 = 1.1;
/// Effect on log impact of an atypical combination (a second topic from another section).
pub const ATYPICAL_EFFECT: f64 = 1.1;
/// Standard deviation of the unexplained part of log impact.
pub const IMPACT_NOISE: f64 = 0.8;
/// Planted opportunities are given to topics among this many most popular ones.
const OPPORTUNITY_TOPIC_POOL: usize = 60;

/// How many opportunities are planted, their citation multiplier and the share of their topic's
/// patents that carry the opportunity code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpportunitySettings {
    pub count: usize,
    pub multiplier: f64,
    pub share: f64,
}

/// A planted opportunity: patents of `topic` that also carry `code` (a subclass of another section)
/// get `multiplier` times the expected forward citations.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub topic: u16,
    pub code: u32,
    pub multiplier: f64,
}

/// The planted impact structure of a corpus.
pub struct Planted {
    /// Enabling-technology subclasses.
    pub hot_codes: Vec<u32>,
    pub opportunities: Vec<Opportunity>,
    /// Share of a planted topic's patents that carry its opportunity code.
    pub opportunity_share: f64,
    noise: Normal<f64>,
}

/// What raises one patent's impact.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ImpactTraits {
    pub hot_terms: usize,
    pub hot_code: bool,
    pub atypical: bool,
    pub opportunity: bool,
}

impl Planted {
    /// Picks the hot codes among popular subclasses of sections A–H, and `opportunities` topics
    /// (among the most popular, given by `topics_by_popularity`) each with an opportunity code: a
    /// popular subclass of another section that is neither hot nor one of `typical(topic)`.
    pub fn new(
        scheme: &Scheme,
        subclasses_by_popularity: &[u32],
        topics_by_popularity: &[u16],
        typical: impl Fn(u16) -> Vec<u32>,
        section_of_topic: impl Fn(u16) -> u8,
        opportunities: OpportunitySettings,
        rng: &mut impl Rng,
    ) -> Planted {
        let candidates: Vec<u32> =
            subclasses_by_popularity.iter().copied().filter(|&s| scheme.section_of(s) != b'Y').take(150).collect();
        let hot_codes: Vec<u32> = candidates.choose_multiple(rng, crate::calibration::HOT_CODES).copied().collect();
        let pool = &topics_by_popularity[..OPPORTUNITY_TOPIC_POOL.min(topics_by_popularity.len())];
        let (multiplier, opportunity_share) = (opportunities.multiplier, opportunities.share);
        let opportunities = pool
            .choose_multiple(rng, opportunities.count.min(pool.len()))
            .map(|&topic| {
                let typical = typical(topic);
                let section = section_of_topic(topic);
                let choices: Vec<u32> = candidates
                    .iter()
                    .copied()
                    .filter(|&s| scheme.section_of(s) != section && !hot_codes.contains(&s) && !typical.contains(&s))
                    .take(40)
                    .collect();
                let code = *choices.choose(rng).expect("popular subclasses of other sections");
                Opportunity { topic, code, multiplier }
            })
            .collect();
        Planted {
            hot_codes,
            opportunities,
            opportunity_share,
            noise: Normal::new(0.0, IMPACT_NOISE).expect("valid normal"),
        }
    }

    /// The opportunity planted for `topic`, if any.
    pub fn opportunity_of(&self, topic: u16) -> Option<&Opportunity> {
        self.opportunities.iter().find(|o| o.topic == topic)
    }

    /// The planted score s of a patent with `traits` (of `topic`).
    pub fn score(&self, traits: &ImpactTraits, topic: u16) -> f64 {
        let opportunity = match (traits.opportunity, self.opportunity_of(topic)) {
            (true, Some(o)) => o.multiplier.ln(),
            _ => 0.0,
        };
        HOT_TERM_EFFECT * traits.hot_terms as f64
            + HOT_CODE_EFFECT * traits.hot_code as u8 as f64
            + ATYPICAL_EFFECT * traits.atypical as u8 as f64
            + opportunity
    }

    /// A patent's citation weight lambda = exp(score + noise).
    pub fn weight(&self, score: f64, rng: &mut impl Rng) -> f64 {
        (score + self.noise.sample(rng)).exp()
    }
}

/// The number of hot terms of a utility patent's first claim.
pub fn draw_hot_terms(rng: &mut impl Rng) -> usize {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    for (count, p) in HOT_TERM_COUNTS.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return count;
        }
    }
    HOT_TERM_COUNTS.len() - 1
}
