//! The report's main findings: one plain sentence per part of the validation, from the summary
//! statistics and the explore stage's metrics, saying what was measured, the numbers compared and
//! the test's p-value, or why there is no result.

use schemas::metrics::ExploreMetrics;

use crate::format::{Kind, number, p_value};
use crate::run::Statistic;

/// A value of the summary, by section, group and metric.
fn stat(summary: &[Statistic], section: &str, group: &str, metric: &str) -> Option<f64> {
    summary
        .iter()
        .find(|s| s.section == section && s.group == group && s.metric == metric)
        .and_then(|s| s.value)
        .filter(|v| v.is_finite())
}

/// `v` as a real number (four significant digits).
fn real(v: f64) -> String {
    number(Kind::Real, v)
}

/// `v` as a count.
fn count(v: f64) -> String {
    number(Kind::Count, v)
}

/// ` (TEST p = …)`, or nothing when the test is undefined.
fn p_clause(test: &str, p: Option<f64>) -> String {
    p.map(|p| format!(" ({test} p = {})", p_value(p))).unwrap_or_default()
}

/// The findings, in the order of the report's sections (plain text, not yet escaped).
pub fn sentences(summary: &[Statistic], explore: Option<&ExploreMetrics>, macro_years: i32) -> Vec<String> {
    let s = |section: &str, group: &str, metric: &str| stat(summary, section, group, metric);
    let mut out = vec![];

    let test = "test split";
    out.push(match (s("reliability", test, "examples"), s("reliability", test, "f1")) {
        (Some(n), Some(f1)) if n > 0.0 => {
            let auc = s("reliability", test, "roc_auc").map_or("undefined (one class only)".into(), real);
            let jaccard = s("reliability", test, "reconstruction_jaccard").map_or("—".into(), real);
            format!(
                "On the {} test-split patents the model predicts L1 with F1 = {} and ROC-AUC = {}, and reconstructs \
                 their codes with a mean Jaccard similarity of {jaccard}.",
                count(n),
                real(f1),
                auc
            )
        }
        _ => "The test split holds no explored patent, so the model's reliability is not measured.".into(),
    });

    let mean = |group: &str| s("micro", group, "mean_forward_citations");
    out.push(match (mean("shifted"), mean("remained")) {
        (Some(shifted), Some(remained)) => format!(
            "Citing patents that shifted toward the suggested domain received {} forward citations on average \
             against {} for those that remained{}.",
            real(shifted),
            real(remained),
            p_clause("Mann-Whitney", s("micro", "shifted vs remained", "mann_whitney_p"))
        ),
        _ => "Micro-validation has no result: the explored patents' citing patents are not in both groups \
              (shifted toward the suggested domain and remained)."
            .into(),
    });

    let group = "new vs original";
    let domains = |role: &str| s("macro", role, "mean_forward_citations");
    out.push(match (domains("new"), domains("original")) {
        (Some(new), Some(original)) => {
            let compared = match (
                s("macro", group, "explored_patents_compared"),
                s("macro", group, "share_new_domains_more_cited"),
            ) {
                (Some(n), Some(share)) if n > 0.0 => format!(
                    "; for {}% of the {} explored patents compared, the new domains were the more cited",
                    real(100.0 * share),
                    count(n)
                ),
                _ => String::new(),
            };
            format!(
                "Patents entering the suggested (new) domains in the {macro_years} years after the focal year received \
                 {} forward citations on average against {} in the original domains{compared}{}.",
                real(new),
                real(original),
                p_clause("Wilcoxon signed-rank", s("macro", group, "wilcoxon_p"))
            )
        }
        _ => "Macro-validation has no result: no suggested or no original domain has patents after the focal year."
            .into(),
    });

    if let Some(e) = explore {
        out.push(format!(
            "Gradient ascent in the latent space raised the mean predicted P(L1) of the {} explored patents from {} \
             to {}; {} of them reached the threshold {}.",
            count(e.explored as f64),
            real(e.mean_start_probability),
            real(e.mean_end_probability),
            count(e.reached_threshold as f64),
            real(e.threshold)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(section: &'static str, group: &str, metric: &'static str, value: f64) -> Statistic {
        Statistic { section, group: group.into(), metric, value: Some(value) }
    }

    #[test]
    fn sentences_carry_the_numbers_compared_and_the_p_value() {
        let summary = vec![
            st("micro", "shifted", "mean_forward_citations", 8.0),
            st("micro", "remained", "mean_forward_citations", 2.0 / 3.0),
            st("micro", "shifted vs remained", "mann_whitney_p", 1.2e-5),
        ];
        let found = sentences(&summary, None, 5);
        assert_eq!(
            found[1],
            "Citing patents that shifted toward the suggested domain received 8.000 forward citations on average \
             against 0.6667 for those that remained (Mann-Whitney p = 1.2e-05)."
        );
        assert!(found[0].contains("not measured") && found[2].contains("no result"), "{found:?}");
        assert_eq!(found.len(), 3, "no exploration sentence without the explore metrics");
    }
}
