//! The labels query, in DataFusion SQL over ingest's `patents`, `cpc` and `citations` (and the
//! optional `patent_list`): forward citations in the window, the main-code field, the rank within
//! field and grant year, and the label. One pass over the citations joined to both patents' grant
//! dates; cost grows linearly with citations plus a sort of each field-year group.

use crate::options::{LabelOptions, PatentList};

/// The patents of the optional list, as `listed(patent_id)`, from the CSV registered as
/// `patent_list`.
pub fn listed(list: &PatentList) -> String {
    let flag = list.flag_column.as_ref().map(|f| format!(" WHERE CAST({f} AS BIGINT) = 1")).unwrap_or_default();
    format!("SELECT DISTINCT CAST({} AS VARCHAR) AS patent_id FROM patent_list{flag}", list.id_column)
}

/// The query writing `impact_labels`.
pub fn impact_labels(options: &LabelOptions) -> String {
    let years = options.window_years;
    let field = options.field.column();
    let share = options.top_share;
    let population = match &options.patent_list {
        Some(list) => format!(
            "SELECT p.patent_id, p.grant_date, p.grant_year FROM patents p JOIN ({}) l ON l.patent_id = p.patent_id",
            listed(list)
        ),
        None => "SELECT patent_id, grant_date, grant_year FROM patents".to_string(),
    };
    format!(
        "-- Impact labels: forward citations within {years} years of grant, top {share} of field ({field}) and grant year
WITH corpus_end AS (
  SELECT MAX(grant_date) AS last_grant FROM patents
), population AS (
  {population}
), main_code AS (
  SELECT patent_id, MIN({field}) AS field FROM cpc WHERE cpc_sequence = 0 GROUP BY patent_id
), forward AS (
  -- distinct citing patents granted after the cited one and within the window
  SELECT cited.patent_id, COUNT(DISTINCT c.patent_id) AS forward_citations
  FROM citations c
  JOIN population cited ON cited.patent_id = c.cited_patent_id
  JOIN patents citing ON citing.patent_id = c.patent_id
  WHERE citing.grant_date > cited.grant_date
    AND citing.grant_date <= CAST(cited.grant_date + INTERVAL '{years} years' AS DATE)
  GROUP BY cited.patent_id
), base AS (
  SELECT p.patent_id, p.grant_year, m.field,
         COALESCE(f.forward_citations, 0) AS forward_citations,
         CAST(p.grant_date + INTERVAL '{years} years' AS DATE) AS window_end,
         CAST(p.grant_date + INTERVAL '{years} years' AS DATE) <= e.last_grant AS window_complete
  FROM population p
  CROSS JOIN corpus_end e
  LEFT JOIN main_code m ON m.patent_id = p.patent_id
  LEFT JOIN forward f ON f.patent_id = p.patent_id
), ranked AS (
  SELECT patent_id,
         COUNT(*) OVER (PARTITION BY field, grant_year) AS group_size,
         ROW_NUMBER() OVER (PARTITION BY field, grant_year ORDER BY forward_citations DESC, patent_id) AS citation_rank
  FROM base
  WHERE window_complete AND field IS NOT NULL
)
SELECT b.patent_id, b.field, b.forward_citations, b.window_end, b.window_complete, r.group_size, r.citation_rank,
       CASE
         WHEN r.patent_id IS NULL THEN NULL
         -- ceil(share x n), less a hair so that 0.1 x 30 counts as 3, not 4
         WHEN b.forward_citations > 0 AND r.citation_rank <= CEIL(r.group_size * {share:e} - 1e-9) THEN 'L1'
         ELSE 'L2'
       END AS label,
       b.grant_year
FROM base b
LEFT JOIN ranked r ON r.patent_id = b.patent_id
ORDER BY b.patent_id"
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
