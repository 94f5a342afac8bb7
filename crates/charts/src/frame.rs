//! The frame shared by every chart: canvas size and margins, the data-to-pixel mapping of both
//! axes, and the drawing of title, grid, axes, tick labels, axis labels and legend.

use std::fmt::Write as _;

use crate::svg::{Px, escape};
use crate::ticks::Ticks;

/// Canvas width in pixels.
pub const WIDTH: f64 = 800.0;
/// Canvas height in pixels.
pub const HEIGHT: f64 = 480.0;

/// Series colours in order (Okabe–Ito, colour-blind safe); series `i` gets `PALETTE[i % 8]`.
/// Yellow, the hardest to see on white, comes last.
pub const PALETTE: [&str; 8] = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];

/// Space above the plot, holding the title.
const TOP: f64 = 48.0;
/// Space below the plot, holding x tick labels and the x-axis label.
const BOTTOM: f64 = 56.0;
/// Space right of the plot when there is no legend.
const RIGHT: f64 = 24.0;
/// Smallest space left of the plot, holding y tick labels and the y-axis label.
const MIN_LEFT: f64 = 64.0;
/// Estimated width of one character at the 12 px label size.
const CHAR_WIDTH: f64 = 7.0;
/// Legend names longer than this many characters are cut short with an ellipsis.
const MAX_LEGEND_CHARS: usize = 28;
/// Font stack for all text.
const FONTS: &str = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/// Text and axis colour.
const INK: &str = "#333333";

/// The colour of series `i`.
pub(crate) fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// One axis: its ticks and the pixels its ends map to.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// The ticks; the axis runs from the first to the last.
    pub ticks: Ticks,
    /// Pixel of `ticks.lo`.
    from: f64,
    /// Pixel of `ticks.hi`.
    to: f64,
}

impl Axis {
    /// The pixel coordinate of data value `v` (linear; finite for plottable `v`).
    pub(crate) fn px(&self, v: f64) -> f64 {
        self.from + (v - self.ticks.lo) / (self.ticks.hi - self.ticks.lo) * (self.to - self.from)
    }
}

/// How a series is shown in the legend.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A short line, for line charts.
    Line,
    /// A filled, outlined square, for histograms.
    Bar,
}

/// The laid-out frame of one chart.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// Horizontal axis; maps to pixels left to right.
    pub x: Axis,
    /// Vertical axis; maps to pixels bottom to top.
    pub y: Axis,
    /// Legend entries (already shortened); empty when there is at most one series.
    legend: Vec<String>,
}

impl Frame {
    /// Lays out a frame for the given ticks and series names. The left margin grows with the
    /// longest y tick label, and the right margin makes room for a legend when there are two or
    /// more series.
    pub(crate) fn new(x: Ticks, y: Ticks, names: &[&str]) -> Frame {
        let legend: Vec<String> = if names.len() > 1 { names.iter().map(|n| shorten(n)).collect() } else { Vec::new() };
        let widest_label = y.ticks.iter().map(|(_, l)| l.chars().count()).max().unwrap_or(0);
        let left = (40.0 + CHAR_WIDTH * widest_label as f64).max(MIN_LEFT);
        let widest_name = legend.iter().map(|n| n.chars().count()).max();
        let right = RIGHT + widest_name.map_or(0.0, |w| 40.0 + CHAR_WIDTH * w as f64);
        Frame {
            x: Axis { ticks: x, from: left, to: WIDTH - right },
            y: Axis { ticks: y, from: HEIGHT - BOTTOM, to: TOP },
            legend,
        }
    }

    /// Starts the document: root element, background, title, grid, axes, tick labels and axis
    /// labels. Data goes after this, then [`Frame::finish`].
    pub(crate) fn open(&self, title: &str, x_label: &str, y_label: &str) -> String {
        let (left, right, top, bottom) = (self.x.from, self.x.to, self.y.to, self.y.from);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONTS}" font-size="12">"#,
            w = Px(WIDTH),
            h = Px(HEIGHT)
        );
        if !title.is_empty() {
            let _ = writeln!(s, "<title>{}</title>", escape(title));
        }
        let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        if !title.is_empty() {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="30" text-anchor="middle" font-size="16" font-weight="600" fill="{INK}">{}</text>"#,
                Px(WIDTH / 2.0),
                escape(title)
            );
        }

        let _ = writeln!(s, r##"<g stroke="#e5e5e5" stroke-width="1" shape-rendering="crispEdges">"##);
        for (v, _) in &self.x.ticks.ticks {
            let px = Px(self.x.px(*v));
            let _ = writeln!(s, r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}"/>"#, Px(top), Px(bottom));
        }
        for (v, _) in &self.y.ticks.ticks {
            let py = Px(self.y.px(*v));
            let _ = writeln!(s, r#"<line x1="{}" y1="{py}" x2="{}" y2="{py}"/>"#, Px(left), Px(right));
        }
        let _ = writeln!(s, "</g>");

        let _ = writeln!(s, r#"<g stroke="{INK}" stroke-width="1" shape-rendering="crispEdges">"#);
        let _ =
            writeln!(s, r#"<line x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>"#, l = Px(left), t = Px(top), b = Px(bottom));
        let _ =
            writeln!(s, r#"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>"#, l = Px(left), r = Px(right), b = Px(bottom));
        for (v, _) in &self.x.ticks.ticks {
            let px = Px(self.x.px(*v));
            let _ = writeln!(s, r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}"/>"#, Px(bottom), Px(bottom + 5.0));
        }
        for (v, _) in &self.y.ticks.ticks {
            let py = Px(self.y.px(*v));
            let _ = writeln!(s, r#"<line x1="{}" y1="{py}" x2="{}" y2="{py}"/>"#, Px(left - 5.0), Px(left));
        }
        let _ = writeln!(s, "</g>");

        let _ = writeln!(s, r#"<g fill="{INK}" text-anchor="middle">"#);
        for (v, label) in &self.x.ticks.ticks {
            let _ =
                writeln!(s, r#"<text x="{}" y="{}">{}</text>"#, Px(self.x.px(*v)), Px(bottom + 20.0), escape(label));
        }
        let _ = writeln!(s, "</g>");
        let _ = writeln!(s, r#"<g fill="{INK}" text-anchor="end">"#);
        for (v, label) in &self.y.ticks.ticks {
            let _ =
                writeln!(s, r#"<text x="{}" y="{}">{}</text>"#, Px(left - 8.0), Px(self.y.px(*v) + 4.0), escape(label));
        }
        let _ = writeln!(s, "</g>");

        if !x_label.is_empty() {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="{INK}">{}</text>"#,
                Px((left + right) / 2.0),
                Px(HEIGHT - 14.0),
                escape(x_label)
            );
        }
        if !y_label.is_empty() {
            let (x, y) = (Px(18.0), Px((top + bottom) / 2.0));
            let _ = writeln!(
                s,
                r#"<text x="{x}" y="{y}" transform="rotate(-90 {x} {y})" text-anchor="middle" font-size="13" fill="{INK}">{}</text>"#,
                escape(y_label)
            );
        }
        s
    }

    /// Adds the legend (when there is one) and closes the document.
    pub(crate) fn finish(&self, mut s: String, swatch: Swatch) -> String {
        if !self.legend.is_empty() {
            let x0 = self.x.to + 16.0;
            let _ = writeln!(s, r#"<g class="legend" fill="{INK}">"#);
            for (i, name) in self.legend.iter().enumerate() {
                let y = self.y.to + 8.0 + 20.0 * i as f64;
                let c = colour(i);
                match swatch {
                    Swatch::Line => {
                        let _ = writeln!(
                            s,
                            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{c}" stroke-width="2.5"/>"#,
                            Px(x0),
                            Px(x0 + 18.0),
                            y = Px(y)
                        );
                    }
                    Swatch::Bar => {
                        let _ = writeln!(
                            s,
                            r#"<rect x="{}" y="{}" width="18" height="12" fill="{c}" fill-opacity="0.3" stroke="{c}" stroke-width="1.5"/>"#,
                            Px(x0),
                            Px(y - 6.0)
                        );
                    }
                }
                let _ = writeln!(s, r#"<text x="{}" y="{}">{name}</text>"#, Px(x0 + 24.0), Px(y + 4.0));
            }
            let _ = writeln!(s, "</g>");
        }
        s.push_str("</svg>\n");
        s
    }
}

/// `name` escaped for XML, cut to [`MAX_LEGEND_CHARS`] characters (the last an ellipsis) first.
fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_LEGEND_CHARS {
        escape(name)
    } else {
        let mut short: String = name.chars().take(MAX_LEGEND_CHARS - 1).collect();
        short.push('…');
        escape(&short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticks::nice_ticks;

    #[test]
    fn axes_map_data_to_the_plot_rectangle() {
        // y labels "0".."1" are at most 3 characters: left = max(64, 40 + 3 × 7) = 64.
        let f = Frame::new(nice_ticks(0.0, 1.0, false), nice_ticks(0.0, 1.0, false), &["only"]);
        assert_eq!((f.x.px(0.0), f.x.px(1.0)), (64.0, 776.0));
        assert_eq!((f.y.px(0.0), f.y.px(1.0)), (424.0, 48.0));
        assert_eq!(f.x.px(0.25), 64.0 + 0.25 * 712.0);
    }

    #[test]
    fn margins_grow_with_labels_and_legend() {
        // y labels "-40000" are 6 characters: left = 40 + 6 × 7 = 82. Legend names of 5 and 2
        // characters: right = 24 + 40 + 5 × 7 = 99.
        let f = Frame::new(nice_ticks(0.0, 1.0, false), nice_ticks(-40000.0, 0.0, false), &["alpha", "be"]);
        assert_eq!((f.x.from, f.x.to), (82.0, 800.0 - 99.0));
    }

    #[test]
    fn long_legend_names_are_shortened_and_escaped() {
        assert_eq!(shorten("a<b"), "a&lt;b");
        let long = "x".repeat(40);
        assert_eq!(shorten(&long), format!("{}…", "x".repeat(27)));
    }
}
