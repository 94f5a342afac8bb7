//! Every marginal the generator is calibrated to, with where its value comes from. Figures marked
//! "real" are from `../shared/docs/real-corpus.md` (PatentsView granted-patent bulk files, releases
//! 2024–2025, and the CPC scheme); the others are choices of this generator, documented here and in
//! the crate README. `tests/marginals.rs` checks a generated sample against them.

/// Real: the CPC scheme's counts of classes per section (9 sections, 136 classes in all), in the
/// order A–H, Y.
pub const CLASSES_PER_SECTION: [(char, usize); 9] =
    [('A', 16), ('B', 38), ('C', 21), ('D', 10), ('E', 8), ('F', 19), ('G', 15), ('H', 6), ('Y', 3)];
/// Real: subclasses in the scheme.
pub const SUBCLASSES: usize = 673;
/// Real (approx.): main groups in the scheme.
pub const MAIN_GROUPS: usize = 10_000;
/// Real: groups (main groups and subgroups) in the scheme, as in the legacy cpc_subgroup title table.
pub const GROUPS: usize = 261_155;
/// Choice: spread of the lognormal sizes (subclasses per class, main groups per subclass, subgroups
/// per main group) before they are scaled to the totals above; 1.0 gives the real scheme's mix of a
/// few very large units (G06F, H01L21/00) and many small ones.
pub const SIZE_SPREAD: f64 = 1.0;

/// Real: utility grants per year (anchor year, grants), interpolated linearly between anchors and
/// held flat beyond them. Only the shape matters: `--patents` is spread over the grant years in
/// these proportions.
pub const GRANTS_PER_YEAR: [(i32, f64); 8] = [
    (1976, 70_000.0),
    (1990, 90_000.0),
    (2000, 157_000.0),
    (2010, 219_000.0),
    (2015, 298_000.0),
    (2019, 355_000.0),
    (2021, 327_000.0),
    (2024, 320_000.0),
];

/// Real: about 8 % design and 1 % reissue patents among grants, the rest utility (plant patents
/// and statutory invention registrations, together under 1 %, are not generated).
pub const DESIGN_SHARE: f64 = 0.08;
pub const REISSUE_SHARE: f64 = 0.01;

/// Real: CPC rows per utility patent have a mean of about 6 and a long tail past 30. Drawn as a
/// lognormal with this median and spread (mean = median x exp(spread^2 / 2) = 5.8), at least one
/// per subclass the patent spans, at most [`MAX_CODES`]. Design patents get no CPC codes (real
/// design patents are classified in the Locarno and USPC D classes).
pub const CODES_MEDIAN: f64 = 4.5;
pub const CODES_SPREAD: f64 = 0.7;
pub const MAX_CODES: usize = 80;

/// Real: a patent spans about 2–3 distinct subclasses on average, and a large share spans more than
/// one. A patent's subclasses are its topic's home subclass, each of the topic's companion
/// subclasses with these probabilities, and the extra fields of [`SECONDARY_RELATED`],
/// [`SECONDARY_ATYPICAL`], [`HOT_CODE_SHARE`], [`Y_TAG_SHARE`] and [`STRAY_CODE_SHARE`].
pub const COMPANION_INCLUSION: [f64; 3] = [0.65, 0.35, 0.2];
/// Choice: share of patents with a second topic of the same section (usual multi-field patents).
pub const SECONDARY_RELATED: f64 = 0.22;
/// Choice: share of patents with a second topic from another section (an atypical combination).
pub const SECONDARY_ATYPICAL: f64 = 0.05;
/// Choice: share of utility patents carrying one of the [`HOT_CODES`] enabling-technology subclasses.
pub const HOT_CODE_SHARE: f64 = 0.10;
/// Choice: number of enabling-technology subclasses.
pub const HOT_CODES: usize = 12;
/// Real: Y (cross-sectional tags) is common as an additional code; this share of patents carries one.
pub const Y_TAG_SHARE: f64 = 0.08;
/// Choice: share of patents carrying one subclass drawn from the whole scheme by its popularity.
pub const STRAY_CODE_SHARE: f64 = 0.05;
/// Choice: share of a patent's codes beyond one per subclass that go to its home subclass.
pub const HOME_SHARE: f64 = 0.5;
/// Choice: Zipf exponent of subclass popularity (where topics live) and of group use within a topic.
pub const SUBCLASS_ZIPF: f64 = 1.0;
pub const GROUP_ZIPF: f64 = 1.1;
/// Choice: Zipf exponent of topic popularity.
pub const TOPIC_ZIPF: f64 = 0.8;

/// Real: citations made per patent have a mean of about 16 over 1976–2025 (151 M / 9.4 M), single
/// digits in the 1970s and 30+ in recent years. With the real grant volumes both cannot hold (a
/// ramp to 30 gives an overall mean of 19), so the overall mean is kept: 16.0 over 1976–2025,
/// rising to 28 in 2025. Mean by grant year (anchor year, mean), interpolated; drawn as a lognormal
/// with [`CITATIONS_SPREAD`] (a heavy right tail), at most [`MAX_CITATIONS`].
pub const CITATIONS_PER_YEAR: [(i32, f64); 6] =
    [(1976, 4.0), (1990, 6.0), (2000, 9.5), (2010, 15.0), (2020, 24.0), (2025, 28.0)];
pub const CITATIONS_SPREAD: f64 = 0.8;
pub const MAX_CITATIONS: usize = 1000;
/// Choice: share of citations going to patents granted before the corpus (not in `g_patent`): most
/// of them in the first years, as real patents cite mostly older art, then this floor.
pub const PRE_CORPUS_CITATIONS: f64 = 0.04;
/// Choice: years over which the pre-corpus share decays (by a factor e) towards the floor.
pub const PRE_CORPUS_DECAY_YEARS: f64 = 2.5;
/// Choice: the weight of a cited patent of age a years (grant year difference) is
/// min(1, (a + 1) / 3) x exp(-a / [`CITATION_AGE_SCALE`]) times its planted impact: citations peak a
/// few years after grant and fade over decades, as real citation lags do.
pub const CITATION_AGE_SCALE: f64 = 8.0;
/// Choice: where a citation's cited patent comes from: the citing patent's main topic, its second
/// topic (main topic when it has none), or anywhere.
pub const CITE_OWN_TOPIC: f64 = 0.70;
pub const CITE_SECOND_TOPIC: f64 = 0.15;

/// Real: utility patents have about 15–17 claims on average. Drawn as a lognormal with this median
/// and spread, except that [`CLAIMS_AT_FEE_LIMIT`] of patents have exactly 20 (the count above which
/// the USPTO charges extra claim fees), 1 to [`MAX_CLAIMS`]. Design patents have one claim.
pub const CLAIMS_MEDIAN: f64 = 13.0;
pub const CLAIMS_SPREAD: f64 = 0.55;
pub const CLAIMS_AT_FEE_LIMIT: f64 = 0.2;
pub const MAX_CLAIMS: usize = 150;

/// A draw from the lognormal with this median and spread (the sigma of its logarithm), the shape of
/// every count per patent above.
pub fn lognormal(median: f64, spread: f64, rng: &mut impl rand::Rng) -> f64 {
    use rand::distr::Distribution;
    rand_distr::LogNormal::new(median.ln(), spread).expect("a positive median and a finite spread").sample(rng)
}

/// The value at `year` of a curve given by `anchors` (sorted by year): linear between anchors, flat
/// beyond the first and last.
pub fn interpolate(anchors: &[(i32, f64)], year: i32) -> f64 {
    let i = anchors.partition_point(|&(y, _)| y <= year);
    match (i.checked_sub(1).map(|j| anchors[j]), anchors.get(i)) {
        (Some((y0, v0)), Some(&(y1, v1))) => v0 + (v1 - v0) * (year - y0) as f64 / (y1 - y0) as f64,
        (Some((_, v)), None) | (None, Some(&(_, v))) => v,
        (None, None) => panic!("a curve needs anchors"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_interpolate_between_anchors_and_hold_beyond() {
        let curve = [(2000, 10.0), (2010, 30.0)];
        assert_eq!(interpolate(&curve, 1990), 10.0);
        assert_eq!(interpolate(&curve, 2000), 10.0);
        assert_eq!(interpolate(&curve, 2005), 20.0);
        assert_eq!(interpolate(&curve, 2010), 30.0);
        assert_eq!(interpolate(&curve, 2030), 30.0);
    }
}
