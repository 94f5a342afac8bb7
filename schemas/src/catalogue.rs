//! The catalogue of every table the pipeline writes, published or stage-internal.

use std::sync::LazyLock;

use arrow_schema::DataType::{Boolean, Date32, Float64, Int32, Int64, List, UInt64, Utf8};

use crate::table::{Column, TableDef};

/// All tables, in the order the catalogue document lists them.
pub fn all_tables() -> &'static [TableDef] {
    &CATALOGUE
}

/// Looks a table up by name. Panics on an unknown name: table names are compile-time facts of the code.
pub fn table(name: &str) -> &'static TableDef {
    CATALOGUE.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("table `{name}` is not in the schema catalogue"))
}

/// Columns naming where a staged row came from, so later checks can reject it with file and line.
fn source_columns() -> [Column; 2] {
    [
        Column::required("source_file", Utf8, "Name of the dump file the row was read from"),
        Column::required("source_line", UInt64, "1-based physical line where the row starts (header = line 1)"),
    ]
}

fn grant_year() -> Column {
    Column::required("grant_year", Int32, "Grant year of the (citing) patent; hive partition key")
}

static CATALOGUE: LazyLock<Vec<TableDef>> = LazyLock::new(|| {
    let mut tables = vec![
        TableDef {
            name: "patents",
            version: 1,
            doc: "One row per granted patent, from g_patent joined with g_application",
            written_by: "ingest",
            columns: vec![
                Column::required("patent_id", Utf8, "PatentsView patent number, e.g. `10000000`, `D345393`, `RE46653`"),
                Column::optional("patent_type", Utf8, "`utility`, `design`, `plant`, `reissue`, ..."),
                Column::required("grant_date", Date32, "Grant (issue) date"),
                Column::optional("filing_date", Date32, "Filing date from g_application; NULL when absent or invalid"),
                Column::optional("filing_year", Int32, "Year of filing_date"),
                Column::optional("application_id", Utf8, "Application number from g_application"),
                Column::optional("title", Utf8, "Patent title"),
                Column::optional("wipo_kind", Utf8, "WIPO kind code, e.g. `B1`, `B2`, `S1`"),
                Column::optional("num_claims", Int32, "Number of claims"),
                Column::optional("withdrawn", Boolean, "Withdrawn patent flag"),
                grant_year(),
            ],
            partition_by: vec!["grant_year"],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: "cpc",
            version: 1,
            doc: "Current CPC classification, one row per (patent, code), from g_cpc_current",
            written_by: "ingest",
            columns: vec![
                Column::required("patent_id", Utf8, "Classified patent"),
                Column::required("cpc_sequence", Int32, "0-based order on the patent; 0 is the main CPC"),
                Column::required("cpc_section", Utf8, "Section, e.g. `G`"),
                Column::required("cpc_class", Utf8, "Class, e.g. `G06`"),
                Column::required("cpc_subclass", Utf8, "Subclass, e.g. `G06N`"),
                Column::required("cpc_group", Utf8, "Full group symbol, e.g. `G06N3/08`"),
                Column::required("cpc_main_group", Utf8, "Main group of cpc_group, e.g. `G06N3/00`"),
                Column::optional("cpc_type", Utf8, "`inventional` or `additional`"),
                grant_year(),
            ],
            partition_by: vec!["grant_year"],
            sort_by: vec!["patent_id", "cpc_sequence"],
        },
        TableDef {
            name: "citations",
            version: 1,
            doc: "US patent-to-patent citations from g_us_patent_citation; partitioned by the citing patent's grant year",
            written_by: "ingest",
            columns: vec![
                Column::required("patent_id", Utf8, "Citing patent"),
                Column::optional("citation_sequence", Int32, "0-based order on the citing patent"),
                Column::required(
                    "cited_patent_id",
                    Utf8,
                    "Cited US patent; may predate the corpus and be absent from `patents`",
                ),
                Column::optional("citation_date", Date32, "First day of the month the cited patent was granted"),
                Column::optional("citation_category", Utf8, "`cited by applicant`, `cited by examiner`, ..."),
                grant_year(),
            ],
            partition_by: vec!["grant_year"],
            sort_by: vec!["patent_id", "citation_sequence"],
        },
        TableDef {
            name: "claims",
            version: 1,
            doc: "Claim texts from g_claims_YYYY, one row per claim",
            written_by: "ingest",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent the claim belongs to"),
                Column::required("claim_sequence", Int32, "0-based claim order (0 = claim 1)"),
                Column::optional("claim_number", Utf8, "Claim number as printed, e.g. `00001`"),
                Column::optional("claim_text", Utf8, "Claim text, embedded newlines kept"),
                Column::optional(
                    "dependent",
                    Utf8,
                    "Claims this one depends on, e.g. `claim 1`; NULL when independent",
                ),
                Column::optional("exemplary", Boolean, "Exemplary claim flag"),
                grant_year(),
            ],
            partition_by: vec!["grant_year"],
            sort_by: vec!["patent_id", "claim_sequence"],
        },
        TableDef {
            name: "rejects",
            version: 1,
            doc: "Input rows ingest could not accept, with where they came from and why",
            written_by: "ingest",
            columns: vec![
                Column::required("source_file", Utf8, "Dump file holding the row"),
                Column::required("line", UInt64, "1-based physical line where the row starts (header = line 1)"),
                Column::required("source_table", Utf8, "Dump table kind, e.g. `g_cpc_current`"),
                Column::required("reason", Utf8, "Why the row was rejected"),
                Column::required(
                    "raw",
                    Utf8,
                    "The line as read (first 4 KiB); for duplicates and orphans found after parsing, the row's key values",
                ),
            ],
            partition_by: vec![],
            sort_by: vec!["source_file", "line"],
        },
    ];
    let staging = staging_tables(&tables);
    tables.extend(staging);
    tables.extend(cooccurrence_tables());
    tables.extend(similarity_tables());
    tables.push(impact_labels());
    tables.extend(training_tables());
    tables.extend(exploration_tables());
    tables.extend(validation_tables());
    tables
});

/// The validate stage's tables: citing patents of the explored ones split by the direction they
/// moved, the impact of the suggested and original domains, and every summary statistic.
fn validation_tables() -> Vec<TableDef> {
    let count = |name: &'static str, doc: &'static str| Column::optional(name, Int64, doc);
    let share = |name: &'static str, doc: &'static str| Column::optional(name, Float64, doc);
    vec![
        TableDef {
            name: "micro_citing",
            version: 1,
            doc: "Micro-validation: each (explored patent, citing patent with CPC codes) pair, with the citing patent's \
                  Jaccard similarity to the explored patent's original and suggested code sets, its group, and its impact",
            written_by: "validate",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored (cited) patent"),
                Column::required("citing_patent_id", Utf8, "Patent citing it"),
                Column::required(
                    "jaccard_original",
                    Float64,
                    "Jaccard similarity of the citing patent's codes and original_codes",
                ),
                Column::required(
                    "jaccard_new",
                    Float64,
                    "Jaccard similarity of the citing patent's codes and new_codes",
                ),
                Column::required("group", Utf8, "`shifted` when jaccard_new > jaccard_original, else `remained`"),
                count(
                    "forward_citations",
                    "The citing patent's forward citations (impact_labels); NULL when it has none",
                ),
                Column::optional("label", Utf8, "The citing patent's impact label; NULL when unlabelled"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "citing_patent_id"],
        },
        TableDef {
            name: "macro_domains",
            version: 1,
            doc: "Macro-validation: for each explored patent, each code it would add (`new`) and each code it holds \
                  (`original`), the patents granted with that code in the window after the patent's grant year and their impact",
            written_by: "validate",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("focal_year", Int32, "Its grant year"),
                Column::required("role", Utf8, "`new` (an added code) or `original` (one of original_codes)"),
                Column::required("code", Utf8, "The domain: a code at the model's level"),
                count("patents_after", "Patents with the code granted in (focal_year, focal_year + window]"),
                count("patents_before", "Patents with the code granted in (focal_year - window, focal_year]"),
                share("mean_forward_citations", "Mean forward citations of patents_after"),
                share("l1_share", "Share of L1 among the labelled patents_after"),
                share("growth", "patents_after / patents_before; NULL when patents_before is 0"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "role", "code"],
        },
        TableDef {
            name: "validation_summary",
            version: 1,
            doc: "Every summary statistic of the validate stage in long form: reliability of the model on the test split, \
                  descriptive statistics and tests of the micro- and macro-validation",
            written_by: "validate",
            columns: vec![
                Column::required("section", Utf8, "`reliability`, `micro` or `macro`"),
                Column::required(
                    "group",
                    Utf8,
                    "What the statistic describes, e.g. `test split`, `shifted`, `new vs original`",
                ),
                Column::required("metric", Utf8, "Statistic, e.g. `f1`, `mean_forward_citations`, `mann_whitney_p`"),
                Column::optional("value", Float64, "Its value; NULL when undefined (an empty group)"),
            ],
            partition_by: vec![],
            sort_by: vec!["section", "group", "metric"],
        },
    ]
}

/// A list of CPC codes (a code set), in the order the stage gives.
fn code_list() -> arrow_schema::DataType {
    List(std::sync::Arc::new(arrow_schema::Field::new_list_field(Utf8, true)))
}

/// The explore stage's tables: per patent, the search from its latent mean toward a higher
/// predicted P(L1) and the code sets decoded from where it ended; and the search paths.
fn exploration_tables() -> Vec<TableDef> {
    let codes = |name: &'static str, doc: &'static str| Column::required(name, code_list(), doc);
    vec![
        TableDef {
            name: "exploration",
            version: 1,
            doc: "Gradient ascent in the model's latent space from each explored patent's latent mean toward a higher \
                  predicted P(L1), and the CPC code sets decoded before and after (codes at the model's level)",
            written_by: "explore",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("split", Utf8, "Its split in the model's training (`train`, `validation`, `test`)"),
                Column::required("l1", Boolean, "Its impact label is L1"),
                codes(
                    "original_codes",
                    "Its codes as the model reads them: cpc_sequence order, repeats dropped, at most max_codes",
                ),
                codes("reconstructed_codes", "Greedy decoding of its latent mean z0 (repeats dropped)"),
                Column::required("start_probability", Float64, "Predicted P(L1) at z0"),
                Column::required("end_probability", Float64, "Predicted P(L1) where the search ended"),
                Column::required("iterations", Int32, "Gradient steps taken"),
                Column::required("reached_threshold", Boolean, "end_probability >= the threshold"),
                Column::required("latent_distance", Float64, "Euclidean distance between z0 and the end point"),
                codes("greedy_codes", "Greedy decoding of the end point (repeats dropped)"),
                codes("beam_codes", "Beam-search decoding of the end point"),
                codes(
                    "new_codes",
                    "The suggested code set: greedy_codes or beam_codes, as the manifest's `decoding` says",
                ),
                codes("added_codes", "new_codes not in original_codes, sorted"),
                codes("removed_codes", "original_codes not in new_codes, sorted"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: "exploration_paths",
            version: 1,
            doc: "Each explored patent's search path: predicted P(L1) at every latent point visited and the point's \
                  coordinates on the first two principal components of the explored patents' z0",
            written_by: "explore",
            columns: vec![
                Column::required("patent_id", Utf8, "Explored patent"),
                Column::required("step", Int32, "0 for z0, then one per gradient step"),
                Column::required("probability", Float64, "Predicted P(L1) at the point"),
                Column::required("pc1", Float64, "Coordinate on the first principal component"),
                Column::required("pc2", Float64, "Coordinate on the second principal component"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id", "step"],
        },
    ]
}

/// The train stage's tables: the split of the labelled patents and the per-epoch metrics.
fn training_tables() -> Vec<TableDef> {
    let metric = |name: &'static str, doc: &'static str| Column::required(name, Float64, doc);
    vec![
        TableDef {
            name: "model_split",
            version: 1,
            doc: "Which split each labelled patent with CPC codes was assigned to (by a seeded hash of its id)",
            written_by: "train",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("split", Utf8, "`train`, `validation` or `test`"),
                Column::required("l1", Boolean, "Its impact label is L1"),
            ],
            partition_by: vec![],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: "training_metrics",
            version: 2,
            doc: "Per-epoch losses and validation metrics of a training run; the model's weights are those of the \
                  epoch with the lowest validation_loss",
            written_by: "train",
            columns: vec![
                Column::required("epoch", Int64, "1-based epoch"),
                metric("beta", "KL weight at the end of the epoch (annealed)"),
                metric("train_loss", "Mean joint loss over the training split"),
                metric("train_reconstruction", "Mean code reconstruction cross-entropy, training split"),
                metric("train_kl", "Mean KL divergence, training split"),
                metric("train_prediction", "Mean weighted L1 binary cross-entropy, training split"),
                metric("validation_loss", "Mean joint loss over the validation split (z = mu)"),
                metric("validation_reconstruction", "Mean code reconstruction cross-entropy, validation split"),
                metric("validation_kl", "Mean KL divergence, validation split"),
                metric("validation_prediction", "Mean weighted L1 binary cross-entropy, validation split"),
                metric("accuracy", "Accuracy of the L1 prediction (P > 0.5), validation split"),
                metric("precision", "Precision of the L1 prediction, validation split"),
                metric("recall", "Recall of the L1 prediction, validation split"),
                metric("f1", "F1 of the L1 prediction, validation split"),
                metric("roc_auc", "ROC-AUC of the predicted P(L1), validation split"),
                metric(
                    "reconstruction_jaccard",
                    "Mean Jaccard similarity of input and greedily decoded code sets, validation split",
                ),
                Column::required(
                    "active_dimensions",
                    Int64,
                    "Latent dimensions whose posterior mean varies over the validation split by more than 0.01",
                ),
                metric("samples_per_second", "Training examples per second of the epoch's training pass"),
                metric("seconds", "Seconds of the epoch, validation included"),
            ],
            partition_by: vec![],
            sort_by: vec!["epoch"],
        },
    ]
}

/// The labels stage's table: forward citations in a window after grant and the impact label.
fn impact_labels() -> TableDef {
    TableDef {
        name: "impact_labels",
        version: 1,
        doc: "Forward citations of each patent within a window after its grant, and its impact label: L1 \
              (breakthrough) for the top share of its technological field and grant year by forward citations, L2 \
              otherwise; only patents with a complete window and a field are labelled",
        written_by: "labels",
        columns: vec![
            Column::required("patent_id", Utf8, "Patent"),
            Column::optional(
                "field",
                Utf8,
                "Technological field: the main CPC (cpc_sequence 0) at the manifest's `field` level; NULL without one",
            ),
            Column::required(
                "forward_citations",
                Int64,
                "Distinct patents granted after this one, at most `window_years` later (grant date + years), citing it",
            ),
            Column::required("window_end", Date32, "Last grant date counted: grant_date + window_years"),
            Column::required("window_complete", Boolean, "window_end is on or before the corpus's last grant date"),
            Column::optional(
                "group_size",
                Int64,
                "Labelled patents of the same field and grant year; NULL when unlabelled",
            ),
            Column::optional(
                "citation_rank",
                Int64,
                "1-based rank in the group by forward_citations descending, ties by patent_id ascending; NULL when unlabelled",
            ),
            Column::optional(
                "label",
                Utf8,
                "`L1` when forward_citations > 0 and citation_rank <= ceil(top_share x group_size), else `L2`; NULL when \
                 the window is incomplete or the patent has no field",
            ),
            Column::required("grant_year", Int32, "Grant year of the patent; hive partition key"),
        ],
        partition_by: vec!["grant_year"],
        sort_by: vec!["patent_id"],
    }
}

/// The co-occurrence stage's tables: yearly cumulative CPC pair statistics, per-patent novelty
/// features, and the stage's internal work tables.
fn cooccurrence_tables() -> Vec<TableDef> {
    let level =
        || Column::required("level", Utf8, "Aggregation level: `group`, `subclass` or `class`; hive partition key");
    let year = |doc| Column::required("year", Int32, doc);
    let group_with_parents = || {
        vec![
            Column::required("cpc_group", Utf8, "CPC group"),
            Column::required("cpc_subclass", Utf8, "Its subclass"),
            Column::required("cpc_class", Utf8, "Its class"),
        ]
    };
    let internal = "cooccurrence (internal, deleted on publish)";
    vec![
        TableDef {
            name: "cpc_pair_stats",
            version: 1,
            doc: "Co-occurrence of each CPC code pair in the patents of years up to and including `year` (yearly \
                  cumulative), with its expectation, variance and z-score under the hypergeometric null; only pairs \
                  observed by `year`",
            written_by: "cooccurrence",
            columns: vec![
                Column::required("code_a", Utf8, "First code of the pair, at the table's level; code_a <= code_b"),
                Column::required(
                    "code_b",
                    Utf8,
                    "Second code; equals code_a for pairs of distinct groups inside one subclass or class",
                ),
                Column::required(
                    "o",
                    Int64,
                    "Observed co-occurrences: patents holding both (coarse levels: summed over code pairs)",
                ),
                Column::required("mu", Float64, "Expected co-occurrences under the hypergeometric null"),
                Column::required("var", Float64, "Variance of the co-occurrences under the null"),
                Column::optional("z", Float64, "(o - mu) / sqrt(var); NULL where var = 0"),
                Column::required("n_a", Int64, "Patents holding code_a (any group in it, at coarse levels)"),
                Column::required("n_b", Int64, "Patents holding code_b"),
                Column::required(
                    "patents",
                    Int64,
                    "|P(year)|: patents with CPC codes of years up to and including `year`",
                ),
                level(),
                year(
                    "Cumulative year: statistics over patents of years <= year (grant or filing year, per the \
                      manifest's `year_field` metric); hive partition key",
                ),
            ],
            partition_by: vec!["level", "year"],
            sort_by: vec!["code_a", "code_b"],
        },
        TableDef {
            name: "patent_novelty",
            version: 1,
            doc: "Per-patent novelty features from the z-scores of the patent's code pairs, scored against the \
                  cumulative statistics of its own year (itself included)",
            written_by: "cooccurrence",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("year", Int32, "The patent's year (grant or filing, per the manifest's `year_field`)"),
                Column::required("n_codes", Int64, "Distinct codes of the patent at this level"),
                Column::required("n_pairs", Int64, "Distinct code pairs of the patent at this level"),
                Column::optional("min_z", Float64, "Smallest pair z-score"),
                Column::optional(
                    "p10_z",
                    Float64,
                    "10th percentile of the pair z-scores (linear interpolation between closest ranks)",
                ),
                Column::optional("median_z", Float64, "Median pair z-score"),
                Column::optional("share_negative", Float64, "Share of the patent's pairs with z < 0"),
                Column::optional("novel", Boolean, "p10_z < 0 (Uzzi et al.); NULL without scored pairs"),
                Column::optional(
                    "conventional",
                    Boolean,
                    "median_z above the median of median_z over the patents of the same level and year",
                ),
                Column::optional(
                    "profile",
                    Utf8,
                    "`novel_conventional`, `novel`, `conventional` or `neither`; NULL without scored pairs",
                ),
                level(),
            ],
            partition_by: vec!["level"],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: "cooc_patent_codes",
            version: 1,
            doc: "Distinct CPC groups of each patent with their subclass and class, keyed by the chosen year",
            written_by: internal,
            columns: [
                vec![Column::required("patent_id", Utf8, "Patent")],
                group_with_parents(),
                vec![year("The patent's year; hive partition key")],
            ]
            .concat(),
            partition_by: vec!["year"],
            sort_by: vec![],
        },
        TableDef {
            name: "cooc_code_map",
            version: 1,
            doc: "Each CPC group of the input with its subclass and class (for summing code pairs at coarse levels)",
            written_by: internal,
            columns: group_with_parents(),
            partition_by: vec![],
            sort_by: vec![],
        },
        TableDef {
            name: "cooc_unit_counts",
            version: 1,
            doc: "Patents holding each code, per level, cumulative to `year`",
            written_by: internal,
            columns: vec![
                Column::required("level", Utf8, "Aggregation level"),
                Column::required("unit", Utf8, "Code at that level"),
                Column::required("n", Int64, "Patents of years <= year holding it"),
                year("Cumulative year; hive partition key"),
            ],
            partition_by: vec!["year"],
            sort_by: vec![],
        },
        TableDef {
            name: "cooc_patent_pairs",
            version: 1,
            doc: "The code pairs of each patent of `year`, per level, with the patent's contribution to o",
            written_by: internal,
            columns: vec![
                Column::required("level", Utf8, "Aggregation level"),
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("code_a", Utf8, "First code (code_a <= code_b)"),
                Column::required("code_b", Utf8, "Second code"),
                Column::required("w", Int64, "Distinct group pairs the patent holds across (code_a, code_b)"),
                year("The patent's year; hive partition key"),
            ],
            partition_by: vec!["year"],
            sort_by: vec![],
        },
    ]
}

/// The similarity stage's tables: the yearly BIDF vocabulary, per-patent term frequencies, per-patent
/// backward and forward similarity with KPST importance, and the stage's internal work tables.
fn similarity_tables() -> Vec<TableDef> {
    let filing_year = |doc| Column::required("filing_year", Int32, doc);
    let bidf_year =
        || Column::required("bidf_year", Int32, "Year t whose BIDF weights the vectors; hive partition key");
    let internal = "similarity (internal, deleted on publish)";
    vec![
        TableDef {
            name: "vocabulary",
            version: 1,
            doc: "Backward inverse document frequency (KPST) of every kept term for every filing year of the corpus: \
                  BIDF(w, t) = ln(N_<t / (1 + df_<t(w))) over the patents with at least one kept term; one row per \
                  (term, year), also before the term first occurs",
            written_by: "similarity",
            columns: vec![
                Column::required(
                    "term",
                    Utf8,
                    "Token (lower-case alphabetic run) kept by the tokenizer and the min-df rule",
                ),
                Column::required("df", Int64, "Patents filed in filing_year whose text contains the term"),
                Column::required(
                    "df_before",
                    Int64,
                    "df_<t: patents filed in years before filing_year containing the term",
                ),
                Column::required(
                    "patents_before",
                    Int64,
                    "N_<t: patents with at least one kept term filed in years before filing_year",
                ),
                Column::optional(
                    "bidf",
                    Float64,
                    "ln(patents_before / (1 + df_before)); negative when the term is in every earlier patent; NULL when \
                     patents_before = 0 (the first year: its vectors are empty)",
                ),
                filing_year(
                    "Year t the row describes (the BIDF that weights vectors under year t); hive partition key",
                ),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["term"],
        },
        TableDef {
            name: "patent_terms",
            version: 1,
            doc: "Kept terms of each patent's text (claims, title or both, per the manifest's `text` metric) with \
                  counts and term frequency; only patents with a filing year and at least one kept term",
            written_by: "similarity",
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("term", Utf8, "Kept term"),
                Column::required("count", Int64, "Occurrences of the term in the patent's text"),
                Column::required("tf", Float64, "count / the patent's total count over kept terms"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["patent_id", "term"],
        },
        TableDef {
            name: "patent_similarity",
            version: 2,
            doc: "Backward and forward TF-BIDF similarity of each patent (KPST): sums of cosine similarities to the \
                  patents filed in the backward window (years T-b..T-1) and forward window (T+1..T+f), their means, \
                  importance q = FS / BS and the breakthrough flag; only patents with a filing year and at least one \
                  kept term",
            written_by: "similarity",
            columns: vec![
                Column::required("patent_id", Utf8, "Focal patent"),
                Column::required("grant_year", Int32, "Grant year (the fixed effect of log_q_residual)"),
                Column::required("bs_sum", Float64, "Sum of similarities to the patents of the backward window"),
                Column::required(
                    "bs_count",
                    Int64,
                    "Window partners in the backward window: patents filed in it whose vector, and the focal patent's, \
                     is non-zero under the pair's BIDF year (an empty vector has no similarity to average)",
                ),
                Column::required(
                    "fs_sum",
                    Float64,
                    "Sum of similarities to the patents of the forward window (partial when fs_incomplete)",
                ),
                Column::required("fs_count", Int64, "Window partners in the forward window (as bs_count)"),
                Column::optional("bs", Float64, "bs_sum / bs_count; NULL when bs_count = 0"),
                Column::optional("fs", Float64, "fs_sum / fs_count; NULL when fs_count = 0"),
                Column::optional("q", Float64, "Importance fs / bs; NULL when either is NULL or bs = 0"),
                Column::optional("log_q", Float64, "ln q; NULL when q is NULL, not positive or not finite"),
                Column::optional(
                    "log_q_residual",
                    Float64,
                    "log_q minus the mean log_q of the patent's grant year (over patents with complete backward and \
                     forward windows and a log_q); NULL for the others",
                ),
                Column::optional(
                    "breakthrough",
                    Boolean,
                    "log_q_residual >= the pooled percentile of all residuals (`--breakthrough-quantile` q, default \
                     0.9, as percentile_cont): true when at least ceil(q (n - 1)) + 1 of the n residuals are <= it, so \
                     tied residuals share the flag; NULL where log_q_residual is NULL",
                ),
                Column::required(
                    "bs_incomplete",
                    Boolean,
                    "The backward window reaches before the corpus's first filing year plus `--burn-in-years` (default \
                     0), where BIDF is undefined or rests on few patents; no residual or breakthrough then",
                ),
                Column::required(
                    "fs_incomplete",
                    Boolean,
                    "The forward window runs past the last filing year of the corpus: fs_sum covers only part of it",
                ),
                filing_year("The patent's filing year T; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec!["patent_id"],
        },
        TableDef {
            name: "sim_raw_terms",
            version: 1,
            doc: "Token counts of each patent's text before the min-df rule",
            written_by: internal,
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("term", Utf8, "Token"),
                Column::required("count", Int64, "Occurrences in the patent's text"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec![],
        },
        TableDef {
            name: "sim_kept_terms",
            version: 1,
            doc: "Terms whose corpus document frequency reaches the min-df threshold",
            written_by: internal,
            columns: vec![
                Column::required("term", Utf8, "Kept term"),
                Column::required("df", Int64, "Patents (with a filing year) whose text contains it"),
            ],
            partition_by: vec![],
            sort_by: vec![],
        },
        TableDef {
            name: "sim_documents",
            version: 1,
            doc: "Patents with at least one kept term: the similarity universe",
            written_by: internal,
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("terms", Int64, "Distinct kept terms"),
                Column::required("tokens", Int64, "Occurrences of kept terms"),
                filing_year("The patent's filing year; hive partition key"),
            ],
            partition_by: vec!["filing_year"],
            sort_by: vec![],
        },
        TableDef {
            name: "sim_norms",
            version: 1,
            doc: "L2 norm of each patent's TF-BIDF vector under the BIDF of bidf_year",
            written_by: internal,
            columns: vec![
                Column::required("patent_id", Utf8, "Patent"),
                Column::required("filing_year", Int32, "The patent's filing year"),
                Column::required("norm", Float64, "sqrt(sum over terms of (tf * bidf)^2)"),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
        TableDef {
            name: "sim_centroids",
            version: 1,
            doc: "Centroid C_g(t): the sum of the normalised vectors, under the BIDF of bidf_year t, of the patents \
                  filed in the years of window-year group g (the years one focal year sums in one direction under t)",
            written_by: internal,
            columns: vec![
                Column::required("window_group", Int32, "Window-year group g of the weighting year's plan"),
                Column::required("term", Utf8, "Term"),
                Column::required("weight", Float64, "The centroid's component for the term"),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
        TableDef {
            name: "sim_window_sums",
            version: 1,
            doc: "Sum of a focal patent's similarities to the patents of the window years weighted by bidf_year in one \
                  direction, as the dot product of its normalised vector with their centroid under that year's BIDF",
            written_by: internal,
            columns: vec![
                Column::required("patent_id", Utf8, "Focal patent"),
                Column::required("direction", Utf8, "`backward` or `forward`"),
                Column::required("sim_sum", Float64, "Sum of similarities"),
                Column::required(
                    "partners",
                    Int64,
                    "Patents of the window years with a non-zero vector under bidf_year (the focal patent's is non-zero)",
                ),
                bidf_year(),
            ],
            partition_by: vec!["bidf_year"],
            sort_by: vec![],
        },
    ]
}

/// Typed rows straight out of each dump file, before joins and partitioning. Internal to ingest.
/// Their columns are those of the published tables they feed, plus where each row came from.
fn staging_tables(published: &[TableDef]) -> Vec<TableDef> {
    let staged = |name, doc, from: &str, keep: &[&str]| {
        let source = published.iter().find(|t| t.name == from).expect("staging tables feed published ones");
        let mut columns: Vec<Column> = keep
            .iter()
            .map(|k| source.column(k).unwrap_or_else(|| panic!("{from} has no column {k}")).clone())
            .collect();
        columns.extend(source_columns());
        TableDef {
            name,
            version: 1,
            doc,
            written_by: "ingest (internal, deleted on publish)",
            columns,
            partition_by: vec![],
            sort_by: vec![],
        }
    };
    let all_but_grant_year = |from: &str| -> Vec<&'static str> {
        let source = published.iter().find(|t| t.name == from).expect("published table");
        source.columns.iter().map(|c| c.name).filter(|n| *n != "grant_year").collect()
    };
    vec![
        staged(
            "staging_patents",
            "Typed rows of g_patent / patent.tsv",
            "patents",
            &["patent_id", "patent_type", "grant_date", "title", "wipo_kind", "num_claims", "withdrawn"],
        ),
        staged(
            "staging_applications",
            "Typed rows of g_application / application.tsv",
            "patents",
            &["patent_id", "application_id", "filing_date"],
        ),
        staged("staging_cpc", "Typed rows of g_cpc_current / cpc_current.tsv", "cpc", &all_but_grant_year("cpc")),
        staged(
            "staging_citations",
            "Typed rows of g_us_patent_citation / uspatentcitation.tsv",
            "citations",
            &all_but_grant_year("citations"),
        ),
        staged(
            "staging_claims",
            "Typed rows of g_claims_YYYY / claims_YYYY.tsv",
            "claims",
            &all_but_grant_year("claims"),
        ),
    ]
}

/// The human-readable table catalogue (the content of `schemas/README.md`).
pub fn render_markdown() -> String {
    use std::fmt::Write;
    let mut out = String::new();
    out.push_str("# Table catalogue\n\n");
    out.push_str("Generated by `cargo run -p schemas --bin schema-catalogue > schemas/README.md` from `schemas/src`; ");
    out.push_str("do not edit by hand. A test fails when this file and the code disagree.\n\n");
    out.push_str(
        "Published tables live under `<stage output>/runs/<run_id>/<table>/`; the output's `_published.json` ",
    );
    out.push_str("names the current run. Partition columns are hive-style directories (`grant_year=2001/`).\n\n");
    for t in all_tables() {
        let _ = write!(out, "## `{}` (version {})\n\n{}. Written by {}.", t.name, t.version, t.doc, t.written_by);
        if !t.partition_by.is_empty() {
            let _ = write!(out, " Partitioned by `{}`.", t.partition_by.join("`, `"));
        }
        if !t.sort_by.is_empty() {
            let _ = write!(out, " Sorted by `{}` within each file.", t.sort_by.join("`, `"));
        }
        out.push_str("\n\n| column | type | nullable | description |\n|---|---|---|---|\n");
        for c in &t.columns {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.name,
                c.data_type,
                if c.nullable { "yes" } else { "no" },
                c.doc
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_catalogue_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == render_markdown(),
            "schemas/README.md is stale: run `cargo run -p schemas --bin schema-catalogue > schemas/README.md`"
        );
    }

    #[test]
    fn names_unique_and_partition_columns_last() {
        let mut names: Vec<_> = all_tables().iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all_tables().len());
        for t in all_tables() {
            let n = t.columns.len();
            let tail: Vec<_> = t.columns[n - t.partition_by.len()..].iter().map(|c| c.name).collect();
            assert_eq!(tail, t.partition_by, "{}: partition columns must come last", t.name);
            assert_eq!(t.file_schema().fields().len(), n - t.partition_by.len());
            for s in &t.sort_by {
                assert!(t.column(s).is_some(), "{}: sort column {s} undeclared", t.name);
            }
        }
    }
}
