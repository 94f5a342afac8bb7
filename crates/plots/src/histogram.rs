//! Histograms: each series drawn as semi-transparent bars with an outlined step on top, so that
//! several overlapping distributions stay readable.

use anyhow::Result;
use plotters::prelude::*;

use crate::frame::{Coords, Draw, DrawResult, Frame, Swatch, colour};
use crate::range::{extent, nice_range, plottable};
use crate::render::{Plot, render};

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
    /// Label beside the y axis, e.g. `"patents"` or `"share"`.
    pub y_label: String,
    /// The distributions, coloured in [`crate::PALETTE`] order.
    pub series: Vec<HistogramSeries>,
}

/// Renders `h` as SVG and PNG. Never panics; empty input gives empty axes.
pub fn render_histogram(h: &Histogram) -> Result<Plot> {
    let series: Vec<Vec<(f64, f64, f64)>> = h.series.iter().map(|s| usable(&s.bins)).collect();
    let all = || series.iter().flatten();
    let x = nice_range(extent(all().flat_map(|b| [b.0, b.1])), false);
    let y = match extent(all().map(|b| b.2).chain([0.0])) {
        Some((lo, hi)) if lo < hi => nice_range(Some((lo, hi)), false),
        _ => nice_range(Some((0.0, 1.0)), false),
    };
    let names: Vec<&str> = h.series.iter().map(|s| s.name.as_str()).collect();
    let frame = Frame::new([&h.title, &h.x_label, &h.y_label], x, y, false, &names, Swatch::Bar);
    // Bins closer than this are contiguous: the outline steps from one to the next.
    let touching = 1e-9 * (x.hi - x.lo);
    render(&frame, &Bars { series, touching })
}

/// The plottable, non-empty bins of a series as `(lo, hi, height)` with `lo < hi`, sorted by `lo`.
fn usable(bins: &[(f64, f64, f64)]) -> Vec<(f64, f64, f64)> {
    let mut bins: Vec<(f64, f64, f64)> = bins
        .iter()
        .filter(|(lo, hi, n)| plottable(*lo) && plottable(*hi) && plottable(*n) && lo != hi)
        .map(|&(lo, hi, n)| (lo.min(hi), lo.max(hi), n))
        .collect();
    bins.sort_by(|a, b| a.0.total_cmp(&b.0));
    bins
}

/// The data of a histogram, ready to draw.
struct Bars {
    series: Vec<Vec<(f64, f64, f64)>>,
    touching: f64,
}

impl Draw for Bars {
    fn draw<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coords>) -> DrawResult<DB> {
        for (i, bins) in self.series.iter().enumerate() {
            let c = colour(i);
            let bars = bins.iter().filter(|b| b.2 != 0.0);
            chart.draw_series(
                bars.map(|&(lo, hi, n)| Rectangle::new([(lo, n.max(0.0)), (hi, n.min(0.0))], c.mix(0.25).filled())),
            )?;
            for outline in outlines(bins, self.touching) {
                chart.draw_series(std::iter::once(PathElement::new(outline, c.stroke_width(2))))?;
            }
        }
        Ok(())
    }
}

/// The step outlines over sorted bins: one path per run of contiguous bins, from the base (0) up
/// and along each bin's top, back down to the base where the run ends.
fn outlines(bins: &[(f64, f64, f64)], touching: f64) -> Vec<Vec<(f64, f64)>> {
    let mut paths: Vec<Vec<(f64, f64)>> = vec![];
    let mut previous_hi: Option<f64> = None;
    for &(lo, hi, n) in bins {
        let continues = previous_hi.is_some_and(|p| (p - lo).abs() <= touching);
        match paths.last_mut() {
            Some(path) if continues => path.extend([(lo, n), (hi, n)]),
            last => {
                if let (Some(p), Some(path)) = (previous_hi, last) {
                    path.push((p, 0.0));
                }
                paths.push(vec![(lo, 0.0), (lo, n), (hi, n)]);
            }
        }
        previous_hi = Some(hi);
    }
    if let (Some(p), Some(path)) = (previous_hi, paths.last_mut()) {
        path.push((p, 0.0));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_filtered_normalised_and_sorted() {
        let bins = [(2.0, 1.0, 3.0), (0.0, 1.0, 1.0), (1.0, 1.0, 9.0), (5.0, f64::NAN, 1.0), (3.0, 4.0, f64::INFINITY)];
        assert_eq!(usable(&bins), vec![(0.0, 1.0, 1.0), (1.0, 2.0, 3.0)]);
    }

    #[test]
    fn outlines_break_at_gaps() {
        // [0,1) and [1,2) touch; [3,4) stands alone.
        let paths = outlines(&[(0.0, 1.0, 2.0), (1.0, 2.0, 5.0), (3.0, 4.0, 1.0)], 1e-9);
        assert_eq!(
            paths,
            vec![
                vec![(0.0, 0.0), (0.0, 2.0), (1.0, 2.0), (1.0, 5.0), (2.0, 5.0), (2.0, 0.0)],
                vec![(3.0, 0.0), (3.0, 1.0), (4.0, 1.0), (4.0, 0.0)],
            ]
        );
        assert!(outlines(&[], 1e-9).is_empty());
    }
}
