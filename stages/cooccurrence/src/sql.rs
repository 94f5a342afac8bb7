//! The co-occurrence stage's queries, as plain SQL text a data engineer can read and re-run.
//!
//! Tables they read: `cpc` (and `patents` for filing years) from ingest; the stage's own work tables
//! `cooc_patent_codes`, `cooc_unit_counts`, `cooc_patent_pairs` and in-memory `cooc_code_map`; and
//! the partition of `cpc_pair_stats` written for the year before.
//!
//! Notation: for a unit A at some level, its *atoms* are the codes whose counts are summed: the
//! groups inside A ([`CoarseGraining::SumCodePairs`]) or A itself ([`CoarseGraining::MapDedupe`],
//! and always at group level). With n_i the patents holding atom i and P = |P(t)|,
//! f_i = n_i (P - n_i), the code-level moments are mu_ij = n_i n_j / P and
//! var_ij = f_i f_j / (P^2 (P - 1)). Summed over distinct atom pairs (halved when A = B):
//! - A != B: mu = S_A S_B / P, var = F_A F_B / (P^2 (P - 1)), with S = sum n, F = sum f;
//! - A = B: mu = sum_i n_i (S_A - n_i) / (2P), var = sum_i f_i (F_A - f_i) / (2 P^2 (P - 1)).
//!
//! The A = B forms are sums of non-negative terms, so no cancellation when one group dominates.

use crate::options::{CoarseGraining, Level, Marginals, YearField};

/// Distinct groups of each patent with subclass, class and the patent's year; written partitioned
/// by year as `cooc_patent_codes`.
pub fn patent_codes(year_field: YearField) -> String {
    match year_field {
        YearField::Grant => "-- Distinct codes of each patent, by grant year
SELECT DISTINCT patent_id, cpc_group, cpc_subclass, cpc_class, grant_year AS year
FROM cpc"
            .to_string(),
        YearField::Filing => "-- Distinct codes of each patent with a filing year, by filing year
SELECT DISTINCT c.patent_id, c.cpc_group, c.cpc_subclass, c.cpc_class, p.filing_year AS year
FROM cpc c
JOIN patents p ON c.patent_id = p.patent_id
WHERE p.filing_year IS NOT NULL"
            .to_string(),
    }
}

/// Patents with CPC codes per year (the increments of |P(t)|).
pub const PATENTS_PER_YEAR: &str = "-- Patents with codes per year
SELECT year, COUNT(DISTINCT patent_id) AS patents
FROM cooc_patent_codes
GROUP BY year
ORDER BY year";

/// A row of [`PATENTS_PER_YEAR`].
#[derive(Debug, serde::Deserialize)]
pub struct YearPatents {
    pub year: i32,
    pub patents: i64,
}

/// Each group's subclass and class, collected into memory as `cooc_code_map` (one row per group).
pub const CODE_MAP: &str = "-- Each group with its subclass and class
SELECT DISTINCT cpc_group, cpc_subclass, cpc_class
FROM cooc_patent_codes";

/// A quantile of the z-scores drawn in the z-distribution plot: its level, its column name and the
/// [`ZByYear`] field that column is read into.
pub type ZQuantile = (f64, &'static str, fn(&ZByYear) -> f64);

/// The quantiles drawn in the z-distribution plot.
pub const Z_QUANTILES: [ZQuantile; 5] = [
    (0.1, "p10", |r| r.p10),
    (0.25, "p25", |r| r.p25),
    (0.5, "median", |r| r.median),
    (0.75, "p75", |r| r.p75),
    (0.9, "p90", |r| r.p90),
];

/// Per year, the share of observed pairs of `level` with z < 0 and the [`Z_QUANTILES`] of z.
pub fn z_by_year(level: Level) -> String {
    let quantiles: Vec<String> = Z_QUANTILES
        .iter()
        .map(|(q, name, _)| format!("       approx_percentile_cont({q}) WITHIN GROUP (ORDER BY z) AS {name}"))
        .collect();
    format!(
        "-- z-scores of the observed {level} pairs per cumulative year, for the plots
SELECT year,
       AVG(CASE WHEN z < 0 THEN 1.0 ELSE 0.0 END) AS atypical_share,
{quantiles}
FROM cpc_pair_stats
WHERE level = '{level}' AND z IS NOT NULL
GROUP BY year
ORDER BY year",
        level = level.name(),
        quantiles = quantiles.join(",\n"),
    )
}

/// A row of [`z_by_year`].
#[derive(Debug, serde::Deserialize)]
pub struct ZByYear {
    pub year: i32,
    pub atypical_share: f64,
    pub p10: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p90: f64,
}

/// Per year, the share of patents with novelty features at `level` that are novel.
pub fn novel_share_by_year(level: Level) -> String {
    format!(
        "-- Share of novel patents per cumulative year at the {level} level, for the plots
SELECT year, AVG(CASE WHEN novel THEN 1.0 ELSE 0.0 END) AS novel_share
FROM patent_novelty
WHERE level = '{level}' AND novel IS NOT NULL
GROUP BY year
ORDER BY year",
        level = level.name(),
    )
}

/// A row of [`novel_share_by_year`].
#[derive(Debug, serde::Deserialize)]
pub struct NovelShare {
    pub year: i32,
    pub novel_share: f64,
}

/// The queries of one year of the fold.
pub struct YearQueries<'a> {
    pub year: i32,
    /// Whether `year - 1` was folded before (false for the first year): only then do the queries
    /// read last year's cumulative tables. (A branch over a year with no files plans as an empty
    /// scan, which Ballista 55 executors report with one operator more than the scheduler planned,
    /// and the job never completes.)
    pub has_previous: bool,
    /// |P(year)|: patents with codes of years up to and including `year`.
    pub patents: i64,
    pub levels: &'a [Level],
    pub coarse_graining: CoarseGraining,
    pub marginals: Marginals,
}

impl YearQueries<'_> {
    /// Units of the year's patents: (level, patent_id, unit, c), c = the patent's distinct groups in
    /// the unit (1 under map-dedupe and at group level).
    fn units(&self, levels: &[Level]) -> String {
        let t = self.year;
        levels
            .iter()
            .map(|level| {
                let (name, column) = (level.name(), level.cpc_column());
                let c = match (level, self.coarse_graining) {
                    (Level::Group, _) | (_, CoarseGraining::MapDedupe) => "CAST(1 AS BIGINT)",
                    (_, CoarseGraining::SumCodePairs) => "COUNT(*)",
                };
                format!(
                    "SELECT '{name}' AS level, patent_id, {column} AS unit, {c} AS c FROM cooc_patent_codes \
                     WHERE year = {t} GROUP BY patent_id, {column}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// The unordered unit pairs of each patent of the year (code_a <= code_b), with the patent's
    /// contribution w to o: c_A c_B, or c_A (c_A - 1) / 2 for pairs of groups inside one unit.
    pub fn patent_pairs(&self) -> String {
        let t = self.year;
        format!(
            "WITH u AS ({units}) \
             SELECT a.level, a.patent_id, a.unit AS code_a, b.unit AS code_b, \
                    CASE WHEN a.unit = b.unit THEN a.c * (a.c - 1) / 2 ELSE a.c * b.c END AS w, \
                    CAST({t} AS INT) AS year \
             FROM u a JOIN u b ON a.level = b.level AND a.patent_id = b.patent_id \
             WHERE a.unit < b.unit OR (a.unit = b.unit AND a.c > 1)",
            units = self.units(self.levels)
        )
    }

    /// Patents holding each unit (all levels: coarse atoms need the group counts), cumulative.
    pub fn unit_counts(&self) -> String {
        let t = self.year;
        format!(
            "SELECT level, unit, SUM(n) AS n, CAST({t} AS INT) AS year FROM ( \
               {previous}SELECT level, unit, COUNT(*) AS n FROM ({units}) u GROUP BY level, unit \
             ) x GROUP BY level, unit",
            previous = self.previous("SELECT level, unit, n FROM cooc_unit_counts"),
            units = self.units(&Level::ALL)
        )
    }

    /// `query` restricted to last year and followed by `UNION ALL`, or nothing in the first year.
    fn previous(&self, query: &str) -> String {
        if self.has_previous { format!("{query} WHERE year = {} UNION ALL ", self.year - 1) } else { String::new() }
    }

    /// The atoms of each unit with their counts, from this year's `counts`.
    fn atoms(&self) -> String {
        self.levels
            .iter()
            .map(|level| match (level, self.coarse_graining) {
                (Level::Group, _) | (_, CoarseGraining::MapDedupe) => {
                    format!("SELECT level, unit, unit AS atom, n FROM counts WHERE level = '{}'", level.name())
                }
                (_, CoarseGraining::SumCodePairs) => format!(
                    "SELECT '{name}' AS level, m.{column} AS unit, g.unit AS atom, g.n FROM counts g \
                     JOIN cooc_code_map m ON g.unit = m.cpc_group WHERE g.level = 'group'",
                    name = level.name(),
                    column = level.cpc_column()
                ),
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// `moments(level, code_a, code_b, o, mu, var)` for every observed pair.
    fn moments(&self) -> String {
        let p = format!("CAST({} AS DOUBLE)", self.patents);
        // P^2 (P - 1); with fewer than two patents the variance is undefined and set to 0 (z NULL).
        let denominator = format!("({p} * {p} * ({p} - 1.0))");
        let var = |expr: &str| if self.patents < 2 { "0.0".to_string() } else { format!("{expr} / {denominator}") };
        match self.marginals {
            Marginals::Aggregates => format!(
                "f AS (SELECT level, unit, n, n * ({patents} - n) AS f FROM atoms), \
                 totals AS (SELECT level, unit, SUM(n) AS s, SUM(f) AS sf FROM f GROUP BY level, unit), \
                 marg AS (SELECT t.level, t.unit, t.s, t.sf, \
                                 SUM(f.n * (t.s - f.n)) AS within_mu, \
                                 SUM(CAST(f.f AS DOUBLE) * CAST(t.sf - f.f AS DOUBLE)) AS within_var \
                          FROM f JOIN totals t ON f.level = t.level AND f.unit = t.unit \
                          GROUP BY t.level, t.unit, t.s, t.sf), \
                 moments AS ( \
                   SELECT p.level, p.code_a, p.code_b, p.o, \
                          CASE WHEN p.code_a = p.code_b THEN CAST(a.within_mu AS DOUBLE) / (2.0 * {p}) \
                               ELSE CAST(a.s AS DOUBLE) * CAST(b.s AS DOUBLE) / {p} END AS mu, \
                          CASE WHEN p.code_a = p.code_b THEN {var_within} \
                               ELSE {var_between} END AS var \
                   FROM pairs p \
                   JOIN marg a ON a.level = p.level AND a.unit = p.code_a \
                   JOIN marg b ON b.level = p.level AND b.unit = p.code_b)",
                patents = self.patents,
                var_within = var("a.within_var / 2.0"),
                var_between = var("CAST(a.sf AS DOUBLE) * CAST(b.sf AS DOUBLE)"),
            ),
            Marginals::EnumeratePairs => format!(
                "moments AS ( \
                   SELECT p.level, p.code_a, p.code_b, p.o, \
                          SUM(CAST(x.n AS DOUBLE) * CAST(y.n AS DOUBLE)) * half / {p} AS mu, \
                          {var_sum} AS var \
                   FROM (SELECT *, CASE WHEN code_a = code_b THEN 0.5 ELSE 1.0 END AS half FROM pairs) p \
                   JOIN atoms x ON x.level = p.level AND x.unit = p.code_a \
                   JOIN atoms y ON y.level = p.level AND y.unit = p.code_b \
                   WHERE x.atom <> y.atom \
                   GROUP BY p.level, p.code_a, p.code_b, p.o, p.half)",
                var_sum = var(&format!(
                    "SUM(CAST(x.n * ({n} - x.n) AS DOUBLE) * CAST(y.n * ({n} - y.n) AS DOUBLE)) * half",
                    n = self.patents
                )),
            ),
        }
    }

    /// `cpc_pair_stats` for the year: last year's o plus this year's pair contributions, with mu,
    /// var, z and the unit counts; sorted by level and pair.
    pub fn pair_stats(&self) -> String {
        let t = self.year;
        format!(
            "WITH pairs AS ( \
               SELECT level, code_a, code_b, SUM(o) AS o FROM ( \
                 {previous}SELECT level, code_a, code_b, w AS o FROM cooc_patent_pairs WHERE year = {t} \
               ) x GROUP BY level, code_a, code_b), \
             counts AS (SELECT level, unit, n FROM cooc_unit_counts WHERE year = {t}), \
             atoms AS ({atoms}), \
             {moments} \
             SELECT m.level, m.code_a, m.code_b, m.o, m.mu, m.var, \
                    CASE WHEN m.var > 0 THEN (CAST(m.o AS DOUBLE) - m.mu) / sqrt(m.var) END AS z, \
                    ca.n AS n_a, cb.n AS n_b, CAST({patents} AS BIGINT) AS patents, CAST({t} AS INT) AS year \
             FROM moments m \
             JOIN counts ca ON ca.level = m.level AND ca.unit = m.code_a \
             JOIN counts cb ON cb.level = m.level AND cb.unit = m.code_b \
             ORDER BY m.level, m.code_a, m.code_b",
            previous = self.previous("SELECT level, code_a, code_b, o FROM cpc_pair_stats"),
            atoms = self.atoms(),
            moments = self.moments(),
            patents = self.patents,
        )
    }

    /// `patent_novelty` for the patents of the year: the z-scores of each patent's pairs (looked up
    /// in this year's `cpc_pair_stats`), their minimum, 10th percentile and median (linear
    /// interpolation between closest ranks, as numpy's default), the share below zero, and the flags.
    /// Patents without pairs at a level get n_pairs = 0 and NULL features.
    pub fn patent_novelty(&self) -> String {
        let t = self.year;
        format!(
            "WITH scored AS ( \
               SELECT pp.level, pp.patent_id, s.z FROM cooc_patent_pairs pp \
               JOIN cpc_pair_stats s ON s.year = {t} AND s.level = pp.level AND s.code_a = pp.code_a AND s.code_b = pp.code_b \
               WHERE pp.year = {t}), \
             ranked AS ( \
               SELECT level, patent_id, z, \
                      ROW_NUMBER() OVER w - 1 AS r, \
                      LEAD(z) OVER w AS z_next, \
                      COUNT(z) OVER (PARTITION BY level, patent_id) AS k, \
                      COUNT(*) OVER (PARTITION BY level, patent_id) AS n_pairs \
               FROM scored WINDOW w AS (PARTITION BY level, patent_id ORDER BY z ASC NULLS LAST)), \
             features AS ( \
               SELECT level, patent_id, MAX(n_pairs) AS n_pairs, MIN(z) AS min_z, \
                      {p10} AS p10_z, {p50} AS median_z, \
                      CASE WHEN MAX(k) > 0 THEN CAST(SUM(CASE WHEN z < 0 THEN 1 ELSE 0 END) AS DOUBLE) / MAX(k) END AS share_negative \
               FROM ranked GROUP BY level, patent_id), \
             yearly AS (SELECT level, median(median_z) AS median_of_medians FROM features GROUP BY level), \
             patents AS (SELECT level, patent_id, COUNT(*) AS n_codes FROM ({units}) u GROUP BY level, patent_id), \
             flagged AS ( \
               SELECT p.patent_id, p.n_codes, COALESCE(f.n_pairs, 0) AS n_pairs, f.min_z, f.p10_z, f.median_z, \
                      f.share_negative, f.p10_z < 0 AS novel, f.median_z > y.median_of_medians AS conventional, p.level \
               FROM patents p \
               LEFT JOIN features f ON f.level = p.level AND f.patent_id = p.patent_id \
               LEFT JOIN yearly y ON y.level = p.level) \
             SELECT patent_id, CAST({t} AS INT) AS year, n_codes, n_pairs, min_z, p10_z, median_z, share_negative, \
                    novel, conventional, \
                    CASE WHEN novel IS NULL OR conventional IS NULL THEN NULL \
                         WHEN novel AND conventional THEN 'novel_conventional' \
                         WHEN novel THEN 'novel' WHEN conventional THEN 'conventional' ELSE 'neither' END AS profile, \
                    level \
             FROM flagged ORDER BY level, patent_id",
            p10 = percentile("0.1"),
            p50 = percentile("0.5"),
            units = self.units(self.levels),
        )
    }
}

/// The q-quantile of `z` over a group of `ranked` rows (`r` 0-based rank among the k non-NULL
/// values, `z_next` the next value): h = q (k - 1), value = z_(floor h) + (h - floor h) (z_(floor h + 1)
/// - z_(floor h)).
fn percentile(q: &str) -> String {
    let h_row = format!("({q} * CAST(k - 1 AS DOUBLE))");
    format!(
        "CASE WHEN MAX(k) > 0 THEN SUM(CASE WHEN z IS NOT NULL AND CAST(r AS DOUBLE) = floor({h_row}) THEN \
           CASE WHEN {h_row} > floor({h_row}) THEN z + (z_next - z) * ({h_row} - floor({h_row})) ELSE z END \
         END) END"
    )
}
