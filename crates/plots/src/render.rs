//! One plot, two files: the frame and data drawn once on plotters' SVG backend and once on its
//! RGB bitmap backend, the bitmap encoded as PNG.

use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;

use crate::font;
use crate::frame::{Draw, Frame, HEIGHT, WIDTH};

/// A rendered plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// A standalone SVG document.
    pub svg: String,
    /// The same plot as an 8-bit RGB PNG of [`WIDTH`] × [`HEIGHT`] pixels.
    pub png: Vec<u8>,
}

/// Draws `frame` and `data` as SVG and as PNG.
pub(crate) fn render(frame: &Frame, data: &impl Draw) -> Result<Plot> {
    font::register().map_err(|e| anyhow!(e))?;
    let mut svg = String::new();
    frame
        .draw(SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area(), data)
        .map_err(|e| anyhow!("drawing the SVG: {e}"))?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    frame
        .draw(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area(), data)
        .map_err(|e| anyhow!("drawing the bitmap: {e}"))?;
    Ok(Plot { svg, png: encode_png(&rgb).context("encoding the PNG")? })
}

/// `rgb` (row-major 8-bit RGB of [`WIDTH`] × [`HEIGHT`]) as a PNG file.
fn encode_png(rgb: &[u8]) -> Result<Vec<u8>> {
    let mut png = vec![];
    let mut encoder = png::Encoder::new(&mut png, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(png)
}
