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

/// A hand-built corpus: patents (codes at the model's level), citations, the explore stage's
/// `exploration` rows and the model's code level.
struct Network {
    patents: &'static [PatentRow],
    citations: &'static [(&'static str, &'static str)],
    exploration: RecordBatch,
    code_level: &'static str,
}

/// Publishes `network` as ingest's, the labels stage's and the explore stage's outputs under `root`
/// (a patent's labels row has a complete window exactly when it has a label); with `titles`,
/// ingest's output also has `patents` (titled) and `cpc_title`, which the report reads when they
/// are there. Codes are subclasses or main groups; the coarser levels are their first characters.
async fn publish_network(
    root: &std::path::Path,
    network: Network,
    titles: bool,
) -> (StoreLocation, StoreLocation, StoreLocation) {
    let at = |name: &str| StoreLocation::parse(root.join(name).to_str().unwrap()).unwrap();
    let (ingest, labels, explore) = (at("ingest"), at("labels"), at("explore"));
    let patents = network.patents;
    let cpc: Vec<(&str, i32, &str, i32)> = patents
        .iter()
        .flat_map(|(id, year, _, _, codes)| codes.iter().enumerate().map(move |(i, c)| (*id, i as i32, *c, *year)))
        .collect();
    let cpc_batch = batch(vec![
        ("patent_id", strings(&cpc.iter().map(|r| r.0).collect::<Vec<_>>())),
        ("cpc_sequence", Arc::new(Int32Array::from(cpc.iter().map(|r| r.1).collect::<Vec<_>>()))),
        ("code", strings(&cpc.iter().map(|r| r.2).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(cpc.iter().map(|r| r.3).collect::<Vec<_>>()))),
    ]);
    let year_of = |id: &str| patents.iter().find(|p| p.0 == id).unwrap().1;
    let citations = network.citations;
    let citation_batch = batch(vec![
        ("patent_id", strings(&citations.iter().map(|c| c.0).collect::<Vec<_>>())),
        ("cited_patent_id", strings(&citations.iter().map(|c| c.1).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(citations.iter().map(|c| year_of(c.0)).collect::<Vec<_>>()))),
    ]);
    let patent_batch = batch(vec![
        ("patent_id", strings(&patents.iter().map(|p| p.0).collect::<Vec<_>>())),
        (
            "title",
            strings(
                &patents.iter().map(|p| if p.0 == "E1" { "Harvester with a sensor" } else { p.0 }).collect::<Vec<_>>(),
            ),
        ),
        ("grant_year", Arc::new(Int32Array::from(patents.iter().map(|p| p.1).collect::<Vec<_>>()))),
    ]);
    let title_batch = batch(vec![
        ("code", strings(&TITLES.map(|t| t.0))),
        ("level", strings(&TITLES.map(|t| t.1))),
        ("title", strings(&TITLES.map(|t| t.2))),
    ]);
    let mut tables = vec![
        (
            Table::Cpc,
            "SELECT patent_id, cpc_sequence, substr(code, 1, 1) AS cpc_section, substr(code, 1, 3) AS cpc_class, substr(code, 1, 4) AS cpc_subclass, CASE WHEN length(code) > 4 THEN code ELSE code || '1/00' END || '2' AS cpc_group, CASE WHEN length(code) > 4 THEN code ELSE code || '1/00' END AS cpc_main_group, 'inventional' AS cpc_type, grant_year FROM mem_cpc",
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
        ("patent_id", strings(&patents.iter().map(|p| p.0).collect::<Vec<_>>())),
        ("grant_year", Arc::new(Int32Array::from(patents.iter().map(|p| p.1).collect::<Vec<_>>()))),
        ("forward_citations", Arc::new(Int64Array::from(patents.iter().map(|p| p.2).collect::<Vec<_>>()))),
        ("label", Arc::new(StringArray::from(patents.iter().map(|p| p.3).collect::<Vec<_>>()))),
    ]);
    publish_as(
        "labels",
        Default::default(),
        &labels,
        vec![("mem_labels", label_batch)],
        &[(Table::ImpactLabels, "SELECT patent_id, 'X' AS field, forward_citations, DATE '2020-01-01' AS window_end, label IS NOT NULL AS window_complete, CAST(NULL AS BIGINT) AS group_size, CAST(NULL AS BIGINT) AS citation_rank, label, grant_year FROM mem_labels")],
    )
    .await;
    let explored_ids: Vec<String> = {
        use arrow::array::AsArray;
        network.exploration.column(0).as_string::<i32>().iter().map(|s| s.unwrap().to_string()).collect()
    };
    let paths = batch(vec![
        ("patent_id", strings(&[explored_ids[0].as_str(), explored_ids[0].as_str()])),
        ("step", Arc::new(Int32Array::from(vec![0, 1]))),
        ("probability", Arc::new(Float64Array::from(vec![0.7, 0.9]))),
        ("pc1", Arc::new(Float64Array::from(vec![0.0, 1.0]))),
        ("pc2", Arc::new(Float64Array::from(vec![0.0, 0.5]))),
    ]);
    let explored = schemas::metrics::ExploreMetrics {
        device: "cpu".into(),
        code_level: network.code_level.into(),
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
        vec![("mem_exploration", network.exploration), ("mem_paths", paths)],
        &[(Table::Exploration, "SELECT * FROM mem_exploration"), (Table::ExplorationPaths, "SELECT * FROM mem_paths")],
    )
    .await;
    (ingest, labels, explore)
}

/// Publishes the first network (subclass codes) under `root`; `titles` as in [`publish_network`].
async fn publish_inputs(root: &std::path::Path, titles: bool) -> (StoreLocation, StoreLocation, StoreLocation) {
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
    let network = Network { patents: &PATENTS, citations: &CITATIONS, exploration, code_level: "subclass" };
    publish_network(root, network, titles).await
}

/// Options of a validate run on a hand-built network: 2-year macro windows, filters as given.
fn options(report: bool, reached_only: bool, complete_windows_only: bool) -> ValidateOptions {
    ValidateOptions {
        macro_years: 2,
        reached_only,
        complete_windows_only,
        report,
        engine: EngineOptions::default(),
        fingerprint: None,
    }
}

#[tokio::test]
async fn hand_built_citation_network() {
    let tmp = tempfile::tempdir().unwrap();
    let (ingest, labels, explore) = publish_inputs(tmp.path(), false).await;
    let output = StoreLocation::parse(tmp.path().join("validation").to_str().unwrap()).unwrap();
    let options = options(true, false, false);
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

/// The second network, at the main-group level as the reference paper ran it: four explored
/// patents (X), their citing patents (Y) and patents in their exact-set domains (D).
const EXACT_PATENTS: [PatentRow; 16] = [
    ("X1", 2010, 2, Some("L2"), &["A01B1/00", "A01B3/00"]),
    ("X2", 2010, 5, Some("L1"), &["H04L9/00"]),
    ("X3", 2010, 1, Some("L2"), &["C07D1/00", "C07D5/00"]),
    ("X4", 2010, 0, Some("L2"), &["F16H1/00"]),
    ("Y1", 2012, 9, Some("L1"), &["A01B1/00", "G06N3/00"]),
    ("Y2", 2012, 4, Some("L2"), &["A01B2/00", "G06N7/00"]),
    ("Y3", 2012, 1, Some("L2"), &["A01B1/00", "A01B3/00"]),
    ("Y4", 2012, 0, Some("L2"), &["B65D1/00"]),
    ("Y5", 2012, 3, Some("L2"), &["H04L9/00"]),
    // Y6's citation window is incomplete: no label.
    ("Y6", 2012, 7, None, &["C07D1/00", "C07D9/00"]),
    ("Y7", 2012, 2, Some("L2"), &["C07D5/00", "C07D1/00"]),
    ("D1", 2011, 6, Some("L1"), &["G06N3/00", "A01B1/00"]),
    ("D2", 2011, 0, Some("L2"), &["A01B1/00", "A01B3/00"]),
    ("D3", 2011, 4, Some("L2"), &["F16H1/00"]),
    ("D4", 2011, 1, Some("L2"), &["F16H3/00"]),
    ("D5", 2011, 0, Some("L2"), &["C07D1/00", "C07D1/00"]),
];

const EXACT_CITATIONS: [(&str, &str); 8] =
    [("Y1", "X1"), ("Y2", "X1"), ("Y3", "X1"), ("Y4", "X1"), ("Y5", "X2"), ("Y6", "X3"), ("Y7", "X3"), ("Y7", "X3")];

/// Publishes the second network: X1 moves from {A01B1/00, A01B3/00} to {A01B1/00, G06N3/00}
/// (outside its set at every level); X2 stays; X3 narrows to {C07D1/00} (inside; its search did not
/// reach the threshold); X4 moves from F16H1/00 to F16H3/00 (outside at the main-group level only).
async fn publish_exact_inputs(root: &std::path::Path) -> (StoreLocation, StoreLocation, StoreLocation) {
    let original: [&[&str]; 4] = [&["A01B1/00", "A01B3/00"], &["H04L9/00"], &["C07D1/00", "C07D5/00"], &["F16H1/00"]];
    let new: [&[&str]; 4] = [&["A01B1/00", "G06N3/00"], &["H04L9/00"], &["C07D1/00"], &["F16H3/00"]];
    let exploration = batch(vec![
        ("patent_id", strings(&["X1", "X2", "X3", "X4"])),
        ("split", strings(&["test"; 4])),
        ("l1", Arc::new(BooleanArray::from(vec![false, true, false, false]))),
        ("original_codes", lists(&original)),
        ("reconstructed_codes", lists(&original)),
        ("start_probability", Arc::new(Float64Array::from(vec![0.4, 0.6, 0.2, 0.1]))),
        ("end_probability", Arc::new(Float64Array::from(vec![0.9, 0.85, 0.5, 0.8]))),
        ("iterations", Arc::new(Int32Array::from(vec![3, 2, 30, 12]))),
        ("reached_threshold", Arc::new(BooleanArray::from(vec![true, true, false, true]))),
        ("latent_distance", Arc::new(Float64Array::from(vec![1.0, 0.5, 2.0, 2.0]))),
        ("greedy_codes", lists(&new)),
        ("beam_codes", lists(&new)),
        ("new_codes", lists(&new)),
        ("added_codes", lists(&[&["G06N3/00"], &[], &[], &["F16H3/00"]])),
        ("removed_codes", lists(&[&["A01B3/00"], &[], &["C07D5/00"], &["F16H1/00"]])),
    ]);
    let network =
        Network { patents: &EXACT_PATENTS, citations: &EXACT_CITATIONS, exploration, code_level: "main-group" };
    publish_network(root, network, false).await
}

/// The summary of a validate run as `(section, group, metric) -> value` (NaN when undefined).
async fn summary_of(output: &StoreLocation) -> std::collections::BTreeMap<(String, String, String), f64> {
    let ctx = pipeline_tests::published_tables(output, &[Table::ValidationSummary]).await;
    query(&ctx, "SELECT section, \"group\", metric, value FROM validation_summary")
        .await
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].parse::<f64>().unwrap_or(f64::NAN)))
        .collect()
}

/// The reference paper's exact-set micro- and macro-validation at four levels, and the filters,
/// on the second network; every figure counted by hand in the comments.
#[tokio::test]
async fn exact_set_validation_at_four_levels() {
    let tmp = tempfile::tempdir().unwrap();
    let (ingest, labels, explore) = publish_exact_inputs(tmp.path()).await;
    let inputs = ValidateInputs { ingest: &ingest, labels: &labels, explore: &explore };
    let output = StoreLocation::parse(tmp.path().join("validation").to_str().unwrap()).unwrap();
    run(&inputs, &output, &options(false, false, false)).await.unwrap();
    let ctx = pipeline_tests::published_tables(&output, &[Table::MicroExact, Table::MacroExact]).await;

    // Matches (G: equals the generated set, O: the original one) per level, from the code sets:
    // X1 G {A01B1/00, G06N3/00}, O {A01B1/00, A01B3/00}: Y1 G at every level; Y2 {A01B2/00,
    // G06N7/00} G from the subclass up ({A01B, G06N}), no match at main group; Y3 O everywhere; Y4
    // never. X2 G = O = {H04L9/00}: Y5 both. X3 G {C07D1/00}, O {C07D1/00, C07D5/00}: Y6 {C07D1/00,
    // C07D9/00} no match at main group, both from the subclass up ({C07D}); Y7 (citing twice) O at
    // main group, both above. X4 has no citing patent.
    let rows = query(&ctx, "SELECT level, patent_id, citing_patent_id, equals_generated, equals_original, generated_outside_original FROM micro_exact WHERE level IN ('main-group', 'subclass') ORDER BY 1, 2, 3").await;
    let want = [
        ["main-group", "X1", "Y1", "true", "false", "true"],
        ["main-group", "X1", "Y3", "false", "true", "true"],
        ["main-group", "X2", "Y5", "true", "true", "false"],
        ["main-group", "X3", "Y7", "false", "true", "false"],
        ["subclass", "X1", "Y1", "true", "false", "true"],
        ["subclass", "X1", "Y2", "true", "false", "true"],
        ["subclass", "X1", "Y3", "false", "true", "true"],
        ["subclass", "X2", "Y5", "true", "true", "false"],
        ["subclass", "X3", "Y6", "true", "true", "false"],
        ["subclass", "X3", "Y7", "true", "true", "false"],
    ];
    assert_eq!(rows, want.map(|r| r.map(String::from).to_vec()).to_vec());
    // Section and class match as the subclass does here.
    let per_level = query(&ctx, "SELECT level, COUNT(*) FROM micro_exact GROUP BY level ORDER BY level").await;
    assert_eq!(
        per_level,
        [["class", "6"], ["main-group", "4"], ["section", "6"], ["subclass", "6"]]
            .map(|r| r.map(String::from).to_vec())
            .to_vec()
    );

    // Macro, at main group, other patents with exactly each set: X1 O {A01B1/00, A01B3/00}: Y3 (1),
    // D2 (0) -> 0.5; G {A01B1/00, G06N3/00}: Y1 (9), D1 (6) -> 7.5. X2 O = G {H04L9/00}: Y5 (3).
    // X3 O: Y7 (2); G {C07D1/00}: D5 (its repeated code is one code) (0). X4 O: D3 (4); G: D4 (1).
    let macro_rows = query(&ctx, "SELECT patent_id, original_set, generated_set, original_patents, original_mean_forward_citations, generated_patents, generated_mean_forward_citations FROM macro_exact ORDER BY 1").await;
    let want = [
        ["X1", "A01B1/00 A01B3/00", "A01B1/00 G06N3/00", "2", "0.5", "2", "7.5"],
        ["X2", "H04L9/00", "H04L9/00", "1", "3.0", "1", "3.0"],
        ["X3", "C07D1/00 C07D5/00", "C07D1/00", "1", "2.0", "1", "0.0"],
        ["X4", "F16H1/00", "F16H3/00", "1", "4.0", "1", "1.0"],
    ];
    assert_eq!(macro_rows, want.map(|r| r.map(String::from).to_vec()).to_vec());

    let summary = summary_of(&output).await;
    let stat = |section: &str, group: &str, metric: &str| {
        *summary
            .get(&(section.into(), group.into(), metric.into()))
            .unwrap_or_else(|| panic!("{section} {group} {metric}"))
    };
    let close = |got: f64, want: f64, what: &str| assert!((got - want).abs() < 1e-9, "{what}: {got} vs {want}");
    let micro = |group: &str, metric: &str| stat("micro-exact", group, metric);

    // Inclusion: explored patents with a citing patent equal to the generated set, of 4: X1, X2 at
    // main group; X1, X2, X3 above. Higher impact: of those, the ones whose matching citing patents'
    // mean forward citations exceed their own: main group X1 (9 > 2), not X2 (3 < 5) -> 1/2;
    // subclass X1 ((9 + 4) / 2 > 2), X3 ((7 + 2) / 2 > 1), not X2 -> 2/3.
    for (level, inclusion, higher) in [
        ("main-group", 0.5, 0.5),
        ("subclass", 0.75, 2.0 / 3.0),
        ("class", 0.75, 2.0 / 3.0),
        ("section", 0.75, 2.0 / 3.0),
    ] {
        close(micro(level, "explored_patents"), 4.0, level);
        close(micro(level, "inclusion_ratio"), inclusion, level);
        close(micro(level, "higher_impact_ratio"), higher, level);
    }
    // The population, the labelled patents (Y6 is not): X 2 5 1 0, Y 9 4 1 0 3 2, D 6 0 4 1 0, sorted
    // 0 0 0 0 1 1 1 2 2 3 4 4 5 6 9; q90 at position 14 x 0.9 = 12.6: 5 + 0.6 x (6 - 5) = 5.6;
    // above it 6 and 9: 2/15.
    close(micro("population", "labelled_patents"), 15.0, "population");
    close(micro("population", "forward_citations_q90"), 5.6, "q90");
    close(micro("population", "share_above_q90"), 2.0 / 15.0, "population share");
    // P_citing/shifted (generated outside the original): main group Y1 (9): 1 above the cut of 1;
    // binomial P(X >= 1 | 1, 2/15) = 2/15. Subclass Y1 (9), Y2 (4): mean 6.5, median 6.5, sd
    // sqrt(2 x 2.5^2) = sqrt(12.5); 1 of 2 above: P(X >= 1 | 2, 2/15) = 1 - (13/15)^2 = 56/225.
    close(micro("main-group shifted", "citing_patents"), 1.0, "shifted");
    close(micro("main-group shifted", "share_above_q90"), 1.0, "shifted share");
    close(micro("main-group shifted", "binomial_above_q90_p"), 2.0 / 15.0, "binomial");
    close(micro("subclass shifted", "explored_patents"), 1.0, "shifted X1");
    close(micro("subclass shifted", "mean_forward_citations"), 6.5, "mean");
    close(micro("subclass shifted", "median_forward_citations"), 6.5, "median");
    close(micro("subclass shifted", "sd_forward_citations"), 12.5f64.sqrt(), "sd");
    close(micro("subclass shifted", "share_above_q90"), 0.5, "share");
    close(micro("subclass shifted", "binomial_above_q90_p"), 56.0 / 225.0, "binomial");
    // P_citing/remained (equal to the original set): main group Y3 (1) of X1, Y5 (3) of X2, Y7 (2)
    // of X3; per explored patent 1, 3, 2: mean 2, sd 1. Subclass: Y3, Y5, Y6 (7), Y7 (2): X3's mean
    // 4.5; per patent 1, 3, 4.5: mean 17/6, median 3; 1 of the 4 citing patents (Y6) above 5.6.
    close(micro("main-group remained", "citing_patents"), 3.0, "remained");
    close(micro("main-group remained", "per_patent_mean_forward_citations"), 2.0, "per-patent mean");
    close(micro("main-group remained", "per_patent_sd_forward_citations"), 1.0, "per-patent sd");
    close(micro("subclass remained", "explored_patents"), 3.0, "remained patents");
    close(micro("subclass remained", "per_patent_mean_forward_citations"), 17.0 / 6.0, "per-patent mean");
    close(micro("subclass remained", "per_patent_median_forward_citations"), 3.0, "per-patent median");
    close(micro("subclass remained", "per_patent_max_forward_citations"), 4.5, "per-patent max");
    close(micro("subclass remained", "share_above_q90"), 0.25, "remained share");
    // Mann-Whitney, shifted against remained citing patents: main group 9 above 1, 3, 2 -> U 3 of 3;
    // subclass 9 above 1, 3, 7, 2 (4) and 4 above 1, 3, 2 (3) -> U 7 of 8.
    close(micro("main-group shifted vs remained", "mann_whitney_u"), 3.0, "U");
    close(micro("subclass shifted vs remained", "mann_whitney_u"), 7.0, "U");
    close(micro("subclass shifted vs remained", "common_language_effect"), 7.0 / 8.0, "A");

    // Macro pairs (generated set differs, both domains hold patents): X1 7.5 vs 0.5 (+7), X3 0 vs
    // 2 (-2), X4 1 vs 4 (-3); ranks of |d| 3, 1, 2: W+ 3, W- 3; mean generated 8.5/3, original 6.5/3.
    let macro_stat = |metric: &str| stat("macro-exact", "generated vs original", metric);
    close(macro_stat("explored_patents_compared"), 3.0, "pairs");
    close(macro_stat("share_new_domains_more_cited"), 1.0 / 3.0, "share");
    close(macro_stat("mean_new_domains"), 8.5 / 3.0, "generated");
    close(macro_stat("mean_original_domains"), 6.5 / 3.0, "original");
    close(macro_stat("wilcoxon_w_plus"), 3.0, "W+");
    close(macro_stat("wilcoxon_w_minus"), 3.0, "W-");
    // Exact two-sided p of W = 3 with n = 3: the 8 sign assignments give W+ 0 1 2 3 3 4 5 6, so
    // P(W+ <= 3) = 5/8 and p = min(1, 2 x 5/8) = 1.
    close(macro_stat("wilcoxon_p"), 1.0, "p");

    // Filters. Only searches that reached the threshold: X3 out, 3 explored; main group inclusion
    // X1, X2 -> 2/3; subclass remained Y3, Y5 -> 2 citing patents; macro pairs X1, X4.
    let reached = StoreLocation::parse(tmp.path().join("reached").to_str().unwrap()).unwrap();
    run(&inputs, &reached, &options(false, true, false)).await.unwrap();
    let summary = summary_of(&reached).await;
    let stat = |section: &str, group: &str, metric: &str| summary[&(section.into(), group.into(), metric.into())];
    close(stat("micro-exact", "main-group", "explored_patents"), 3.0, "reached");
    close(stat("micro-exact", "main-group", "inclusion_ratio"), 2.0 / 3.0, "reached inclusion");
    close(stat("micro-exact", "subclass remained", "citing_patents"), 2.0, "reached remained");
    close(stat("macro-exact", "generated vs original", "explored_patents_compared"), 2.0, "reached pairs");
    // Complete citation windows only: Y6 out; subclass remained Y3, Y5, Y7 (1, 3, 2), none above
    // 5.6; X3 still included (Y7).
    let complete = StoreLocation::parse(tmp.path().join("complete").to_str().unwrap()).unwrap();
    run(&inputs, &complete, &options(false, false, true)).await.unwrap();
    let summary = summary_of(&complete).await;
    let stat = |group: &str, metric: &str| summary[&("micro-exact".into(), group.into(), metric.into())];
    close(stat("subclass remained", "citing_patents"), 3.0, "complete remained");
    close(stat("subclass remained", "share_above_q90"), 0.0, "complete share");
    close(stat("subclass", "inclusion_ratio"), 0.75, "complete inclusion");
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
    let options = options(true, false, false);
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
        insta::assert_snapshot!("micro_citing", sql::micro_citing("explored_codes", false, false));
        insta::assert_snapshot!("macro_domains", sql::macro_domains("explored_codes", 5, false, false));
        insta::assert_snapshot!("micro_citing_filtered", sql::micro_citing("explored_codes", true, true));
        insta::assert_snapshot!("micro_exact", sql::micro_exact("cpc_main_group", false, false));
        insta::assert_snapshot!("macro_exact", sql::macro_exact("cpc_main_group", true, true));
        insta::assert_snapshot!("explored_count", sql::explored_count(true));
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
            ("micro_exact_counts", sql::MICRO_EXACT_COUNTS),
            ("micro_exact_patents", sql::MICRO_EXACT_PATENTS),
            ("micro_exact_remained_means", sql::MICRO_EXACT_REMAINED_MEANS),
            ("population_counts", sql::POPULATION_COUNTS),
            ("macro_exact_paired", sql::MACRO_EXACT_PAIRED),
            ("micro_exact_matches", sql::MICRO_EXACT_MATCHES),
        ] {
            insta::assert_snapshot!(name, query);
        }
    }
}
