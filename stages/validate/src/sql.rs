//! The validate stage's queries, in DataFusion SQL over ingest's `cpc` and `citations`, the labels
//! stage's `impact_labels` and the explore stage's `exploration` (and the tables written from
//! them). Code sets are compared with array functions; every query is a join or an aggregation
//! whose cost grows linearly with its inputs.

/// Jaccard similarity of two code-set columns (1 when both are empty).
fn jaccard(a: &str, b: &str) -> String {
    format!(
        "CASE WHEN cardinality(array_union({a}, {b})) = 0 THEN 1.0
              ELSE CAST(cardinality(array_intersect({a}, {b})) AS DOUBLE) / cardinality(array_union({a}, {b})) END"
    )
}

/// Reliability on the test split: examples, mean Jaccard of original and reconstructed codes,
/// and the confusion counts of P(L1) > 0.5 (TP, FP, TN, FN).
pub fn reliability() -> String {
    format!(
        "-- Reliability of the model on the test split, P(L1) > 0.5 predicting L1
SELECT COUNT(*) AS examples,
       AVG({jaccard}) AS reconstruction_jaccard,
       COUNT(*) FILTER (WHERE start_probability > 0.5 AND l1) AS true_positive,
       COUNT(*) FILTER (WHERE start_probability > 0.5 AND NOT l1) AS false_positive,
       COUNT(*) FILTER (WHERE start_probability <= 0.5 AND NOT l1) AS true_negative,
       COUNT(*) FILTER (WHERE start_probability <= 0.5 AND l1) AS false_negative
FROM exploration
WHERE split = 'test'",
        jaccard = jaccard("original_codes", "reconstructed_codes")
    )
}

/// Each test-split patent's original and reconstructed code sequences, for BLEU-1.
pub const RECONSTRUCTIONS: &str = "-- Original and reconstructed code sequences of the test split
SELECT original_codes, reconstructed_codes FROM exploration WHERE split = 'test'";

/// The row of [`reliability`].
#[derive(Debug, serde::Deserialize)]
pub struct Reliability {
    pub examples: u64,
    pub reconstruction_jaccard: Option<f64>,
    pub true_positive: u64,
    pub false_positive: u64,
    pub true_negative: u64,
    pub false_negative: u64,
}

/// A row of a query counting two groups' observations at each distinct value ([`SCORES`],
/// [`MICRO_COUNTS`]): the input of the rank statistics.
#[derive(Debug, serde::Deserialize)]
pub struct TiedCounts {
    pub value: f64,
    /// Observations of the first group (L1; shifted) at `value`.
    pub x: u64,
    /// Observations of the second group (L2; remained) at `value`.
    pub y: u64,
}

/// Predicted P(L1) on the test split with the number of L1 (x) and L2 (y) patents at each value (for the AUC).
pub const SCORES: &str = "-- Test-split patents per predicted P(L1): L1 as x, L2 as y
SELECT start_probability AS value, COUNT(*) FILTER (WHERE l1) AS x, COUNT(*) FILTER (WHERE NOT l1) AS y
FROM exploration
WHERE split = 'test'
GROUP BY start_probability";

/// The `micro_citing` rows: the citing patents (with codes at `code_column`) of each explored
/// patent (those that reached the threshold when `reached_only`; citing patents with a complete
/// citation window when `complete_only`).
pub fn micro_citing(code_column: &str, reached_only: bool, complete_only: bool) -> String {
    format!(
        "WITH {explored}, cites AS (
  SELECT DISTINCT e.patent_id, c.patent_id AS citing_patent_id
  FROM explored e JOIN citations c ON c.cited_patent_id = e.patent_id
), citing_codes AS (
  SELECT patent_id, array_agg(DISTINCT {code_column}) AS codes
  FROM cpc WHERE patent_id IN (SELECT citing_patent_id FROM cites)
  GROUP BY patent_id
), scored AS (
  SELECT k.patent_id, k.citing_patent_id,
         {original} AS jaccard_original,
         {new} AS jaccard_new
  FROM cites k
  JOIN explored e ON e.patent_id = k.patent_id
  JOIN citing_codes cc ON cc.patent_id = k.citing_patent_id
)
SELECT s.patent_id, s.citing_patent_id, s.jaccard_original, s.jaccard_new,
       CASE WHEN s.jaccard_new > s.jaccard_original THEN 'shifted' ELSE 'remained' END AS \"group\",
       l.forward_citations, l.label
FROM scored s LEFT JOIN impact_labels l ON l.patent_id = s.citing_patent_id{complete}",
        explored = explored(reached_only),
        complete = if complete_only { "\nWHERE l.window_complete" } else { "" },
        original = jaccard("cc.codes", "e.original_codes"),
        new = jaccard("cc.codes", "e.new_codes"),
    )
}

/// Descriptive statistics of the citing patents per group (the column `group_name`): pairs, mean,
/// median, standard deviation, minimum and maximum of forward citations, labelled patents, L1 share.
pub const MICRO_GROUPS: &str = "-- The citing patents of each micro group, described
SELECT \"group\" AS group_name,
       COUNT(*) AS citing_pairs,
       AVG(forward_citations) AS mean_forward_citations,
       median(forward_citations) AS median_forward_citations,
       stddev(forward_citations) AS sd_forward_citations,
       MIN(forward_citations) AS min_forward_citations,
       MAX(forward_citations) AS max_forward_citations,
       COUNT(label) AS labelled,
       CAST(COUNT(*) FILTER (WHERE label = 'L1') AS DOUBLE) / NULLIF(COUNT(label), 0) AS l1_share
FROM micro_citing
GROUP BY \"group\"
ORDER BY \"group\"";

/// Forward citations of the citing patents with the number in the shifted (x) and remained (y) groups at each value.
pub const MICRO_COUNTS: &str = "-- Citing patents per forward-citation count: shifted as x, remained as y
SELECT CAST(forward_citations AS DOUBLE) AS value,
       COUNT(*) FILTER (WHERE \"group\" = 'shifted') AS x,
       COUNT(*) FILTER (WHERE \"group\" = 'remained') AS y
FROM micro_citing
WHERE forward_citations IS NOT NULL
GROUP BY forward_citations";

/// The `macro_domains` rows: per explored patent and code (added: `new`; held: `original`), the
/// patents granted with the code in the `window` years after and before the patent's grant year
/// (explored patents that reached the threshold when `reached_only`; domain patents with a
/// complete citation window when `complete_only`).
pub fn macro_domains(code_column: &str, window: i32, reached_only: bool, complete_only: bool) -> String {
    format!(
        "WITH {explored}, domain_year AS (
  SELECT c.code, l.grant_year, COUNT(*) AS patents, SUM(l.forward_citations) AS citations,
         COUNT(l.label) AS labelled, COUNT(*) FILTER (WHERE l.label = 'L1') AS l1
  FROM (SELECT DISTINCT patent_id, {code_column} AS code FROM cpc) c
  JOIN impact_labels l ON l.patent_id = c.patent_id{complete}
  GROUP BY c.code, l.grant_year
), focal AS (
  SELECT e.patent_id, l.grant_year AS focal_year, e.added_codes, e.original_codes
  FROM explored e JOIN impact_labels l ON l.patent_id = e.patent_id
), roles AS (
  SELECT patent_id, focal_year, 'new' AS role, unnest(added_codes) AS code FROM focal
  UNION ALL
  SELECT patent_id, focal_year, 'original' AS role, unnest(original_codes) AS code FROM focal
), windows AS (
  SELECT r.patent_id, r.focal_year, r.role, r.code,
         SUM(d.patents) FILTER (WHERE d.grant_year > r.focal_year AND d.grant_year <= r.focal_year + {window}) AS patents_after,
         SUM(d.patents) FILTER (WHERE d.grant_year > r.focal_year - {window} AND d.grant_year <= r.focal_year) AS patents_before,
         SUM(d.citations) FILTER (WHERE d.grant_year > r.focal_year AND d.grant_year <= r.focal_year + {window}) AS citations_after,
         SUM(d.labelled) FILTER (WHERE d.grant_year > r.focal_year AND d.grant_year <= r.focal_year + {window}) AS labelled_after,
         SUM(d.l1) FILTER (WHERE d.grant_year > r.focal_year AND d.grant_year <= r.focal_year + {window}) AS l1_after
  FROM roles r LEFT JOIN domain_year d ON d.code = r.code
  GROUP BY r.patent_id, r.focal_year, r.role, r.code
)
SELECT patent_id, focal_year, role, code,
       COALESCE(patents_after, 0) AS patents_after, COALESCE(patents_before, 0) AS patents_before,
       CAST(citations_after AS DOUBLE) / NULLIF(patents_after, 0) AS mean_forward_citations,
       CAST(l1_after AS DOUBLE) / NULLIF(labelled_after, 0) AS l1_share,
       CAST(patents_after AS DOUBLE) / NULLIF(patents_before, 0) AS growth
FROM windows",
        explored = explored(reached_only),
        complete = if complete_only { " AND l.window_complete" } else { "" },
    )
}

/// Descriptive statistics of the domains per role (the column `group_name`): rows, patents after,
/// pooled mean forward citations, pooled-by-row mean L1 share and mean growth.
pub const MACRO_ROLES: &str = "-- The domains of each role, described
SELECT role AS group_name,
       COUNT(*) AS domains,
       SUM(patents_after) AS patents_after,
       -- forward citations per patent over all the role's patents after (pooled)
       SUM(mean_forward_citations * patents_after)
         / NULLIF(SUM(patents_after) FILTER (WHERE mean_forward_citations IS NOT NULL), 0) AS mean_forward_citations,
       AVG(l1_share) AS mean_l1_share,
       AVG(growth) AS mean_growth
FROM macro_domains
GROUP BY role
ORDER BY role";

/// Per explored patent with a suggested new code: the mean over its new codes and over its
/// original codes of the domains' mean forward citations.
pub const MACRO_PAIRED: &str = "-- Per explored patent, its new and its original domains' mean forward citations
SELECT AVG(mean_forward_citations) FILTER (WHERE role = 'new') AS new_domains,
       AVG(mean_forward_citations) FILTER (WHERE role = 'original') AS original_domains
FROM macro_domains
GROUP BY patent_id
HAVING COUNT(*) FILTER (WHERE role = 'new' AND mean_forward_citations IS NOT NULL) > 0
   AND COUNT(*) FILTER (WHERE role = 'original' AND mean_forward_citations IS NOT NULL) > 0";

/// A row of [`MACRO_PAIRED`].
#[derive(Debug, serde::Deserialize)]
pub struct PairedDomains {
    pub new_domains: f64,
    pub original_domains: f64,
}

/// Forward citations of the citing patents with their micro group, for the report's histogram.
pub const MICRO_FORWARD: &str = "-- Forward citations of each citing patent, by micro group
SELECT \"group\" AS group_name, CAST(forward_citations AS DOUBLE) AS value
FROM micro_citing
WHERE forward_citations IS NOT NULL";

/// Mean forward citations of the domains with their role, for the report's histogram.
pub const MACRO_FORWARD: &str = "-- Mean forward citations of each domain, by role
SELECT role AS group_name, mean_forward_citations AS value
FROM macro_domains
WHERE mean_forward_citations IS NOT NULL";

/// A row of [`MICRO_FORWARD`] or [`MACRO_FORWARD`].
#[derive(Debug, serde::Deserialize)]
pub struct GroupedValue {
    pub group_name: String,
    pub value: f64,
}

/// The search paths of the `shown` explored patents with the most iterations, step by step.
pub fn paths_shown(shown: usize) -> String {
    format!(
        "-- The search paths of the {shown} explored patents with the longest searches
SELECT p.patent_id, p.step, p.probability, p.pc1, p.pc2
FROM exploration_paths p
JOIN (SELECT patent_id FROM exploration ORDER BY iterations DESC, patent_id LIMIT {shown}) s
  ON s.patent_id = p.patent_id
ORDER BY p.patent_id, p.step"
    )
}

/// The `limit` explored patents whose search added codes, by the gain in predicted P(L1) (then
/// patent id), with their title from ingest's `patents` when `with_patents`; code sets as
/// space-separated text (CPC symbols hold no spaces).
pub fn top_opportunities(limit: usize, with_patents: bool) -> String {
    let (title, join) = if with_patents {
        ("p.title", "\nLEFT JOIN patents p ON p.patent_id = e.patent_id")
    } else {
        ("CAST(NULL AS VARCHAR)", "")
    };
    format!(
        "-- The {limit} explored patents with codes added and the largest gains in predicted P(L1)
SELECT e.patent_id, {title} AS title,
       array_to_string(e.original_codes, ' ') AS original_codes,
       array_to_string(e.added_codes, ' ') AS added_codes,
       e.start_probability, e.end_probability, e.end_probability - e.start_probability AS gain
FROM exploration e{join}
WHERE cardinality(e.added_codes) > 0
ORDER BY gain DESC, e.patent_id
LIMIT {limit}"
    )
}

/// A row of [`top_opportunities`].
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Opportunity {
    pub patent_id: String,
    pub title: Option<String>,
    pub original_codes: String,
    pub added_codes: String,
    pub start_probability: f64,
    pub end_probability: f64,
    pub gain: f64,
}

impl Opportunity {
    /// The patent's codes before the search.
    pub fn original(&self) -> impl Iterator<Item = &str> {
        self.original_codes.split_whitespace()
    }

    /// The codes the search added.
    pub fn added(&self) -> impl Iterator<Item = &str> {
        self.added_codes.split_whitespace()
    }
}

/// The titles in ingest's `cpc_title` of `codes`.
pub fn titles_of(codes: &[&str]) -> String {
    let codes: std::collections::BTreeSet<String> =
        codes.iter().map(|c| format!("'{}'", c.replace('\'', "''"))).collect();
    format!(
        "-- The CPC titles of the codes shown
SELECT code, title FROM cpc_title WHERE code IN ({})",
        codes.into_iter().collect::<Vec<_>>().join(", ")
    )
}

/// A row of [`titles_of`].
#[derive(Debug, serde::Deserialize)]
pub struct CodeTitle {
    pub code: String,
    pub title: String,
}

/// A row of [`paths_shown`].
#[derive(Debug, serde::Deserialize)]
pub struct PathStep {
    pub patent_id: String,
    pub step: i32,
    pub probability: f64,
    pub pc1: f64,
    pub pc2: f64,
}

/// The CPC levels at or above the model's code level (`cpc_subclass` or `cpc_main_group`), as
/// `(level name, cpc column, characters of a model-level code that give the level's symbol)`:
/// CPC symbols put the section in 1 character, the class in 3, the subclass in 4; a main-group code
/// is its own main group (`None`).
pub fn exact_levels(code_column: &str) -> Vec<(&'static str, &'static str, Option<usize>)> {
    let mut levels = vec![
        ("section", "cpc_section", Some(1)),
        ("class", "cpc_class", Some(3)),
        ("subclass", "cpc_subclass", Some(4)),
    ];
    if code_column == "cpc_main_group" {
        levels.push(("main-group", "cpc_main_group", None));
    }
    levels
}

/// The CTE `explored`: the explored patents the micro- and macro-validation read, every row of
/// `exploration` or only the searches that reached the threshold when `reached_only`.
fn explored(reached_only: bool) -> &'static str {
    if reached_only {
        "explored AS (\n  SELECT * FROM exploration WHERE reached_threshold\n)"
    } else {
        "explored AS (\n  SELECT * FROM exploration\n)"
    }
}

/// A code set as one comparable value: its distinct codes sorted and joined by spaces (CPC symbols
/// hold none), so that set equality is string equality and a hash join.
fn set_key(codes: &str) -> String {
    format!("array_to_string(array_sort(array_agg(DISTINCT {codes})), ' ')")
}

/// Each explored patent's original and generated (new_codes) sets at every level of `levels`
/// ([`exact_levels`]), as the CTEs `explored_codes`, `leveled` and `focal` (one row per explored
/// patent and level: original_set, generated_set (NULL when the search decoded no code) and
/// whether the generated set holds a code outside the original one).
fn focal_sets(levels: &[(&str, &str, Option<usize>)]) -> String {
    let leveled: Vec<String> = levels
        .iter()
        .map(|(level, _, chars)| {
            let code = chars.map_or("code".to_string(), |n| format!("substr(code, 1, {n})"));
            format!("SELECT patent_id, role, '{level}' AS level, {code} AS code FROM explored_codes")
        })
        .collect();
    format!(
        "explored_codes AS (
  SELECT patent_id, role, unnest(codes) AS code
  FROM (SELECT patent_id, 'original' AS role, original_codes AS codes FROM explored
        UNION ALL
        SELECT patent_id, 'generated' AS role, new_codes AS codes FROM explored)
), leveled AS (
  {leveled}
), sets AS (
  SELECT patent_id, role, level, {key} AS code_set, array_agg(DISTINCT code) AS codes
  FROM leveled
  GROUP BY patent_id, role, level
), focal AS (
  SELECT o.patent_id, o.level, o.code_set AS original_set, g.code_set AS generated_set,
         COALESCE(NOT array_has_all(o.codes, g.codes), false) AS generated_outside_original
  FROM sets o LEFT JOIN sets g ON g.patent_id = o.patent_id AND g.level = o.level AND g.role = 'generated'
  WHERE o.role = 'original'
)",
        leveled = leveled.join("\n  UNION ALL\n  "),
        key = set_key("code"),
    )
}

/// Every patent's code set at each of `levels`, for the patents `filter` keeps (a condition on
/// `cpc.patent_id`), as the CTE `patent_sets`.
fn patent_sets(levels: &[(&str, &str, Option<usize>)], filter: &str) -> String {
    let leveled: Vec<String> = levels
        .iter()
        .map(|(level, column, _)| format!("SELECT patent_id, '{level}' AS level, {column} AS code FROM kept_cpc"))
        .collect();
    format!(
        "kept_cpc AS (
  SELECT * FROM cpc WHERE {filter}
), patent_sets AS (
  SELECT patent_id, level, {key} AS code_set
  FROM ({leveled})
  GROUP BY patent_id, level
)",
        leveled = leveled.join("\n        UNION ALL "),
        key = set_key("code"),
    )
}

/// The `micro_exact` rows: at each level at or above the model's, the citing patents of each
/// explored patent whose code set equals the generated or the original set (the paper's exact-set
/// matching), with their impact; citing patents with an incomplete citation window left out when
/// `complete_only`.
pub fn micro_exact(code_column: &str, reached_only: bool, complete_only: bool) -> String {
    let levels = exact_levels(code_column);
    let complete = if complete_only { "\n  AND l.window_complete" } else { "" };
    format!(
        "-- Citing patents whose code set equals an explored patent's generated or original set, per level
WITH {explored}, {focal}, cites AS (
  SELECT DISTINCT c.cited_patent_id AS patent_id, c.patent_id AS citing_patent_id
  FROM citations c WHERE c.cited_patent_id IN (SELECT patent_id FROM explored)
), {citing}
SELECT f.patent_id, f.level, k.citing_patent_id,
       COALESCE(s.code_set = f.generated_set, false) AS equals_generated,
       s.code_set = f.original_set AS equals_original,
       f.generated_outside_original,
       l.forward_citations, l.label, COALESCE(l.window_complete, false) AS window_complete
FROM focal f
JOIN cites k ON k.patent_id = f.patent_id
JOIN patent_sets s ON s.patent_id = k.citing_patent_id AND s.level = f.level
LEFT JOIN impact_labels l ON l.patent_id = k.citing_patent_id
WHERE (s.code_set = f.generated_set OR s.code_set = f.original_set){complete}",
        explored = explored(reached_only),
        focal = focal_sets(&levels),
        citing = patent_sets(&levels, "patent_id IN (SELECT citing_patent_id FROM cites)"),
    )
}

/// The `macro_exact` rows: per explored patent, the patents (itself left out) whose code set at
/// the model's level equals its original set and those whose set equals its generated set, with
/// their mean forward citations; only patents with a complete citation window when `complete_only`.
pub fn macro_exact(code_column: &str, reached_only: bool, complete_only: bool) -> String {
    let level = exact_levels(code_column).pop().expect("the model's level");
    let complete = if complete_only { " AND l.window_complete" } else { "" };
    format!(
        "-- Per explored patent, the patents with exactly its original and exactly its generated code set
WITH {explored}, focal AS (
  -- the code lists as sets, written as patent_sets writes them
  SELECT patent_id, array_to_string(array_sort(array_distinct(original_codes)), ' ') AS original_set,
         CASE WHEN cardinality(new_codes) > 0
              THEN array_to_string(array_sort(array_distinct(new_codes)), ' ') END AS generated_set
  FROM explored
), {sets}, domain AS (
  SELECT s.code_set, s.patent_id, l.forward_citations
  FROM patent_sets s JOIN impact_labels l ON l.patent_id = s.patent_id{complete}
), matched AS (
  SELECT f.patent_id, 'original' AS role, f.original_set AS code_set FROM focal f
  UNION ALL
  SELECT f.patent_id, 'generated' AS role, f.generated_set AS code_set FROM focal f WHERE f.generated_set IS NOT NULL
), domains AS (
  SELECT m.patent_id, m.role, COUNT(d.patent_id) AS patents, AVG(d.forward_citations) AS mean_forward_citations
  FROM matched m LEFT JOIN domain d ON d.code_set = m.code_set AND d.patent_id <> m.patent_id
  GROUP BY m.patent_id, m.role
)
SELECT f.patent_id, f.original_set, f.generated_set,
       o.patents AS original_patents, o.mean_forward_citations AS original_mean_forward_citations,
       g.patents AS generated_patents, g.mean_forward_citations AS generated_mean_forward_citations
FROM focal f
JOIN domains o ON o.patent_id = f.patent_id AND o.role = 'original'
LEFT JOIN domains g ON g.patent_id = f.patent_id AND g.role = 'generated'",
        explored = explored(reached_only),
        sets = patent_sets(std::slice::from_ref(&level), "true"),
    )
}

/// The explored patents the micro- and macro-validation count (the inclusion ratio's denominator).
pub fn explored_count(reached_only: bool) -> String {
    format!("-- Explored patents validated\nWITH {}\nSELECT COUNT(*) AS explored FROM explored", explored(reached_only))
}

/// A row of [`explored_count`].
#[derive(Debug, serde::Deserialize)]
pub struct ExploredCount {
    pub explored: u64,
}

/// Per level, the explored patents with at least one citing patent whose set equals the generated
/// one, and how many of those (with forward citations on both sides) have matching citing patents
/// whose mean forward citations exceed their own (the higher-impact ratio's numerator and
/// denominator).
pub const MICRO_EXACT_MATCHES: &str = "-- Explored patents with a citing patent equal to the generated set, per level
WITH matched AS (
  SELECT level, patent_id, AVG(forward_citations) AS citing_mean
  FROM micro_exact WHERE equals_generated
  GROUP BY level, patent_id
)
SELECT m.level, COUNT(*) AS with_match,
       COUNT(*) FILTER (WHERE m.citing_mean > own.forward_citations) AS higher,
       COUNT(*) FILTER (WHERE m.citing_mean IS NOT NULL AND own.forward_citations IS NOT NULL) AS comparable
FROM matched m LEFT JOIN impact_labels own ON own.patent_id = m.patent_id
GROUP BY m.level";

/// A row of [`MICRO_EXACT_MATCHES`].
#[derive(Debug, serde::Deserialize)]
pub struct LevelMatches {
    pub level: String,
    pub with_match: u64,
    pub higher: u64,
    pub comparable: u64,
}

/// Per level and forward-citation count, the P_citing/shifted citing patents (x: equal to a
/// generated set that is not a subset of the original) and the P_citing/remained ones (y: equal to
/// the original set); a citing row is never both (equal to both sets, the two sets are equal).
pub const MICRO_EXACT_COUNTS: &str =
    "-- P_citing/shifted (x) and P_citing/remained (y) citing patents per level and forward-citation count
SELECT level, CAST(forward_citations AS DOUBLE) AS value,
       COUNT(*) FILTER (WHERE equals_generated AND generated_outside_original) AS x,
       COUNT(*) FILTER (WHERE equals_original) AS y
FROM micro_exact
WHERE forward_citations IS NOT NULL
GROUP BY level, forward_citations";

/// A row of [`MICRO_EXACT_COUNTS`].
#[derive(Debug, serde::Deserialize)]
pub struct LevelTiedCounts {
    pub level: String,
    pub value: f64,
    pub x: u64,
    pub y: u64,
}

/// Per level, the explored patents with P_citing/shifted and with P_citing/remained citing patents.
pub const MICRO_EXACT_PATENTS: &str = "-- Explored patents with shifted and with remained citing patents, per level
SELECT level,
       COUNT(DISTINCT CASE WHEN equals_generated AND generated_outside_original THEN patent_id END) AS shifted,
       COUNT(DISTINCT CASE WHEN equals_original THEN patent_id END) AS remained
FROM micro_exact
WHERE forward_citations IS NOT NULL
GROUP BY level";

/// A row of [`MICRO_EXACT_PATENTS`].
#[derive(Debug, serde::Deserialize)]
pub struct LevelPatents {
    pub level: String,
    pub shifted: u64,
    pub remained: u64,
}

/// Per level, the P_citing/remained citing patents' mean forward citations per explored patent
/// (the paper's figure), counted by value.
pub const MICRO_EXACT_REMAINED_MEANS: &str =
    "-- Mean forward citations of each explored patent's remained citing patents, per level, counted
SELECT level, value, COUNT(*) AS patents
FROM (SELECT level, patent_id, AVG(CAST(forward_citations AS DOUBLE)) AS value
      FROM micro_exact
      WHERE equals_original AND forward_citations IS NOT NULL
      GROUP BY level, patent_id)
GROUP BY level, value";

/// A row of [`MICRO_EXACT_REMAINED_MEANS`].
#[derive(Debug, serde::Deserialize)]
pub struct LevelValueCount {
    pub level: String,
    pub value: f64,
    pub patents: u64,
}

/// The population's forward citations: labelled patents (complete windows) per count.
pub const POPULATION_COUNTS: &str = "-- Labelled patents per forward-citation count
SELECT CAST(forward_citations AS DOUBLE) AS value, COUNT(*) AS patents
FROM impact_labels WHERE label IS NOT NULL
GROUP BY forward_citations";

/// A row of [`POPULATION_COUNTS`].
#[derive(Debug, serde::Deserialize)]
pub struct ValueCount {
    pub value: f64,
    pub patents: u64,
}

/// Per explored patent whose generated set differs from its original one, with patents in both
/// exact-set domains: the two domains' mean forward citations.
pub const MACRO_EXACT_PAIRED: &str =
    "-- Per explored patent, its generated and original exact-set domains' mean forward citations
SELECT generated_mean_forward_citations AS new_domains, original_mean_forward_citations AS original_domains
FROM macro_exact
WHERE generated_set <> original_set
  AND generated_mean_forward_citations IS NOT NULL AND original_mean_forward_citations IS NOT NULL";
