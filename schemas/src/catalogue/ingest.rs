//! The ingest stage's tables: the typed, partitioned PatentsView tables it publishes, its rejects, and
//! its staging tables.

use arrow_schema::DataType::{Boolean, Date32, Int32, UInt64, Utf8};

use super::Table;
use crate::table::{Column, TableDef};

/// Tables the stage reads, written by stages before it.
pub const READS: &[Table] = &[];
/// Tables the stage publishes.
pub const WRITES: &[Table] =
    &[Table::Patents, Table::Cpc, Table::Citations, Table::Claims, Table::Rejects, Table::CpcTitle];
/// The stage's internal work tables, deleted when it publishes.
pub const WORK: &[Table] = &[
    Table::StagingPatents,
    Table::StagingApplications,
    Table::StagingCpc,
    Table::StagingCitations,
    Table::StagingClaims,
    Table::StagingCpcTitle,
];

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

/// The ingest stage's tables: the published ones, then the staging tables.
pub(super) fn tables() -> Vec<TableDef> {
    let mut tables = vec![
        TableDef {
            name: Table::Patents.name(),
            version: 1,
            doc: "One row per granted patent, from g_patent joined with g_application",
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
            name: Table::Cpc.name(),
            version: 1,
            doc: "Current CPC classification, one row per (patent, code), from g_cpc_current",
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
            name: Table::Citations.name(),
            version: 1,
            doc: "US patent-to-patent citations from g_us_patent_citation; partitioned by the citing patent's grant year",
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
            name: Table::Claims.name(),
            version: 1,
            doc: "Claim texts from g_claims_YYYY, one row per claim; not sorted (the claims are nearly all of the \
                  corpus's bytes and no reader needs an order, so ingest does not pay for sorting them; in practice \
                  the order is close to the dump's, which lists a patent's claims together)",
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
            sort_by: vec![],
        },
        TableDef {
            name: Table::Rejects.name(),
            version: 1,
            doc: "Input rows ingest could not accept, with where they came from and why",
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
        TableDef {
            name: Table::CpcTitle.name(),
            version: 1,
            doc: "CPC titles from the optional g_cpc_title, one row per code of the class, subclass and group levels \
                  (the first title of a code in file order); empty when the dump has no g_cpc_title",
            columns: vec![
                Column::required(
                    "code",
                    Utf8,
                    "CPC symbol as in `cpc`: class `G06`, subclass `G06N` or group `G06N3/08`",
                ),
                Column::required(
                    "level",
                    Utf8,
                    "`class`, `subclass` or `group` (main groups such as `G06N3/00` included)",
                ),
                Column::required("title", Utf8, "The code's title"),
            ],
            partition_by: vec![],
            sort_by: vec!["code"],
        },
    ];
    let staging = staging_tables(&tables);
    tables.extend(staging);
    tables
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
        TableDef { name, version: 1, doc, columns, partition_by: vec![], sort_by: vec![] }
    };
    let all_but_grant_year = |from: &str| -> Vec<&'static str> {
        let source = published.iter().find(|t| t.name == from).expect("published table");
        source.columns.iter().map(|c| c.name).filter(|n| *n != "grant_year").collect()
    };
    vec![
        staged(
            Table::StagingPatents.name(),
            "Typed rows of g_patent / patent.tsv",
            "patents",
            &["patent_id", "patent_type", "grant_date", "title", "wipo_kind", "num_claims", "withdrawn"],
        ),
        staged(
            Table::StagingApplications.name(),
            "Typed rows of g_application / application.tsv",
            "patents",
            &["patent_id", "application_id", "filing_date"],
        ),
        staged(
            Table::StagingCpc.name(),
            "Typed rows of g_cpc_current / cpc_current.tsv",
            "cpc",
            &all_but_grant_year("cpc"),
        ),
        staged(
            Table::StagingCitations.name(),
            "Typed rows of g_us_patent_citation / uspatentcitation.tsv",
            "citations",
            &all_but_grant_year("citations"),
        ),
        staged(
            Table::StagingClaims.name(),
            "Typed rows of g_claims_YYYY / claims_YYYY.tsv",
            "claims",
            &all_but_grant_year("claims"),
        ),
        staging_cpc_title(),
    ]
}

/// Typed rows of g_cpc_title: one row per group with its subclass's and class's titles repeated,
/// as PatentsView writes it. Internal to ingest, which normalises it into `cpc_title`.
fn staging_cpc_title() -> TableDef {
    let text = |name, doc| Column::optional(name, Utf8, doc);
    let mut columns = vec![
        text("cpc_class", "Class, e.g. `G06`"),
        text("cpc_class_title", "The class's title"),
        text("cpc_subclass", "Subclass, e.g. `G06N`"),
        text("cpc_subclass_title", "The subclass's title"),
        text("cpc_group", "Group, e.g. `G06N3/08`"),
        text("cpc_group_title", "The group's title"),
    ];
    columns.extend(source_columns());
    TableDef {
        name: Table::StagingCpcTitle.name(),
        version: 1,
        doc: "Typed rows of the optional g_cpc_title",
        columns,
        partition_by: vec![],
        sort_by: vec![],
    }
}
