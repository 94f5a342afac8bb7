//! Rank statistics from value counts: the Mann-Whitney U test (tie-corrected normal approximation
//! with continuity correction, two-sided) with its effect sizes, and the ROC-AUC, which is the
//! common-language effect size of scores of positives against negatives. Working from
//! `(value, count in x, count in y)` rows lets SQL do the heavy grouping, so memory grows with the
//! number of distinct values, not with the samples.

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
