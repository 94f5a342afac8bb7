//! Quantiles of value counts against NumPy's documented linear rule on expanded samples (sorted by
//! hand) and the binomial upper tail against hand-summed binomial coefficients and a direct sum of
//! the probability mass function in exact rational arithmetic.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stats::{binomial_upper_tail, quantile_of_counts};

#[test]
fn quantiles_follow_numpys_linear_rule_on_hand_sorted_samples() {
    // Sample 1, 2, 2, 3, 10 (counts given out of order): position (5 - 1) q.
    let rows = [(10.0, 1), (2.0, 2), (1.0, 1), (3.0, 1)];
    assert_eq!(quantile_of_counts(&rows, 0.0), Some(1.0));
    assert_eq!(quantile_of_counts(&rows, 0.5), Some(2.0));
    assert_eq!(quantile_of_counts(&rows, 1.0), Some(10.0));
    // q 0.9: position 3.6, between 3 (index 3) and 10 (index 4): 3 + 0.6 x 7 = 7.2.
    assert!((quantile_of_counts(&rows, 0.9).unwrap() - 7.2).abs() < 1e-12);
    // q 0.3: position 1.2, both neighbours 2.
    assert_eq!(quantile_of_counts(&rows, 0.3), Some(2.0));
    assert_eq!(quantile_of_counts(&[], 0.9), None);
    assert_eq!(quantile_of_counts(&[(4.0, 0)], 0.9), None);
    assert_eq!(quantile_of_counts(&[(4.0, 3)], 0.9), Some(4.0));
}

#[test]
fn quantiles_of_counts_equal_those_of_the_expanded_sorted_sample() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..200 {
        let rows: Vec<(f64, u64)> =
            (0..rng.random_range(1..8)).map(|v| (v as f64 * 1.5, rng.random_range(0..5))).collect();
        let mut sample: Vec<f64> = rows.iter().flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize)).collect();
        sample.sort_by(f64::total_cmp);
        let q: f64 = rng.random_range(0.0..=1.0);
        let expected = (!sample.is_empty()).then(|| {
            let h = (sample.len() - 1) as f64 * q;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            sample[lo] + (sample[hi] - sample[lo]) * (h - lo as f64)
        });
        let got = quantile_of_counts(&rows, q);
        match (got, expected) {
            (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{rows:?} q {q}: {g} vs {e}"),
            (g, e) => assert_eq!(g, e),
        }
    }
}

#[test]
fn binomial_tail_matches_hand_summed_coefficients() {
    // n 10, p 1/2, X >= 8: (C(10,8) + C(10,9) + C(10,10)) / 2^10 = (45 + 10 + 1) / 1024.
    assert!((binomial_upper_tail(10, 8, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
    // n 3, p 0.1, X >= 2: 3 x 0.01 x 0.9 + 0.001 = 0.028.
    assert!((binomial_upper_tail(3, 2, 0.1) - 0.028).abs() < 1e-12);
    assert_eq!(binomial_upper_tail(5, 0, 0.3), 1.0);
    assert_eq!(binomial_upper_tail(5, 6, 0.3), 0.0);
    assert_eq!(binomial_upper_tail(5, 1, 0.0), 0.0);
    assert_eq!(binomial_upper_tail(5, 5, 1.0), 1.0);
}

/// P(X >= k) by summing C(n, i) p^i q^(n-i) with p = a/b, in exact integers (u128) for small n.
fn exact_tail(n: u64, k: u64, a: u128, b: u128) -> f64 {
    let choose = |n: u64, i: u64| (0..i).fold(1u128, |c, j| c * (n - j) as u128 / (j + 1) as u128);
    let numerator: u128 = (k..=n).map(|i| choose(n, i) * a.pow(i as u32) * (b - a).pow((n - i) as u32)).sum();
    numerator as f64 / b.pow(n as u32) as f64
}

#[test]
fn binomial_tail_equals_the_exact_rational_sum() {
    for n in 1..=20u64 {
        for k in 0..=n {
            for (a, b) in [(1u128, 10u128), (3, 10), (1, 2), (7, 8)] {
                let got = binomial_upper_tail(n, k, a as f64 / b as f64);
                let want = exact_tail(n, k, a, b);
                assert!((got - want).abs() <= 1e-10 * want + 1e-15, "n {n} k {k} p {a}/{b}: {got} vs {want}");
            }
        }
    }
    // A large n: 1,000 draws at p 0.1, the tail from the mean is near a half.
    let mid = binomial_upper_tail(1_000, 100, 0.1);
    assert!((0.5..0.56).contains(&mid), "{mid}");
}
