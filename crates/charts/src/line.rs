//! Line charts: one polyline per series, broken where a point is not plottable, with an optional
//! dashed horizontal reference line.

use std::fmt::Write as _;

use crate::frame::{Frame, Swatch, colour};
use crate::svg::{Px, escape};
use crate::ticks::{extent, nice_ticks, plottable};

/// Series with at most this many points get a marker on every point; longer ones only on
/// isolated points (which would otherwise be invisible).
const MARK_ALL_UP_TO: usize = 40;

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

/// Renders `chart` as a standalone SVG document.
///
/// The axes cover all plottable points (and the reference line) widened to nice tick values;
/// with no plottable data, or all of it at one value, the range is padded so the SVG is still
/// valid. Never panics.
pub fn line_chart_svg(chart: &LineChart) -> String {
    let points = || chart.series.iter().flat_map(|s| &s.points).filter(|(x, y)| plottable(*x) && plottable(*y));
    let reference = chart.reference_y.filter(|r| plottable(*r));
    let (x_lo, x_hi) = extent(points().map(|p| p.0)).unwrap_or((0.0, 1.0));
    let (y_lo, y_hi) = extent(points().map(|p| p.1).chain(reference)).unwrap_or((0.0, 1.0));
    let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
    let frame = Frame::new(nice_ticks(x_lo, x_hi, chart.integer_x), nice_ticks(y_lo, y_hi, false), &names);
    let mut s = frame.open(&chart.title, &chart.x_label, &chart.y_label);

    if let Some(r) = reference {
        let _ = writeln!(
            s,
            r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#555555" stroke-width="1.2" stroke-dasharray="6 4"/>"##,
            Px(frame.x.px(frame.x.ticks.lo)),
            Px(frame.x.px(frame.x.ticks.hi)),
            y = Px(frame.y.px(r))
        );
    }

    for (i, series) in chart.series.iter().enumerate() {
        let runs = pixel_runs(&frame, &series.points);
        let c = colour(i);
        let _ = writeln!(s, r#"<g class="series" data-name="{}">"#, escape(&series.name));
        let mut d = String::new();
        for run in runs.iter().filter(|r| r.len() > 1) {
            for (j, (x, y)) in run.iter().enumerate() {
                let _ = write!(d, "{}{},{}", if j == 0 { 'M' } else { 'L' }, Px(*x), Px(*y));
            }
        }
        if !d.is_empty() {
            let _ = writeln!(
                s,
                r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>"#
            );
        }
        let mark_all = runs.iter().map(Vec::len).sum::<usize>() <= MARK_ALL_UP_TO;
        for (x, y) in runs.iter().filter(|r| mark_all || r.len() == 1).flatten() {
            let _ = writeln!(s, r#"<circle cx="{}" cy="{}" r="2.5" fill="{c}"/>"#, Px(*x), Px(*y));
        }
        let _ = writeln!(s, "</g>");
    }
    frame.finish(s, Swatch::Line)
}

/// The series' plottable points in pixels, split into runs at each unplottable point.
fn pixel_runs(frame: &Frame, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for &(x, y) in points {
        if plottable(x) && plottable(y) {
            run.push((frame.x.px(x), frame.y.px(y)));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}
