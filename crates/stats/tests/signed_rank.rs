//! The Wilcoxon signed-rank test against independent computations: W+ by summing ranks assigned by
//! hand, the exact p-value against a textbook (SciPy's documented result on Darwin's maize data)
//! and against enumerating every sign assignment, and the tie-corrected variance against the exact
//! variance over all sign flips.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stats::{normal_upper_tail, wilcoxon_signed_rank};

/// Darwin's Zea mays data: height differences (cross- minus self-fertilised, eighths of an inch) of
/// 15 pairs, as in Fisher's Design of Experiments and SciPy's `wilcoxon` documentation.
const DARWIN: [f64; 15] = [6., 8., 14., 16., 23., 24., 28., 29., 41., -48., 49., 56., 60., -67., 75.];

#[test]
fn darwins_maize_gives_the_documented_statistic_and_exact_p() {
    // SciPy: wilcoxon(d) -> statistic=24.0 (the smaller rank sum: ranks 10 and 14 of -48 and -67),
    // pvalue=0.041259765625 (exact).
    let t = wilcoxon_signed_rank(&DARWIN).unwrap();
    assert_eq!((t.n, t.zeros, t.w_minus, t.w_plus), (15, 0, 24.0, 96.0));
    assert!(t.exact);
    assert!((t.p_value - 0.041259765625).abs() < 1e-12, "{}", t.p_value);
    assert!((t.rank_biserial - 72.0 / 120.0).abs() < 1e-12);
    assert!(t.z > 0.0);
}

/// Two-sided p by enumerating all 2^n sign assignments of the ranks 1..n.
fn enumerated_p(n: u32, smaller: f64) -> f64 {
    let below = (0u64..1 << n)
        .filter(|mask| (0..n).filter(|i| mask & (1 << i) != 0).map(|i| (i + 1) as f64).sum::<f64>() <= smaller)
        .count();
    (2.0 * below as f64 / (1u64 << n) as f64).min(1.0)
}

#[test]
fn exact_p_matches_enumerating_every_sign_assignment() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..30 {
        let n = rng.random_range(1..=14);
        // distinct magnitudes, random signs, a shift so that some samples lean one way
        let shift = rng.random_range(-0.5..0.5);
        let d: Vec<f64> = (1..=n).map(|m| m as f64 * if rng.random_bool(0.5 + shift) { 1.0 } else { -1.0 }).collect();
        let t = wilcoxon_signed_rank(&d).unwrap();
        assert!(t.exact);
        let want = enumerated_p(n, t.w_plus.min(t.w_minus));
        assert!((t.p_value - want).abs() < 1e-12, "n {n}: {} vs {want}", t.p_value);
    }
}

#[test]
fn tie_corrected_variance_is_the_variance_over_all_sign_flips() {
    // |d| with ties: mean ranks 1.5, 1.5, 4, 4, 4, 6, 7.5, 7.5. Under the null each sign flips
    // independently, so Var(W+) = sum of rank^2 / 4; enumerate it rather than trust that.
    let d = [1.0, -1.0, 2.0, 2.0, -2.0, 3.0, 4.0, 4.0];
    let ranks = [1.5, 1.5, 4.0, 4.0, 4.0, 6.0, 7.5, 7.5];
    let sums: Vec<f64> =
        (0u32..1 << 8).map(|mask| (0..8).filter(|i| mask & (1 << i) != 0).map(|i| ranks[i]).sum::<f64>()).collect();
    let mean = sums.iter().sum::<f64>() / sums.len() as f64;
    let variance = sums.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / sums.len() as f64;
    let t = wilcoxon_signed_rank(&d).unwrap();
    assert!(!t.exact, "ties: normal approximation");
    // W+ by hand: 1.5 + 4 + 4 + 6 + 7.5 + 7.5
    assert_eq!(t.w_plus, 30.5);
    let implied = ((t.w_plus - mean).abs() - 0.5) / t.z.abs();
    assert!((implied * implied - variance).abs() < 1e-9, "{} vs exact {variance}", implied * implied);
}

#[test]
fn zeros_are_dropped_and_all_zero_is_no_test() {
    let t = wilcoxon_signed_rank(&[0.0, 3.0, -1.0, 0.0, 2.0]).unwrap();
    assert_eq!((t.n, t.zeros, t.w_plus, t.w_minus), (3, 2, 5.0, 1.0));
    assert!(wilcoxon_signed_rank(&[0.0, 0.0]).is_none());
    assert!(wilcoxon_signed_rank(&[]).is_none());
}

#[test]
fn the_exact_p_agrees_with_the_normal_approximation_at_fifty_pairs_and_beyond_is_the_approximation() {
    // At 50 untied pairs the exact p and the continuity-corrected normal one agree to 0.005; from 51
    // pairs on the test reports the normal one, with z from the untied variance n(n+1)(2n+1)/24.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut d: Vec<f64> = (1..=50).map(|m| m as f64 * if rng.random_bool(0.62) { 1.0 } else { -1.0 }).collect();
    let exact = wilcoxon_signed_rank(&d).unwrap();
    assert!(exact.exact && exact.p_value < 1.0, "{}", exact.p_value);
    assert!((exact.p_value - 2.0 * normal_upper_tail(exact.z.abs())).abs() < 0.005);
    d.push(51.0);
    let normal = wilcoxon_signed_rank(&d).unwrap();
    let nf = 51.0f64;
    let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt();
    let z = ((normal.w_plus - nf * (nf + 1.0) / 4.0).abs() - 0.5) / sd;
    assert!(!normal.exact && (z - normal.z).abs() < 1e-12);
    assert!((normal.p_value - 2.0 * normal_upper_tail(z)).abs() < 1e-15);
}
