//! The HTML report of a validate run (`report/index.html`), written to explain itself: an overview
//! on top (the main findings in one sentence each, the model's scores, the input tables and their
//! sizes, the settings of this run and of the stages behind it), the top suggested opportunities
//! with CPC titles next to their codes, then one section per part of the validation with its
//! statistics and figures. Numbers are formatted by kind ([`crate::format`]); each figure is a PNG
//! in the page, linked to its SVG, both beside `index.html`.

use std::fmt::Write as _;

use anyhow::Result;
use datafusion::prelude::SessionContext;
use schemas::Table;
use sql_engine::register_published;
use stage_runtime::{PublishedManifest, StoreLocation};

use crate::figures::{self, Figure};
use crate::findings;
use crate::format::{Kind, escape, metric, number};
use crate::opportunities::{self, Opportunities, SHOWN};
use crate::overview::{Overview, Setting};
use crate::run::{Statistic, ValidateInputs, ValidateOptions};

/// The report's sections after the overview and the opportunities: id, heading, what it shows.
const SECTIONS: [(&str, &str, &str); 6] = [
    (
        "reliability",
        "Model reliability",
        "Predictions of the model on the test split: P(L1) > 0.5 predicting L1, and the codes reconstructed from \
         each patent's latent mean against its own.",
    ),
    (
        "micro",
        "Micro-validation",
        "The patents citing each explored patent, split by whether their codes are closer to the suggested code set \
         than to the original one (shifted) or not (remained), compared on their forward citations.",
    ),
    (
        "macro",
        "Macro-validation",
        "The domains (codes) the search added to each explored patent against the ones it held, compared on the \
         forward citations of the patents granted in them after the patent's grant year.",
    ),
    (
        "micro-exact",
        "Micro-validation by exact code sets",
        "As the reference paper matched them: at each CPC level, the citing patents whose code set equals the \
         generated set (the inclusion ratio: explored patents with at least one; P_citing/shifted: those of searches \
         that moved outside the original set) or the original set (P_citing/remained), their forward citations \
         against the population's 90th percentile, and two tests the paper did not run (Mann-Whitney U of shifted \
         against remained; the exact binomial test of the shifted share above the percentile).",
    ),
    (
        "macro-exact",
        "Macro-validation by exact code sets",
        "Per explored patent, the mean forward citations of the other patents with exactly its generated code set \
         against those with exactly its original set, compared in pairs (Wilcoxon signed-rank).",
    ),
    ("exploration", "Exploration", "The gradient ascent of predicted P(L1) in the model's latent space."),
];

/// What the report is made of.
pub struct Report<'a> {
    pub summary: &'a [Statistic],
    pub overview: &'a Overview,
    pub opportunities: &'a Opportunities,
    pub figures: &'a [Figure],
    pub macro_years: i32,
}

/// Writes `index.html` and its figures under `folder` from the run's tables (registered in `ctx`)
/// and the inputs' manifests; returns the paths relative to the run.
pub async fn write(
    ctx: &SessionContext,
    inputs: &ValidateInputs<'_>,
    options: &ValidateOptions,
    explored: &PublishedManifest,
    summary: &[Statistic],
    folder: &StoreLocation,
) -> Result<Vec<String>> {
    let overview = Overview::read(inputs, options, explored).await;
    // The optional ingest tables: registered when published, left out of the queries otherwise.
    let (patents, cpc_title) = (overview.has("ingest", Table::Patents), overview.has("ingest", Table::CpcTitle));
    for (table, published) in [(Table::Patents, patents), (Table::CpcTitle, cpc_title)] {
        if published {
            register_published(ctx, inputs.ingest, table).await?;
        }
    }
    let opportunities = opportunities::read(ctx, patents, cpc_title).await?;
    let figures = figures::render(ctx).await?;
    let report = Report {
        summary,
        overview: &overview,
        opportunities: &opportunities,
        figures: &figures,
        macro_years: options.macro_years,
    };
    let mut written = vec!["report/index.html".to_string()];
    for figure in &figures {
        for name in plots::put(folder, figure.stem, &figure.plot).await? {
            written.push(format!("report/{name}"));
        }
    }
    folder.put_bytes("index.html", report.html().into_bytes()).await?;
    Ok(written)
}

impl Report<'_> {
    /// The whole page.
    pub fn html(&self) -> String {
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Validation report</title>\n<style>\
             body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}\
             table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;\
             vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
             ul.codes{list-style:none;margin:0;padding:0}.cpc-title{color:#555;font-size:.9em}\
             img{max-width:100%;height:auto}nav a{margin-right:1em}</style></head><body>\n<h1>Validation report</h1>\n\
             <p>Does the model's search in its latent space suggest technology opportunities that pay off? This \
             report checks the model's predictions on the test split, then follows the citation network: the patents \
             citing each explored patent (micro-validation) and the domains the search suggested (macro-validation). \
             Every number is also in the <code>validation_summary</code> table.</p>\n<nav>",
        );
        let mut nav = vec![("overview", "Overview"), ("opportunities", "Top suggested opportunities")];
        nav.extend(SECTIONS.iter().map(|(id, heading, _)| (*id, *heading)));
        for (id, heading) in nav {
            let _ = write!(html, "<a href=\"#{id}\">{heading}</a>");
        }
        html.push_str("</nav>\n");
        self.overview_section(&mut html);
        let _ = write!(
            html,
            "<section id=\"opportunities\">\n<h2>Top suggested opportunities</h2>\n<p>The explored patents whose \
             search added codes, by the gain in predicted P(L1) from the patent's latent mean to where the search \
             ended (the top {SHOWN}). CPC titles are shown where the dump held <code>g_cpc_title</code>.</p>\n{}\
             </section>\n",
            self.opportunities.html()
        );
        for (id, heading, about) in SECTIONS {
            let _ = writeln!(html, "<section id=\"{id}\">\n<h2>{heading}</h2>\n<p>{about}</p>");
            html.push_str(&statistics_table(self.summary.iter().filter(|s| s.section == id)));
            for f in self.figures.iter().filter(|f| f.section == id) {
                let (stem, caption) = (f.stem, escape(f.caption));
                let _ = writeln!(
                    html,
                    "<figure><a href=\"{stem}.svg\"><img src=\"{stem}.png\" width=\"{}\" height=\"{}\" \
                     alt=\"{caption}\"></a><figcaption>{caption} (<a href=\"{stem}.svg\">SVG</a>)</figcaption></figure>",
                    plots::WIDTH,
                    plots::HEIGHT
                );
            }
            html.push_str("</section>\n");
        }
        html.push_str("</body></html>\n");
        html
    }

    fn overview_section(&self, html: &mut String) {
        html.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n<h3 id=\"findings\">Main findings</h3>\n<ul>\n");
        let explore = self.overview.explore.as_ref();
        for sentence in findings::sentences(self.summary, explore, self.macro_years) {
            let _ = writeln!(html, "<li>{}</li>", escape(&sentence));
        }
        html.push_str(
            "</ul>\n<h3 id=\"scores\">Model scores</h3>\n<p>On the test split: as recomputed here from \
             the exploration table, and as the train stage recorded them for the kept model.</p>\n\
             <table><tr><th>score</th><th>this validation</th><th>train stage</th></tr>\n",
        );
        let test = |name: &str| {
            self.summary.iter().find(|s| s.section == "reliability" && s.metric == name).map(|s| metric(name, s.value))
        };
        let train = |name: &str| self.overview.train_scores.iter().find(|s| s.name == name).map(value);
        let names = [
            "examples",
            "accuracy",
            "precision",
            "recall",
            "f1",
            "roc_auc",
            "reconstruction_jaccard",
            "loss",
            "kl",
            "active_dimensions",
        ];
        for name in names {
            let (here, there) = (test(name), train(name));
            if here.is_some() || there.is_some() {
                let dash = || "—".to_string();
                let _ = writeln!(
                    html,
                    "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    here.unwrap_or_else(dash),
                    there.unwrap_or_else(dash)
                );
            }
        }
        html.push_str(
            "</table>\n<h3 id=\"inputs\">Inputs</h3>\n<table><tr><th>input</th><th>table</th><th>rows</th>\
             <th>location</th></tr>\n",
        );
        for t in &self.overview.inputs {
            let rows = t.rows.map_or("not published".into(), |r| number(Kind::Count, r as f64));
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{rows}</td><td><code>{}</code></td></tr>",
                t.input,
                t.table,
                escape(&t.url)
            );
        }
        html.push_str(
            "</table>\n<h3 id=\"settings\">Settings</h3>\n<table><tr><th>stage</th><th>setting</th>\
             <th>value</th></tr>\n",
        );
        for s in &self.overview.settings {
            let _ = writeln!(html, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", s.source, escape(&s.name), value(s));
        }
        html.push_str("</table>\n</section>\n");
    }
}

/// The rows of one section of the summary, as a table (nothing when there are none).
fn statistics_table<'a>(rows: impl Iterator<Item = &'a Statistic>) -> String {
    let mut html = String::new();
    for s in rows {
        if html.is_empty() {
            html.push_str("<table><tr><th>group</th><th>metric</th><th>value</th></tr>\n");
        }
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(&s.group),
            s.metric,
            metric(s.metric, s.value)
        );
    }
    if !html.is_empty() {
        html.push_str("</table>\n");
    }
    html
}

/// A setting's value as text: numbers by the kind of its name, text escaped.
fn value(s: &Setting) -> String {
    match &s.value {
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => number(Kind::Count, n.as_f64().unwrap_or_default()),
        serde_json::Value::Number(n) => metric(&s.name, n.as_f64()),
        serde_json::Value::String(text) => escape(text),
        serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        serde_json::Value::Null => "—".into(),
        other => escape(&other.to_string()),
    }
}
