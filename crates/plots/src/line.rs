//! Line charts: one line per series, broken where a point is not plottable, with markers on short
//! series and on isolated points, and an optional dashed horizontal reference line.

use anyhow::Result;
use plotters::prelude::*;

use crate::frame::{Coords, Draw, DrawResult, Frame, Swatch, colour};
use crate::range::{extent, nice_range, plottable};
use crate::render::{Plot, render};

/// Series with at most this many points get a marker on every point; longer ones only on
/// isolated points (which would otherwise be invisible).
const MARK_ALL_UP_TO: usize = 40;
/// Colour of the reference line.
const REFERENCE: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// One named line: `(x, y)` points drawn in the given order.
///
/// A point with a NaN, infinite or out-of-range (|v| > 1e300) coordinate is skipped and leaves a
/// gap in the line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend entry (shown when the chart has more than one series).
    pub name: String,
    /// Points in drawing order, usually ascending `x`.
    pub points: Vec<(f64, f64)>,
}

/// A line chart of one or more series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// Label under the x axis.
    pub x_label: String,
    /// Label beside the y axis.
    pub y_label: String,
    /// The lines, coloured in [`crate::PALETTE`] order.
    pub series: Vec<Series>,
    /// A dashed horizontal line at this `y` (for instance `Some(0.0)`), always inside the y range.
    pub reference_y: Option<f64>,
    /// Whether x is a whole-number quantity such as a year: x ticks are then whole numbers.
    pub integer_x: bool,
}

/// Renders `chart` as SVG and PNG.
///
/// The axes cover all plottable points (and the reference line) widened to whole tick steps;
/// with no plottable data, or all of it at one value, the range is padded. Never panics; fails
/// only if a backend does.
pub fn render_line(chart: &LineChart) -> Result<Plot> {
    let points = || chart.series.iter().flat_map(|s| &s.points).filter(|(x, y)| plottable(*x) && plottable(*y));
    let reference = chart.reference_y.filter(|r| plottable(*r));
    let x = nice_range(extent(points().map(|p| p.0)), chart.integer_x);
    let y = nice_range(extent(points().map(|p| p.1).chain(reference)), false);
    let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
    let frame = Frame::new([&chart.title, &chart.x_label, &chart.y_label], x, y, chart.integer_x, &names, Swatch::Line);
    let lines = Lines {
        runs: chart.series.iter().map(|s| runs(&s.points)).collect(),
        reference: reference.map(|r| ((x.lo, x.hi), r)),
    };
    render(&frame, &lines)
}

/// The data of a line chart, ready to draw.
struct Lines {
    /// Per series, its plottable points split into runs at each unplottable point.
    runs: Vec<Vec<Vec<(f64, f64)>>>,
    /// The x range and the y of the reference line.
    reference: Option<((f64, f64), f64)>,
}

impl Draw for Lines {
    fn draw<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coords>) -> DrawResult<DB> {
        if let Some(((lo, hi), r)) = self.reference {
            chart.draw_series(DashedLineSeries::new([(lo, r), (hi, r)], 6, 4, REFERENCE.stroke_width(1)))?;
        }
        for (i, runs) in self.runs.iter().enumerate() {
            let c = colour(i);
            for run in runs.iter().filter(|r| r.len() > 1) {
                chart.draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(2)))?;
            }
            let mark_all = runs.iter().map(Vec::len).sum::<usize>() <= MARK_ALL_UP_TO;
            let marked = runs.iter().filter(|r| mark_all || r.len() == 1).flatten();
            chart.draw_series(marked.map(|&p| Circle::new(p, 3, c.filled())))?;
        }
        Ok(())
    }
}

/// The plottable points of a series, split into runs at each unplottable point.
fn runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![];
    let mut run = vec![];
    for &(x, y) in points {
        if plottable(x) && plottable(y) {
            run.push((x, y));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_a_series_into_runs() {
        let nan = f64::NAN;
        let points = [(0.0, 1.0), (1.0, nan), (2.0, 2.0), (3.0, 3.0), (f64::INFINITY, 0.0), (5.0, 1e301), (6.0, 4.0)];
        assert_eq!(runs(&points), vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)], vec![(6.0, 4.0)]]);
        assert!(runs(&[(nan, nan)]).is_empty());
    }
}
