//! Histograms: each series drawn as semi-transparent bars with an outlined step on top, so that
//! several overlapping distributions stay readable; plus equal-width binning of raw values.

use std::fmt::Write as _;

use crate::frame::{Frame, Swatch, colour};
use crate::svg::{Px, escape};
use crate::ticks::{extent, nice_ticks, plottable};

/// One named distribution as pre-computed bins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramSeries {
    /// Legend entry (shown when the histogram has more than one series).
    pub name: String,
    /// `(lo, hi, height)` per bin, where height is a count or a density. Bins need not be sorted
    /// or contiguous; a bin with an unplottable value or zero width is skipped.
    pub bins: Vec<(f64, f64, f64)>,
}

/// A histogram of one or more series over a shared x axis; the y axis always includes 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Title above the plot.
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label beside the y axis, e.g. `"patents"` or `"density"`.
    pub y_label: String,
    /// The distributions, coloured in [`crate::PALETTE`] order.
    pub series: Vec<HistogramSeries>,
}

/// Renders `h` as a standalone SVG document. Never panics; empty input gives empty axes.
pub fn histogram_svg(h: &Histogram) -> String {
    let series: Vec<Vec<(f64, f64, f64)>> = h
        .series
        .iter()
        .map(|s| {
            let mut bins: Vec<(f64, f64, f64)> = s
                .bins
                .iter()
                .filter(|(lo, hi, n)| plottable(*lo) && plottable(*hi) && plottable(*n) && lo != hi)
                .map(|&(lo, hi, n)| (lo.min(hi), lo.max(hi), n))
                .collect();
            bins.sort_by(|a, b| a.0.total_cmp(&b.0));
            bins
        })
        .collect();
    let all = || series.iter().flatten();
    let (x_lo, x_hi) = extent(all().flat_map(|b| [b.0, b.1])).unwrap_or((0.0, 1.0));
    let (y_lo, y_hi) = match extent(all().map(|b| b.2).chain([0.0])) {
        Some((lo, hi)) if lo < hi => (lo, hi),
        _ => (0.0, 1.0),
    };
    let names: Vec<&str> = h.series.iter().map(|s| s.name.as_str()).collect();
    let frame = Frame::new(nice_ticks(x_lo, x_hi, false), nice_ticks(y_lo, y_hi, false), &names);
    let mut s = frame.open(&h.title, &h.x_label, &h.y_label);

    let base = frame.y.px(0.0);
    for (i, (bins, source)) in series.iter().zip(&h.series).enumerate() {
        let c = colour(i);
        let _ = writeln!(s, r#"<g class="series" data-name="{}">"#, escape(&source.name));
        let _ = writeln!(s, r#"<g fill="{c}" fill-opacity="0.25">"#);
        let mut outline = String::new();
        let mut previous_right: Option<f64> = None;
        for &(lo, hi, n) in bins {
            let (left, right, top) = (frame.x.px(lo), frame.x.px(hi), frame.y.px(n));
            if top != base {
                let _ = writeln!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
                    Px(left),
                    Px(top.min(base)),
                    Px(right - left),
                    Px((top - base).abs())
                );
            }
            match previous_right {
                Some(p) if (p - left).abs() < 0.01 => {}
                Some(_) => {
                    let _ = write!(outline, "V{}M{},{}", Px(base), Px(left), Px(base));
                }
                None => {
                    let _ = write!(outline, "M{},{}", Px(left), Px(base));
                }
            }
            let _ = write!(outline, "V{}H{}", Px(top), Px(right));
            previous_right = Some(right);
        }
        let _ = writeln!(s, "</g>");
        if previous_right.is_some() {
            let _ = writeln!(s, r#"<path d="{outline}V{}" fill="none" stroke="{c}" stroke-width="1.5"/>"#, Px(base));
        }
        let _ = writeln!(s, "</g>");
    }
    frame.finish(s, Swatch::Bar)
}

/// Counts `values` into `n_bins` equal-width bins `(lo, hi, count)` spanning the smallest to the
/// largest plottable value.
///
/// Bins are half-open `[lo, hi)` except the last, which also holds the maximum. NaN, infinite
/// and |v| > 1e300 values are not counted. When every value is equal, the bins span that value
/// ± 0.5. Returns no bins when there is no plottable value or `n_bins` is 0.
pub fn bins(values: &[f64], n_bins: usize) -> Vec<(f64, f64, f64)> {
    let Some((min, max)) = extent(values.iter().copied()) else {
        return Vec::new();
    };
    if n_bins == 0 {
        return Vec::new();
    }
    let (lo, hi) = if min < max { (min, max) } else { (min - 0.5, max + 0.5) };
    let edge = |i: usize| {
        if i == n_bins {
            hi
        } else {
            let t = i as f64 / n_bins as f64;
            lo * (1.0 - t) + hi * t
        }
    };
    let mut counts = vec![0.0; n_bins];
    for &v in values.iter().filter(|v| plottable(**v)) {
        // Estimate the bin (halves avoid overflow), then settle it against the reported edges so
        // that a value on an edge always lands in the bin that starts there.
        let t = (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
        let mut i = ((t * n_bins as f64) as usize).min(n_bins - 1);
        while i > 0 && v < edge(i) {
            i -= 1;
        }
        while i + 1 < n_bins && v >= edge(i + 1) {
            i += 1;
        }
        counts[i] += 1.0;
    }
    counts.into_iter().enumerate().map(|(i, n)| (edge(i), edge(i + 1), n)).collect()
}
