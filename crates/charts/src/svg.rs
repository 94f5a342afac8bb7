//! Low-level SVG text helpers: XML escaping and compact pixel coordinates.

use std::fmt;

/// Escapes `text` for use in XML character data and double- or single-quoted attributes.
///
/// Control characters that XML 1.0 forbids (all below U+0020 except tab, newline and carriage
/// return) are dropped, so any input yields a well-formed document.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    out
}

/// A pixel coordinate written with at most two decimals and no trailing zeros (`64`, `420.5`).
/// A non-finite value, which the layout never produces, is written as `0` rather than `NaN`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_finite() {
            return f.write_str("0");
        }
        let text = format!("{:.2}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if text == "-0" { "0" } else { text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"R&D <"top"> 'x'"#), "R&amp;D &lt;&quot;top&quot;&gt; &apos;x&apos;");
        assert_eq!(escape("plain – ünïcode"), "plain – ünïcode");
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "abc\td");
    }

    #[test]
    fn pixels_are_compact() {
        assert_eq!(Px(64.0).to_string(), "64");
        assert_eq!(Px(420.5).to_string(), "420.5");
        assert_eq!(Px(1.0 / 3.0).to_string(), "0.33");
        assert_eq!(Px(100.004).to_string(), "100");
        assert_eq!(Px(-0.001).to_string(), "0");
        assert_eq!(Px(f64::NAN).to_string(), "0");
    }
}
