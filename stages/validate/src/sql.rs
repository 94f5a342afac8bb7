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
        "SELECT COUNT(*), AVG({}),
       COUNT(*) FILTER (WHERE start_probability > 0.5 AND l1), COUNT(*) FILTER (WHERE start_probability > 0.5 AND NOT l1),
       COUNT(*) FILTER (WHERE start_probability <= 0.5 AND NOT l1), COUNT(*) FILTER (WHERE start_probability <= 0.5 AND l1)
FROM exploration WHERE split = 'test'",
        jaccard("original_codes", "reconstructed_codes")
    )
}

/// Predicted P(L1) on the test split with the number of L1 and L2 patents at each value (for the AUC).
pub const SCORES: &str = "SELECT start_probability, COUNT(*) FILTER (WHERE l1), COUNT(*) FILTER (WHERE NOT l1)
FROM exploration WHERE split = 'test' GROUP BY start_probability";

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

/// Descriptive statistics of the citing patents per group: pairs, mean, median, standard
/// deviation, minimum and maximum of forward citations, labelled patents, L1 share.
pub const MICRO_GROUPS: &str = "SELECT \"group\", COUNT(*), AVG(forward_citations), median(forward_citations),
       stddev(forward_citations), MIN(forward_citations), MAX(forward_citations), COUNT(label),
       CAST(COUNT(*) FILTER (WHERE label = 'L1') AS DOUBLE) / NULLIF(COUNT(label), 0)
FROM micro_citing GROUP BY \"group\" ORDER BY \"group\"";

/// Forward citations of the citing patents with the number in the shifted and remained groups at each value.
pub const MICRO_COUNTS: &str = "SELECT forward_citations, COUNT(*) FILTER (WHERE \"group\" = 'shifted'),
       COUNT(*) FILTER (WHERE \"group\" = 'remained')
FROM micro_citing WHERE forward_citations IS NOT NULL GROUP BY forward_citations";

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

/// Descriptive statistics of the domains per role: rows, patents after, pooled mean forward
/// citations, pooled-by-row mean L1 share and mean growth.
pub const MACRO_ROLES: &str = "SELECT role, COUNT(*), SUM(patents_after),
       SUM(mean_forward_citations * patents_after) / NULLIF(SUM(patents_after) FILTER (WHERE mean_forward_citations IS NOT NULL), 0),
       AVG(l1_share), AVG(growth)
FROM macro_domains GROUP BY role ORDER BY role";

/// Per explored patent with a suggested new code: the mean over its new codes and over its
/// original codes of the domains' mean forward citations.
pub const MACRO_PAIRED: &str = "SELECT AVG(mean_forward_citations) FILTER (WHERE role = 'new'),
       AVG(mean_forward_citations) FILTER (WHERE role = 'original')
FROM macro_domains GROUP BY patent_id
HAVING COUNT(*) FILTER (WHERE role = 'new' AND mean_forward_citations IS NOT NULL) > 0
   AND COUNT(*) FILTER (WHERE role = 'original' AND mean_forward_citations IS NOT NULL) > 0";
