//! Ingest's layout queries, as plain SQL text a data engineer can read and re-run: the staged rows
//! (`staging_*`, one per dump table, with `source_file` and `source_line`) joined into the
//! published tables, and every row a join drops reported in `rejects`.
//!
//! Rules: the first row of a patent_id in file order is kept (later ones are duplicates); a child
//! row (application, CPC, citation, claim) whose patent is not in `patents` is an orphan. Each
//! table with catalogue `sort_by` columns is sorted by grant year, then by them (claims have none).

use schemas::Table;
use schemas::patentsview::DumpKind;

use crate::convert::staging_table;

/// The child tables joined to `patents` for their grant year: (table, dump kind, key columns for
/// reject reports). Their columns are the staging table's, their order the catalogue's `sort_by`.
pub const CHILD_TABLES: [(Table, DumpKind, &str); 3] = [
    (Table::Cpc, DumpKind::CpcCurrent, "c.patent_id, c.cpc_group"),
    (Table::Citations, DumpKind::UsPatentCitation, "c.patent_id, c.cited_patent_id"),
    (Table::Claims, DumpKind::Claims, "c.patent_id, CAST(c.claim_sequence AS VARCHAR)"),
];

/// Whether `kind` is the dump table of one of the [`CHILD_TABLES`].
pub fn is_child(kind: DumpKind) -> bool {
    CHILD_TABLES.iter().any(|(_, k, _)| *k == kind)
}

/// The condition that row `q` of a staging table comes before row `p` in file order.
fn earlier(q: &str, p: &str) -> String {
    format!(
        "({q}.source_file < {p}.source_file OR ({q}.source_file = {p}.source_file AND {q}.source_line < {p}.source_line))"
    )
}

/// The rows of `staging` that are the first of their patent_id in file order (`keep = true`), or
/// the rows after the first (`keep = false`). A hash join of the table with itself on patent_id:
/// it costs one probe per row, where ranking every row with a window function sorted the table.
fn first_rows(staging: &str, keep: bool) -> String {
    format!(
        "SELECT * FROM {staging} p WHERE {not}EXISTS (SELECT 1 FROM {staging} q WHERE q.patent_id = p.patent_id AND {earlier})",
        not = if keep { "NOT " } else { "" },
        earlier = earlier("q", "p"),
    )
}

/// `patents`: the first g_patent row of each patent_id with the first g_application row's filing
/// date and application id.
pub fn patents() -> String {
    format!(
        "-- One row per patent, its filing date from the first application row
SELECT p.patent_id, p.patent_type, p.grant_date, a.filing_date,
       CAST(date_part('year', a.filing_date) AS INT) AS filing_year, a.application_id,
       p.title, p.wipo_kind, p.num_claims, p.withdrawn,
       CAST(date_part('year', p.grant_date) AS INT) AS grant_year
FROM ({patents}) p
LEFT JOIN ({applications}) a ON p.patent_id = a.patent_id
ORDER BY grant_year, p.patent_id",
        patents = first_rows("staging_patents", true),
        applications = first_rows("staging_applications", true),
    )
}

/// A child table (`cpc`, `citations` or `claims`): its staged rows with their patent's grant year,
/// orphans dropped (they go to [`rejects`]).
pub fn child_table(table: Table, kind: DumpKind) -> String {
    let staging = staging_table(kind);
    let columns: Vec<String> = staging
        .columns
        .iter()
        .filter(|c| !matches!(c.name, "source_file" | "source_line"))
        .map(|c| format!("c.{}", c.name))
        .collect();
    let sort: Vec<String> = table.def().sort_by.iter().map(|c| format!("c.{c}")).collect();
    let order = if sort.is_empty() { String::new() } else { format!("\nORDER BY p.grant_year, {}", sort.join(", ")) };
    format!(
        "-- {table}: staged rows with their patent's grant year; rows without a patent are rejects
SELECT {columns}, p.grant_year
FROM {staging} c
JOIN patents p ON c.patent_id = p.patent_id{order}",
        columns = columns.join(", "),
        staging = staging.name,
    )
}

/// `cpc_title`: the titles of g_cpc_title's rows normalised to one row per code of each level (a
/// row names a group, its subclass and its class), the first title of a code in file order kept;
/// codes and titles that are empty are left out. Whitespace inside codes is dropped, as in `cpc`.
pub fn cpc_title() -> String {
    let staging = staging_table(DumpKind::CpcTitle).name;
    let level = |level: &str| {
        format!(
            "SELECT replace(cpc_{level}, ' ', '') AS code, '{level}' AS level, trim(cpc_{level}_title) AS title, source_file, source_line
  FROM {staging}"
        )
    };
    format!(
        "-- cpc_title: one title per code of each level, the first in file order
WITH titles AS (
  {}
  UNION ALL
  {}
  UNION ALL
  {}
), ranked AS (
  SELECT code, level, title, row_number() OVER (PARTITION BY code ORDER BY source_file, source_line) AS rn
  FROM titles
  WHERE code <> '' AND title <> ''
)
SELECT code, level, title FROM ranked WHERE rn = 1
ORDER BY code",
        level("class"),
        level("subclass"),
        level("group"),
    )
}

/// `rejects`: the rows the parser rejected (`staging_rejects`), the duplicate patents and
/// applications, the orphan applications, and the orphans of the child tables in `with_orphans`,
/// in file and line order. A child table whose written rows equal its staged rows has no orphans
/// (each staged row joins at most one patent), so the caller leaves it out and saves its scan.
pub fn rejects(with_orphans: &[Table]) -> String {
    let mut parts = vec![
        "-- Rows the parser rejected
SELECT source_file, line, source_table, reason, raw FROM staging_rejects"
            .to_string(),
        duplicates("staging_patents", "g_patent"),
        duplicates("staging_applications", "g_application"),
        orphans("staging_applications", "g_application", "c.patent_id, c.application_id"),
    ];
    for (_, kind, keys) in CHILD_TABLES.iter().filter(|(t, ..)| with_orphans.contains(t)) {
        parts.push(orphans(staging_table(*kind).name, kind.table().name, keys));
    }
    format!("{}\nORDER BY source_file, line", parts.join("\nUNION ALL\n"))
}

/// Rows after the first for one patent_id of `staging`.
fn duplicates(staging: &str, source_table: &str) -> String {
    format!(
        "-- {source_table}: rows after the first of a patent_id
SELECT source_file, source_line, '{source_table}', 'duplicate patent_id; the first row is kept', patent_id
FROM ({later})",
        later = first_rows(staging, false),
    )
}

/// Rows of a staging table whose patent is not in `patents`.
fn orphans(staging: &str, source_table: &str, keys: &str) -> String {
    format!(
        "-- {source_table}: rows whose patent is not in patents
SELECT c.source_file, c.source_line, '{source_table}', 'patent_id not found in g_patent', concat_ws(chr(9), {keys})
FROM {staging} c
WHERE NOT EXISTS (SELECT 1 FROM patents p WHERE p.patent_id = c.patent_id)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout query as it is generated, so a reviewer reads the SQL in the diff.
    #[test]
    fn snapshots() {
        insta::assert_snapshot!("patents", patents());
        for (table, kind, _) in CHILD_TABLES {
            insta::assert_snapshot!(table.name(), child_table(table, kind));
        }
        insta::assert_snapshot!("rejects", rejects(&CHILD_TABLES.map(|(t, ..)| t)));
        insta::assert_snapshot!("cpc_title", cpc_title());
    }
}
