//! The README's first command on a temporary root: the default manifest runs synth, ingest,
//! co-occurrence, similarity, labels, train, explore and validate; every generated row arrives in a
//! table or in `rejects`, the co-occurrence, similarity and label tables agree with ingest's, the
//! exploration and validation agree with independent queries, the files match the schema catalogue,
//! a second run skips everything, and a threshold sweep reuses the run and gathers its validations.

use std::collections::BTreeMap;

use parquet::arrow::parquet_to_arrow_schema;
use parquet::file::reader::{FileReader, SerializedFileReader};
use pipeline_tests::{assert_plots, at, published_tables, query, run_ok, workspace_root};
use schemas::Table;
use schemas::metrics::{
    CooccurrenceMetrics, IngestMetrics, LabelsMetrics, SimilarityMetrics, TrainMetrics, ValidateMetrics,
};
use stage_runtime::{StoreLocation, read_published};

#[tokio::test]
async fn default_manifest_runs_end_to_end_then_skips() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    let manifest = workspace_root().join("pipeline/default.toml");
    let (manifest, root_arg) = (manifest.to_str().unwrap(), root.to_str().unwrap());
    run_ok("pipeline", &["run", manifest, "--root", root_arg], &[]);

    let raw =
        read_published(&StoreLocation::parse(root.join("raw").to_str().unwrap()).unwrap()).await.unwrap().unwrap();
    let ingest_location = StoreLocation::parse(root.join("ingest").to_str().unwrap()).unwrap();
    let ingest = read_published(&ingest_location).await.unwrap().unwrap();

    // Nothing lost: each generated dump's rows are ingested rows plus rejected rows (the planted
    // ground truth beside the dumps is synth's own table, never ingested).
    let generated: BTreeMap<String, u64> = raw
        .tables
        .values()
        .filter(|t| t.format == "tsv.zip")
        .flat_map(|t| t.files.iter().map(|f| (f.path.clone(), f.rows)))
        .collect();
    assert!(raw.tables.contains_key("ground_truth"), "synth publishes its planted ground truth");
    let ingest_metrics: IngestMetrics = ingest.metrics_as().unwrap();
    let files = &ingest_metrics.files;
    assert_eq!(files.len(), generated.len());
    for (file, rows) in &generated {
        assert_eq!(files[file].rows + files[file].rejects, *rows, "{file}");
    }

    // The tables hold what the dumps hold.
    let ctx = published_tables(
        &at(root.join("ingest").to_str().unwrap()),
        &[Table::Patents, Table::Cpc, Table::Citations, Table::Claims, Table::Rejects],
    )
    .await;
    let patents: u64 = query(&ctx, "SELECT count(*) FROM patents").await[0][0].parse().unwrap();
    assert_eq!(patents, generated["g_patent.tsv.zip"] - files["g_patent.tsv.zip"].rejects);
    let orphan_claims = query(
        &ctx,
        "SELECT count(*) FROM claims c LEFT JOIN patents p ON c.patent_id = p.patent_id WHERE p.patent_id IS NULL",
    )
    .await;
    assert_eq!(orphan_claims[0][0], "0");
    let misplaced = query(
        &ctx,
        "SELECT count(*) FROM cpc c JOIN patents p ON c.patent_id = p.patent_id WHERE c.grant_year <> p.grant_year \
         OR c.grant_year <> date_part('year', p.grant_date)",
    )
    .await;
    assert_eq!(misplaced[0][0], "0", "rows sit in their patent's grant-year partition");

    // Co-occurrence: |P(t)| is the number of patents with codes granted up to t, every such patent
    // has its novelty row at each level, and the plots were written.
    let cooc_location = StoreLocation::parse(root.join("cooccurrence").to_str().unwrap()).unwrap();
    let cooc = read_published(&cooc_location).await.unwrap().unwrap();
    let stats = published_tables(
        &at(root.join("cooccurrence").to_str().unwrap()),
        &[Table::CpcPairStats, Table::PatentNovelty],
    )
    .await;
    let sizes = query(&stats, "SELECT DISTINCT year, patents FROM cpc_pair_stats ORDER BY year").await;
    let by_year =
        query(&ctx, "SELECT grant_year, count(DISTINCT patent_id) FROM cpc GROUP BY grant_year ORDER BY grant_year")
            .await;
    assert_eq!(sizes.len(), by_year.len(), "one |P| per year");
    let mut cumulative = 0u64;
    for (size, year) in sizes.iter().zip(&by_year) {
        cumulative += year[1].parse::<u64>().unwrap();
        assert_eq!((size[0].as_str(), size[1].parse::<u64>().unwrap()), (year[0].as_str(), cumulative));
    }
    let with_codes: u64 = query(&ctx, "SELECT count(DISTINCT patent_id) FROM cpc").await[0][0].parse().unwrap();
    for level in ["group", "subclass", "class"] {
        let rows = query(
            &stats,
            &format!("SELECT count(*), count(DISTINCT patent_id) FROM patent_novelty WHERE level = '{level}'"),
        )
        .await;
        assert_eq!(rows[0], vec![with_codes.to_string(), with_codes.to_string()], "{level}");
    }
    let cooc_metrics: CooccurrenceMetrics = cooc.metrics_as().unwrap();
    assert_plots(&root.join("cooccurrence").join(&cooc.run_prefix), &cooc_metrics.plots);

    // Similarity: one row per patent with a filing year and a kept term; a window's partners are
    // at most the patents with a kept term filed in its years, and all of them once the BIDF rests on
    // earlier years (a vector is empty only in the first year or when every term weighs 0); the
    // corpus's first years are flagged and out of the breakthrough ranking, which flags about 10%
    // of the rest; the log q plot was written.
    let sim_location = StoreLocation::parse(root.join("similarity").to_str().unwrap()).unwrap();
    let sim = read_published(&sim_location).await.unwrap().unwrap();
    let sim_ctx = published_tables(
        &at(root.join("similarity").to_str().unwrap()),
        &[Table::PatentTerms, Table::PatentSimilarity],
    )
    .await;
    let documents =
        query(&sim_ctx, "SELECT filing_year, count(DISTINCT patent_id) FROM patent_terms GROUP BY filing_year").await;
    let documents: BTreeMap<i32, u64> =
        documents.iter().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap())).collect();
    let first_year = *documents.keys().next().unwrap();
    let rows = query(
        &sim_ctx,
        "SELECT filing_year, count(*), max(bs_count), max(fs_count), sum(bs_count), bool_and(bs_incomplete), \
         bool_or(bs_incomplete), count(breakthrough) FILTER (WHERE bs_incomplete) FROM patent_similarity GROUP BY filing_year",
    )
    .await;
    assert_eq!(rows.len(), documents.len());
    let in_years = |years: std::ops::RangeInclusive<i32>| years.filter_map(|y| documents.get(&y)).sum::<u64>();
    let mut partners = (0u64, 0u64);
    for row in &rows {
        let year: i32 = row[0].parse().unwrap();
        let number = |i: usize| row[i].parse::<u64>().unwrap();
        assert_eq!(number(1), documents[&year], "{year}");
        let (backward, forward) = (in_years(year - 5..=year - 1), in_years(year + 1..=year + 10));
        assert!(
            number(2) <= backward && number(3) <= forward,
            "{year}: {row:?}, window patents {backward} and {forward}"
        );
        let incomplete = year - 5 < first_year;
        assert_eq!(row[5..7], [incomplete.to_string(), incomplete.to_string()], "{year}: bs_incomplete");
        assert_eq!(row[7], "0", "{year}: no breakthrough ranked on an incomplete backward window");
        if year > first_year + 5 {
            partners = (partners.0 + number(4), partners.1 + number(1) * in_years(year - 5..=year - 1));
        }
    }
    assert!(
        partners.0 as f64 >= 0.99 * partners.1 as f64,
        "backward partners once BIDF rests on earlier years: {partners:?}"
    );
    let breakthroughs =
        query(&sim_ctx, "SELECT count(*) FILTER (WHERE breakthrough), count(breakthrough) FROM patent_similarity")
            .await;
    let (flagged, rated): (f64, f64) = (breakthroughs[0][0].parse().unwrap(), breakthroughs[0][1].parse().unwrap());
    assert!(rated > 100.0 && (flagged / rated - 0.1).abs() < 0.02, "about 10% breakthroughs: {flagged} of {rated}");
    let sim_metrics: SimilarityMetrics = sim.metrics_as().unwrap();
    assert_plots(&root.join("similarity").join(&sim.run_prefix), &sim_metrics.plots);

    // Labels: one row per patent; the forward citations of the labelled patents add up to the
    // citations between distinct patents granted within five years after the cited one, and each
    // labelled field-year group has ceil(10%) L1 patents at most.
    let labels_location = StoreLocation::parse(root.join("labels").to_str().unwrap()).unwrap();
    let labels = read_published(&labels_location).await.unwrap().unwrap();
    let label_ctx = published_tables(&at(root.join("labels").to_str().unwrap()), &[Table::ImpactLabels]).await;
    let rows = query(&label_ctx, "SELECT count(*), count(label), count(*) FILTER (WHERE label = 'L1'), sum(forward_citations) FROM impact_labels").await;
    assert_eq!(rows[0][0], patents.to_string());
    assert!(rows[0][1].parse::<u64>().unwrap() > 500 && rows[0][2].parse::<u64>().unwrap() > 20, "{rows:?}");
    let label_metrics: LabelsMetrics = labels.metrics_as().unwrap();
    assert_plots(&root.join("labels").join(&labels.run_prefix), &label_metrics.plots);
    assert_eq!(
        [label_metrics.patents, label_metrics.labelled, label_metrics.l1].map(|n| n.to_string()),
        [&rows[0][0], &rows[0][1], &rows[0][2]].map(String::clone),
        "the manifest's counts are the table's"
    );
    let pairs = query(
        &ctx,
        "SELECT count(*) FROM (SELECT DISTINCT c.patent_id, c.cited_patent_id FROM citations c          JOIN patents citing ON citing.patent_id = c.patent_id JOIN patents cited ON cited.patent_id = c.cited_patent_id          WHERE citing.grant_date > cited.grant_date            AND citing.grant_date <= make_date(date_part('year', cited.grant_date) + 5, date_part('month', cited.grant_date),                least(date_part('day', cited.grant_date), CASE WHEN date_part('month', cited.grant_date) = 2 THEN 28 ELSE 31 END)))",
    )
    .await;
    assert_eq!(rows[0][3], pairs[0][0], "forward citations");
    let over = query(
        &label_ctx,
        "SELECT count(*) FROM (SELECT field, grant_year, count(*) AS n, count(*) FILTER (WHERE label = 'L1') AS l1          FROM impact_labels WHERE label IS NOT NULL GROUP BY field, grant_year) WHERE l1 * 10 > n + 9",
    )
    .await;
    assert_eq!(over[0][0], "0", "no group has more than ceil(10%) L1 patents");

    // Train: every labelled patent with CPC codes is in exactly one split, about 80/10/10; one
    // metrics row per epoch run; the model files and plots were written.
    let model_location = StoreLocation::parse(root.join("model").to_str().unwrap()).unwrap();
    let model = read_published(&model_location).await.unwrap().unwrap();
    let model_ctx =
        published_tables(&at(root.join("model").to_str().unwrap()), &[Table::ModelSplit, Table::TrainingMetrics]).await;
    let with_codes_labelled =
        query(&label_ctx, "SELECT count(*) FROM impact_labels WHERE label IS NOT NULL AND field IS NOT NULL").await;
    let split = query(
        &model_ctx,
        "SELECT count(*), count(DISTINCT patent_id), count(*) FILTER (WHERE split = 'train') FROM model_split",
    )
    .await;
    assert_eq!(split[0][0], with_codes_labelled[0][0], "every labelled patent with a main code is split");
    assert_eq!(split[0][0], split[0][1]);
    let share = split[0][2].parse::<f64>().unwrap() / split[0][0].parse::<f64>().unwrap();
    assert!((0.72..0.88).contains(&share), "train share {share}");
    let epochs = query(&model_ctx, "SELECT count(*), max(epoch) FROM training_metrics").await;
    let model_metrics: TrainMetrics = model.metrics_as().unwrap();
    assert_eq!(epochs[0][0], model_metrics.epochs_run.to_string());
    assert_eq!(epochs[0][1], epochs[0][0]);
    assert_plots(&root.join("model").join(&model.run_prefix), &model_metrics.plots);
    for file in &model_metrics.model_files {
        let path = root.join("model").join(&model.run_prefix).join(file);
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{}", path.display());
    }

    // Explore: one row per test-split patent; the domain shift is new minus original and original
    // minus new; the ascent stopped at the threshold or after 30 steps, with one path row per point.
    let explore_location = StoreLocation::parse(root.join("exploration").to_str().unwrap()).unwrap();
    let explored = read_published(&explore_location).await.unwrap().unwrap();
    let explore_ctx = published_tables(
        &at(root.join("exploration").to_str().unwrap()),
        &[Table::Exploration, Table::ExplorationPaths],
    )
    .await;
    explore_ctx.register_table("model_split", model_ctx.table_provider("model_split").await.unwrap()).unwrap();
    let test_split = query(&model_ctx, "SELECT count(*) FROM model_split WHERE split = 'test'").await;
    let exploration = query(
        &explore_ctx,
        "SELECT count(*), count(*) FILTER (WHERE split = 'test'),
                count(*) FILTER (WHERE array_sort(array_except(new_codes, original_codes)) <> array_sort(added_codes)
                                    OR array_sort(array_except(original_codes, new_codes)) <> array_sort(removed_codes)),
                count(*) FILTER (WHERE reached_threshold <> (end_probability >= 0.8)),
                count(*) FILTER (WHERE NOT reached_threshold AND iterations <> 30),
                count(*) FILTER (WHERE iterations > 30),
                avg(end_probability) - avg(start_probability)
         FROM exploration",
    )
    .await;
    assert_eq!(exploration[0][0], test_split[0][0], "every test-split patent is explored");
    assert_eq!(exploration[0][1], exploration[0][0]);
    assert_eq!(exploration[0][2..6], ["0", "0", "0", "0"], "domain shift and stopping rule");
    assert!(exploration[0][6].parse::<f64>().unwrap() > 0.0, "the ascent raises mean P(L1): {exploration:?}");
    let path_mismatch = query(
        &explore_ctx,
        "SELECT count(*) FROM exploration e JOIN (SELECT patent_id, count(*) AS n, max(step) AS last FROM exploration_paths GROUP BY patent_id) p
           ON p.patent_id = e.patent_id WHERE p.n <> e.iterations + 1 OR p.last <> e.iterations",
    )
    .await;
    assert_eq!(path_mismatch[0][0], "0");
    let in_split = query(&explore_ctx, "SELECT count(*) FROM exploration e JOIN model_split m ON m.patent_id = e.patent_id AND m.l1 = e.l1 AND m.split = 'test'").await;
    assert_eq!(in_split[0][0], exploration[0][0], "labels and splits agree with the train stage's");

    // The paper's search on the same model: only the test patents cited in their label window, each
    // ending one step past the point that reached the threshold.
    let cited = tmp.path().join("exploration-cited");
    let dir = |name: &str| root.join(name).to_str().unwrap().to_string();
    let (ingest_dir, labels_dir, model_dir) = (dir("ingest"), dir("labels"), dir("model"));
    run_ok(
        "explore",
        &[
            "--input",
            &ingest_dir,
            "--input",
            &labels_dir,
            "--input",
            &model_dir,
            "--output",
            cited.to_str().unwrap(),
            "--cited-only",
            "--step-past-threshold",
            "--decoding",
            "greedy",
        ],
        &[],
    );
    let cited_ctx =
        published_tables(&at(cited.to_str().unwrap()), &[Table::Exploration, Table::ExplorationPaths]).await;
    cited_ctx.register_table("model_split", model_ctx.table_provider("model_split").await.unwrap()).unwrap();
    cited_ctx.register_table("impact_labels", label_ctx.table_provider("impact_labels").await.unwrap()).unwrap();
    let want = query(
        &cited_ctx,
        "SELECT count(*) FROM model_split m JOIN impact_labels l ON l.patent_id = m.patent_id
         WHERE m.split = 'test' AND l.forward_citations > 0",
    )
    .await;
    let got = query(
        &cited_ctx,
        "SELECT count(*),
                count(*) FILTER (WHERE l.forward_citations = 0),
                count(*) FILTER (WHERE e.reached_threshold),
                count(*) FILTER (WHERE e.reached_threshold AND p.probability < 0.8)
         FROM exploration e
         JOIN impact_labels l ON l.patent_id = e.patent_id
         LEFT JOIN exploration_paths p ON p.patent_id = e.patent_id AND p.step = e.iterations - 1",
    )
    .await;
    assert_eq!(got[0][0], want[0][0], "every cited test patent, and only those");
    assert!(
        got[0][0].parse::<u64>().unwrap() < exploration[0][0].parse::<u64>().unwrap(),
        "some test patents are uncited"
    );
    assert_eq!(got[0][1], "0");
    assert!(got[0][2].parse::<u64>().unwrap() > 0, "{got:?}");
    assert_eq!(got[0][3], "0", "a search that reached the threshold ends one step after the point that did");

    // Validate: reliability recomputed from the exploration table; one micro row per distinct
    // (explored, citing patent with codes) pair; the report and its plots exist.
    let validation_location = StoreLocation::parse(root.join("validation").to_str().unwrap()).unwrap();
    let validation = read_published(&validation_location).await.unwrap().unwrap();
    let validation_ctx = published_tables(
        &at(root.join("validation").to_str().unwrap()),
        &[Table::MicroCiting, Table::ValidationSummary],
    )
    .await;
    let confusion = query(
        &explore_ctx,
        "SELECT count(*) FILTER (WHERE start_probability > 0.5 AND l1), count(*) FILTER (WHERE start_probability > 0.5 AND NOT l1),
                count(*) FILTER (WHERE start_probability <= 0.5 AND l1) FROM exploration WHERE split = 'test'",
    )
    .await;
    let [tp, fp, fn_] = [0, 1, 2].map(|i| confusion[0][i].parse::<f64>().unwrap());
    let f1 = if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) };
    let summary_f1 =
        query(&validation_ctx, "SELECT value FROM validation_summary WHERE section = 'reliability' AND \"group\" = 'test split' AND metric = 'f1'")
            .await;
    assert!((summary_f1[0][0].parse::<f64>().unwrap() - f1).abs() < 1e-12, "F1 {summary_f1:?} vs {f1}");

    // The method works on the realistic sample: the published test-split scores reach the figures
    // of the README, the latent space does not collapse, and the AUC is close to the planted rule's,
    // recomputed here by counting pairs from the generator's ground truth and the published split.
    let scores = query(
        &validation_ctx,
        "SELECT metric, value FROM validation_summary WHERE section = 'reliability' AND \"group\" = 'test split'",
    )
    .await;
    let reliability: BTreeMap<&str, f64> = scores.iter().map(|r| (r[0].as_str(), r[1].parse().unwrap())).collect();
    let (auc, jaccard) = (reliability["roc_auc"], reliability["reconstruction_jaccard"]);
    assert!(auc >= 0.80 && f1 >= 0.30 && jaccard >= 0.60, "test split: AUC {auc}, F1 {f1}, Jaccard {jaccard}");
    let truth =
        std::fs::read_to_string(root.join("raw").join(&raw.run_prefix).join("ground_truth/patents.csv")).unwrap();
    let planted: BTreeMap<&str, f64> = truth
        .lines()
        .skip(1)
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            (fields[0], fields[8].parse().unwrap())
        })
        .collect();
    let test_labels = query(&model_ctx, "SELECT patent_id, l1 FROM model_split WHERE split = 'test'").await;
    let (positives, negatives): (Vec<_>, Vec<_>) = test_labels.iter().partition(|r| r[1] == "true");
    let score = |r: &Vec<String>| planted[r[0].as_str()];
    let pairs: f64 = positives
        .iter()
        .flat_map(|p| negatives.iter().map(move |n| (score(p), score(n))))
        .map(|(p, n)| {
            if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            }
        })
        .sum();
    let rule_auc = pairs / (positives.len() * negatives.len()) as f64;
    assert!(
        (0.80..0.92).contains(&rule_auc) && auc >= rule_auc - 0.08,
        "model AUC {auc} vs the planted rule's {rule_auc}"
    );
    let test_scores = model_metrics.test.as_ref().expect("the test split has examples");
    let active = test_scores.active_dimensions;
    assert!(active >= 4, "{active} active latent dimensions");
    assert_eq!(test_scores.kl_per_dimension.len(), 16);

    validation_ctx.register_table("exploration", explore_ctx.table_provider("exploration").await.unwrap()).unwrap();
    let ingest_tables =
        published_tables(&at(root.join("ingest").to_str().unwrap()), &[Table::Citations, Table::Cpc]).await;
    for name in ["citations", "cpc"] {
        validation_ctx.register_table(name, ingest_tables.table_provider(name).await.unwrap()).unwrap();
    }
    let pairs = query(
        &validation_ctx,
        "SELECT (SELECT count(*) FROM micro_citing) AS written,
                (SELECT count(*) FROM (SELECT DISTINCT c.cited_patent_id, c.patent_id FROM citations c
                   JOIN exploration e ON e.patent_id = c.cited_patent_id
                   WHERE c.patent_id IN (SELECT patent_id FROM cpc))) AS expected",
    )
    .await;
    assert_eq!(pairs[0][0], pairs[0][1], "micro-validation pairs");
    assert!(pairs[0][0].parse::<u64>().unwrap() > 0);
    let validation_metrics: ValidateMetrics = validation.metrics_as().unwrap();
    assert!(!validation_metrics.report.is_empty());
    // synth wrote g_cpc_title for its codes, so the report's opportunities carry CPC titles.
    let titles = published_tables(&ingest_location, &[Table::CpcTitle]).await;
    let titled = query(&titles, "SELECT count(*) FILTER (WHERE level = 'subclass'), count(*) FROM cpc_title").await;
    assert!(titled[0][0].parse::<u64>().unwrap() > 50, "{titled:?}");
    let html = std::fs::read_to_string(root.join("validation").join(&validation.run_prefix).join("report/index.html"))
        .unwrap();
    let opportunities = html.split("id=\"opportunities\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(opportunities.contains("<span class=\"cpc-title\">Synthetic "), "titles next to codes: {opportunities}");
    for file in &validation_metrics.report {
        let path = root.join("validation").join(&validation.run_prefix).join(file);
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{}", path.display());
    }

    // Every published file matches the schema catalogue.
    for (stage, published) in [
        ("ingest", &ingest),
        ("cooccurrence", &cooc),
        ("similarity", &sim),
        ("labels", &labels),
        ("model", &model),
        ("exploration", &explored),
        ("validation", &validation),
    ] {
        for (name, table) in &published.tables {
            let def = Table::from_name(name).unwrap_or_else(|| panic!("{name} is not in the catalogue")).def();
            for f in &table.files {
                let path = root.join(stage).join(&published.run_prefix).join(&f.path);
                let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
                let meta = reader.metadata().file_metadata();
                let schema = parquet_to_arrow_schema(meta.schema_descr(), meta.key_value_metadata()).unwrap();
                let fields = |s: &arrow::datatypes::Schema| {
                    s.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>()
                };
                assert_eq!(fields(&schema), fields(&def.file_schema()), "{}", path.display());
                assert_eq!(meta.num_rows() as u64, f.rows);
            }
        }
    }

    // Second run: everything is up to date.
    let second = run_ok("pipeline", &["run", manifest, "--root", root_arg], &[]);
    for stage in ["synth", "ingest", "cooccurrence", "similarity", "labels", "train", "explore", "validate"] {
        assert!(second.contains(&format!("up to date, skipped stage={stage} ")), "{second}");
    }
    assert!(second.contains("0 ran, 8 up to date"), "{second}");
    assert_eq!(read_published(&ingest_location).await.unwrap().unwrap().run_id, ingest.run_id);

    // A threshold sweep on the same root: the manifest's stages are reused, one exploration and
    // validation per value run, and the gathered table holds each validation's own summary.
    let sweep = run_ok("pipeline", &["sweep", manifest, "--root", root_arg, "--values", "0.7,0.9"], &[]);
    for stage in ["synth", "ingest", "cooccurrence", "similarity", "labels", "train", "explore", "validate"] {
        assert!(sweep.contains(&format!("up to date, skipped stage={stage} ")), "{sweep}");
    }
    assert!(sweep.contains("5 ran, 8 up to date"), "{sweep}");
    let table: Vec<&str> = sweep.lines().filter(|l| l.starts_with("| 0.")).collect();
    assert_eq!(table.len(), 2, "one row per value: {sweep}");
    let gathered = root.join("validation-sweep-threshold");
    let published = read_published(&at(gathered.to_str().unwrap())).await.unwrap().unwrap();
    let sweep_ctx = published_tables(&at(gathered.to_str().unwrap()), &[Table::SweepSummary]).await;
    let searches = query(
        &sweep_ctx,
        "SELECT parameter_value, metric, value FROM sweep_summary WHERE section = 'exploration' ORDER BY 1, 2",
    )
    .await;
    let figure = |value: &str, metric: &str| -> f64 {
        searches.iter().find(|r| r[0] == value && r[1] == metric).unwrap_or_else(|| panic!("{value} {metric}"))[2]
            .parse()
            .unwrap()
    };
    assert_eq!(figure("0.7", "explored"), figure("0.9", "explored"), "the same patents are explored");
    assert!(figure("0.9", "reached_share") <= figure("0.7", "reached_share"), "{searches:?}");
    for value in ["0.7", "0.9"] {
        let validation = root.join(format!("validation-threshold-{value}"));
        let own = published_tables(&at(validation.to_str().unwrap()), &[Table::ValidationSummary]).await;
        let own_rows = query(
            &own,
            "SELECT section, \"group\", metric, CAST(value AS VARCHAR) FROM validation_summary ORDER BY 1, 2, 3",
        )
        .await;
        let swept = query(&sweep_ctx, &format!("SELECT section, \"group\", metric, CAST(value AS VARCHAR) FROM sweep_summary WHERE parameter_value = {value} AND section <> 'exploration' ORDER BY 1, 2, 3")).await;
        assert_eq!(swept, own_rows, "threshold {value}");
        let explored = read_published(&at(root.join(format!("exploration-threshold-{value}")).to_str().unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(explored.metrics["threshold"].as_f64(), value.parse::<f64>().ok(), "the option reached explore");
    }
    let files: Vec<String> =
        published.metrics["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    let run = gathered.join(&published.run_prefix);
    assert!(std::fs::read_to_string(run.join("summary.md")).unwrap().contains("| threshold |"));
    assert_plots(&run, &files[1..]);
}
