//! Axis ranges and tick labels: which values can be plotted, the range covering them widened to
//! whole "nice" steps (1, 2 or 5 × 10^k, at most [`MAX_INTERVALS`] of them), degenerate ranges
//! padded, and labels written without float noise (`0.3`, never `0.30000000000000004`).

/// Largest magnitude treated as plottable; beyond it spans and pixel arithmetic could overflow.
const MAX_ABS: f64 = 1e300;

/// At most this many tick intervals per axis.
pub(crate) const MAX_INTERVALS: usize = 7;

/// Whether `v` can be placed on an axis: finite and at most 1e300 in magnitude.
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

/// An axis range: its ends and the number of whole steps between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AxisRange {
    pub lo: f64,
    pub hi: f64,
    /// Tick intervals of the nice step between `lo` and `hi` (1 to [`MAX_INTERVALS`]).
    pub intervals: usize,
}

/// The range covering `lo..=hi` (plottable), widened to whole nice steps; `None` (no data) gives
/// 0..1. A degenerate range (equal ends, or a span negligible next to the values) is padded
/// first: by 1 on each side for whole-number axes or around zero, by 10 % of the value otherwise.
/// With `integer` the step is at least 1.
pub(crate) fn nice_range(data: Option<(f64, f64)>, integer: bool) -> AxisRange {
    let (lo, hi) = data.unwrap_or((0.0, 1.0));
    let (mut lo, mut hi) = (lo.min(hi), lo.max(hi));
    if hi - lo <= 1e-12 * lo.abs().max(hi.abs()) || hi - lo < 1e-200 {
        let centre = lo / 2.0 + hi / 2.0;
        let pad = if integer || centre.abs() < 1e-200 { 1.0 } else { 0.1 * centre.abs() };
        (lo, hi) = (centre - pad, centre + pad);
    }
    let mut exponent = ((hi - lo) / MAX_INTERVALS as f64).log10().floor() as i32;
    if integer {
        exponent = exponent.max(0);
    }
    loop {
        for mantissa in [1.0, 2.0, 5.0] {
            let step = mantissa * 10f64.powi(exponent);
            // The slack keeps a bound that is a whole step (up to rounding) from adding a step.
            let first = (lo / step + 1e-9).floor();
            let last = (hi / step - 1e-9).ceil().max(first + 1.0);
            if last - first <= MAX_INTERVALS as f64 {
                return AxisRange { lo: first * step, hi: last * step, intervals: (last - first) as usize };
            }
        }
        exponent += 1;
    }
}

/// A tick label: whole numbers as such, others with at most four decimals and no trailing zeros,
/// very large or very small magnitudes in scientific notation.
pub(crate) fn tick_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    if v.abs() >= 1e7 || v.abs() < 1e-4 {
        let text = format!("{v:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_widen_to_whole_steps() {
        let close = |r: AxisRange, lo: f64, hi: f64, intervals: usize| {
            assert!((r.lo - lo).abs() < 1e-12 && (r.hi - hi).abs() < 1e-12 && r.intervals == intervals, "{r:?}");
        };
        // 0..1 in steps of 0.2 (0.1 would need 10 intervals).
        close(nice_range(Some((0.0, 1.0)), false), 0.0, 1.0, 5);
        // 3..97 in steps of 20 (10 would need 10 intervals).
        close(nice_range(Some((3.0, 97.0)), false), 0.0, 100.0, 5);
        // -0.13..0.42 in steps of 0.1: -0.2..0.5.
        close(nice_range(Some((-0.13, 0.42)), false), -0.2, 0.5, 7);
        // One year is padded to the years either side, with whole-year steps.
        assert_eq!(nice_range(Some((2020.0, 2020.0)), true), AxisRange { lo: 2019.0, hi: 2021.0, intervals: 2 });
        // A single non-integer value is padded by 10 %.
        let r = nice_range(Some((50.0, 50.0)), false);
        assert!(r.lo <= 45.0 && r.hi >= 55.0 && r.hi - r.lo <= 20.0, "{r:?}");
        close(nice_range(None, false), 0.0, 1.0, 5);
        let huge = nice_range(Some((-1e300, 1e300)), false);
        assert!(huge.lo.is_finite() && huge.hi.is_finite() && huge.lo < huge.hi, "{huge:?}");
    }

    #[test]
    fn labels_are_exact_and_short() {
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(2020.0), "2020");
        assert_eq!(tick_label(-0.00001), "-1e-5");
        assert_eq!(tick_label(2.5e9), "2.5e9");
        assert_eq!(tick_label(-1.25), "-1.25");
        assert_eq!(tick_label(0.0), "0");
    }

    #[test]
    fn only_finite_moderate_values_are_plottable() {
        assert_eq!(extent([f64::NAN, 3.0, -1.0, f64::INFINITY, 1e301]), Some((-1.0, 3.0)));
        assert_eq!(extent([f64::NAN]), None);
    }
}
