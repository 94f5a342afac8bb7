//! The rank statistics against independent computations: U by counting pairs, the tie-corrected
//! variance against the exact permutation distribution, a textbook p-value, and the AUC by pairs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stats::{mann_whitney, roc_auc};

fn rows(x: &[f64], y: &[f64]) -> Vec<(f64, u64, u64)> {
    x.iter().map(|&v| (v, 1, 0)).chain(y.iter().map(|&v| (v, 0, 1))).collect()
}

/// Pairs with x > y plus half the ties.
fn pair_count(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .flat_map(|a| {
            y.iter().map(move |b| {
                if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum()
}

#[test]
fn u_equals_the_pair_count_with_ties() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..50 {
        let x: Vec<f64> = (0..rng.random_range(1..30)).map(|_| rng.random_range(0..8) as f64).collect();
        let y: Vec<f64> = (0..rng.random_range(1..30)).map(|_| rng.random_range(0..8) as f64).collect();
        let t = mann_whitney(&rows(&x, &y)).unwrap();
        assert!((t.u - pair_count(&x, &y)).abs() < 1e-9);
        assert!((t.common_language - pair_count(&x, &y) / (x.len() * y.len()) as f64).abs() < 1e-12);
        assert_eq!((t.n_x, t.n_y), (x.len() as u64, y.len() as u64));
    }
    assert!(mann_whitney(&rows(&[1.0], &[])).is_none());
}

#[test]
fn tie_corrected_variance_is_the_exact_permutation_variance() {
    // Pooled values with ties; every split into 4 x and 5 y.
    let pooled = [0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 5.0, 7.0, 7.0];
    let mut us = vec![];
    for mask in 0u32..(1 << pooled.len()) {
        if mask.count_ones() == 4 {
            let x: Vec<f64> = (0..pooled.len()).filter(|i| mask & (1 << i) != 0).map(|i| pooled[i]).collect();
            let y: Vec<f64> = (0..pooled.len()).filter(|i| mask & (1 << i) == 0).map(|i| pooled[i]).collect();
            us.push(pair_count(&x, &y));
        }
    }
    let mean = us.iter().sum::<f64>() / us.len() as f64;
    let variance = us.iter().map(|u| (u - mean).powi(2)).sum::<f64>() / us.len() as f64;
    assert!((mean - 10.0).abs() < 1e-9);
    // z without continuity for a split far from the mean recovers the variance.
    let x = [5.0, 7.0, 7.0, 2.0];
    let y = [0.0, 1.0, 1.0, 2.0, 2.0];
    let t = mann_whitney(&rows(&x, &y)).unwrap();
    let implied = ((t.u - 10.0).abs() - 0.5) / t.z.abs();
    assert!((implied * implied - variance).abs() < 1e-9, "{} vs exact {variance}", implied * implied);
}

#[test]
fn textbook_p_value() {
    // x = 1, 2, 3 against y = 4, 5, 6: U = 0, mean 4.5, variance 9 x 7 / 12 = 5.25,
    // z = (4.5 - 0.5) / sqrt(5.25) = 1.7457, two-sided p = 0.0809 (scipy's asymptotic
    // mannwhitneyu gives 0.0808556).
    let t = mann_whitney(&rows(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0])).unwrap();
    assert_eq!(t.u, 0.0);
    assert!((t.z + 1.745743).abs() < 1e-5, "{}", t.z);
    assert!((t.p_value - 0.0808556).abs() < 1e-5, "{}", t.p_value);
    assert_eq!(t.rank_biserial, -1.0);
    // Identical samples: no evidence either way.
    let same = mann_whitney(&rows(&[1.0, 2.0], &[1.0, 2.0])).unwrap();
    assert_eq!((same.common_language, same.p_value), (0.5, 1.0));
}

#[test]
fn auc_is_the_share_of_correctly_ordered_pairs() {
    // Positives 0.9, 0.7, 0.4; negatives 0.8, 0.3, 0.2, 0.4: ordered pairs 0.9>all (4), 0.7>0.3,0.2,0.4
    // (3), 0.4>0.3,0.2 (2) and ties 0.4=0.4 (half): 9.5 / 12.
    let auc = roc_auc(&rows(&[0.9, 0.7, 0.4], &[0.8, 0.3, 0.2, 0.4])).unwrap();
    assert!((auc - 9.5 / 12.0).abs() < 1e-12);
}
