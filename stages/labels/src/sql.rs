//! The labels query, in DataFusion SQL over ingest's `patents`, `cpc` and `citations` (and the
//! optional `patent_list`): forward citations in the window, the main-code field, the rank within
//! field and grant year, and the label. One pass over the citations joined to both patents' grant
//! dates; cost grows linearly with citations plus a sort of each field-year group.

use crate::options::{CitationWindow, LabelOptions, LabelRule, PatentList};

/// The patents of the optional list, as `listed(patent_id)`, from the CSV registered as
/// `patent_list`.
pub fn listed(list: &PatentList) -> String {
    let flag = list.flag_column.as_ref().map(|f| format!(" WHERE CAST({f} AS BIGINT) = 1")).unwrap_or_default();
    format!("SELECT DISTINCT CAST({} AS VARCHAR) AS patent_id FROM patent_list{flag}", list.id_column)
}

/// The query writing `impact_labels`.
pub fn impact_labels(options: &LabelOptions) -> String {
    let years = options.window_years;
    let share = options.top_share;
    let population = match &options.patent_list {
        Some(list) => format!(
            "SELECT p.patent_id, p.grant_date, p.grant_year FROM patents p JOIN ({}) l ON l.patent_id = p.patent_id",
            listed(list)
        ),
        None => "SELECT patent_id, grant_date, grant_year FROM patents".to_string(),
    };
    let (field, main_code, group) = match options.field.column() {
        Some(column) => (
            "m.field",
            format!(
                "main_code AS (\n  SELECT patent_id, MIN({column}) AS field FROM cpc WHERE cpc_sequence = 0 GROUP BY patent_id\n), "
            ),
            "field, grant_year",
        ),
        None => ("'all'", String::new(), "field"),
    };
    let main_code_join =
        if main_code.is_empty() { "" } else { "\n  LEFT JOIN main_code m ON m.patent_id = p.patent_id" };
    let (in_window, window_end, window_complete) = match options.window {
        CitationWindow::ExactDate => (
            format!(
                "citing.grant_date > cited.grant_date\n    AND citing.grant_date <= CAST(cited.grant_date + INTERVAL '{years} years' AS DATE)"
            ),
            format!("CAST(p.grant_date + INTERVAL '{years} years' AS DATE)"),
            format!("CAST(p.grant_date + INTERVAL '{years} years' AS DATE) <= e.last_grant"),
        ),
        // Grants come out every Tuesday, so a year is complete in the corpus once it holds a grant
        // from the year's last seven days.
        CitationWindow::CalendarYears => (
            format!(
                "citing.patent_id <> cited.patent_id\n    AND citing.grant_year BETWEEN cited.grant_year AND cited.grant_year + {years}"
            ),
            format!("make_date(p.grant_year + {years}, 12, 31)"),
            format!("make_date(p.grant_year + {years}, 12, 25) <= e.last_grant"),
        ),
    };
    let (cut, cut_join, l1) = match options.rule {
        LabelRule::TopShare => (
            String::new(),
            String::new(),
            // ceil(share x n), less a hair so that 0.1 x 30 counts as 3, not 4
            format!("b.forward_citations > 0 AND r.citation_rank <= CEIL(r.group_size * {share:e} - 1e-9)"),
        ),
        LabelRule::AboveQuantile => {
            let quantile = 1.0 - share;
            let on = group.split(", ").map(|c| format!("q.{c} = b.{c}")).collect::<Vec<_>>().join(" AND ");
            (
                format!(
                    ", position AS (
  -- the quantile's place among the group's counts in ascending order, (n - 1) x q (NumPy's linear
  -- method), snapped to a whole place where floating point misses it by a hair
  SELECT {group}, forward_citations, group_size - citation_rank AS ascending,
         CASE WHEN ABS(h - ROUND(h)) < 1e-9 THEN ROUND(h) ELSE h END AS h
  FROM (SELECT *, (group_size - 1) * {quantile:e} AS h FROM ranked)
), neighbours AS (
  -- the counts at the places either side of the quantile, and how far past the lower one it lies
  SELECT {group},
         MAX(CASE WHEN ascending = FLOOR(h) THEN forward_citations END) AS lower,
         MAX(CASE WHEN ascending = FLOOR(h) + 1 THEN forward_citations END) AS upper,
         MAX(h - FLOOR(h)) AS fraction
  FROM position
  GROUP BY {group}
), quantile AS (
  SELECT {group}, lower + fraction * (COALESCE(upper, lower) - lower) AS cut FROM neighbours
)"
                ),
                format!("\nLEFT JOIN quantile q ON r.patent_id IS NOT NULL AND {on}"),
                "CAST(b.forward_citations AS DOUBLE) > q.cut".to_string(),
            )
        }
    };
    format!(
        "-- Impact labels: forward citations {window}, {rule} of {pool}
WITH corpus_end AS (
  SELECT MAX(grant_date) AS last_grant FROM patents
), population AS (
  {population}
), {main_code}forward AS (
  -- distinct citing patents in the window
  SELECT cited.patent_id, COUNT(DISTINCT c.patent_id) AS forward_citations
  FROM citations c
  JOIN population cited ON cited.patent_id = c.cited_patent_id
  JOIN patents citing ON citing.patent_id = c.patent_id
  WHERE {in_window}
  GROUP BY cited.patent_id
), base AS (
  SELECT p.patent_id, p.grant_year, {field} AS field,
         COALESCE(f.forward_citations, 0) AS forward_citations,
         {window_end} AS window_end,
         {window_complete} AS window_complete
  FROM population p
  CROSS JOIN corpus_end e{main_code_join}
  LEFT JOIN forward f ON f.patent_id = p.patent_id
), ranked AS (
  SELECT patent_id, {group}, forward_citations,
         COUNT(*) OVER (PARTITION BY {group}) AS group_size,
         ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY forward_citations DESC, patent_id) AS citation_rank
  FROM base
  WHERE window_complete AND field IS NOT NULL
){cut}
SELECT b.patent_id, b.field, b.forward_citations, b.window_end, b.window_complete, r.group_size, r.citation_rank,
       CASE
         WHEN r.patent_id IS NULL THEN NULL
         WHEN {l1} THEN 'L1'
         ELSE 'L2'
       END AS label,
       b.grant_year
FROM base b
LEFT JOIN ranked r ON r.patent_id = b.patent_id{cut_join}
ORDER BY b.patent_id",
        window = match options.window {
            CitationWindow::ExactDate => format!("within {years} years of grant"),
            CitationWindow::CalendarYears => format!("in the calendar years grant year .. grant year + {years}"),
        },
        rule = match options.rule {
            LabelRule::TopShare => format!("top {share}"),
            LabelRule::AboveQuantile => format!("above the {} quantile", 1.0 - share),
        },
        pool = match options.field.column() {
            Some(column) => format!("field ({column}) and grant year"),
            None => "the whole population".to_string(),
        },
    )
}

/// The row of [`COUNTS`].
#[derive(Debug, serde::Deserialize)]
pub struct LabelCounts {
    pub patents: i64,
    pub labelled: i64,
    pub l1: i64,
    pub incomplete_window: i64,
    pub without_main_code: i64,
}

/// Counts for the log: patents, labelled, L1, incomplete windows, patents without a field.
pub const COUNTS: &str = "-- What the labels table holds, for the log
SELECT COUNT(*) AS patents,
       COUNT(label) AS labelled,
       COUNT(*) FILTER (WHERE label = 'L1') AS l1,
       COUNT(*) FILTER (WHERE NOT window_complete) AS incomplete_window,
       COUNT(*) FILTER (WHERE field IS NULL) AS without_main_code
FROM impact_labels";

/// The row of [`listed_count`].
#[derive(Debug, serde::Deserialize)]
pub struct PatentCount {
    pub patents: i64,
}

/// The number of distinct patents in the optional list.
pub fn listed_count(list: &PatentList) -> String {
    format!("-- Distinct patents in the patent list\nSELECT COUNT(*) AS patents FROM ({})", listed(list))
}
