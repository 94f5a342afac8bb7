//! Rendering checks on both outputs: the PNG decodes to an 800×480 picture that is not blank and
//! shows the series' colours, the SVG is one well-formed document carrying the texts, and odd
//! input (empty, one point, all equal, NaN, more series than colours) renders without failing.

use std::collections::HashSet;

use crate::{Histogram, HistogramSeries, LineChart, PALETTE, Plot, Series, render_histogram, render_line};

/// A decoded PNG: width, height and RGB pixels.
struct Picture {
    width: u32,
    height: u32,
    pixels: Vec<(u8, u8, u8)>,
}

fn decode(png_bytes: &[u8]) -> Picture {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a known size")];
    let info = reader.next_frame(&mut buf).expect("PNG image data");
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    let pixels = buf[..info.buffer_size()].chunks_exact(3).map(|p| (p[0], p[1], p[2])).collect();
    Picture { width: info.width, height: info.height, pixels }
}

impl Picture {
    /// Pixels of exactly this colour.
    fn count(&self, colour: (u8, u8, u8)) -> usize {
        self.pixels.iter().filter(|&&p| p == colour).count()
    }

    /// Pixels within a small distance of `colour` (antialiased edges blend into the background).
    fn near(&self, colour: (u8, u8, u8)) -> usize {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).abs();
        self.pixels.iter().filter(|p| d(p.0, colour.0) + d(p.1, colour.1) + d(p.2, colour.2) <= 24).count()
    }
}

/// Checks that `svg` is one `<svg>` element whose tags balance, with every `&` starting an
/// entity and no NaN or infinity written into it.
fn assert_well_formed(svg: &str) {
    assert!(svg.trim_start().starts_with("<svg"), "does not start with <svg: {}", &svg[..svg.len().min(80)]);
    assert!(svg.trim_end().ends_with("</svg>"), "does not end with </svg>");
    assert_eq!(svg.matches("<svg").count(), 1);
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "non-finite number in the SVG");
    for (at, _) in svg.match_indices('&') {
        let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
        assert!(entity.iter().any(|e| svg[at..].starts_with(e)), "bare & at {at}");
    }
    let mut open: Vec<&str> = vec![];
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("unterminated tag");
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            open.push(tag.split_whitespace().next().expect("empty tag"));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed {open:?}");
}

fn series(name: &str, points: &[(f64, f64)]) -> Series {
    Series { name: name.to_string(), points: points.to_vec() }
}

/// Both outputs of a plot are valid and the PNG has the canvas size.
fn check(plot: &Plot) -> Picture {
    assert_well_formed(&plot.svg);
    let picture = decode(&plot.png);
    assert_eq!((picture.width, picture.height), (800, 480));
    picture
}

#[test]
fn a_line_chart_png_shows_its_series_and_the_svg_its_texts() {
    let chart = LineChart {
        title: "Grants per year".into(),
        x_label: "grant year".into(),
        y_label: "patents".into(),
        series: vec![
            series("utility", &(0..30).map(|i| (1990.0 + f64::from(i), f64::from(i * i))).collect::<Vec<_>>()),
            series("design", &(0..30).map(|i| (1990.0 + f64::from(i), 400.0 - f64::from(i))).collect::<Vec<_>>()),
        ],
        integer_x: true,
        ..LineChart::default()
    };
    let plot = render_line(&chart).unwrap();
    let picture = check(&plot);
    // Mostly white background, but drawn on: many colours (antialiased text and lines) and a
    // real share of non-white pixels.
    let white = picture.count((255, 255, 255));
    let total = picture.pixels.len();
    assert!(white > total / 2, "background is white: {white} of {total}");
    assert!(total - white > total / 50, "something is drawn: {} non-white pixels", total - white);
    let colours: HashSet<_> = picture.pixels.iter().collect();
    assert!(colours.len() > 20, "{} distinct colours", colours.len());
    // The two lines in the first two palette colours, each over a stretch of pixels.
    for colour in &PALETTE[..2] {
        assert!(picture.near(*colour) > 200, "{colour:?}: {} pixels", picture.near(*colour));
    }
    assert!(picture.near(PALETTE[2]) < 20, "a third colour with two series");
    // The SVG carries the texts, the legend's names and the lines' colours.
    for text in ["Grants per year", "grant year", "patents", "utility", "design", "2000"] {
        assert!(plot.svg.contains(&format!(">{text}")) || plot.svg.contains(text), "{text} missing");
    }
    assert!(plot.svg.to_uppercase().contains("#0072B2") && plot.svg.to_uppercase().contains("#D55E00"));
}

#[test]
fn text_is_rendered_in_the_png() {
    // The same chart with and without texts: the texts add dark (ink-coloured) pixels.
    let bare = LineChart { series: vec![series("s", &[(0.0, 0.0), (1.0, 1.0)])], ..LineChart::default() };
    let titled = LineChart {
        title: "A long title that has to be drawn in the bundled font".into(),
        x_label: "x axis label".into(),
        y_label: "y axis label".into(),
        ..bare.clone()
    };
    let dark = |plot: &Plot| decode(&plot.png).pixels.iter().filter(|p| p.0 < 128 && p.1 < 128 && p.2 < 128).count();
    let (without, with) = (dark(&render_line(&bare).unwrap()), dark(&render_line(&titled).unwrap()));
    assert!(with > without + 500, "text pixels: {without} without, {with} with");
}

#[test]
fn text_is_escaped_in_the_svg() {
    let chart = LineChart {
        title: r#"<script> & "quotes" 'too'"#.into(),
        x_label: "a<b".into(),
        y_label: "c>d\u{1b}".into(),
        series: vec![series("R&D", &[(0.0, 1.0)]), series("\"x\"", &[(1.0, 2.0)])],
        ..LineChart::default()
    };
    let plot = render_line(&chart).unwrap();
    check(&plot);
    assert!(!plot.svg.contains("<script"));
    assert!(plot.svg.contains("&lt;script&gt; &amp;"));
    assert!(plot.svg.contains("R&amp;D") && plot.svg.contains("a&lt;b"));
    assert!(!plot.svg.contains('\u{1b}'));
}

#[test]
fn a_histogram_png_shows_bars_of_each_series() {
    let h = Histogram {
        title: "Forward citations".into(),
        x_label: "citations".into(),
        y_label: "share".into(),
        series: vec![
            HistogramSeries { name: "shifted".into(), bins: vec![(0.0, 1.0, 0.2), (1.0, 2.0, 0.5), (2.0, 3.0, 0.3)] },
            HistogramSeries { name: "remained".into(), bins: vec![(0.0, 1.0, 0.6), (1.0, 2.0, 0.3), (2.0, 3.0, 0.1)] },
        ],
    };
    let plot = render_histogram(&h).unwrap();
    let picture = check(&plot);
    // Bars are the colours at 25 % over white: large areas of a pale tint of each.
    for (r, g, b) in &PALETTE[..2] {
        let tint = |c: u8| (f64::from(c) * 0.25 + 255.0 * 0.75).round() as u8;
        let pale = (tint(*r), tint(*g), tint(*b));
        assert!(picture.near(pale) > 2000, "{pale:?}: {} pixels", picture.near(pale));
    }
    assert!(plot.svg.contains("Forward citations") && plot.svg.contains("shifted") && plot.svg.contains("remained"));
}

#[test]
fn degenerate_line_charts_render() {
    let cases = [
        vec![],
        vec![series("empty", &[])],
        vec![series("nan", &[(f64::NAN, 1.0), (2.0, f64::INFINITY), (f64::NEG_INFINITY, f64::NAN)])],
        vec![series("one", &[(2020.0, 5.0)])],
        vec![series("flat", &[(1.0, 3.0), (2.0, 3.0), (3.0, 3.0)]), series("same x", &[(2.0, 1.0), (2.0, 9.0)])],
        vec![series("huge", &[(-1e300, 1e300), (1e300, -1e300), (1e308, 0.0)])],
        vec![series("tiny", &[(0.0, 1e-300), (1e-300, 2e-300)])],
    ];
    for (i, case) in cases.into_iter().enumerate() {
        for integer_x in [false, true] {
            for reference_y in [None, Some(0.0), Some(f64::NAN)] {
                let chart = LineChart {
                    title: format!("case {i}"),
                    series: case.clone(),
                    integer_x,
                    reference_y,
                    ..LineChart::default()
                };
                let plot = render_line(&chart).unwrap_or_else(|e| panic!("case {i}: {e:#}"));
                check(&plot);
                assert!(plot.svg.contains(&format!("case {i}")));
            }
        }
    }
}

#[test]
fn a_single_point_is_marked() {
    let plot = render_line(&LineChart { series: vec![series("one", &[(2020.0, 5.0)])], ..LineChart::default() });
    let picture = check(&plot.unwrap());
    assert!(picture.near(PALETTE[0]) > 10, "the lone point's marker");
}

#[test]
fn degenerate_histograms_render() {
    let cases = [
        vec![],
        vec![HistogramSeries { name: "none".into(), bins: vec![] }],
        vec![HistogramSeries { name: "zeros".into(), bins: vec![(0.0, 1.0, 0.0), (1.0, 2.0, 0.0)] }],
        vec![HistogramSeries {
            name: "bad".into(),
            bins: vec![(f64::NAN, 1.0, 1.0), (2.0, 2.0, 3.0), (1.0, 0.0, f64::INFINITY)],
        }],
        vec![HistogramSeries { name: "one value".into(), bins: vec![(7.0, 7.0, 5.0), (6.5, 7.5, 5.0)] }],
        vec![HistogramSeries { name: "negative".into(), bins: vec![(0.0, 1.0, -2.0), (1.0, 0.5, 3.0)] }],
    ];
    for series in cases {
        check(&render_histogram(&Histogram { title: "t".into(), series, ..Histogram::default() }).unwrap());
    }
}

#[test]
fn more_series_than_colours_reuse_the_palette_and_list_the_rest() {
    let many: Vec<Series> =
        (0..25).map(|i| series(&format!("patent {i}"), &[(0.0, f64::from(i)), (1.0, f64::from(i) + 0.5)])).collect();
    let plot = render_line(&LineChart { series: many, ..LineChart::default() }).unwrap();
    let picture = check(&plot);
    for colour in &PALETTE[..6] {
        assert!(picture.near(*colour) > 50, "{colour:?}");
    }
    assert!(plot.svg.contains("patent 0") && plot.svg.contains("more"), "the legend says what it leaves out");
}

#[test]
fn rendering_is_deterministic() {
    let chart = LineChart { series: vec![series("s", &[(0.0, 1.0), (1.0, 3.0)])], ..LineChart::default() };
    assert_eq!(render_line(&chart).unwrap(), render_line(&chart).unwrap());
}
