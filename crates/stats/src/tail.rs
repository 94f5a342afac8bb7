//! Descriptive statistics and a tail test over value counts: the linearly interpolated quantile of
//! a sample given as `(value, count)` rows (NumPy's default), and the exact binomial upper tail
//! P(X >= k) that tests whether a group holds more members above a cut than the population's share.

/// The `q` quantile (0..=1) of the sample whose distinct values and their counts are `rows`,
/// interpolated linearly between the order statistics either side of position (n - 1) q (NumPy's
/// `quantile` default, method `linear`); `None` for an empty sample.
pub fn quantile_of_counts(rows: &[(f64, u64)], q: f64) -> Option<f64> {
    let mut rows: Vec<(f64, u64)> = rows.iter().copied().filter(|&(_, n)| n > 0).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n: u64 = rows.iter().map(|&(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let position = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lower = position.floor() as u64;
    let fraction = position - lower as f64;
    // The value at 0-based order position `i`.
    let at = |i: u64| {
        let mut seen = 0;
        for &(value, count) in &rows {
            seen += count;
            if i < seen {
                return value;
            }
        }
        rows[rows.len() - 1].0
    };
    let below = at(lower);
    let above = at((lower + 1).min(n - 1));
    Some(below + (above - below) * fraction)
}

/// P(X >= k) for X ~ Binomial(n, p): the one-sided exact p-value of seeing at least `k` of `n`
/// above a cut that a share `p` of the population is above. Summed in log space from k upward, so
/// n in the millions costs one pass and no overflow.
pub fn binomial_upper_tail(n: u64, k: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_choose = ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k);
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    // pmf(i + 1) = pmf(i) (n - i) / (i + 1) p / q, from pmf(k).
    let mut ln_pmf = ln_choose + k as f64 * ln_p + (n - k) as f64 * ln_q;
    let mut tail = 0.0;
    for i in k..=n {
        tail += ln_pmf.exp();
        ln_pmf += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + ln_p - ln_q;
    }
    tail.min(1.0)
}

/// ln(n!) summed term by term (exact to rounding; n up to millions in one pass).
fn ln_factorial(n: u64) -> f64 {
    (2..=n).map(|i| (i as f64).ln()).sum()
}
