//! Charts: small, dependency-free SVG line charts and histograms that stages write next to their
//! Parquet outputs.
//!
//! Every chart is a standalone 800×480 SVG document returned as a `String`: title, light grid,
//! axes with "nice" ticks (steps of 1, 2 or 5 × 10^k, at most eight per axis, exact labels),
//! axis labels, a legend when there are two or more series, and the colour-blind-safe
//! Okabe–Ito [`PALETTE`]. All text is XML-escaped.
//!
//! A value is plottable when it is finite and at most 1e300 in magnitude; anything else is
//! skipped (a gap in a line, a missing bin). Empty or degenerate input (no points, one point,
//! all values equal) still renders a valid chart over a padded range: rendering never panics and
//! never writes `NaN` into the document.
//!
//! ```
//! use charts::{LineChart, Series, line_chart_svg};
//!
//! let svg = line_chart_svg(&LineChart {
//!     title: "Grants per year".into(),
//!     x_label: "year".into(),
//!     y_label: "grants".into(),
//!     series: vec![Series { name: "US".into(), points: vec![(2000.0, 157.0), (2001.0, 166.0)] }],
//!     integer_x: true,
//!     ..LineChart::default()
//! });
//! assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
//! ```

mod frame;
mod histogram;
mod line;
mod svg;
mod ticks;

pub use frame::{HEIGHT, PALETTE, WIDTH};
pub use histogram::{Histogram, HistogramSeries, bins, histogram_svg};
pub use line::{LineChart, Series, line_chart_svg};

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that `svg` is one well-formed `<svg>` element: tags balance, every `&` starts a
    /// known entity, and no number rendered as `NaN` or `inf` slipped in.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "does not start with <svg");
        assert!(svg.ends_with("</svg>\n"), "does not end with </svg>");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "non-finite number in output");
        for (at, _) in svg.match_indices('&') {
            let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
            assert!(entity.iter().any(|e| svg[at..].starts_with(e)), "bare & at {at}");
        }
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("unterminated tag");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "'<' inside tag {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("empty tag"));
            }
            rest = &rest[end + 1..];
            if open.is_empty() {
                assert_eq!(rest, "\n", "content after the root element");
            }
        }
        assert!(open.is_empty(), "unclosed {open:?}");
    }

    /// The text of the legend group (empty when there is none).
    fn legend_of(svg: &str) -> &str {
        svg.split_once(r#"<g class="legend""#).map_or("", |(_, l)| l)
    }

    fn series(name: &str, points: &[(f64, f64)]) -> Series {
        Series { name: name.to_string(), points: points.to_vec() }
    }

    #[test]
    fn points_land_on_hand_computed_pixels() {
        // Both axes tick 0, 0.2, ..., 1. The widest y label is 3 characters, so the plot spans
        // x 64..776 (712 px) and y 424..48 (376 px): (0.5, 0.25) -> (64 + 356, 424 - 94).
        let svg = line_chart_svg(&LineChart {
            series: vec![series("s", &[(0.0, 0.0), (0.5, 0.25), (1.0, 1.0)])],
            ..LineChart::default()
        });
        assert_well_formed(&svg);
        assert!(svg.contains(r#"d="M64,424L420,330L776,48""#), "{svg}");
        assert!(svg.contains(r#"<circle cx="420" cy="330""#));
        // The y = 0.6 grid line is at 424 - 0.6 × 376 = 198.4.
        assert!(svg.contains(r#"<line x1="64" y1="198.4" x2="776" y2="198.4"/>"#));
    }

    #[test]
    fn gaps_split_the_line_and_isolated_points_keep_a_marker() {
        let pts: Vec<(f64, f64)> = (0..60)
            .map(|i| if i == 30 || i == 32 { (i as f64, f64::NAN) } else { (i as f64, (i % 7) as f64) })
            .collect();
        let svg =
            line_chart_svg(&LineChart { series: vec![series("s", &pts)], integer_x: true, ..LineChart::default() });
        assert_well_formed(&svg);
        let d = svg.split_once(r#"d=""#).expect("a path").1.split_once('"').expect("closed").0;
        // Runs 0..=29 and 33..=59 are drawn; point 31 is alone between two gaps.
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(svg.matches("<circle").count(), 1, "58 points is too many to mark each one");
    }

    #[test]
    fn degenerate_line_charts_stay_valid() {
        let cases = [
            vec![],
            vec![series("empty", &[])],
            vec![series("nan", &[(f64::NAN, 1.0), (2.0, f64::INFINITY), (f64::NEG_INFINITY, f64::NAN)])],
            vec![series("one", &[(2020.0, 5.0)])],
            vec![series("flat", &[(1.0, 3.0), (2.0, 3.0), (3.0, 3.0)]), series("same x", &[(2.0, 1.0), (2.0, 9.0)])],
            vec![series("huge", &[(-1e300, 1e300), (1e300, -1e300), (1e308, 0.0)])],
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
                    assert_well_formed(&line_chart_svg(&chart));
                }
            }
        }
    }

    #[test]
    fn single_year_gets_whole_year_ticks() {
        let svg = line_chart_svg(&LineChart {
            series: vec![series("one", &[(2020.0, 5.0)])],
            integer_x: true,
            ..LineChart::default()
        });
        for year in ["2019", "2020", "2021"] {
            assert!(svg.contains(&format!(">{year}</text>")), "{year} missing");
        }
        assert!(!svg.contains(">2019.5<"));
    }

    #[test]
    fn reference_line_is_dashed_and_inside_the_range() {
        // Data 1..5 alone would tick 1..5; the reference at 0 widens the axis to 0..5, so it
        // sits on the bottom of the plot (y 424).
        let svg = line_chart_svg(&LineChart {
            series: vec![series("s", &[(0.0, 1.0), (1.0, 5.0)])],
            reference_y: Some(0.0),
            ..LineChart::default()
        });
        assert!(
            svg.contains(r##"y1="424" x2="776" y2="424" stroke="#555555" stroke-width="1.2" stroke-dasharray="6 4""##),
            "{svg}"
        );
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let chart = LineChart {
            title: r#"<script> & "quotes" 'too'"#.into(),
            x_label: "a<b".into(),
            y_label: "c>d".into(),
            series: vec![series("R&D", &[(0.0, 1.0)]), series("\"x\"", &[(1.0, 2.0)])],
            ..LineChart::default()
        };
        let svg = line_chart_svg(&chart);
        assert_well_formed(&svg);
        assert!(svg.contains("&lt;script&gt; &amp; &quot;quotes&quot; &apos;too&apos;"));
        assert!(svg.contains(">a&lt;b<") && svg.contains(">c&gt;d<"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn legend_lists_every_series_only_when_there_are_several() {
        let names = ["granted", "applied & pending", "withdrawn"];
        let chart = LineChart {
            series: names.iter().enumerate().map(|(i, n)| series(n, &[(0.0, i as f64), (1.0, 2.0)])).collect(),
            ..LineChart::default()
        };
        let svg = line_chart_svg(&chart);
        assert_well_formed(&svg);
        let legend = legend_of(&svg);
        for name in ["granted", "applied &amp; pending", "withdrawn"] {
            assert!(legend.contains(&format!(">{name}</text>")), "{name} not in legend");
        }
        for colour in &PALETTE[..3] {
            assert!(legend.contains(colour), "{colour} not in legend");
        }
        let single =
            line_chart_svg(&LineChart { series: vec![series("alone", &[(0.0, 1.0)])], ..LineChart::default() });
        assert_eq!(legend_of(&single), "");
    }

    #[test]
    fn bins_match_a_hand_count() {
        // 0..=10 in 5 bins of width 2: [0,2) [2,4) [4,6) [6,8) [8,10]; NaN and inf not counted.
        let mut values: Vec<f64> = (0..=10).map(f64::from).collect();
        values.extend([f64::NAN, f64::INFINITY]);
        assert_eq!(
            bins(&values, 5),
            [(0.0, 2.0, 2.0), (2.0, 4.0, 2.0), (4.0, 6.0, 2.0), (6.0, 8.0, 2.0), (8.0, 10.0, 3.0)]
        );
        // Edge 0.5 belongs to the upper bin, the maximum to the last.
        assert_eq!(bins(&[-1.5, -0.5, 0.5, 2.5, 0.4], 2), [(-1.5, 0.5, 3.0), (0.5, 2.5, 2.0)]);
    }

    #[test]
    fn bins_of_degenerate_input() {
        assert_eq!(bins(&[1.0, 1.0, 1.0], 2), [(0.5, 1.0, 0.0), (1.0, 1.5, 3.0)]);
        assert!(bins(&[], 4).is_empty());
        assert!(bins(&[f64::NAN], 4).is_empty());
        assert!(bins(&[1.0, 2.0], 0).is_empty());
        let many = bins(&[0.1, 0.2, 0.3, 0.7, 0.9, 1.3], 7);
        assert_eq!(many.len(), 7);
        assert_eq!(many.iter().map(|b| b.2).sum::<f64>(), 6.0);
        assert!(many.windows(2).all(|w| w[0].1 == w[1].0), "bins are contiguous");
    }

    #[test]
    fn histogram_bars_and_outline_land_on_hand_computed_pixels() {
        // x ticks 0, 0.2, ..., 1 over 64..776; y ticks 0, 1, ..., 4 (one-character labels, left
        // margin 64) over 424..48, so 94 px per count and 712 px per unit of x.
        let h = Histogram {
            series: vec![HistogramSeries { name: "a".into(), bins: vec![(0.5, 1.0, 4.0), (0.0, 0.5, 2.0)] }],
            ..Histogram::default()
        };
        let svg = histogram_svg(&h);
        assert_well_formed(&svg);
        assert!(svg.contains(r#"<rect x="64" y="236" width="356" height="188"/>"#), "{svg}");
        assert!(svg.contains(r#"<rect x="420" y="48" width="356" height="376"/>"#));
        // Sorted and contiguous: one step outline.
        assert!(svg.contains(r#"d="M64,424V236H420V48H776V424""#));
    }

    #[test]
    fn overlapping_histograms_with_gaps_and_bad_bins() {
        let a = bins(&[1.0, 2.0, 2.5, 3.0, 8.0], 4);
        let h = Histogram {
            title: "Claims per patent".into(),
            x_label: "claims".into(),
            y_label: "patents".into(),
            series: vec![
                HistogramSeries { name: "utility".into(), bins: a },
                HistogramSeries {
                    name: "design".into(),
                    bins: vec![(0.0, 1.0, 1.0), (3.0, 4.0, 2.0), (4.0, 4.0, 9.0), (5.0, f64::NAN, 1.0)],
                },
            ],
        };
        let svg = histogram_svg(&h);
        assert_well_formed(&svg);
        assert!(legend_of(&svg).contains(">utility</text>") && legend_of(&svg).contains(">design</text>"));
        // The design series has a gap between 1 and 3: its outline drops to the base and restarts.
        let design = svg.split_once(r#"data-name="design""#).expect("design series").1;
        let d = design.split_once(r#"d=""#).expect("outline").1.split_once('"').expect("closed").0;
        assert_eq!(d.matches('M').count(), 2, "{d}");
    }

    #[test]
    fn degenerate_histograms_stay_valid() {
        let cases = [
            vec![],
            vec![HistogramSeries { name: "none".into(), bins: vec![] }],
            vec![HistogramSeries { name: "zeros".into(), bins: vec![(0.0, 1.0, 0.0), (1.0, 2.0, 0.0)] }],
            vec![HistogramSeries {
                name: "bad".into(),
                bins: vec![(f64::NAN, 1.0, 1.0), (2.0, 2.0, 3.0), (1.0, 0.0, f64::INFINITY)],
            }],
            vec![HistogramSeries { name: "one value".into(), bins: bins(&[7.0; 5], 3) }],
            vec![HistogramSeries { name: "negative".into(), bins: vec![(0.0, 1.0, -2.0), (1.0, 0.5, 3.0)] }],
        ];
        for series in cases {
            assert_well_formed(&histogram_svg(&Histogram { title: "t".into(), series, ..Histogram::default() }));
        }
    }
}
