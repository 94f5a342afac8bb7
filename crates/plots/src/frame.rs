//! The frame shared by every plot, drawn on any plotters backend: white canvas, title, light grid,
//! axes with ticks and tick labels, axis labels, and the legend right of the plot. The data go on
//! top, drawn by a [`Draw`] in the frame's coordinates.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::font::FAMILY;
use crate::range::{AxisRange, tick_label};

/// Canvas width in pixels.
pub const WIDTH: u32 = 800;
/// Canvas height in pixels.
pub const HEIGHT: u32 = 480;

/// Series colours in order (Okabe–Ito, colour-blind safe) as RGB; series `i` gets `PALETTE[i % 8]`:
/// blue `#0072B2`, vermillion `#D55E00`, bluish green `#009E73`, orange `#E69F00`, reddish purple
/// `#CC79A7`, sky blue `#56B4E9`, black, and yellow `#F0E442` (the hardest to see on white) last.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2),
    (0xD5, 0x5E, 0x00),
    (0x00, 0x9E, 0x73),
    (0xE6, 0x9F, 0x00),
    (0xCC, 0x79, 0xA7),
    (0x56, 0xB4, 0xE9),
    (0x00, 0x00, 0x00),
    (0xF0, 0xE4, 0x42),
];

/// Text and axis colour.
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Grid line colour.
const GRID: RGBColor = RGBColor(0xE5, 0xE5, 0xE5);
/// Legend names longer than this many characters are cut short with an ellipsis.
const MAX_LEGEND_CHARS: usize = 28;
/// Vertical pixels per legend entry.
const LEGEND_ROW: i32 = 20;
/// Estimated width of one character of 13 px text, in pixels.
const CHAR_WIDTH: u32 = 7;

/// The colour of series `i`.
pub(crate) fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The coordinates data are drawn in.
pub(crate) type Coords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// Drawing errors of backend `DB`.
pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// What a plot draws inside its frame.
pub(crate) trait Draw {
    fn draw<DB: DrawingBackend>(&self, chart: &mut ChartContext<'_, DB, Coords>) -> DrawResult<DB>;
}

/// How a series is shown in the legend.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A short line, for line charts.
    Line,
    /// A filled, outlined square, for histograms.
    Bar,
}

/// The laid-out frame of one plot.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: AxisRange,
    pub y: AxisRange,
    /// x is a whole-number quantity (years, steps): labels without decimals.
    pub integer_x: bool,
    /// Legend entries, already shortened; empty when there is at most one series.
    legend: Vec<String>,
    swatch: Swatch,
}

impl Frame {
    /// A frame over the given ranges; `names` get a legend when there are two or more.
    pub(crate) fn new(
        texts: [&str; 3],
        x: AxisRange,
        y: AxisRange,
        integer_x: bool,
        names: &[&str],
        swatch: Swatch,
    ) -> Self {
        let legend = if names.len() > 1 { names.iter().map(|n| shorten(n)).collect() } else { vec![] };
        let [title, x_label, y_label] = texts.map(clean);
        Frame { title, x_label, y_label, x, y, integer_x, legend, swatch }
    }

    /// Draws the frame and `data` on `root`, then presents it.
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>, data: &impl Draw) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = if self.title.is_empty() {
            root.clone()
        } else {
            let chars = self.title.chars().count().max(1) as f64;
            // Shrink a long title to fit the width (DejaVu Sans averages about 0.55 em a character).
            let size = (f64::from(WIDTH - 40) / (0.55 * chars)).clamp(11.0, 19.0);
            root.titled(&self.title, (FAMILY, size).into_font().color(&INK))?
        };
        let (plot, legend) = match self.legend_width() {
            Some(width) => {
                let (plot, legend) = body.split_horizontally(WIDTH - width);
                (plot, Some(legend))
            }
            None => (body, None),
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(8)
            .margin_right(if legend.is_some() { 8 } else { 24 })
            .margin_left(8)
            .margin_bottom(4)
            .x_label_area_size(if self.x_label.is_empty() { 28 } else { 48 })
            .y_label_area_size(self.y_label_width())
            .build_cartesian_2d(self.x.lo..self.x.hi, self.y.lo..self.y.hi)?;
        let x_label = |v: &f64| if self.integer_x { format!("{v:.0}") } else { tick_label(*v) };
        let y_label = |v: &f64| tick_label(*v);
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_labels(self.x.intervals + 1)
            .y_labels(self.y.intervals + 1)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style((FAMILY, 13).into_font().color(&INK))
            .axis_desc_style((FAMILY, 14).into_font().color(&INK));
        if !self.x_label.is_empty() {
            mesh.x_desc(&self.x_label);
        }
        if !self.y_label.is_empty() {
            mesh.y_desc(&self.y_label);
        }
        mesh.draw()?;
        data.draw(&mut chart)?;
        if let Some(area) = legend {
            self.draw_legend(&area)?;
        }
        root.present()
    }

    /// Width of the legend column, when there is a legend.
    fn legend_width(&self) -> Option<u32> {
        let widest = self.legend.iter().map(|n| n.chars().count()).max()?;
        Some(48 + CHAR_WIDTH * widest as u32)
    }

    /// Width left of the plot: the widest y tick label and the rotated axis label.
    fn y_label_width(&self) -> u32 {
        let step = (self.y.hi - self.y.lo) / self.y.intervals as f64;
        let widest =
            (0..=self.y.intervals).map(|i| tick_label(self.y.lo + step * i as f64).chars().count()).max().unwrap_or(1);
        let axis_label = if self.y_label.is_empty() { 12 } else { 34 };
        axis_label + CHAR_WIDTH * widest as u32
    }

    /// The legend: one row per series, as many as fit, then a line saying how many are not shown.
    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (_, height) = area.dim_in_pixel();
        let fits = ((height as i32 - 40) / LEGEND_ROW).max(1) as usize;
        let shown = if self.legend.len() > fits { fits - 1 } else { self.legend.len() };
        let style = (FAMILY, 13).into_font().color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
        let x0 = 4;
        for (i, name) in self.legend.iter().take(shown).enumerate() {
            let y = 16 + LEGEND_ROW * i as i32;
            let c = colour(i);
            match self.swatch {
                Swatch::Line => area.draw(&PathElement::new(vec![(x0, y), (x0 + 18, y)], c.stroke_width(3)))?,
                Swatch::Bar => {
                    area.draw(&Rectangle::new([(x0, y - 6), (x0 + 18, y + 6)], c.mix(0.3).filled()))?;
                    area.draw(&Rectangle::new([(x0, y - 6), (x0 + 18, y + 6)], c.stroke_width(2)))?;
                }
            }
            area.draw(&Text::new(name.clone(), (x0 + 24, y), style.clone()))?;
        }
        if shown < self.legend.len() {
            let y = 16 + LEGEND_ROW * shown as i32;
            area.draw(&Text::new(format!("… and {} more", self.legend.len() - shown), (x0, y), style))?;
        }
        Ok(())
    }
}

/// `text` without the control characters XML forbids (all below U+0020 but tab, newline, return),
/// with line breaks as spaces: any input gives a well-formed SVG and one line of text.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c < ' ' { ' ' } else { c })
        .collect()
}

/// `name` cleaned and cut to [`MAX_LEGEND_CHARS`] characters, the last an ellipsis.
fn shorten(name: &str) -> String {
    let name = clean(name);
    if name.chars().count() <= MAX_LEGEND_CHARS {
        name
    } else {
        let mut short: String = name.chars().take(MAX_LEGEND_CHARS - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_names_are_cleaned_and_shortened() {
        assert_eq!(shorten("a\u{0}b\nc"), "ab c");
        let long = "x".repeat(40);
        assert_eq!(shorten(&long), format!("{}…", "x".repeat(27)));
        assert_eq!(shorten("R&D <x>"), "R&D <x>", "escaping is the SVG backend's job");
    }
}
