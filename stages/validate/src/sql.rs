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

/// The `micro_citing` rows: the citing patents (with codes at `code_column`) of each explored patent.
pub fn micro_citing(code_column: &str) -> String {
    format!(
        "WITH explored AS (
  SELECT patent_id, original_codes, new_codes FROM exploration
), cites AS (
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
FROM scored s LEFT JOIN impact_labels l ON l.patent_id = s.citing_patent_id",
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
/// patents granted with the code in the `window` years after and before the patent's grant year.
pub fn macro_domains(code_column: &str, window: i32) -> String {
    format!(
        "WITH domain_year AS (
  SELECT c.code, l.grant_year, COUNT(*) AS patents, SUM(l.forward_citations) AS citations,
         COUNT(l.label) AS labelled, COUNT(*) FILTER (WHERE l.label = 'L1') AS l1
  FROM (SELECT DISTINCT patent_id, {code_column} AS code FROM cpc) c
  JOIN impact_labels l ON l.patent_id = c.patent_id
  GROUP BY c.code, l.grant_year
), focal AS (
  SELECT e.patent_id, l.grant_year AS focal_year, e.added_codes, e.original_codes
  FROM exploration e JOIN impact_labels l ON l.patent_id = e.patent_id
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
FROM windows"
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
