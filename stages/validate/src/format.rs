//! Numbers in the report, formatted by what they are: p-values in scientific notation, counts as
//! whole numbers with thousands separators, everything else (scores, shares, means, test
//! statistics) to four significant digits. The kind comes from the metric's name ([`kind`]), in
//! this one place.

/// What a number is, for formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A probability of a test statistic at least as extreme: `3.2e-05`, `< 1e-300` on underflow.
    PValue,
    /// A number of things: `12,345`.
    Count,
    /// A score, share, mean or statistic: four significant digits, `0.6667`, `12.50`, `1,234`.
    Real,
}

/// Metric names that count things (patents, pairs, domains, ...) or are integer by construction.
const COUNTS: &[&str] = &[
    "examples",
    "citing_pairs",
    "labelled",
    "domains",
    "patents_after",
    "patents_before",
    "explored_patents_compared",
    "min_forward_citations",
    "max_forward_citations",
    "rows",
    "explored",
    "reached_threshold",
    "iterations",
    "epochs_run",
    "best_epoch",
    "beam_width",
    "cpc_vocabulary",
    "text_vocabulary",
    "active_dimensions",
    "macro_years",
    "window_years",
    "wilcoxon_pairs_tied",
    "explored_patents",
    "patents_with_match",
    "citing_patents",
    "labelled_patents",
];

/// The kind of the metric called `name` (a `validation_summary` metric or a manifest field):
/// p-values are named `p`, `p_value`, `*_p` or `*_p_value`; counts are listed in [`COUNTS`] or
/// end in `_count`; the rest are real numbers.
pub fn kind(name: &str) -> Kind {
    if name == "p" || name == "p_value" || name.ends_with("_p") || name.ends_with("_p_value") {
        Kind::PValue
    } else if COUNTS.contains(&name) || name.ends_with("_count") {
        Kind::Count
    } else {
        Kind::Real
    }
}

/// `value` formatted as the metric `name`'s kind; `—` when undefined.
pub fn metric(name: &str, value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => number(kind(name), v),
        Some(v) if v.is_nan() => "—".into(),
        Some(v) => if v > 0.0 { "∞" } else { "−∞" }.into(),
        None => "—".into(),
    }
}

/// `v` (finite) formatted as `kind`.
pub fn number(kind: Kind, v: f64) -> String {
    match kind {
        Kind::PValue => p_value(v),
        Kind::Count => grouped(v.round()),
        Kind::Real => significant(v, 4),
    }
}

/// A p-value with two significant digits in scientific notation and a two-digit exponent, as
/// `3.2e-05`; below 1e-300 (where the normal tail underflows) `< 1e-300`.
pub fn p_value(p: f64) -> String {
    if p < 1e-300 {
        return "< 1e-300".into();
    }
    let text = format!("{p:.1e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// `v` to `digits` significant digits. Magnitudes from 10^(digits - 1) up are rounded to whole numbers
/// with thousands separators; below 1e-4 (and non-zero) scientific.
pub fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let mut magnitude = v.abs().log10().floor() as i32;
    // Rounding can carry into the next power of ten (0.99996 to 1.000): count digits from there.
    if (v.abs() / 10f64.powi(magnitude - digits + 1)).round() >= 10f64.powi(digits) {
        magnitude += 1;
    }
    if magnitude >= digits - 1 {
        return grouped(v.round());
    }
    if magnitude < -4 {
        return format!("{v:.prec$e}", prec = (digits - 1) as usize);
    }
    format!("{v:.prec$}", prec = (digits - 1 - magnitude) as usize)
}

/// A whole number with `,` between groups of three digits.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && digits != "0" { format!("-{out}") } else { out }
}

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_metric_names() {
        for p in ["mann_whitney_p", "micro_mann_whitney_p", "wilcoxon_p", "macro_wilcoxon_p", "p_value", "p"] {
            assert_eq!(kind(p), Kind::PValue, "{p}");
        }
        for count in ["examples", "citing_pairs", "patents_after", "explored_patents_compared", "rows", "file_count"] {
            assert_eq!(kind(count), Kind::Count, "{count}");
        }
        for real in ["f1", "roc_auc", "l1_share", "mean_forward_citations", "mann_whitney_u", "mann_whitney_z"] {
            assert_eq!(kind(real), Kind::Real, "{real}");
        }
        // Not p-values although they contain a "p".
        assert_eq!(kind("precision"), Kind::Real);
        assert_eq!(kind("share_new_domains_more_cited"), Kind::Real);
    }

    #[test]
    fn p_values_are_scientific() {
        assert_eq!(p_value(3.2e-5), "3.2e-05");
        assert_eq!(p_value(0.138641), "1.4e-01");
        assert_eq!(p_value(1.0), "1.0e+00");
        assert_eq!(p_value(1.23e-123), "1.2e-123");
        assert_eq!(p_value(0.0), "< 1e-300");
        assert_eq!(p_value(1e-310), "< 1e-300");
    }

    #[test]
    fn counts_are_whole_and_grouped() {
        assert_eq!(metric("examples", Some(3.0)), "3");
        assert_eq!(metric("citing_pairs", Some(1234567.0)), "1,234,567");
        assert_eq!(metric("patents_after", Some(999.0)), "999");
        assert_eq!(metric("patents_after", Some(1000.0)), "1,000");
        assert_eq!(number(Kind::Count, -4321.0), "-4,321");
    }

    #[test]
    fn reals_have_four_significant_digits() {
        assert_eq!(metric("f1", Some(2.0 / 3.0)), "0.6667");
        assert_eq!(metric("roc_auc", Some(1.0)), "1.000");
        assert_eq!(metric("roc_auc", Some(0.99996)), "1.000", "rounding up to the next power of ten");
        assert_eq!(metric("mean_forward_citations", Some(9.99996)), "10.00");
        assert_eq!(metric("mean_forward_citations", Some(12.5)), "12.50");
        assert_eq!(metric("mann_whitney_z", Some(-1.480872)), "-1.481");
        assert_eq!(metric("mann_whitney_u", Some(123456.5)), "123,457");
        assert_eq!(metric("l1_share", Some(0.0)), "0");
        assert_eq!(metric("mean_growth", Some(0.000012341)), "1.234e-5");
        assert_eq!(metric("f1", None), "—");
        assert_eq!(metric("f1", Some(f64::NAN)), "—");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape(r#"<a href="x">R&D's</a>"#), "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;");
    }
}
