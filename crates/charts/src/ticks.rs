//! "Nice" axis ticks: steps of 1, 2 or 5 × 10^k chosen so that an axis gets at most eight ticks,
//! the axis range widened to whole steps, and labels written exactly from the integer step
//! arithmetic (so `0.3`, never `0.30000000000000004`).

/// Largest magnitude treated as plottable; beyond it spans and pixel arithmetic could overflow.
const MAX_ABS: f64 = 1e300;

/// At most this many intervals (so at most eight ticks) per axis.
const MAX_INTERVALS: f64 = 7.0;

/// Whether `v` can be placed on an axis: finite and at most [`MAX_ABS`] in magnitude.
pub(crate) fn plottable(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS
}

/// The minimum and maximum of the plottable values, or `None` when there are none.
pub(crate) fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| plottable(*v)).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The ticks of one axis. The axis runs from the first tick to the last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    /// Tick positions in data units with their labels, ascending; always at least two.
    pub ticks: Vec<(f64, String)>,
    /// Data value at the start of the axis (the first tick).
    pub lo: f64,
    /// Data value at the end of the axis (the last tick).
    pub hi: f64,
}

/// Nice ticks covering `lo..=hi` (finite, plottable values).
///
/// A degenerate range (equal ends, or a span negligible next to the values) is padded first: by 1
/// on each side for integer axes or around zero, by 10 % of the value otherwise. With `integer`
/// the step is at least 1, so every label is a whole number.
pub(crate) fn nice_ticks(lo: f64, hi: f64, integer: bool) -> Ticks {
    let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
    let span = hi - lo;
    if span <= 1e-12 * lo.abs().max(hi.abs()) || span < 1e-200 {
        let centre = lo / 2.0 + hi / 2.0;
        let pad = if integer || centre.abs() < 1e-200 { 1.0 } else { 0.1 * centre.abs() };
        (lo, hi) = (centre - pad, centre + pad);
    }
    let first_exponent = ((hi - lo) / MAX_INTERVALS).log10().floor() as i32;
    let mut exponent = if integer { first_exponent.max(0) } else { first_exponent };
    loop {
        for mantissa in [1_i64, 2, 5] {
            let step = scaled(mantissa, exponent);
            // The small slack keeps a bound that is a whole step (up to rounding) from adding a tick.
            let first = (lo / step + 1e-9).floor();
            let last = (hi / step - 1e-9).ceil().max(first + 1.0);
            if last - first <= MAX_INTERVALS {
                return ticks_between(first as i64, last as i64, mantissa, exponent);
            }
        }
        exponent += 1;
    }
}

/// Ticks at `i × mantissa × 10^exponent` for `i` in `first..=last`, labelled in one notation.
fn ticks_between(first: i64, last: i64, mantissa: i64, exponent: i32) -> Ticks {
    let multiples: Vec<i64> = (first..=last).map(|i| i * mantissa).collect();
    let scientific = multiples.iter().any(|&n| n != 0 && !(-4..=5).contains(&decimal_exponent(n, exponent)));
    let ticks: Vec<(f64, String)> =
        multiples.iter().map(|&n| (scaled(n, exponent), label(n, exponent, scientific))).collect();
    Ticks { lo: scaled(first * mantissa, exponent), hi: scaled(last * mantissa, exponent), ticks }
}

/// `n × 10^k` as the nearest `f64` (exactly rounded for |k| ≤ 22, where powers of ten are exact).
fn scaled(n: i64, k: i32) -> f64 {
    if k >= 0 { n as f64 * 10f64.powi(k) } else { n as f64 / 10f64.powi(-k) }
}

/// The exponent of `n × 10^k` in scientific notation (`n` non-zero).
fn decimal_exponent(n: i64, k: i32) -> i32 {
    n.unsigned_abs().ilog10() as i32 + k
}

/// `n × 10^k` written exactly: plain decimal (`0.05`, `2000`) or, with `scientific`, `1.5e6`.
fn label(n: i64, k: i32, scientific: bool) -> String {
    if n == 0 {
        return "0".to_string();
    }
    let sign = if n < 0 { "-" } else { "" };
    let mut digits = n.unsigned_abs().to_string();
    let mut k = k;
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
        k += 1;
    }
    let len = digits.len() as i32;
    if scientific {
        let (lead, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        format!("{sign}{lead}{fraction}e{}", len - 1 + k)
    } else if k >= 0 {
        format!("{sign}{digits}{}", "0".repeat(k as usize))
    } else if -k < len {
        let (whole, fraction) = digits.split_at((len + k) as usize);
        format!("{sign}{whole}.{fraction}")
    } else {
        format!("{sign}0.{}{digits}", "0".repeat((-k - len) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(t: &Ticks) -> Vec<&str> {
        t.ticks.iter().map(|(_, l)| l.as_str()).collect()
    }

    fn values(t: &Ticks) -> Vec<f64> {
        t.ticks.iter().map(|(v, _)| *v).collect()
    }

    #[test]
    fn unit_range_steps_by_two_tenths() {
        // Step 0.1 would need 10 intervals (> 7); 0.2 needs 5.
        let t = nice_ticks(0.0, 1.0, false);
        assert_eq!(labels(&t), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(values(&t), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!((t.lo, t.hi), (0.0, 1.0));
    }

    #[test]
    fn mixed_sign_range_widens_to_whole_steps() {
        // Step 1 spans -4..8 in 12 intervals; step 2 spans -4..8 in 6.
        let t = nice_ticks(-3.2, 7.9, false);
        assert_eq!(labels(&t), ["-4", "-2", "0", "2", "4", "6", "8"]);
        assert_eq!((t.lo, t.hi), (-4.0, 8.0));
    }

    #[test]
    fn years_use_whole_number_steps() {
        // Step 2 spans 1998..2022 in 12 intervals; step 5 spans 1995..2025 in 6.
        let t = nice_ticks(1999.0, 2021.0, true);
        assert_eq!(labels(&t), ["1995", "2000", "2005", "2010", "2015", "2020", "2025"]);
        // Three years would get half-year steps if fractions were allowed.
        let t = nice_ticks(2019.0, 2021.0, true);
        assert_eq!(labels(&t), ["2019", "2020", "2021"]);
        let t = nice_ticks(2019.0, 2021.0, false);
        assert_eq!(labels(&t), ["2019", "2019.5", "2020", "2020.5", "2021"]);
    }

    #[test]
    fn labels_carry_no_float_noise() {
        // 3 × 0.05 is 0.15000000000000002 in floating point; the label must be exact.
        let t = nice_ticks(0.0, 0.3, false);
        assert_eq!(labels(&t), ["0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"]);
        assert_eq!(values(&t)[3], 0.15);
        // 0.3 / 0.1 is 2.9999999999999996: without slack the axis would start at 0.2.
        let t = nice_ticks(0.3, 0.9, false);
        assert_eq!(labels(&t), ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]);
    }

    #[test]
    fn very_large_and_small_ranges_switch_to_scientific_notation() {
        let t = nice_ticks(0.0, 2_500_000.0, false);
        assert_eq!(labels(&t), ["0", "5e5", "1e6", "1.5e6", "2e6", "2.5e6"]);
        let t = nice_ticks(0.0, 0.00003, false);
        assert_eq!(labels(&t), ["0", "5e-6", "1e-5", "1.5e-5", "2e-5", "2.5e-5", "3e-5"]);
        let t = nice_ticks(0.0, 120_000.0, false);
        assert_eq!(labels(&t), ["0", "20000", "40000", "60000", "80000", "100000", "120000"]);
    }

    #[test]
    fn degenerate_ranges_are_padded() {
        assert_eq!(labels(&nice_ticks(0.0, 0.0, false)), ["-1", "-0.5", "0", "0.5", "1"]);
        // 5 ± 0.5, step 0.2 covers 4.4..5.6 in 6 intervals.
        assert_eq!(labels(&nice_ticks(5.0, 5.0, false)), ["4.4", "4.6", "4.8", "5", "5.2", "5.4", "5.6"]);
        assert_eq!(labels(&nice_ticks(2020.0, 2020.0, true)), ["2019", "2020", "2021"]);
        let huge = nice_ticks(-1e300, 1e300, false);
        assert_eq!(labels(&huge), ["-1e300", "-5e299", "0", "5e299", "1e300"]);
        assert!(huge.ticks.iter().all(|(v, _)| v.is_finite()));
    }

    #[test]
    fn every_range_gets_between_three_and_eight_ticks() {
        for (lo, hi) in [(0.0, 1.0), (-3.2, 7.9), (0.001, 0.0013), (1e9, 1e9 + 3.0), (-7.0, -6.99), (3.0, 1e5)] {
            let t = nice_ticks(lo, hi, false);
            assert!((3..=8).contains(&t.ticks.len()), "{lo}..{hi}: {:?}", labels(&t));
            assert!(t.lo <= lo && t.hi >= hi, "{lo}..{hi} not covered by {:?}", labels(&t));
        }
    }

    #[test]
    fn extent_skips_unplottable_values() {
        assert_eq!(extent([f64::NAN, 3.0, f64::INFINITY, -1.0, 1e301]), Some((-1.0, 3.0)));
        assert_eq!(extent([f64::NAN]), None);
    }
}
