//! The co-occurrence stage's queries, as plain SQL text a data engineer can read and re-run.
//!
//! Tables they read: `cpc` (and `patents` for filing years) from ingest; the stage's own work tables
//! `cooc_units`, `cooc_patent_codes`, `cooc_code_map`, `cooc_unit_counts`, `cooc_patent_pairs` and
//! `cooc_pair_moments` (the partition written for the year before).
//!
//! Codes are numbered once (`cooc_units`, in (level, code) order) and every join, grouping and sort
//! of the year fold is on those numbers: hashing and comparing 8-byte integers instead of code
//! strings made the fold about twice as fast. A pair of codes is one integer, `pair` = id_a * 2^32 +
//! id_b ([`pair_key`]), so that grouping, joining and sorting pairs is on one column rather than
//! through DataFusion's multi-column row encoding. The codes come back only for the published table,
//! whose rows are in pair key order, which is (id_a, id_b) order and so code order: the year's
//! `cooc_pair_moments` is written sorted by the key, and the published query keeps that order through
//! its joins instead of sorting its wider rows.
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

/// The base of the pair key: ids are below it (checked when the codes are numbered).
pub const PAIR_BASE: i64 = 1 << 32;

/// The pair key of the ids `a` and `b` (SQL expressions).
fn pair_key(a: &str, b: &str) -> String {
    format!("{a} * {PAIR_BASE} + {b}")
}

/// The first and second id of a pair key (SQL expressions).
fn pair_ids(pair: &str) -> (String, String) {
    (format!("{pair} / {PAIR_BASE}"), format!("{pair} % {PAIR_BASE}"))
}

/// The `cpc` rows the fold counts, with the year that places them: the grant year, or the filing year
/// of patents that have one.
fn dated_cpc(year_field: YearField) -> &'static str {
    match year_field {
        YearField::Grant => "SELECT patent_id, cpc_group, cpc_subclass, cpc_class, grant_year AS year FROM cpc",
        YearField::Filing => {
            "SELECT c.patent_id, c.cpc_group, c.cpc_subclass, c.cpc_class, p.filing_year AS year \
             FROM cpc c JOIN patents p ON c.patent_id = p.patent_id WHERE p.filing_year IS NOT NULL"
        }
    }
}

/// Every code of the counted rows at each level, numbered in (level, code) order; written as
/// `cooc_units`.
pub fn units(year_field: YearField) -> String {
    let parts: Vec<String> = Level::ALL
        .iter()
        .enumerate()
        .map(|(rank, level)| {
            format!(
                "SELECT DISTINCT '{name}' AS level, {rank} AS rank, {column} AS unit FROM dated",
                name = level.name(),
                column = level.cpc_column()
            )
        })
        .collect();
    format!(
        "-- Every code at each level, numbered in (level, code) order
WITH dated AS ({dated}),
units AS ({parts})
SELECT level, unit, CAST(ROW_NUMBER() OVER (ORDER BY rank, unit) AS BIGINT) AS id
FROM units",
        dated = dated_cpc(year_field),
        parts = parts.join(" UNION ALL "),
    )
}

/// Distinct groups of each patent with subclass, class (as ids) and the patent's year; written
/// partitioned by year as `cooc_patent_codes`.
pub fn patent_codes(year_field: YearField) -> String {
    format!(
        "-- Distinct codes of each patent (as ids), by {year}
WITH dated AS ({dated})
SELECT DISTINCT d.patent_id, g.id AS group_id, s.id AS subclass_id, c.id AS class_id, d.year
FROM dated d
JOIN cooc_units g ON g.level = 'group' AND g.unit = d.cpc_group
JOIN cooc_units s ON s.level = 'subclass' AND s.unit = d.cpc_subclass
JOIN cooc_units c ON c.level = 'class' AND c.unit = d.cpc_class",
        year = year_field.name(),
        dated = dated_cpc(year_field),
    )
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

/// Each group's subclass and class (ids), written as `cooc_code_map` (one row per group).
pub const CODE_MAP: &str = "-- Each group with its subclass and class
SELECT DISTINCT group_id, subclass_id, class_id
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
    /// Units (ids) of the year's patents: (level, patent_id, unit, c), c = the patent's distinct groups
    /// in the unit (1 under map-dedupe and at group level).
    fn units(&self, levels: &[Level]) -> String {
        let t = self.year;
        levels
            .iter()
            .map(|level| {
                let (name, column) = (level.name(), level.id_column());
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

    /// The unordered unit pairs of each patent of the year (id_a <= id_b, as a pair key), with the
    /// patent's contribution w to o: c_A c_B, or c_A (c_A - 1) / 2 for pairs of groups inside one unit.
    pub fn patent_pairs(&self) -> String {
        let t = self.year;
        format!(
            "WITH u AS ({units}) \
             SELECT a.level, a.patent_id, {pair} AS pair, \
                    CASE WHEN a.unit = b.unit THEN a.c * (a.c - 1) / 2 ELSE a.c * b.c END AS w, \
                    CAST({t} AS INT) AS year \
             FROM u a JOIN u b ON a.patent_id = b.patent_id AND a.level = b.level \
             WHERE a.unit < b.unit OR (a.unit = b.unit AND a.c > 1)",
            units = self.units(self.levels),
            pair = pair_key("a.unit", "b.unit"),
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
                     JOIN cooc_code_map m ON g.unit = m.group_id WHERE g.level = 'group'",
                    name = level.name(),
                    column = level.id_column()
                ),
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }

    /// `moments(pair, o, n_a, n_b, mu, var)` for every observed pair (the ids tell the level).
    fn moments(&self) -> String {
        let p = format!("CAST({} AS DOUBLE)", self.patents);
        // P^2 (P - 1); with fewer than two patents the variance is undefined and set to 0 (z NULL).
        let denominator = format!("({p} * {p} * ({p} - 1.0))");
        let var = |expr: &str| if self.patents < 2 { "0.0".to_string() } else { format!("{expr} / {denominator}") };
        match self.marginals {
            // Each unit's sums, then one join per side of a pair (ids are unique across levels).
            Marginals::Aggregates => format!(
                "f AS (SELECT unit, n, n * ({patents} - n) AS f FROM atoms), \
                 totals AS (SELECT unit, SUM(n) AS s, SUM(f) AS sf FROM f GROUP BY unit), \
                 marg AS (SELECT t.unit, t.s, t.sf, \
                                 SUM(f.n * (t.s - f.n)) AS within_mu, \
                                 SUM(CAST(f.f AS DOUBLE) * CAST(t.sf - f.f AS DOUBLE)) AS within_var \
                          FROM f JOIN totals t ON f.unit = t.unit \
                          GROUP BY t.unit, t.s, t.sf), \
                 sides AS (SELECT m.unit, m.s, m.sf, m.within_mu, m.within_var, c.n \
                           FROM marg m JOIN counts c ON c.unit = m.unit), \
                 moments AS ( \
                   SELECT p.pair, p.o, a.n AS n_a, b.n AS n_b, \
                          CASE WHEN p.code_a = p.code_b THEN CAST(a.within_mu AS DOUBLE) / (2.0 * {p}) \
                               ELSE CAST(a.s AS DOUBLE) * CAST(b.s AS DOUBLE) / {p} END AS mu, \
                          CASE WHEN p.code_a = p.code_b THEN {var_within} \
                               ELSE {var_between} END AS var \
                   FROM pairs p \
                   JOIN sides a ON a.unit = p.code_a \
                   JOIN sides b ON b.unit = p.code_b)",
                patents = self.patents,
                var_within = var("a.within_var / 2.0"),
                var_between = var("CAST(a.sf AS DOUBLE) * CAST(b.sf AS DOUBLE)"),
            ),
            Marginals::EnumeratePairs => format!(
                "moments AS ( \
                   SELECT p.pair, p.o, ca.n AS n_a, cb.n AS n_b, \
                          SUM(CAST(x.n AS DOUBLE) * CAST(y.n AS DOUBLE)) * half / {p} AS mu, \
                          {var_sum} AS var \
                   FROM (SELECT *, CASE WHEN code_a = code_b THEN 0.5 ELSE 1.0 END AS half FROM pairs) p \
                   JOIN atoms x ON x.unit = p.code_a \
                   JOIN atoms y ON y.unit = p.code_b \
                   JOIN counts ca ON ca.unit = p.code_a \
                   JOIN counts cb ON cb.unit = p.code_b \
                   WHERE x.atom <> y.atom \
                   GROUP BY p.pair, p.o, p.half, ca.n, cb.n)",
                var_sum = var(&format!(
                    "SUM(CAST(x.n * ({n} - x.n) AS DOUBLE) * CAST(y.n * ({n} - y.n) AS DOUBLE)) * half",
                    n = self.patents
                )),
            ),
        }
    }

    /// `cooc_pair_moments` for the year: last year's o plus this year's pair contributions, with mu,
    /// var, z and the unit counts, sorted by the pair key (the sort is on one integer and numbers;
    /// `cpc_pair_stats` then keeps that order without sorting its wider rows).
    pub fn pair_moments(&self) -> String {
        let t = self.year;
        let (id_a, id_b) = pair_ids("pair");
        format!(
            "WITH pairs AS ( \
               SELECT pair, {id_a} AS code_a, {id_b} AS code_b, o FROM ( \
                 SELECT pair, SUM(o) AS o FROM ( \
                   {previous}SELECT pair, w AS o FROM cooc_patent_pairs WHERE year = {t} \
                 ) x GROUP BY pair) y), \
             counts AS (SELECT level, unit, n FROM cooc_unit_counts WHERE year = {t}), \
             atoms AS ({atoms}), \
             {moments} \
             SELECT pair, o, mu, var, \
                    CASE WHEN var > 0 THEN (CAST(o AS DOUBLE) - mu) / sqrt(var) END AS z, \
                    n_a, n_b, CAST({patents} AS BIGINT) AS patents, CAST({t} AS INT) AS year \
             FROM moments \
             ORDER BY pair",
            previous = self.previous("SELECT pair, o FROM cooc_pair_moments"),
            atoms = self.atoms(),
            moments = self.moments(),
            patents = self.patents,
        )
    }

    /// `cpc_pair_stats` for the year: the year's `cooc_pair_moments` with the codes and level in place
    /// of their ids, in pair key order (the codes' order within a level; group ids come before subclass
    /// ids before class ids). The code table comes first in each join: with no statistics for a join
    /// on a computed key the planner keeps that order, so it builds its hash tables from the codes and
    /// streams the sorted pairs through them in their order (no sort).
    pub fn pair_stats(&self) -> String {
        let (id_a, _) = pair_ids("m.pair");
        let (_, id_b_of_named) = pair_ids("named.pair");
        format!(
            "SELECT named.code_a, ub.unit AS code_b, named.o, named.mu, named.var, named.z, named.n_a, named.n_b, \
                    named.patents, named.level, named.year \
             FROM cooc_units ub JOIN ( \
               SELECT ua.unit AS code_a, ua.level, m.* \
               FROM cooc_units ua JOIN cooc_pair_moments m ON ua.id = {id_a} \
               WHERE m.year = {t}) named \
             ON ub.id = {id_b_of_named} \
             ORDER BY named.pair",
            t = self.year
        )
    }

    /// `patent_novelty` for the patents of the year: the z-scores of each patent's pairs (looked up
    /// in this year's `cooc_pair_moments`), their minimum, 10th percentile and median (linear
    /// interpolation between closest ranks, as numpy's default), the share below zero, and the flags.
    /// Patents without pairs at a level get n_pairs = 0 and NULL features.
    pub fn patent_novelty(&self) -> String {
        let t = self.year;
        format!(
            "WITH scored AS ( \
               SELECT pp.level, pp.patent_id, s.z FROM cooc_patent_pairs pp \
               JOIN cooc_pair_moments s ON s.year = {t} AND s.pair = pp.pair \
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
