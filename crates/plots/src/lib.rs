//! Plots: line charts and histograms that stages write next to their Parquet outputs, drawn with
//! `plotters` once as SVG and once as PNG.
//!
//! Every plot is 800×480: title, light grid, axes with ticks, axis labels, a legend right of the
//! plot when there are two or more series, and the colour-blind-safe Okabe–Ito [`PALETTE`]. The
//! PNG's text is drawn with the bundled DejaVu Sans ([`font`]), so it looks the same on every
//! machine; the SVG names the generic `sans-serif` family and the viewer picks the face.
//!
//! A value is plottable when it is finite and at most 1e300 in magnitude; anything else is
//! skipped (a gap in a line, a missing bin). Empty or degenerate input (no points, one point, all
//! values equal) still renders over a padded range: rendering never panics.
//!
//! ```
//! use plots::{LineChart, Series, render_line};
//!
//! let plot = render_line(&LineChart {
//!     title: "Grants per year".into(),
//!     x_label: "year".into(),
//!     y_label: "grants".into(),
//!     series: vec![Series { name: "US".into(), points: vec![(2000.0, 157.0), (2001.0, 166.0)] }],
//!     integer_x: true,
//!     ..LineChart::default()
//! })
//! .unwrap();
//! assert!(plot.svg.starts_with("<svg") && plot.png.starts_with(b"\x89PNG"));
//! ```

pub mod font;
mod frame;
mod histogram;
mod line;
mod range;
mod render;
mod store;

pub use frame::{HEIGHT, PALETTE, WIDTH};
pub use histogram::{Histogram, HistogramSeries, render_histogram};
pub use line::{LineChart, Series, render_line};
pub use render::Plot;
pub use store::put;

#[cfg(test)]
mod tests;
