//! The similarity stage's queries, as plain SQL text a data engineer can read and re-run (the stage
//! logs each one at debug level: `RUST_LOG=similarity=debug`). They need the project's SQL functions
//! (`sql_functions`, registered on every session by `sql_engine::session`).
//!
//! Tables they read: `patents` and `claims` from ingest; the published tables as they are written
//! (`patent_terms`, `vocabulary`); and the work tables `sim_raw_terms`, `sim_kept_terms`,
//! `sim_documents`, `sim_norms`, `sim_centroids` and `sim_window_sums`.
//!
//! Notation: tf_pw is term w's share of patent p's kept tokens; BIDF_t(w) = ln(N_<t / (1 + df_<t(w)));
//! the vector of p under year t has components x_pw = tf_pw BIDF_t(w), and its normalised form is
//! v_p = x_p / |x_p| (a zero vector stays zero). The similarity of two patents is v_i . v_j, both
//! under the same t. Sums over all patents j of a window year Y are dot products with the centroid
//! C_Y = sum_j v_j, so no pair of patents is ever enumerated on the main path.

use crate::options::{BidfYear, TextSource};
use crate::windows::{Direction, WeightingPlan};

/// Grant years of the input with their patent counts: the tokenizing pass runs one grant year (one
/// partition of `claims` and `patents`) at a time.
pub const GRANT_YEARS: &str = "-- Grant years with their patents
SELECT grant_year, COUNT(*) AS patents
FROM patents
GROUP BY grant_year
ORDER BY grant_year";

/// A row of [`GRANT_YEARS`].
#[derive(Debug, serde::Deserialize)]
pub struct GrantYear {
    pub grant_year: i32,
    pub patents: i64,
}

/// Patents in the input, and those with a filing year.
pub const PATENT_COUNTS: &str = "-- Patents, and those with a filing year
SELECT COUNT(*) AS patents, COUNT(filing_year) AS with_filing_year
FROM patents";

/// The row of [`PATENT_COUNTS`].
#[derive(Debug, serde::Deserialize)]
pub struct PatentCounts {
    pub patents: i64,
    pub with_filing_year: i64,
}

/// Token counts of the patents granted in `grant_year` (with a filing year), before the min-df
/// rule; written as `sim_raw_terms`.
///
/// Claims are tokenized one by one and their counts summed: that equals tokenizing all the claims
/// of a patent concatenated (in claim_sequence order, separated by a space), since no token spans
/// a non-letter.
pub fn raw_terms(text: TextSource, grant_year: i32, min_token_len: usize, boilerplate: &[String]) -> String {
    let g = grant_year;
    let mut texts = vec![];
    if text.uses_claims() {
        texts.push(format!(
            "  SELECT p.patent_id, p.filing_year, c.claim_text AS text
  FROM claims c JOIN patents p ON p.patent_id = c.patent_id
  WHERE c.grant_year = {g} AND p.grant_year = {g} AND p.filing_year IS NOT NULL"
        ));
    }
    if text.uses_title() {
        texts.push(format!(
            "  SELECT patent_id, filing_year, title AS text
  FROM patents
  WHERE grant_year = {g} AND filing_year IS NOT NULL"
        ));
    }
    // Boiler-plate words are single alphabetic words (checked by the options), so no quoting issue.
    let boilerplate = boilerplate.join(" ");
    format!(
        "-- Token counts per patent granted in {g} ({text}), before the min-df rule
WITH texts AS (
{texts}
), tokens AS (
  SELECT patent_id, filing_year, unnest(tokenize(text, {min_token_len}, '{boilerplate}')) AS term
  FROM texts
)
SELECT patent_id, term, COUNT(*) AS count, filing_year
FROM tokens
GROUP BY patent_id, filing_year, term",
        text = text.name(),
        texts = texts.join("\n  UNION ALL\n"),
    )
}

/// Terms in at least `min_df` patents of the corpus; written as `sim_kept_terms`. (A patent holds
/// a term at most once in `sim_raw_terms`.)
pub fn kept_terms(min_df: u64) -> String {
    format!(
        "-- Terms whose corpus document frequency is at least {min_df}
SELECT term, COUNT(*) AS df
FROM sim_raw_terms
GROUP BY term
HAVING COUNT(*) >= {min_df}"
    )
}

/// Filing years present in the token counts.
pub const RAW_FILING_YEARS: &str = "-- Filing years of the tokenized patents
SELECT filing_year, COUNT(DISTINCT patent_id) AS patents
FROM sim_raw_terms
GROUP BY filing_year
ORDER BY filing_year";

/// A row of [`RAW_FILING_YEARS`].
#[derive(Debug, serde::Deserialize)]
pub struct FilingYear {
    pub filing_year: i32,
}

/// `patent_terms` for the patents filed in `year`: kept terms with count and tf.
pub fn patent_terms(year: i32) -> String {
    format!(
        "-- Kept terms of the patents filed in {year}, with tf = count / the patent's kept tokens
SELECT r.patent_id, r.term, r.count,
       CAST(r.count AS DOUBLE) / CAST(SUM(r.count) OVER (PARTITION BY r.patent_id) AS DOUBLE) AS tf,
       r.filing_year
FROM sim_raw_terms r
JOIN sim_kept_terms k ON k.term = r.term
WHERE r.filing_year = {year}
ORDER BY r.patent_id, r.term"
    )
}

/// `sim_documents` for `year`: the patents filed in `year` with at least one kept term.
pub fn documents(year: i32) -> String {
    format!(
        "-- Patents filed in {year} with at least one kept term
SELECT patent_id, COUNT(*) AS terms, SUM(count) AS tokens, filing_year
FROM patent_terms
WHERE filing_year = {year}
GROUP BY patent_id, filing_year"
    )
}

/// Patents with at least one kept term per filing year (the increments of N_<t).
pub const YEAR_COUNTS: &str = "-- Documents (patents with a kept term) and their kept tokens per filing year
SELECT filing_year, COUNT(*) AS patents, SUM(tokens) AS tokens
FROM sim_documents
GROUP BY filing_year
ORDER BY filing_year";

/// A row of [`YEAR_COUNTS`].
#[derive(Debug, serde::Deserialize)]
pub struct YearCounts {
    pub filing_year: i32,
    pub patents: i64,
    pub tokens: i64,
}

/// `vocabulary` for filing year `year`: every kept term with its df in `year`, its df before
/// `year` (the previous corpus year's df_before + df) and BIDF. `previous` is the previous year
/// with patents (`None` for the first); `patents_before` is N_<year.
pub fn vocabulary(year: i32, previous: Option<i32>, patents_before: i64) -> String {
    let before = match previous {
        Some(prev) => format!("SELECT term, df_before + df AS df_before FROM vocabulary WHERE filing_year = {prev}"),
        None => "SELECT term, df_before FROM vocabulary WHERE false".to_string(),
    };
    let n = patents_before;
    format!(
        "-- BIDF of every kept term for filing year {year}: ln(N_<t / (1 + df_<t)) with N_<t = {n};
-- NULL when no patent was filed before (vectors under this year are empty)
WITH here AS (
  SELECT term, COUNT(*) AS df FROM patent_terms WHERE filing_year = {year} GROUP BY term
), before AS (
  {before}
)
SELECT k.term,
       COALESCE(h.df, 0) AS df,
       COALESCE(b.df_before, 0) AS df_before,
       CAST({n} AS BIGINT) AS patents_before,
       CASE WHEN {n} > 0 THEN ln(CAST({n} AS DOUBLE) / (1.0 + CAST(COALESCE(b.df_before, 0) AS DOUBLE))) END AS bidf,
       CAST({year} AS INT) AS filing_year
FROM sim_kept_terms k
LEFT JOIN here h ON h.term = k.term
LEFT JOIN before b ON b.term = k.term
ORDER BY k.term"
    )
}

/// The queries of one weighting year t: norms, centroids and window sums for the year pairs whose
/// patent pairs are weighted with BIDF_t.
pub struct WeightingQueries<'a> {
    /// The weighting year t.
    pub bidf_year: i32,
    /// Its window-year groups and focal years ([`crate::windows::Windows::plan`]).
    pub plan: &'a WeightingPlan,
}

fn year_list(years: impl Iterator<Item = i32>) -> String {
    let mut years: Vec<i32> = years.collect();
    years.sort();
    years.dedup();
    years.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

impl WeightingQueries<'_> {
    fn window_years(&self) -> impl Iterator<Item = i32> {
        self.plan.groups.iter().flatten().copied()
    }

    fn focal_years(&self) -> impl Iterator<Item = i32> {
        self.plan.focal.iter().map(|f| f.0)
    }

    /// `sim_norms` for t: |x_p| under BIDF_t for every patent filed in a focal or window year of the
    /// plan.
    pub fn norms(&self) -> String {
        let t = self.bidf_year;
        let years = year_list(self.focal_years().chain(self.window_years()));
        format!(
            "-- Norms of the TF-BIDF vectors under BIDF_{t} of the patents filed in {years}
-- (in every join the small table is on the left, the hash table's side; patent_terms streams past it)
SELECT pt.patent_id, pt.filing_year,
       sqrt(SUM((pt.tf * v.bidf) * (pt.tf * v.bidf))) AS norm,
       CAST({t} AS INT) AS bidf_year
FROM (SELECT term, bidf FROM vocabulary WHERE filing_year = {t}) v
JOIN patent_terms pt ON v.term = pt.term
WHERE pt.filing_year IN ({years})
GROUP BY pt.patent_id, pt.filing_year"
        )
    }

    /// `sim_centroids` for t: C_g[w] = sum over patents j filed in a year of group g of
    /// tf_jw BIDF_t(w) / |x_j|, for every window-year group g of the plan. Zero vectors add nothing.
    pub fn centroids(&self) -> String {
        let t = self.bidf_year;
        let members = self.group_members();
        let years = year_list(self.window_years());
        format!(
            "-- Centroids under BIDF_{t} of the window-year groups (group, year): {members}
-- (in every join the small table is on the left, the hash table's side; patent_terms streams past it)
WITH groups AS (
  SELECT * FROM ({members}) AS groups(window_group, window_year)
), members AS (
  SELECT g.window_group, pt.patent_id, pt.term, pt.tf
  FROM groups g JOIN patent_terms pt ON g.window_year = pt.filing_year
  WHERE pt.filing_year IN ({years})
), normalised AS (
  SELECT m.window_group, m.term, m.tf / n.norm AS w
  FROM (SELECT patent_id, norm FROM sim_norms WHERE bidf_year = {t} AND norm > 0) n
  JOIN members m ON n.patent_id = m.patent_id
)
SELECT x.window_group, x.term,
       SUM(x.w * v.bidf) AS weight,
       CAST({t} AS INT) AS bidf_year
FROM (SELECT term, bidf FROM vocabulary WHERE filing_year = {t}) v
JOIN normalised x ON v.term = x.term
GROUP BY x.window_group, x.term"
        )
    }

    /// `sim_window_sums` for t: for each focal patent p filed in T with a non-zero vector under
    /// BIDF_t and each direction, the sum of sim(p, j) over the patents j of the window-year group it
    /// is paired with (v_p . C_g) and the number of those j with a non-zero vector under BIDF_t, its
    /// window partners. A pair with an empty vector has no similarity to average: neither side
    /// counts it. Patents sharing no term with C_g get sum 0.
    pub fn window_sums(&self) -> String {
        let t = self.bidf_year;
        let values = self
            .plan
            .focal
            .iter()
            .map(|(focal_year, direction, group)| format!("({focal_year}, '{}', {group})", direction.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let focal = year_list(self.focal_years());
        format!(
            "-- Sums of similarities under BIDF_{t}: focal patent . centroid of its window-year group,
-- and the group's patents with a non-zero vector (the window partners)
-- (in every join the small table is on the left, the hash table's side; patent_terms streams past it)
WITH focal AS (
  SELECT * FROM (VALUES {values}) AS focal(focal_year, direction, window_group)
), terms AS (
  SELECT f.direction, f.window_group, pt.patent_id, pt.term, pt.tf
  FROM focal f JOIN patent_terms pt ON f.focal_year = pt.filing_year
  WHERE pt.filing_year IN ({focal})
), normalised AS (
  SELECT x.direction, x.window_group, x.patent_id, x.term, x.tf / n.norm AS w
  FROM (SELECT patent_id, norm FROM sim_norms WHERE bidf_year = {t} AND norm > 0) n
  JOIN terms x ON n.patent_id = x.patent_id
), weighted AS (
  SELECT x.direction, x.window_group, x.patent_id, x.term, x.w * v.bidf AS w
  FROM (SELECT term, bidf FROM vocabulary WHERE filing_year = {t}) v
  JOIN normalised x ON v.term = x.term
), sums AS (
  SELECT x.patent_id, x.direction, SUM(x.w * c.weight) AS sim_sum
  FROM (SELECT window_group, term, weight FROM sim_centroids WHERE bidf_year = {t}) c
  JOIN weighted x ON c.window_group = x.window_group AND c.term = x.term
  GROUP BY x.patent_id, x.direction
), partners AS (
  SELECT g.window_group, COUNT(*) AS partners
  FROM ({members}) AS g(window_group, window_year)
  JOIN (SELECT filing_year FROM sim_norms WHERE bidf_year = {t} AND norm > 0) n ON g.window_year = n.filing_year
  GROUP BY g.window_group
), focal_patents AS (
  SELECT f.direction, f.window_group, n.patent_id
  FROM focal f
  JOIN (SELECT patent_id, filing_year FROM sim_norms WHERE bidf_year = {t} AND norm > 0) n ON f.focal_year = n.filing_year
)
SELECT fp.patent_id, fp.direction,
       COALESCE(s.sim_sum, 0.0) AS sim_sum,
       p.partners,
       CAST({t} AS INT) AS bidf_year
FROM partners p
JOIN focal_patents fp ON p.window_group = fp.window_group
LEFT JOIN sums s ON s.patent_id = fp.patent_id AND s.direction = fp.direction",
            members = self.group_members(),
        )
    }

    /// The (window group, window year) rows of the plan as a VALUES list.
    fn group_members(&self) -> String {
        let rows = self
            .plan
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, years)| years.iter().map(move |y| format!("({g}, {y})")))
            .collect::<Vec<_>>()
            .join(", ");
        format!("VALUES {rows}")
    }
}

/// `patent_similarity`: window sums and partner counts, BS, FS, q, log q, the grant-year residual
/// and the breakthrough flag, for every patent with a kept term. Backward windows reaching before
/// `first_complete_year` (the corpus's first filing year plus the burn-in) are incomplete, as are
/// forward windows beyond `last_year`, the last filing year; residuals and breakthroughs are left
/// to patents whose windows are both complete.
pub fn patent_similarity(
    backward_years: i32,
    forward_years: i32,
    first_complete_year: i32,
    last_year: i32,
    breakthrough_quantile: f64,
) -> String {
    let (b, f) = (backward_years, forward_years);
    let backward = Direction::Backward.name();
    let forward = Direction::Forward.name();
    format!(
        "-- Backward and forward similarity, importance q = FS / BS and breakthroughs
WITH sums AS (
  SELECT patent_id,
         SUM(CASE WHEN direction = '{backward}' THEN sim_sum ELSE 0.0 END) AS bs_sum,
         SUM(CASE WHEN direction = '{backward}' THEN partners ELSE 0 END) AS bs_count,
         SUM(CASE WHEN direction = '{forward}' THEN sim_sum ELSE 0.0 END) AS fs_sum,
         SUM(CASE WHEN direction = '{forward}' THEN partners ELSE 0 END) AS fs_count
  FROM sim_window_sums
  GROUP BY patent_id
), base AS (
  -- window years T-{b}..T-1 and T+1..T+{f}; partners are the window's patents with a non-zero
  -- vector under the pair's BIDF year (none when the focal patent's own vector is empty)
  SELECT d.patent_id, d.filing_year, p.grant_year,
         COALESCE(s.bs_sum, 0.0) AS bs_sum, COALESCE(s.bs_count, 0) AS bs_count,
         COALESCE(s.fs_sum, 0.0) AS fs_sum, COALESCE(s.fs_count, 0) AS fs_count,
         d.filing_year - {b} < {first_complete_year} AS bs_incomplete,
         d.filing_year + {f} > {last_year} AS fs_incomplete
  FROM sim_documents d
  JOIN patents p ON p.patent_id = d.patent_id
  LEFT JOIN sums s ON s.patent_id = d.patent_id
), means AS (
  SELECT *,
         CASE WHEN bs_count > 0 THEN bs_sum / CAST(bs_count AS DOUBLE) END AS bs,
         CASE WHEN fs_count > 0 THEN fs_sum / CAST(fs_count AS DOUBLE) END AS fs
  FROM base
), importance AS (
  SELECT *, CASE WHEN bs <> 0 THEN fs / bs END AS q FROM means
), logs AS (
  -- ln q where q is positive and finite
  SELECT *, CASE WHEN q > 0 AND q <= {max:e} THEN ln(q) END AS log_q FROM importance
), residuals AS (
  -- minus the mean log q of the grant year, over patents with complete windows
  SELECT *,
         CASE WHEN NOT bs_incomplete AND NOT fs_incomplete THEN log_q END
           - AVG(CASE WHEN NOT bs_incomplete AND NOT fs_incomplete THEN log_q END) OVER (PARTITION BY grant_year)
           AS log_q_residual
  FROM logs
), ranked AS (
  -- Breakthrough: at or above the pooled quantile of the residuals (percentile_cont's rule: position
  -- q (n - 1) of the n sorted residuals), decided by rank in this one pass over the residuals. A
  -- threshold computed in a second pass would see them re-aggregated in another order, and the
  -- residual on the cut could land on either side of it.
  SELECT *,
         COUNT(log_q_residual) OVER () AS residuals,
         COUNT(log_q_residual) OVER (ORDER BY log_q_residual ASC NULLS LAST
                                     RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_or_below
  FROM residuals
)
SELECT patent_id, grant_year, bs_sum, bs_count, fs_sum, fs_count, bs, fs, q, log_q, log_q_residual,
       CASE WHEN log_q_residual IS NOT NULL
            THEN CAST(at_or_below - 1 AS DOUBLE) >= ceil({breakthrough_quantile:?} * CAST(residuals - 1 AS DOUBLE)) END AS breakthrough,
       bs_incomplete, fs_incomplete, filing_year
FROM ranked
ORDER BY patent_id",
        max = f64::MAX,
    )
}

/// Exact similarities of the pairs given by `pairs`, a query over the CTE `documents(patent_id,
/// filing_year)` (the patents of `patent_terms`) with columns (patent_a, patent_b, year_a,
/// year_b): both vectors under the BIDF of the year `bidf_year` picks, dot product over shared
/// terms. Reads the published `patent_terms` and `vocabulary`; columns patent_a, patent_b,
/// year_a, year_b, bidf_year, similarity.
pub fn pair_similarities(pairs: &str, bidf_year: BidfYear) -> String {
    format!(
        "WITH documents AS (
  SELECT DISTINCT patent_id, filing_year FROM patent_terms
), pairs AS (
  {pairs}
), weighted AS (
  SELECT DISTINCT patent_a, patent_b, year_a, year_b, {t} AS bidf_year FROM pairs
), needed AS (
  SELECT patent_a AS patent_id, year_a AS filing_year, bidf_year FROM weighted
  UNION
  SELECT patent_b, year_b, bidf_year FROM weighted
), weights AS (
  SELECT n.patent_id, n.bidf_year, pt.term, pt.tf * v.bidf AS x
  FROM needed n
  JOIN patent_terms pt ON pt.filing_year = n.filing_year AND pt.patent_id = n.patent_id
  JOIN vocabulary v ON v.filing_year = n.bidf_year AND v.term = pt.term
), norms AS (
  SELECT patent_id, bidf_year, sqrt(SUM(x * x)) AS norm FROM weights GROUP BY patent_id, bidf_year
), vectors AS (
  SELECT w.patent_id, w.bidf_year, w.term, w.x / n.norm AS v
  FROM weights w JOIN norms n ON n.patent_id = w.patent_id AND n.bidf_year = w.bidf_year
  WHERE n.norm > 0
), pair_terms AS (
  SELECT p.patent_a, p.patent_b, p.bidf_year, a.term, a.v
  FROM weighted p
  JOIN vectors a ON a.patent_id = p.patent_a AND a.bidf_year = p.bidf_year
), dots AS (
  -- the patent_b vectors are the hash join's build side; the (pair, term) rows stream past them
  SELECT pt.patent_a, pt.patent_b, SUM(pt.v * b.v) AS dot
  FROM vectors b
  JOIN pair_terms pt ON b.patent_id = pt.patent_b AND b.bidf_year = pt.bidf_year AND b.term = pt.term
  GROUP BY pt.patent_a, pt.patent_b
)
SELECT p.patent_a, p.patent_b, p.year_a, p.year_b, p.bidf_year, COALESCE(d.dot, 0.0) AS similarity
FROM weighted p LEFT JOIN dots d ON d.patent_a = p.patent_a AND d.patent_b = p.patent_b",
        t = bidf_year.sql("year_a", "year_b"),
    )
}

/// The pairs of the in-memory table `sim_pair_input(patent_a, patent_b)` whose patents both have
/// a kept term, for [`pair_similarities`].
/// (Indented to sit in the `pairs` CTE of [`pair_similarities`].)
pub const GIVEN_PAIRS: &str = "SELECT i.patent_a, i.patent_b, a.filing_year AS year_a, b.filing_year AS year_b
  FROM sim_pair_input i
  JOIN documents a ON a.patent_id = i.patent_a
  JOIN documents b ON b.patent_id = i.patent_b";

/// Every patent of the in-memory table `sim_focal_input(patent_id)` paired with every patent filed
/// in its backward window, for [`pair_similarities`].
pub fn backward_candidates(backward_years: i32) -> String {
    format!(
        "SELECT f.patent_id AS patent_a, c.patent_id AS patent_b, f.filing_year AS year_a, c.filing_year AS year_b
  FROM sim_focal_input i
  JOIN documents f ON f.patent_id = i.patent_id
  JOIN documents c ON c.filing_year BETWEEN f.filing_year - {backward_years} AND f.filing_year - 1"
    )
}

/// The `k` most similar pairs per patent_a of `similarities` (ties broken by patent_b), ranked from 1.
pub fn top_k(similarities: &str, k: usize) -> String {
    format!(
        "SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY patent_a ORDER BY similarity DESC, patent_b) AS rank
  FROM ({similarities}) s
) ranked
WHERE rank <= {k}
ORDER BY patent_a, rank"
    )
}

#[cfg(test)]
mod tests {
    //! The weighting queries' physical plans: `patent_terms`, the largest table, must stream past
    //! every hash join (the probe side, right) and never be collected into a hash table (the build
    //! side, left), whatever the statistics say. The run keeps the written join order by turning
    //! DataFusion's statistics-driven join reordering off (`run::set_join_reordering`); here the
    //! statistics favour swapping (patent_terms empty, the other tables with rows), so both a
    //! reversed join in the SQL and a lost setting fail.

    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::DataType;
    use datafusion::datasource::MemTable;
    use datafusion::physical_plan::ExecutionPlan;
    use datafusion::physical_plan::joins::HashJoinExec;
    use datafusion::prelude::SessionContext;

    use super::*;
    use crate::windows::Windows;

    /// A table of the catalogue's schema holding `rows` rows of placeholder values.
    fn table_with_rows(table: schemas::Table, rows: usize) -> Arc<MemTable> {
        let (name, schema) = (table.name(), table.def().arrow_schema());
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.data_type() {
                    DataType::Utf8 => Arc::new(StringArray::from_iter_values((0..rows).map(|i| format!("v{i}")))),
                    DataType::Int32 => Arc::new(Int32Array::from_iter_values((0..rows).map(|i| 2000 + i as i32))),
                    DataType::Int64 => Arc::new(Int64Array::from_iter_values((0..rows).map(|i| i as i64))),
                    DataType::Float64 => Arc::new(Float64Array::from_iter_values((0..rows).map(|i| 1.0 + i as f64))),
                    other => panic!("{name}.{}: no placeholder for {other}", f.name()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        Arc::new(MemTable::try_new(schema, vec![vec![batch]]).unwrap())
    }

    /// Whether `plan` reads `patent_terms`: a leaf with its `tf` column (no other table read by the
    /// weighting queries has one).
    fn reads_patent_terms(plan: &Arc<dyn ExecutionPlan>) -> bool {
        match plan.children().as_slice() {
            [] => plan.schema().field_with_name("tf").is_ok(),
            children => children.iter().any(|c| reads_patent_terms(c)),
        }
    }

    /// Hash joins of `plan` as (builds patent_terms, probes patent_terms).
    fn hash_joins(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<(bool, bool)>) {
        if let Some(join) = plan.downcast_ref::<HashJoinExec>() {
            out.push((reads_patent_terms(join.left()), reads_patent_terms(join.right())));
        }
        for child in plan.children() {
            hash_joins(child, out);
        }
    }

    #[tokio::test]
    #[allow(clippy::disallowed_methods)] // inspects the physical plan, which only the DataFrame gives
    async fn patent_terms_is_never_a_hash_join_build_side() {
        let ctx = SessionContext::new();
        use schemas::Table::{PatentTerms, SimCentroids, SimNorms, Vocabulary};
        ctx.register_table("patent_terms", table_with_rows(PatentTerms, 0)).unwrap();
        for t in [Vocabulary, SimNorms, SimCentroids] {
            ctx.register_table(t.name(), table_with_rows(t, 50)).unwrap();
        }
        crate::run::set_join_reordering(&ctx, false).await.unwrap();
        let windows = Windows { backward_years: 5, forward_years: 10, bidf_year: BidfYear::Earlier };
        let plans = windows.plan(&(1990..=2020).collect::<Vec<_>>());
        let (t, plan) = plans.iter().find(|(t, _)| **t == 2005).expect("a weighting year inside the span");
        let queries = WeightingQueries { bidf_year: *t, plan };
        for (label, sql, probing) in [("centroids", queries.centroids(), 3), ("window sums", queries.window_sums(), 5)]
        {
            let physical = ctx.sql(&sql).await.unwrap().create_physical_plan().await.unwrap();
            let mut joins = vec![];
            hash_joins(&physical, &mut joins);
            let shown = datafusion::physical_plan::displayable(physical.as_ref()).indent(true).to_string();
            assert!(joins.iter().all(|(builds, _)| !builds), "{label}: patent_terms on a build side:\n{shown}");
            assert_eq!(
                joins.iter().filter(|(_, probes)| *probes).count(),
                probing,
                "{label}: joins that stream patent_terms:\n{shown}"
            );
        }
    }
}
