//! The bundled font: DejaVu Sans (`fonts/DejaVuSans.ttf`, licence in `fonts/LICENSE`), compiled
//! into the binary and registered with plotters once, under the family name [`FAMILY`], so the PNGs
//! render their text identically wherever they are made, with no system font needed.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// The family every text of a plot is set in. The PNG backend finds the bundled face under this
/// name; the SVG writes it as `font-family`, where the generic name lets any viewer choose a face.
pub const FAMILY: &str = "sans-serif";

/// DejaVu Sans Book.
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Registers the bundled face for every style of [`FAMILY`] (bold and italic fall back to it);
/// the first call does the work, later ones return its outcome.
pub(crate) fn register() -> Result<(), &'static str> {
    static REGISTERED: OnceLock<Result<(), &'static str>> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS)
            .map_err(|_| "the bundled DejaVu Sans is not a readable font")
    })
}
