//! The validate stage on a hand-built corpus: four explored patents, five citing patents and four
//! more patents in the suggested domains. Every expected number below is counted by hand in the
//! comments from the rows listed here. The report is checked as text and, in headless Chromium, as
//! a browser shows it.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use arrow::datatypes::{Field, Schema};
use pipeline_tests::{publish_as, publish_as_ingest, query};
use schemas::Table;
use stage_runtime::{EngineOptions, StoreLocation};
use validate::{ValidateInputs, ValidateOptions, run};

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn lists(sets: &[&[&str]]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for set in sets {
        for code in *set {
            b.values().append_value(code);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap()
}

/// A patent: id, grant year, forward citations, label, subclasses.
type PatentRow = (&'static str, i32, i64, Option<&'static str>, &'static [&'static str]);

const PATENTS: [PatentRow; 13] = [
    ("E1", 2010, 3, Some("L1"), &["A01B", "B65D"]),
    ("E2", 2010, 2, Some("L2"), &["H04L"]),
    ("E3", 2012, 1, Some("L2"), &["C07D"]),
    ("E4", 2011, 0, Some("L1"), &["A01B"]),
    ("C1", 2011, 10, Some("L1"), &["A01B", "G06N"]),
    ("C2", 2011, 1, Some("L2"), &["B65D"]),
    ("C3", 2012, 6, Some("L1"), &["G06N", "H04L"]),
    ("C4", 2012, 5, Some("L2"), &[]),
    ("C5", 2013, 0, None, &["C07D"]),
    ("P1", 2011, 4, Some("L1"), &["G06N"]),
    ("P2", 2012, 2, Some("L2"), &["G06N"]),
    ("P3", 2013, 0, None, &["G06N"]),
    ("P4", 2009, 1, Some("L2"), &["G06N"]),
];

/// (citing, cited); C1 cites E1 twice, C4 has no CPC codes.
const CITATIONS: [(&str, &str); 7] =
    [("C1", "E1"), ("C1", "E1"), ("C2", "E1"), ("C3", "E1"), ("C2", "E2"), ("C4", "E2"), ("C5", "E3")];

/// CPC titles of some of the codes (B65D, H04L, C07D and A61K have none), for `cpc_title`.
const TITLES: [(&str, &str, &str); 3] = [
    ("A01B", "subclass", "Soil working in agriculture or forestry"),
    ("G06N", "subclass", "Computing arrangements based on specific computational models"),
    ("G06", "class", "Computing or calculating; counting"),
];

/// Publishes the inputs under `root`; with `titles`, ingest's output also has `patents` (titled)
/// and `cpc_title`, which the report reads when they are there.
async fn publish_inputs(root: &std::path::Path, titles: bool) -> (StoreLocation, StoreLocation, StoreLocation) {
    let at = |name: &str| StoreLocation::parse(root.join(name).to_str().unwrap()).unwrap();
    let (ingest, labels, explore) = (at("ingest"), at("labels"), at("explore"));
    let cpc: Vec<(&str, i32, &str, i32)> = PATENTS
        .iter()
        .flat_map(|(id, year, _, _, codes)| codes.iter().enumerate().map(move |(i, c)| (*id, i as i32, *c, *year)))
        .collect();
    let cpc_batch = batch(vec![
        ("patent_id", strings(&cpc.iter().map(|r| r.0).collect::<Vec<_>>())),
        ("cpc_sequence", Arc::new(Int32Array::from(cpc.iter().map(|r| r.1).collect::<Vec<_>>()))),
        ("subclass", strings(&cpc.iter().map(|r| r.2).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(cpc.iter().map(|r| r.3).collect::<Vec<_>>()))),
    ]);
    let year_of = |id: &str| PATENTS.iter().find(|p| p.0 == id).unwrap().1;
    let citation_batch = batch(vec![
        ("patent_id", strings(&CITATIONS.iter().map(|c| c.0).collect::<Vec<_>>())),
        ("cited_patent_id", strings(&CITATIONS.iter().map(|c| c.1).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(CITATIONS.iter().map(|c| year_of(c.0)).collect::<Vec<_>>()))),
    ]);
    let patent_batch = batch(vec![
        ("patent_id", strings(&PATENTS.iter().map(|p| p.0).collect::<Vec<_>>())),
        (
            "title",
            strings(
                &PATENTS.iter().map(|p| if p.0 == "E1" { "Harvester with a sensor" } else { p.0 }).collect::<Vec<_>>(),
            ),
        ),
        ("grant_year", Arc::new(Int32Array::from(PATENTS.iter().map(|p| p.1).collect::<Vec<_>>()))),
    ]);
    let title_batch = batch(vec![
        ("code", strings(&TITLES.map(|t| t.0))),
        ("level", strings(&TITLES.map(|t| t.1))),
        ("title", strings(&TITLES.map(|t| t.2))),
    ]);
    let mut tables = vec![
        (
            Table::Cpc,
            "SELECT patent_id, cpc_sequence, substr(subclass, 1, 1) AS cpc_section, substr(subclass, 1, 3) AS cpc_class, subclass AS cpc_subclass, subclass || '1/02' AS cpc_group, subclass || '1/00' AS cpc_main_group, 'inventional' AS cpc_type, grant_year FROM mem_cpc",
        ),
        (
            Table::Citations,
            "SELECT patent_id, 0 AS citation_sequence, cited_patent_id, CAST(NULL AS DATE) AS citation_date, 'cited by examiner' AS citation_category, grant_year FROM mem_citations",
        ),
    ];
    if titles {
        tables.push((Table::Patents, "SELECT patent_id, 'utility' AS patent_type, make_date(grant_year, 1, 1) AS grant_date, CAST(NULL AS DATE) AS filing_date, CAST(NULL AS INT) AS filing_year, CAST(NULL AS VARCHAR) AS application_id, title, 'B2' AS wipo_kind, CAST(NULL AS INT) AS num_claims, false AS withdrawn, grant_year FROM mem_patents"));
        tables.push((Table::CpcTitle, "SELECT code, level, title FROM mem_titles"));
    }
    publish_as_ingest(
        &ingest,
        vec![
            ("mem_cpc", cpc_batch),
            ("mem_citations", citation_batch),
            ("mem_patents", patent_batch),
            ("mem_titles", title_batch),
        ],
        &tables,
    )
    .await;
    let label_batch = batch(vec![
        ("patent_id", strings(&PATENTS.iter().map(|p| p.0).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(PATENTS.iter().map(|p| p.1).collect::<Vec<_>>()))),
        ("forward_citations", Arc::new(Int64Array::from(PATENTS.iter().map(|p| p.2).collect::<Vec<_>>()))),
        ("label", Arc::new(StringArray::from(PATENTS.iter().map(|p| p.3).collect::<Vec<_>>()))),
    ]);
    publish_as(
        "labels",
        Default::default(),
        &labels,
        vec![("mem_labels", label_batch)],
        &[(Table::ImpactLabels, "SELECT patent_id, 'X' AS field, forward_citations, DATE '2020-01-01' AS window_end, label IS NOT NULL AS window_complete, CAST(NULL AS BIGINT) AS group_size, CAST(NULL AS BIGINT) AS citation_rank, label, grant_year FROM mem_labels")],
    )
    .await;
    // E1 moves from {A01B, B65D} to {A01B, G06N}; E2 stays; E3 adds A61K; E4 (train split) stays.
    let exploration = batch(vec![
        ("patent_id", strings(&["E1", "E2", "E3", "E4"])),
        ("split", strings(&["test", "test", "test", "train"])),
        ("l1", Arc::new(BooleanArray::from(vec![true, false, false, true]))),
        ("original_codes", lists(&[&["A01B", "B65D"], &["H04L"], &["C07D"], &["A01B"]])),
        ("reconstructed_codes", lists(&[&["A01B"], &["H04L"], &["A61K"], &["A01B"]])),
        ("start_probability", Arc::new(Float64Array::from(vec![0.7, 0.6, 0.2, 0.1]))),
        ("end_probability", Arc::new(Float64Array::from(vec![0.9, 0.85, 0.5, 0.3]))),
        ("iterations", Arc::new(Int32Array::from(vec![3, 2, 30, 30]))),
        ("reached_threshold", Arc::new(BooleanArray::from(vec![true, true, false, false]))),
        ("latent_distance", Arc::new(Float64Array::from(vec![1.0, 0.5, 2.0, 2.0]))),
        ("greedy_codes", lists(&[&["A01B", "G06N"], &["H04L"], &["C07D", "A61K"], &["A01B"]])),
        ("beam_codes", lists(&[&["A01B", "G06N"], &["H04L"], &["C07D", "A61K"], &["A01B"]])),
        ("new_codes", lists(&[&["A01B", "G06N"], &["H04L"], &["C07D", "A61K"], &["A01B"]])),
        ("added_codes", lists(&[&["G06N"], &[], &["A61K"], &[]])),
        ("removed_codes", lists(&[&["B65D"], &[], &[], &[]])),
    ]);
    let paths = batch(vec![
        ("patent_id", strings(&["E1", "E1"])),
        ("step", Arc::new(Int32Array::from(vec![0, 1]))),
        ("probability", Arc::new(Float64Array::from(vec![0.7, 0.9]))),
        ("pc1", Arc::new(Float64Array::from(vec![0.0, 1.0]))),
        ("pc2", Arc::new(Float64Array::from(vec![0.0, 0.5]))),
    ]);
    let explored = schemas::metrics::ExploreMetrics {
        device: "cpu".into(),
        code_level: "subclass".into(),
        explored: 1,
        reached_threshold: 1,
        step_size: 0.1,
        iterations: 1,
        threshold: 0.9,
        step_past_threshold: false,
        cited_only: false,
        decoding: "greedy".into(),
        beam_width: 1,
        mean_start_probability: 0.7,
        mean_end_probability: 0.9,
    };
    let serde_json::Value::Object(metrics) = serde_json::to_value(explored).unwrap() else { unreachable!() };
    publish_as(
        "explore",
        metrics,
        &explore,
        vec![("mem_exploration", exploration), ("mem_paths", paths)],
        &[(Table::Exploration, "SELECT * FROM mem_exploration"), (Table::ExplorationPaths, "SELECT * FROM mem_paths")],
    )
    .await;
    (ingest, labels, explore)
}

#[tokio::test]
async fn hand_built_citation_network() {
    let tmp = tempfile::tempdir().unwrap();
    let (ingest, labels, explore) = publish_inputs(tmp.path(), false).await;
    let output = StoreLocation::parse(tmp.path().join("validation").to_str().unwrap()).unwrap();
    let options = ValidateOptions { macro_years: 2, report: true, engine: EngineOptions::default(), fingerprint: None };
    let published =
        run(&ValidateInputs { ingest: &ingest, labels: &labels, explore: &explore }, &output, &options).await.unwrap();
    let ctx =
        pipeline_tests::published_tables(&output, &[Table::MicroCiting, Table::MacroDomains, Table::ValidationSummary])
            .await;

    // Micro: Jaccard of each citing patent's codes with the original and the new code set.
    // C1 {A01B,G06N}: original {A01B,B65D} 1/3, new {A01B,G06N} 1 -> shifted
    // C2 {B65D}: 1/2 and 0 -> remained; C3 {G06N,H04L}: 0 and 1/3 -> shifted
    // C2 on E2 {H04L}: 0 and 0 -> remained; C4 has no codes; C5 {C07D} on E3: 1 and 1/2 -> remained
    let rows = query(&ctx, "SELECT patent_id, citing_patent_id, round(jaccard_original, 4), round(jaccard_new, 4), \"group\" FROM micro_citing ORDER BY 1, 2").await;
    let want = [
        ["E1", "C1", "0.3333", "1.0", "shifted"],
        ["E1", "C2", "0.5", "0.0", "remained"],
        ["E1", "C3", "0.0", "0.3333", "shifted"],
        ["E2", "C2", "0.0", "0.0", "remained"],
        ["E3", "C5", "1.0", "0.5", "remained"],
    ];
    assert_eq!(rows, want.map(|r| r.map(String::from).to_vec()).to_vec());

    let summary: std::collections::BTreeMap<(String, String, String), f64> =
        query(&ctx, "SELECT section, \"group\", metric, value FROM validation_summary")
            .await
            .into_iter()
            .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].parse::<f64>().unwrap_or(f64::NAN)))
            .collect();
    let stat = |section: &str, group: &str, metric: &str| {
        *summary
            .get(&(section.into(), group.into(), metric.into()))
            .unwrap_or_else(|| panic!("{section} {group} {metric}"))
    };
    let close = |got: f64, want: f64, what: &str| assert!((got - want).abs() < 1e-6, "{what}: {got} vs {want}");

    // Shifted forward citations [10, 6], remained [1, 1, 0]: every shifted above every remained,
    // U = 6 of 6 pairs; ties {1, 1}: variance 2 x 3 / 12 x (6 - 6 / 20) = 2.85,
    // z = (6 - 3 - 0.5) / sqrt(2.85) = 1.48087, p = erfc(z / sqrt 2) = 0.138641.
    // Reliability extras. The test split: E1 L1 at 0.7 (TP), E2 L2 at 0.6 (FP), E3 L2 at 0.2 (TN).
    close(stat("reliability", "test split", "specificity"), 0.5, "TN / (TN + FP)");
    close(stat("reliability", "test split", "negative_predictive_value"), 1.0, "TN / (TN + FN)");
    close(stat("reliability", "L2", "f1"), 2.0 / 3.0, "L2 F1: 2 TN / (2 TN + FN + FP)");
    // precision L1 1/2, L2 1; supports L1 1, L2 2: macro 3/4, weighted (1/2 + 2) / 3
    close(stat("reliability", "test split", "macro_precision"), 0.75, "macro precision");
    close(stat("reliability", "test split", "weighted_precision"), 2.5 / 3.0, "weighted precision");
    // recall L1 1, L2 1/2: weighted (1 + 1) / 3
    close(stat("reliability", "test split", "weighted_recall"), 2.0 / 3.0, "weighted recall");
    // BLEU-1: E1 [A01B, B65D] -> [A01B]: 1/1 x exp(1 - 2/1); E2 [H04L] -> [H04L]: 1; E3 [C07D] -> [A61K]: 0
    close(stat("reliability", "test split", "reconstruction_bleu1"), ((-1f64).exp() + 1.0) / 3.0, "BLEU-1");
    close(stat("micro", "shifted vs remained", "mann_whitney_u"), 6.0, "U");
    close(stat("micro", "shifted vs remained", "common_language_effect"), 1.0, "A");
    close(stat("micro", "shifted vs remained", "mann_whitney_z"), 1.480_872, "z");
    close(stat("micro", "shifted vs remained", "mann_whitney_p"), 0.138_641, "p");
    close(stat("micro", "shifted", "mean_forward_citations"), 8.0, "shifted mean");
    close(stat("micro", "remained", "mean_forward_citations"), 2.0 / 3.0, "remained mean");
    // L1 share among labelled citing patents: shifted C1, C3 both L1; remained C2 twice L2, C5 unlabelled.
    close(stat("micro", "shifted", "l1_share"), 1.0, "shifted L1");
    close(stat("micro", "remained", "l1_share"), 0.0, "remained L1");
    close(stat("micro", "remained", "labelled"), 2.0, "remained labelled");

    // Reliability on the test split (E1, E2, E3): Jaccard 1/2, 1, 0 -> 1/2; P > 0.5 predicts
    // E1 (L1: TP) and E2 (L2: FP), not E3 (L2: TN): accuracy 2/3, precision 1/2, recall 1,
    // F1 2/3; AUC: the one L1 (0.7) above both L2 (0.6, 0.2) -> 1.
    close(stat("reliability", "test split", "examples"), 3.0, "examples");
    close(stat("reliability", "test split", "reconstruction_jaccard"), 0.5, "Jaccard");
    close(stat("reliability", "test split", "accuracy"), 2.0 / 3.0, "accuracy");
    close(stat("reliability", "test split", "precision"), 0.5, "precision");
    close(stat("reliability", "test split", "recall"), 1.0, "recall");
    close(stat("reliability", "test split", "f1"), 2.0 / 3.0, "F1");
    close(stat("reliability", "test split", "roc_auc"), 1.0, "AUC");

    // Macro, window 2 years. E1 (2010) new G06N: after (2010, 2012] P1, P2, C1, C3 -> 4 patents,
    // forward 4 + 2 + 10 + 6 = 22 -> 5.5, L1 P1, C1, C3 of 4 labelled -> 3/4; before (2008, 2010]
    // P4 -> growth 4. E1 original A01B: after C1 (10, L1) and E4 (0, L1) -> mean 5; before E1
    // itself -> growth 2.
    // E1 original B65D: after C2 (1, L2), before E1 -> growth 1. E3 (2012) new A61K: no patent.
    let macro_rows = query(&ctx, "SELECT patent_id, role, code, patents_after, patents_before, mean_forward_citations, l1_share, growth FROM macro_domains ORDER BY 1, 2, 3").await;
    let find = |id: &str, role: &str, code: &str| {
        macro_rows
            .iter()
            .find(|r| r[0] == id && r[1] == role && r[2] == code)
            .unwrap_or_else(|| panic!("{id} {role} {code}: {macro_rows:?}"))
            .clone()
    };
    assert_eq!(find("E1", "new", "G06N")[3..], ["4", "1", "5.5", "0.75", "4.0"]);
    assert_eq!(find("E1", "original", "A01B")[3..], ["2", "1", "5.0", "1.0", "2.0"]);
    assert_eq!(find("E1", "original", "B65D")[3..], ["1", "1", "1.0", "0.0", "1.0"]);
    assert_eq!(find("E3", "new", "A61K")[3..5], ["0", "0"]);
    assert_eq!(find("E3", "new", "A61K")[5..], ["", "", ""], "no patents: undefined impact");
    // Rows: new G06N (E1), A61K (E3); original A01B, B65D (E1), H04L (E2), C07D (E3), A01B (E4).
    assert_eq!(macro_rows.len(), 7);
    // Paired comparison: only E1 has both a defined new (5.5) and original (mean of 5 and 1 = 3)
    // domain impact, and its new domain is the more cited.
    close(stat("macro", "new vs original", "explored_patents_compared"), 1.0, "compared");
    close(stat("macro", "new vs original", "share_new_domains_more_cited"), 1.0, "share");
    // The signed-rank test of that one pair (difference +2.5): rank 1 positive, W+ = 1, W- = 0; the
    // exact two-sided p of one pair is 2 x P(W <= 0) = 2 x 1/2 = 1.
    close(stat("macro", "new vs original", "wilcoxon_w_plus"), 1.0, "W+");
    close(stat("macro", "new vs original", "wilcoxon_w_minus"), 0.0, "W-");
    close(stat("macro", "new vs original", "wilcoxon_p"), 1.0, "Wilcoxon p");
    close(stat("macro", "new vs original", "matched_pairs_rank_biserial"), 1.0, "r");

    // The report and its plots were written.
    let report = tmp.path().join("validation").join(&published.run_prefix).join("report");
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    let stems = ["micro_forward_citations", "macro_forward_citations", "search_probability", "latent_paths"];
    let plots: Vec<String> = stems.iter().flat_map(|s| [format!("{s}.svg"), format!("{s}.png")]).collect();
    for plot in &plots {
        assert!(html.contains(&format!("\"{plot}\"")), "{plot} is shown or linked");
        assert!(published.metrics["report"].to_string().contains(&format!("report/{plot}")), "{plot} is listed");
    }
    pipeline_tests::assert_plots(&report, &plots);
    // Without `patents` and `cpc_title` the report still lists the opportunities, untitled: E1
    // (gain 0.9 - 0.7 = 0.2) after E3 (0.5 - 0.2 = 0.3); E2 and E4 added no code.
    assert!(
        html.contains("<td>ingest</td><td><code>cpc_title</code></td><td class=\"n\">not published</td>"),
        "{html}"
    );
    let opportunities = html.split("id=\"opportunities\"").nth(1).unwrap().split("</section>").next().unwrap();
    let listed: Vec<&str> =
        opportunities.split("<tr><td class=\"n\">").skip(1).map(|r| r.split("<td>").nth(1).unwrap()).collect();
    assert_eq!(listed, ["E3</td>", "E1</td>"]);
    assert!(!opportunities.contains("cpc-title"));
    // Numbers by kind: the micro p-value 0.138641 in scientific notation, counts whole, scores to
    // four significant digits.
    assert!(html.contains("<td>mann_whitney_p</td><td class=\"n\">1.4e-01</td>"), "{html}");
    assert!(html.contains("<td>examples</td><td class=\"n\">3</td>"));
    assert!(html.contains("<td>f1</td><td class=\"n\">0.6667</td>"));
}

/// The report as a browser shows it: headless Chromium loads `index.html` without a console
/// message (a JavaScript error, a failed resource the page asks the console about) and its DOM
/// holds every section, the titles next to the codes and the figures, whose PNGs exist. The same
/// check run first on a page with a script error must fail, so a silent browser cannot pass it.
#[tokio::test]
async fn report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();

    let broken = tmp.path().join("broken.html");
    std::fs::write(
        &broken,
        "<!DOCTYPE html><html><body><h1>x</h1><script>undefined_function();</script></body></html>",
    )
    .unwrap();
    let (_, console) = load(&chromium, &broken, tmp.path());
    assert!(!console.is_empty(), "the console check sees a script error");

    let (ingest, labels, explore) = publish_inputs(tmp.path(), true).await;
    let output = StoreLocation::parse(tmp.path().join("validation").to_str().unwrap()).unwrap();
    let options = ValidateOptions { macro_years: 2, report: true, engine: EngineOptions::default(), fingerprint: None };
    let published =
        run(&ValidateInputs { ingest: &ingest, labels: &labels, explore: &explore }, &output, &options).await.unwrap();
    let report = tmp.path().join("validation").join(&published.run_prefix).join("report");
    let (dom, console) = load(&chromium, &report.join("index.html"), tmp.path());
    assert!(console.is_empty(), "console messages while loading the report: {console:#?}");
    for heading in [
        "Validation report",
        "Overview",
        "Main findings",
        "Model scores",
        "Inputs",
        "Settings",
        "Top suggested opportunities",
        "Model reliability",
        "Micro-validation",
        "Macro-validation",
        "Exploration",
    ] {
        assert!(dom.contains(&format!(">{heading}</h")), "heading {heading} missing from the DOM");
    }
    // E1's search added G06N (titled) to A01B (titled) and B65D (no title in the file); E3's added A61K.
    let e1 = dom.split("<td>E1</td>").nth(1).expect("E1 is an opportunity").split("</tr>").next().unwrap();
    assert!(e1.contains("<code>G06N</code> <span class=\"cpc-title\">Computing arrangements based on specific computational models</span>"), "{e1}");
    assert!(
        e1.contains("<code>A01B</code> <span class=\"cpc-title\">Soil working in agriculture or forestry</span>"),
        "{e1}"
    );
    assert!(e1.contains("<code>B65D</code></li>"), "no title, no span: {e1}");
    assert!(e1.contains("Harvester with a sensor"), "the patent's title: {e1}");
    // The findings state the micro comparison counted by hand in hand_built_citation_network.
    assert!(dom.contains(
        "received 8.000 forward citations on average against 0.6667 for those that remained (Mann-Whitney p = 1.4e-01)"
    ));
    // Every image the page shows is a PNG beside it.
    let images: Vec<&str> = dom.split("<img src=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect();
    assert_eq!(images.len(), 4, "{images:?}");
    for image in images {
        assert!(std::fs::read(report.join(image)).unwrap().starts_with(b"\x89PNG"), "{image}");
    }
}

/// The Chromium binary: `$CHROMIUM`, or `chromium` / `chromium-browser` on the PATH. Without one
/// the test fails, unless `tests/run.sh` could not install it and said why in
/// `REPORT_BROWSER_UNAVAILABLE`: then it is skipped with that reason.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::var_os("CHROMIUM").into_iter().map(std::path::PathBuf::from).chain(
        std::env::split_paths(&path).flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name))),
    );
    if let Some(found) = candidates.into_iter().find(|p| p.is_file()) {
        return Some(found);
    }
    match std::env::var("REPORT_BROWSER_UNAVAILABLE") {
        Ok(reason) => {
            eprintln!("SKIPPED report_renders_in_headless_chromium: {reason}");
            None
        }
        Err(_) => panic!(
            "no chromium found ($CHROMIUM, or chromium on the PATH): install it (`apt-get install chromium`; \
             tests/run.sh does)"
        ),
    }
}

/// Loads `page` in headless Chromium; returns the DOM after load and the console messages it logged.
fn load(chromium: &std::path::Path, page: &std::path::Path, scratch: &std::path::Path) -> (String, Vec<String>) {
    let (profile, files) = (tempfile::tempdir_in(scratch).unwrap(), tempfile::tempdir_in(scratch).unwrap());
    let (dom, log) = (files.path().join("dom.html"), files.path().join("stderr.log"));
    let mut child = std::process::Command::new(chromium)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &format!("file://{}", page.display())])
        .stdout(std::fs::File::create(&dom).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("starting chromium");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("chromium did not finish loading {} within 120 s", page.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "chromium failed: {stderr}");
    // Chromium logs each console message as `[...:INFO:CONSOLE(line)] "message", source: ...`.
    let console =
        stderr.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).map(String::from).collect();
    (std::fs::read_to_string(&dom).unwrap(), console)
}

/// The same corpus through the validate binary on Ballista started inside its process (`--engine
/// standalone`: distributed plans, shuffles, the project's functions on executors) publishes the
/// same tables as through the binary on the local engine.
#[tokio::test]
async fn standalone_ballista_equals_the_local_engine() {
    let tmp = tempfile::tempdir().unwrap();
    publish_inputs(tmp.path(), false).await;
    let path = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let inputs = ["ingest", "labels", "explore"].map(|name| ["--input".to_string(), path(name)]).concat();
    for (output, engine) in [("local", "local"), ("ballista", "standalone")] {
        let mut args: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let output = path(output);
        args.extend([
            "--output",
            &output,
            "--engine",
            engine,
            "--target-partitions",
            "1",
            "--no-report",
            "--macro-years",
            "2",
        ]);
        pipeline_tests::run_ok("validate", &args, &[]);
    }
    let compared = pipeline_tests::assert_same_outputs(
        &pipeline_tests::at(&path("local")),
        &pipeline_tests::at(&path("ballista")),
    )
    .await;
    let rows = |table: &str| compared.iter().find(|(name, _)| name == table).map_or(0, |(_, rows)| *rows);
    assert_eq!(rows("micro_citing"), 5, "{compared:?}");
    assert_eq!(rows("macro_domains"), 7, "{compared:?}");
}

/// The validation queries, pinned as snapshots (`tests/snapshots/`; `INSTA_UPDATE=always cargo test
/// -p validate --test hand_built sql_snapshots` rewrites them).
mod sql_snapshots {
    use validate::sql;

    #[test]
    fn queries() {
        insta::assert_snapshot!("reliability", sql::reliability());
        insta::assert_snapshot!("micro_citing", sql::micro_citing("explored_codes"));
        insta::assert_snapshot!("macro_domains", sql::macro_domains("explored_codes", 5));
        insta::assert_snapshot!("paths_shown", sql::paths_shown(12));
        insta::assert_snapshot!("top_opportunities", sql::top_opportunities(20, true));
        insta::assert_snapshot!("titles_of", sql::titles_of(&["G06N", "A01B", "G06N", "O'X"]));
        for (name, query) in [
            ("scores", sql::SCORES),
            ("micro_groups", sql::MICRO_GROUPS),
            ("micro_counts", sql::MICRO_COUNTS),
            ("macro_roles", sql::MACRO_ROLES),
            ("macro_paired", sql::MACRO_PAIRED),
            ("micro_forward", sql::MICRO_FORWARD),
            ("macro_forward", sql::MACRO_FORWARD),
        ] {
            insta::assert_snapshot!(name, query);
        }
    }
}
