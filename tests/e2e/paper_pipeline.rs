//! `pipeline/paper.toml`, the reference paper's method, end to end on the default sample beside
//! the default manifest's data stages, with the paper model's training bounded (3 epochs, 5 % of
//! the labelled patents: this test is about the wiring and the paper's rules, not the model's
//! quality): the labels follow the pooled strict-quantile rule, the split is stratified,
//! only cited test patents are explored, only the searches that reached the threshold are
//! validated, and the exact-set inclusion ratios shrink from section to main group, as nesting
//! requires.

use pipeline_tests::{at, published_tables, query, run_ok, workspace_root};
use schemas::Table;
use stage_runtime::read_published;

#[tokio::test]
async fn paper_manifest_runs_end_to_end() {
    // The paper config with 3 epochs (1 of them without the prediction loss) instead of 30 (10): on
    // 2 cores the full config trains at about 19 patents a second (README), hours on this sample.
    let tmp = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(workspace_root().join("stages/train/configs/paper.toml")).unwrap();
    let short = config
        .replace("\nepochs = 30\n", "\nepochs = 3\n")
        .replace("\npretrain_epochs = 10\n", "\npretrain_epochs = 1\n");
    assert!(
        short.contains("\nepochs = 3\n") && short.contains("\npretrain_epochs = 1\n"),
        "the paper config trains 30 epochs, 10 of them pretraining"
    );
    let config_path = tmp.path().join("paper-short.toml");
    std::fs::write(&config_path, short).unwrap();
    let paper = std::fs::read_to_string(workspace_root().join("pipeline/paper.toml")).unwrap();
    let bounded = paper.replace(
        r#"args = ["--config", "paper", "--device", "cpu"]"#,
        &format!(r#"args = ["--config", "{}", "--device", "cpu", "--sample-share", "0.05"]"#, config_path.display()),
    );
    assert_ne!(bounded, paper, "the paper manifest's train stage runs --config paper on the CPU");
    let manifest_path = tmp.path().join("paper-bounded.toml");
    std::fs::write(&manifest_path, bounded).unwrap();
    let root = tmp.path().join("data");
    let (manifest, root_arg) = (manifest_path.to_str().unwrap(), root.to_str().unwrap());
    let first = run_ok("pipeline", &["run", manifest, "--root", root_arg], &[]);
    assert!(first.contains("8 ran"), "{first}");
    let dir = |name: &str| at(root.join(name).to_str().unwrap());

    // Labels: one pool, calendar-year windows, L1 strictly above the 90th percentile.
    let labels = read_published(&dir("labels-paper")).await.unwrap().unwrap();
    assert_eq!(labels.metrics["field"], "all");
    assert_eq!(labels.metrics["rule"], "above-quantile");
    assert_eq!(labels.metrics["window"], "calendar-years");
    let ctx = published_tables(&dir("labels-paper"), &[Table::ImpactLabels]).await;
    let shares = query(
        &ctx,
        "SELECT count(*) FILTER (WHERE label = 'L1'), count(label),
                min(forward_citations) FILTER (WHERE label = 'L1'), max(forward_citations) FILTER (WHERE label = 'L2')
         FROM impact_labels",
    )
    .await;
    let n = |i: usize| shares[0][i].parse::<f64>().unwrap();
    assert!(n(0) > 0.0 && n(0) <= 0.1 * n(1), "at most 10 % above the 90th percentile: {shares:?}");
    assert!(n(2) > n(3), "every L1 cited more than every L2 (one pooled cut): {shares:?}");

    // Train: main-group codes (explore records the model's level), a stratified split (the test
    // share within each label).
    let exploration = read_published(&dir("exploration-paper")).await.unwrap().unwrap();
    assert_eq!(exploration.metrics["code_level"], "main-group", "{:?}", exploration.metrics);
    assert_eq!(exploration.metrics["cited_only"], true);
    assert_eq!(exploration.metrics["step_past_threshold"], true);
    let split_ctx = published_tables(&dir("model-paper"), &[Table::ModelSplit]).await;
    let split = query(
        &split_ctx,
        "SELECT l1, CAST(count(*) FILTER (WHERE split = 'test') AS DOUBLE) / count(*) FROM model_split GROUP BY l1",
    )
    .await;
    assert_eq!(split.len(), 2, "{split:?}");
    for row in &split {
        let share: f64 = row[1].parse().unwrap();
        assert!((share - 0.1).abs() < 0.03, "test share of l1 = {}: {share}", row[0]);
    }

    // Explore: only cited test patents, greedy, one step past the threshold.
    let explore_ctx = published_tables(&dir("exploration-paper"), &[Table::Exploration]).await;
    explore_ctx.register_table("impact_labels", ctx.table_provider("impact_labels").await.unwrap()).unwrap();
    let explored = query(
        &explore_ctx,
        "SELECT count(*), count(*) FILTER (WHERE l.forward_citations = 0 OR e.split <> 'test'),
                count(*) FILTER (WHERE e.reached_threshold)
         FROM exploration e JOIN impact_labels l ON l.patent_id = e.patent_id",
    )
    .await;
    assert!(explored[0][0].parse::<u64>().unwrap() > 0, "{explored:?}");
    assert_eq!(explored[0][1], "0", "only cited test patents: {explored:?}");

    // Validate: only the searches that reached the threshold; exact sets at four levels.
    let validation = dir("validation-paper");
    let vctx = published_tables(&validation, &[Table::MicroExact, Table::ValidationSummary]).await;
    vctx.register_table("exploration", explore_ctx.table_provider("exploration").await.unwrap()).unwrap();
    let unreached = query(
        &vctx,
        "SELECT count(*) FROM micro_exact m JOIN exploration e ON e.patent_id = m.patent_id WHERE NOT e.reached_threshold",
    )
    .await;
    assert_eq!(unreached[0][0], "0", "--reached-only");
    let inclusion = query(
        &vctx,
        "SELECT \"group\", metric, value FROM validation_summary
         WHERE section = 'micro-exact' AND metric IN ('inclusion_ratio', 'explored_patents')
           AND \"group\" IN ('section', 'class', 'subclass', 'main-group')",
    )
    .await;
    let value = |level: &str, metric: &str| -> f64 {
        inclusion.iter().find(|r| r[0] == level && r[1] == metric).unwrap_or_else(|| panic!("{level}: {inclusion:?}"))
            [2]
        .parse()
        .unwrap()
    };
    let reached: f64 = explored[0][2].parse().unwrap();
    assert_eq!(value("main-group", "explored_patents"), reached, "reached searches");
    // A citing patent equal to the generated set at a level is equal to it at every coarser level
    // (a barely trained predictor may leave no search reaching the threshold: then nothing to rank).
    if reached > 0.0 {
        let ratios: Vec<f64> =
            ["section", "class", "subclass", "main-group"].iter().map(|l| value(l, "inclusion_ratio")).collect();
        assert!(ratios.windows(2).all(|w| w[0] >= w[1]), "inclusion shrinks toward finer levels: {ratios:?}");
    }
}
