//! Rank statistics: the Mann-Whitney U test (tie-corrected normal approximation with continuity
//! correction, two-sided) with its effect sizes, the ROC-AUC, which is the common-language effect
//! size of scores of positives against negatives, and the Wilcoxon signed-rank test of paired
//! differences. The Mann-Whitney test works from `(value, count in x, count in y)` rows, which lets
//! SQL do the heavy grouping, so memory grows with the number of distinct values, not with the
//! samples; the signed-rank test takes one difference per pair.

/// The outcome of a Mann-Whitney U test of sample x against sample y.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    pub n_x: u64,
    pub n_y: u64,
    /// U of x: pairs (x, y) with x > y, plus half the tied pairs.
    pub u: f64,
    /// Standardised U (positive when x tends to be larger), continuity-corrected.
    pub z: f64,
    /// Two-sided p-value of the normal approximation.
    pub p_value: f64,
    /// U / (n_x n_y): the probability that a random x exceeds a random y (ties count half).
    pub common_language: f64,
    /// 2 x common_language - 1, in [-1, 1].
    pub rank_biserial: f64,
}

/// The Mann-Whitney U test from rows `(value, count in x, count in y)` in any order (a value may
/// repeat); `None` when either sample is empty.
pub fn mann_whitney(rows: &[(f64, u64, u64)]) -> Option<RankTest> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (n_x, n_y) = rows.iter().fold((0u64, 0u64), |(x, y), r| (x + r.1, y + r.2));
    if n_x == 0 || n_y == 0 {
        return None;
    }
    let (mut rank_sum_x, mut below, mut ties) = (0.0f64, 0u64, 0.0f64);
    let mut i = 0;
    while i < rows.len() {
        let (mut a, mut b) = (0u64, 0u64);
        let value = rows[i].0;
        while i < rows.len() && rows[i].0 == value {
            a += rows[i].1;
            b += rows[i].2;
            i += 1;
        }
        let t = (a + b) as f64;
        rank_sum_x += a as f64 * (below as f64 + (t + 1.0) / 2.0);
        ties += t * t * t - t;
        below += a + b;
    }
    let (nx, ny, n) = (n_x as f64, n_y as f64, (n_x + n_y) as f64);
    let u = rank_sum_x - nx * (nx + 1.0) / 2.0;
    let mean = nx * ny / 2.0;
    let variance = nx * ny / 12.0 * ((n + 1.0) - if n > 1.0 { ties / (n * (n - 1.0)) } else { 0.0 });
    let (z, p_value) = if variance > 0.0 {
        let distance = (u - mean).abs() - 0.5;
        let z = (u - mean).signum() * distance.max(0.0) / variance.sqrt();
        (z, (2.0 * normal_upper_tail(distance / variance.sqrt())).min(1.0))
    } else {
        (0.0, 1.0)
    };
    let common_language = u / (nx * ny);
    Some(RankTest { n_x, n_y, u, z, p_value, common_language, rank_biserial: 2.0 * common_language - 1.0 })
}

/// The outcome of a Wilcoxon signed-rank test of paired differences (x - y per pair).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedRankTest {
    /// Pairs with a non-zero difference, the ones ranked.
    pub n: u64,
    /// Pairs with a zero difference, dropped before ranking (Wilcoxon's own treatment).
    pub zeros: u64,
    /// Sum of the ranks of |difference| over the positive differences (ties share their mean rank).
    pub w_plus: f64,
    /// The same over the negative differences; w_plus + w_minus = n (n + 1) / 2.
    pub w_minus: f64,
    /// Standardised W+ (positive when x tends to be larger), tie- and continuity-corrected.
    pub z: f64,
    /// Two-sided p-value: exact (W+'s null distribution enumerated) when `exact`, else the normal
    /// approximation of `z`.
    pub p_value: f64,
    /// Whether the p-value is exact: at most [`EXACT_SIGNED_RANK_PAIRS`] pairs and no tied |differences|.
    pub exact: bool,
    /// (W+ - W-) / (W+ + W-), in [-1, 1]: the matched-pairs rank-biserial correlation.
    pub rank_biserial: f64,
}

/// Up to this many pairs (without ties) the signed-rank p-value is exact, as SciPy's `wilcoxon` does.
pub const EXACT_SIGNED_RANK_PAIRS: u64 = 50;

/// The Wilcoxon signed-rank test of the paired `differences`; `None` when every one is zero (or
/// there are none). Differences are compared exactly: round them first (see [`round_significant`])
/// when they come out of sums that may differ in their last bits.
pub fn wilcoxon_signed_rank(differences: &[f64]) -> Option<SignedRankTest> {
    let mut nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let zeros = (differences.len() - nonzero.len()) as u64;
    if nonzero.is_empty() {
        return None;
    }
    nonzero.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let (mut w_plus, mut ties, mut tied_any) = (0.0f64, 0.0f64, false);
    let mut i = 0;
    while i < nonzero.len() {
        let mut j = i;
        while j < nonzero.len() && nonzero[j].abs() == nonzero[i].abs() {
            j += 1;
        }
        let (t, mean_rank) = ((j - i) as f64, (i + 1 + j) as f64 / 2.0);
        w_plus += mean_rank * nonzero[i..j].iter().filter(|d| **d > 0.0).count() as f64;
        ties += t * t * t - t;
        tied_any |= j - i > 1;
        i = j;
    }
    let n = nonzero.len() as u64;
    let nf = n as f64;
    let total = nf * (nf + 1.0) / 2.0;
    let w_minus = total - w_plus;
    let mean = total / 2.0;
    let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    let (z, normal_p) = if variance > 0.0 {
        let distance = ((w_plus - mean).abs() - 0.5).max(0.0);
        (
            (w_plus - mean).signum() * distance / variance.sqrt(),
            (2.0 * normal_upper_tail(distance / variance.sqrt())).min(1.0),
        )
    } else {
        (0.0, 1.0)
    };
    let exact = !tied_any && n <= EXACT_SIGNED_RANK_PAIRS;
    let p_value = if exact { exact_signed_rank_p(n, w_plus.min(w_minus) as u64) } else { normal_p };
    Some(SignedRankTest { n, zeros, w_plus, w_minus, z, p_value, exact, rank_biserial: (w_plus - w_minus) / total })
}

/// Two-sided exact p-value of the smaller signed-rank sum `smaller` among `n` untied pairs:
/// 2 P(W <= smaller) under the null, where each rank 1..n is in W with probability 1/2; W's
/// distribution is counted by adding one rank at a time (counts up to 2^50 are exact in f64).
fn exact_signed_rank_p(n: u64, smaller: u64) -> f64 {
    let max = (n * (n + 1) / 2) as usize;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for rank in 1..=n as usize {
        for sum in (rank..=max).rev() {
            counts[sum] += counts[sum - rank];
        }
    }
    let below: f64 = counts[..=smaller as usize].iter().sum();
    (2.0 * below / 2f64.powi(n as i32)).min(1.0)
}

/// `x` rounded to 12 significant digits: means of the same numbers added in another order (another
/// engine, another partitioning) differ in their last bits, which would decide ties and
/// comparisons in a rank test; rounded, they are equal again.
pub fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(11 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// ROC-AUC of `rows` `(score, positives, negatives)`: the probability that a random positive
/// scores above a random negative, ties counting half; `None` without both classes.
pub fn roc_auc(rows: &[(f64, u64, u64)]) -> Option<f64> {
    mann_whitney(rows).map(|t| t.common_language)
}

/// P(Z > z) for a standard normal Z.
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`):
/// fractional error below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_12_digits_makes_sums_in_another_order_equal() {
        let values = [0.1, 0.2, 0.3];
        let forward: f64 = values.iter().sum::<f64>() / 3.0;
        let backward: f64 = values.iter().rev().sum::<f64>() / 3.0;
        assert_ne!(forward, backward, "the sums differ in their last bits");
        assert_eq!(round_significant(forward), round_significant(backward));
        assert_eq!(round_significant(1234.567890123456), 1234.56789012);
        assert_eq!(round_significant(-0.000123456789012345), -0.000123456789012);
        assert_eq!(round_significant(0.0), 0.0);
        assert!(round_significant(f64::NAN).is_nan());
    }

    #[test]
    fn normal_tail_matches_table_values() {
        // Standard normal table: P(Z > 0) = 0.5, P(Z > 1.959964) = 0.025, P(Z > 3) = 0.0013499,
        // P(Z > -1) = 0.8413447.
        for (z, want) in [(0.0, 0.5), (1.959964, 0.025), (3.0, 0.001_349_898), (-1.0, 0.841_344_746)] {
            assert!(
                (normal_upper_tail(z) - want).abs() < 2e-7 * want.max(1e-3) * 10.0,
                "{z}: {}",
                normal_upper_tail(z)
            );
        }
    }
}
