//! Column layouts of the PatentsView bulk-dump files the pipeline reads (current `g_` names and the
//! legacy 2021 names), shared by the synthetic-dump writer and the ingest reader.
//!
//! Layouts follow `shared/docs/patentsview-format.md`: one TSV per zip, quoted header, `QUOTE_NONNUMERIC`
//! quoting (numbers bare, everything else quoted), `""` for NULL.

/// The dump tables ingest understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DumpKind {
    Patent,
    Application,
    CpcCurrent,
    UsPatentCitation,
    Claims,
    CpcTitle,
}

/// One column of a dump file, as written by current releases.
#[derive(Debug, Clone, Copy)]
pub struct DumpColumn {
    /// Name in current `g_` files.
    pub name: &'static str,
    /// Names of the same column in legacy (pre-2022) files.
    pub legacy_names: &'static [&'static str],
    /// Written bare (unquoted) because the value is a number.
    pub numeric: bool,
    /// Ingest refuses a file whose header lacks this column.
    pub required: bool,
}

/// The layout of one dump table.
#[derive(Debug, Clone, Copy)]
pub struct DumpTable {
    pub kind: DumpKind,
    /// File stem of current releases (`g_patent`); for yearly tables the stem before `_YYYY`.
    pub name: &'static str,
    /// File stems of legacy releases.
    pub legacy_names: &'static [&'static str],
    /// One file per grant year (`g_claims_2005`).
    pub yearly: bool,
    /// Ingest reads the table when the dump has it; without it, its output is empty (never an error).
    pub optional: bool,
    /// Columns of current releases, in file order.
    pub columns: &'static [DumpColumn],
}

const fn col(name: &'static str, legacy_names: &'static [&'static str], numeric: bool, required: bool) -> DumpColumn {
    DumpColumn { name, legacy_names, numeric, required }
}

pub const PATENT: DumpTable = DumpTable {
    kind: DumpKind::Patent,
    name: "g_patent",
    legacy_names: &["patent"],
    yearly: false,
    optional: false,
    columns: &[
        col("patent_id", &["id"], false, true),
        col("patent_type", &["type"], false, false),
        col("patent_date", &["date"], false, true),
        col("patent_title", &["title"], false, false),
        col("wipo_kind", &["kind"], false, false),
        col("num_claims", &[], true, false),
        col("withdrawn", &[], true, false),
        col("filename", &[], false, false),
    ],
};

pub const APPLICATION: DumpTable = DumpTable {
    kind: DumpKind::Application,
    name: "g_application",
    legacy_names: &["application"],
    yearly: false,
    optional: false,
    columns: &[
        col("application_id", &["number"], false, false),
        col("patent_id", &[], false, true),
        col("patent_application_type", &[], false, false),
        col("filing_date", &["date"], false, true),
        col("series_code", &[], false, false),
        col("rule_47_flag", &[], true, false),
    ],
};

pub const CPC_CURRENT: DumpTable = DumpTable {
    kind: DumpKind::CpcCurrent,
    name: "g_cpc_current",
    legacy_names: &["cpc_current"],
    yearly: false,
    optional: false,
    columns: &[
        col("patent_id", &[], false, true),
        col("cpc_sequence", &["sequence"], true, true),
        col("cpc_section", &["section_id"], false, false),
        col("cpc_class", &["subsection_id"], false, false),
        col("cpc_subclass", &["group_id"], false, false),
        col("cpc_group", &["subgroup_id"], false, true),
        col("cpc_type", &["category"], false, false),
    ],
};

pub const US_PATENT_CITATION: DumpTable = DumpTable {
    kind: DumpKind::UsPatentCitation,
    name: "g_us_patent_citation",
    legacy_names: &["uspatentcitation"],
    yearly: false,
    optional: false,
    columns: &[
        col("patent_id", &[], false, true),
        col("citation_sequence", &["sequence"], true, false),
        col("citation_patent_id", &["citation_id"], false, true),
        col("citation_date", &["date"], false, false),
        col("record_name", &["name"], false, false),
        col("wipo_kind", &["kind"], false, false),
        col("citation_category", &["category"], false, false),
    ],
};

pub const CLAIMS: DumpTable = DumpTable {
    kind: DumpKind::Claims,
    name: "g_claims",
    legacy_names: &["claims", "claim"],
    yearly: true,
    optional: false,
    columns: &[
        col("patent_id", &[], false, true),
        col("claim_sequence", &["sequence"], true, true),
        col("claim_text", &["text"], false, true),
        col("dependent", &[], false, false),
        col("claim_number", &["num"], false, false),
        col("exemplary", &[], true, false),
    ],
};

/// The CPC titles (optional): one row per group, its subclass's and class's titles repeated. The
/// legacy releases split it into `cpc_subsection`, `cpc_group` and `cpc_subgroup` (`id, title`),
/// which ingest does not read.
pub const CPC_TITLE: DumpTable = DumpTable {
    kind: DumpKind::CpcTitle,
    name: "g_cpc_title",
    legacy_names: &[],
    yearly: false,
    optional: true,
    columns: &[
        col("cpc_subclass", &[], false, false),
        col("cpc_subclass_title", &[], false, false),
        col("cpc_group", &[], false, true),
        col("cpc_group_title", &[], false, true),
        col("cpc_class", &[], false, false),
        col("cpc_class_title", &[], false, false),
    ],
};

/// Every dump table ingest reads.
pub const DUMP_TABLES: [DumpTable; 6] = [PATENT, APPLICATION, CPC_CURRENT, US_PATENT_CITATION, CLAIMS, CPC_TITLE];

impl DumpKind {
    pub fn table(self) -> &'static DumpTable {
        DUMP_TABLES.iter().find(|t| t.kind == self).expect("every kind has a table")
    }
}

/// What a dump file name says about its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpFileName {
    pub kind: DumpKind,
    /// Grant year of a yearly file.
    pub year: Option<i32>,
    pub legacy: bool,
    pub zipped: bool,
}

impl DumpFileName {
    /// Recognises `g_patent.tsv.zip`, `patent.tsv`, `g_claims_2005.tsv.zip`, `claims_2005.tsv`, `claim.tsv`, ...
    /// by the file name alone (any directory part is ignored). `None` for files ingest does not read.
    pub fn parse(path: &str) -> Option<DumpFileName> {
        let file = path.rsplit('/').next().unwrap_or(path);
        let (stem, zipped) =
            if let Some(s) = file.strip_suffix(".tsv.zip") { (s, true) } else { (file.strip_suffix(".tsv")?, false) };
        for table in &DUMP_TABLES {
            let names = std::iter::once((table.name, false)).chain(table.legacy_names.iter().map(|n| (*n, true)));
            for (name, legacy) in names {
                if stem == name {
                    return Some(DumpFileName { kind: table.kind, year: None, legacy, zipped });
                }
                if table.yearly
                    && let Some(year) = stem.strip_prefix(name).and_then(|r| r.strip_prefix('_'))
                    && year.len() == 4
                    && let Ok(year) = year.parse()
                {
                    return Some(DumpFileName { kind: table.kind, year: Some(year), legacy, zipped });
                }
            }
        }
        None
    }

    /// The name a current release gives this file.
    pub fn current_name(kind: DumpKind, year: Option<i32>) -> String {
        match year {
            Some(y) => format!("{}_{y}.tsv.zip", kind.table().name),
            None => format!("{}.tsv.zip", kind.table().name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_current_and_legacy_names() {
        let p = DumpFileName::parse("dl/g_patent.tsv.zip").unwrap();
        assert_eq!((p.kind, p.year, p.legacy, p.zipped), (DumpKind::Patent, None, false, true));
        let c = DumpFileName::parse("claims_2005.tsv").unwrap();
        assert_eq!((c.kind, c.year, c.legacy, c.zipped), (DumpKind::Claims, Some(2005), true, false));
        assert_eq!(DumpFileName::parse("g_claims_2019.tsv.zip").unwrap().year, Some(2019));
        assert_eq!(DumpFileName::parse("uspatentcitation.tsv").unwrap().kind, DumpKind::UsPatentCitation);
        assert_eq!(DumpFileName::parse("claim.tsv").unwrap().kind, DumpKind::Claims);
        assert!(DumpFileName::parse("g_patent_abstract.tsv.zip").is_none());
        assert!(DumpFileName::parse("g_claims_20x5.tsv").is_none());
        assert!(DumpFileName::parse("g_patent.csv").is_none());
        assert_eq!(DumpFileName::parse("g_cpc_title.tsv.zip").unwrap().kind, DumpKind::CpcTitle);
    }

    #[test]
    fn current_names_parse_back() {
        for t in &DUMP_TABLES {
            let year = t.yearly.then_some(2001);
            let parsed = DumpFileName::parse(&DumpFileName::current_name(t.kind, year)).unwrap();
            assert_eq!((parsed.kind, parsed.year, parsed.legacy), (t.kind, year, false));
        }
    }
}
