//! Typed conversion of dump records into staging batches: header mapping (current and legacy column
//! names), value parsing (dates, numbers, flags, NULLs) and CPC symbol decomposition. A record that
//! does not convert is rejected whole, with a reason, and leaves no partial row behind.

use std::sync::Arc;

use anyhow::{Result, bail};
use arrow::array::{ArrayRef, BooleanBuilder, Date32Builder, Int32Builder, RecordBatch, StringBuilder, UInt64Builder};
use arrow::datatypes::DataType;
use schemas::patentsview::{DumpKind, DumpTable};
use schemas::{Table, TableDef};

use crate::tsv::TsvReader;

/// Where a staging column's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A dump column, by its current name.
    Dump(&'static str),
    /// A part of the `cpc_group` symbol.
    Cpc(CpcPart),
    FileName,
    LineNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CpcPart {
    Section,
    Class,
    Subclass,
    Group,
    MainGroup,
}

/// Staging table and the source of each of its columns, per dump kind.
fn layout(kind: DumpKind) -> (Table, Vec<Source>) {
    use Source::*;
    let (table, mut sources) = match kind {
        DumpKind::Patent => (
            Table::StagingPatents,
            vec![
                Dump("patent_id"),
                Dump("patent_type"),
                Dump("patent_date"),
                Dump("patent_title"),
                Dump("wipo_kind"),
                Dump("num_claims"),
                Dump("withdrawn"),
            ],
        ),
        DumpKind::Application => {
            (Table::StagingApplications, vec![Dump("patent_id"), Dump("application_id"), Dump("filing_date")])
        }
        DumpKind::CpcCurrent => (
            Table::StagingCpc,
            vec![
                Dump("patent_id"),
                Dump("cpc_sequence"),
                Cpc(CpcPart::Section),
                Cpc(CpcPart::Class),
                Cpc(CpcPart::Subclass),
                Cpc(CpcPart::Group),
                Cpc(CpcPart::MainGroup),
                Dump("cpc_type"),
            ],
        ),
        DumpKind::UsPatentCitation => (
            Table::StagingCitations,
            vec![
                Dump("patent_id"),
                Dump("citation_sequence"),
                Dump("citation_patent_id"),
                Dump("citation_date"),
                Dump("citation_category"),
            ],
        ),
        DumpKind::Claims => (
            Table::StagingClaims,
            vec![
                Dump("patent_id"),
                Dump("claim_sequence"),
                Dump("claim_number"),
                Dump("claim_text"),
                Dump("dependent"),
                Dump("exemplary"),
            ],
        ),
        DumpKind::CpcTitle => (
            Table::StagingCpcTitle,
            vec![
                Dump("cpc_class"),
                Dump("cpc_class_title"),
                Dump("cpc_subclass"),
                Dump("cpc_subclass_title"),
                Dump("cpc_group"),
                Dump("cpc_group_title"),
            ],
        ),
    };
    sources.extend([FileName, LineNumber]);
    (table, sources)
}

/// The staging table a dump kind is converted into.
pub fn staging_table(kind: DumpKind) -> &'static TableDef {
    layout(kind).0.def()
}

/// Maps a file's header to column positions; fails naming every required column it lacks.
pub fn map_header(table: &DumpTable, header: &[String], file: &str) -> Result<Vec<Option<usize>>> {
    let find = |names: &mut dyn Iterator<Item = &str>| {
        let names: Vec<&str> = names.collect();
        names.iter().find_map(|n| header.iter().position(|h| h.trim().eq_ignore_ascii_case(n)))
    };
    let mut positions = vec![];
    let mut missing = vec![];
    for col in table.columns {
        let pos = find(&mut std::iter::once(col.name).chain(col.legacy_names.iter().copied()));
        if pos.is_none() && col.required {
            missing.push(col.name);
        }
        positions.push(pos);
    }
    if !missing.is_empty() {
        bail!(
            "{file}: missing required column(s) {} for {} (header has: {})",
            missing.join(", "),
            table.name,
            header.join(", ")
        );
    }
    Ok(positions)
}

/// One converted value, borrowed from the record until appended.
enum Value<'a> {
    Null,
    Str(std::borrow::Cow<'a, str>),
    Int(i32),
    Date(i32),
    Bool(bool),
    Line(u64),
}

/// Builds staging batches for one dump file.
pub struct BatchBuilder {
    kind: DumpKind,
    def: &'static TableDef,
    sources: Vec<Source>,
    /// Header position of each source that reads a dump column (resolved once, not per row).
    source_positions: Vec<Option<usize>>,
    /// Header positions of `cpc_group`, `cpc_section`, `cpc_class`, `cpc_subclass`.
    cpc_positions: [Option<usize>; 4],
    header_len: usize,
    file_name: String,
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

enum ColumnBuilder {
    Str(StringBuilder),
    Int(Int32Builder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
    Line(UInt64Builder),
}

impl BatchBuilder {
    pub fn new(kind: DumpKind, positions: Vec<Option<usize>>, header_len: usize, file_name: &str) -> BatchBuilder {
        let (table, sources) = layout(kind);
        let def = table.def();
        let position = |name: &str| {
            let index = kind.table().columns.iter().position(|c| c.name == name).expect("layout names a dump column");
            positions[index]
        };
        let source_positions =
            sources.iter().map(|s| if let Source::Dump(name) = s { position(name) } else { None }).collect();
        let cpc_positions = if kind == DumpKind::CpcCurrent { CPC_CHECKED.map(position) } else { [None; 4] };
        let columns = def.columns.iter().map(|c| new_column(&c.data_type)).collect();
        BatchBuilder {
            kind,
            def,
            sources,
            source_positions,
            cpc_positions,
            header_len,
            file_name: file_name.to_string(),
            columns,
            rows: 0,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Converts the reader's current record; `Err(reason)` rejects it and leaves the batch unchanged.
    pub fn push<R>(&mut self, record: &TsvReader<R>) -> Result<(), String> {
        if record.len() != self.header_len {
            return Err(format!("expected {} columns, found {}", self.header_len, record.len()));
        }
        let mut values = Vec::with_capacity(self.sources.len());
        let cpc = match self.kind {
            DumpKind::CpcCurrent => Some(self.cpc_symbol(record)?),
            _ => None,
        };
        for ((source, position), column) in self.sources.iter().zip(&self.source_positions).zip(&self.def.columns) {
            let value = match *source {
                Source::FileName => Value::Str(self.file_name.as_str().into()),
                Source::LineNumber => Value::Line(record.line()),
                Source::Dump(name) => match *position {
                    None => Value::Null,
                    Some(pos) => parse_value(record, pos, &column.data_type).map_err(|e| format!("{name}: {e}"))?,
                },
                Source::Cpc(part) => Value::Str(cpc.as_ref().expect("cpc layouts parse the symbol").part(part).into()),
            };
            if matches!(value, Value::Null) && !column.nullable {
                return Err(format!("{} is empty", column.name));
            }
            values.push(value);
        }
        for (builder, value) in self.columns.iter_mut().zip(values) {
            builder.append(value);
        }
        self.rows += 1;
        Ok(())
    }

    /// Takes the rows built so far as a batch.
    pub fn finish(&mut self) -> RecordBatch {
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.def.arrow_schema(), arrays).expect("builders follow the staging schema")
    }

    /// Parses `cpc_group` and checks it against the section/class/subclass columns when present.
    fn cpc_symbol<R>(&self, record: &TsvReader<R>) -> Result<CpcSymbol, String> {
        let text = |i: usize| -> Result<Option<std::borrow::Cow<'_, str>>, String> {
            let Some(pos) = self.cpc_positions[i] else { return Ok(None) };
            match parse_value(record, pos, &DataType::Utf8).map_err(|e| format!("{}: {e}", CPC_CHECKED[i]))? {
                Value::Str(s) => Ok(Some(s)),
                _ => Ok(None),
            }
        };
        let group = text(0)?.ok_or("cpc_group is empty")?;
        let symbol =
            CpcSymbol::parse(&group).ok_or_else(|| format!("cpc_group `{group}` is not a CPC symbol like G06N3/08"))?;
        for (i, part) in [(1, CpcPart::Section), (2, CpcPart::Class), (3, CpcPart::Subclass)] {
            if let Some(given) = text(i)?
                && given != symbol.part(part)
            {
                return Err(format!("{} `{given}` disagrees with cpc_group `{group}`", CPC_CHECKED[i]));
            }
        }
        Ok(symbol)
    }
}

/// The CPC dump columns read to build and check a [`CpcSymbol`], in [`BatchBuilder::cpc_positions`] order.
const CPC_CHECKED: [&str; 4] = ["cpc_group", "cpc_section", "cpc_class", "cpc_subclass"];

fn new_column(data_type: &DataType) -> ColumnBuilder {
    match data_type {
        DataType::Utf8 => ColumnBuilder::Str(StringBuilder::new()),
        DataType::Int32 => ColumnBuilder::Int(Int32Builder::new()),
        DataType::Date32 => ColumnBuilder::Date(Date32Builder::new()),
        DataType::Boolean => ColumnBuilder::Bool(BooleanBuilder::new()),
        DataType::UInt64 => ColumnBuilder::Line(UInt64Builder::new()),
        other => unreachable!("staging tables use no {other} columns"),
    }
}

impl ColumnBuilder {
    fn append(&mut self, value: Value<'_>) {
        match (self, value) {
            (ColumnBuilder::Str(b), Value::Str(s)) => b.append_value(s),
            (ColumnBuilder::Str(b), Value::Null) => b.append_null(),
            (ColumnBuilder::Int(b), Value::Int(v)) => b.append_value(v),
            (ColumnBuilder::Int(b), Value::Null) => b.append_null(),
            (ColumnBuilder::Date(b), Value::Date(v)) => b.append_value(v),
            (ColumnBuilder::Date(b), Value::Null) => b.append_null(),
            (ColumnBuilder::Bool(b), Value::Bool(v)) => b.append_value(v),
            (ColumnBuilder::Bool(b), Value::Null) => b.append_null(),
            (ColumnBuilder::Line(b), Value::Line(v)) => b.append_value(v),
            _ => unreachable!("values are parsed to their column's type"),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Str(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Line(b) => Arc::new(b.finish()),
        }
    }
}

/// Parses field `pos` as `data_type`. Empty fields, and bare `NULL` / `\N` of legacy exports, are NULL.
fn parse_value<'a, R>(record: &'a TsvReader<R>, pos: usize, data_type: &DataType) -> Result<Value<'a>, String> {
    let text = record.field(pos).map_err(|_| "not valid UTF-8".to_string())?;
    if text.is_empty() || (!record.is_quoted(pos) && (text == "NULL" || text == "\\N")) {
        return Ok(Value::Null);
    }
    match data_type {
        DataType::Utf8 => Ok(Value::Str(text)),
        DataType::Int32 => parse_int(&text).map(Value::Int).ok_or_else(|| format!("bad number `{text}`")),
        DataType::Date32 => parse_date(&text).map(Value::Date).ok_or_else(|| format!("bad date `{text}`")),
        DataType::Boolean => parse_flag(&text).map(Value::Bool).ok_or_else(|| format!("bad flag `{text}`")),
        other => unreachable!("no dump column parses as {other}"),
    }
}

/// An integer, also when written as a float with no fraction (`5.0`, seen in 2020-era claims files).
pub fn parse_int(text: &str) -> Option<i32> {
    let text = text.trim();
    text.parse().ok().or_else(|| {
        let whole = text.strip_suffix(".0").or_else(|| text.strip_suffix(".00"))?;
        whole.parse().ok()
    })
}

/// A `YYYY-MM-DD` date as days since 1970-01-01; `None` for impossible dates such as `1968-05-00`.
pub fn parse_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse::<u32>().ok()).flatten();
    let (y, m, d) = (num(&text[..4])?, num(&text[5..7])?, num(&text[8..])?);
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)?;
    Some((date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32)
}

/// `0`/`1` and the spellings of booleans seen in dumps (`TRUE`, `False`, ...).
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "1.0" => Some(true),
        "0" | "0.0" => Some(false),
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A CPC symbol split into its levels: `G06N3/08` is section `G`, class `G06`, subclass `G06N`,
/// main group `G06N3/00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpcSymbol {
    symbol: String,
    main_group: String,
}

impl CpcSymbol {
    pub fn parse(text: &str) -> Option<CpcSymbol> {
        let symbol: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let b = symbol.as_bytes();
        let section_ok = b.first().is_some_and(|c| b"ABCDEFGHY".contains(c));
        if !section_ok || b.len() < 7 || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() || !b[3].is_ascii_uppercase()
        {
            return None;
        }
        let (group, subgroup) = symbol[4..].split_once('/')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        if !digits(group) || !digits(subgroup) {
            return None;
        }
        let main_group = format!("{}{group}/00", &symbol[..4]);
        Some(CpcSymbol { symbol, main_group })
    }

    fn part(&self, part: CpcPart) -> &str {
        match part {
            CpcPart::Section => &self.symbol[..1],
            CpcPart::Class => &self.symbol[..3],
            CpcPart::Subclass => &self.symbol[..4],
            CpcPart::Group => &self.symbol,
            CpcPart::MainGroup => &self.main_group,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsv::Next;
    use arrow::array::{Array, AsArray};
    use schemas::patentsview::{CPC_CURRENT, PATENT};

    #[test]
    fn values() {
        assert_eq!(parse_int("20"), Some(20));
        assert_eq!(parse_int("5.0"), Some(5));
        assert_eq!(parse_int("5.5"), None);
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2018-06-19"), Some(17701));
        assert_eq!(parse_date("1968-05-00"), None);
        assert_eq!(parse_date("2001-13-45"), None);
        assert_eq!(parse_date("2001-1-05"), None);
        assert_eq!(parse_flag("FALSE"), Some(false));
        assert_eq!(parse_flag("True"), Some(true));
        assert_eq!(parse_flag("2"), None);
    }

    #[test]
    fn cpc_levels() {
        let s = CpcSymbol::parse("G06N3/08").unwrap();
        let parts: Vec<&str> =
            [CpcPart::Section, CpcPart::Class, CpcPart::Subclass, CpcPart::Group, CpcPart::MainGroup]
                .into_iter()
                .map(|p| s.part(p))
                .collect();
        assert_eq!(parts, ["G", "G06", "G06N", "G06N3/08", "G06N3/00"]);
        assert_eq!(CpcSymbol::parse("A63B71/146").unwrap().main_group, "A63B71/00");
        for bad in ["G06N", "Z06N3/08", "G06n3/08", "G06N3/", "G06N/08", "G6N3/08"] {
            assert!(CpcSymbol::parse(bad).is_none(), "{bad}");
        }
    }

    fn header_of(text: &str) -> Vec<String> {
        let mut r = TsvReader::new(text.as_bytes(), 1 << 20);
        assert_eq!(r.next_record().unwrap(), Next::Record);
        (0..r.len()).map(|i| r.field(i).unwrap().into_owned()).collect()
    }

    #[test]
    fn legacy_headers_map_to_current_columns() {
        let legacy = "id\ttype\tnumber\tcountry\tdate\tabstract\ttitle\tkind\tnum_claims\tfilename\n";
        let pos = map_header(&PATENT, &header_of(legacy), "patent.tsv").unwrap();
        // patent_id <- id, patent_date <- date, patent_title <- title, wipo_kind <- kind; withdrawn absent.
        assert_eq!(pos, vec![Some(0), Some(1), Some(4), Some(6), Some(7), Some(8), None, Some(9)]);
        let legacy_cpc = "\"uuid\"\t\"patent_id\"\t\"section_id\"\t\"subsection_id\"\t\"group_id\"\t\"subgroup_id\"\t\"category\"\t\"sequence\"\n";
        let pos = map_header(&CPC_CURRENT, &header_of(legacy_cpc), "cpc_current.tsv").unwrap();
        assert_eq!(pos, vec![Some(1), Some(7), Some(2), Some(3), Some(4), Some(5), Some(6)]);
    }

    #[test]
    fn missing_columns_are_named() {
        let err =
            map_header(&CPC_CURRENT, &header_of("\"patent_id\"\t\"cpc_type\"\n"), "g_cpc_current.tsv.zip").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("g_cpc_current.tsv.zip") && msg.contains("cpc_sequence, cpc_group"), "{msg}");
    }

    /// Converts a dump text, returning the staged batch and the rejects as (line, reason).
    fn convert(kind: DumpKind, text: &str) -> (RecordBatch, Vec<(u64, String)>) {
        let mut r = TsvReader::new(text.as_bytes(), 1 << 20);
        r.next_record().unwrap();
        let header: Vec<String> = (0..r.len()).map(|i| r.field(i).unwrap().into_owned()).collect();
        let pos = map_header(kind.table(), &header, "f.tsv").unwrap();
        let mut b = BatchBuilder::new(kind, pos, header.len(), "f.tsv");
        let mut rejects = vec![];
        loop {
            match r.next_record().unwrap() {
                Next::Record => {
                    if let Err(reason) = b.push(&r) {
                        let line = r.line();
                        r.reject_current();
                        rejects.push((line, reason));
                    }
                }
                Next::Malformed { line, reason } => rejects.push((line, reason)),
                Next::End => break,
            }
        }
        (b.finish(), rejects)
    }

    #[test]
    fn patent_rows_typed_with_nulls_and_rejects() {
        let text = concat!(
            "\"patent_id\"\t\"patent_type\"\t\"patent_date\"\t\"patent_title\"\t\"wipo_kind\"\t\"num_claims\"\t\"withdrawn\"\t\"filename\"\n",
            "\"10000000\"\t\"utility\"\t\"2018-06-19\"\t\"Coherent \"\"LADAR\"\"\"\t\"B2\"\t20\t0\t\"ipg180619.xml\"\n",
            "\"10000001\"\t\"\"\t\"2018-06-19\"\t\"\"\t\"\"\t\"\"\t\"\"\t\"\"\n",
            "\"10000002\"\t\"utility\"\t\"2018-13-01\"\t\"t\"\t\"B2\"\t3\t0\t\"f\"\n",
            "\"10000003\"\t\"utility\"\t\"2018-06-19\"\t\"t\"\t\"B2\"\tthree\t0\t\"f\"\n",
            "\"10000004\"\t\"utility\"\n",
            "\"\"\t\"utility\"\t\"2018-06-19\"\t\"t\"\t\"B2\"\t3\t0\t\"f\"\n",
        );
        let (batch, rejects) = convert(DumpKind::Patent, text);
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.column(0).as_string::<i32>().value(1), "10000001");
        assert_eq!(batch.column(3).as_string::<i32>().value(0), "Coherent \"LADAR\"");
        assert!(batch.column(1).is_null(1) && batch.column(5).is_null(1) && batch.column(6).is_null(1));
        assert_eq!(batch.column(8).as_primitive::<arrow::datatypes::UInt64Type>().values(), &[2, 3]);
        let reasons: Vec<(u64, &str)> = rejects.iter().map(|(l, r)| (*l, r.as_str())).collect();
        assert_eq!(
            reasons,
            vec![
                (4, "patent_date: bad date `2018-13-01`"),
                (5, "num_claims: bad number `three`"),
                (6, "expected 8 columns, found 2"),
                (7, "patent_id is empty"),
            ]
        );
    }

    #[test]
    fn cpc_rows_derive_levels_and_check_consistency() {
        let text = concat!(
            "\"patent_id\"\t\"cpc_sequence\"\t\"cpc_section\"\t\"cpc_class\"\t\"cpc_subclass\"\t\"cpc_group\"\t\"cpc_type\"\n",
            "\"1\"\t0\t\"G\"\t\"G06\"\t\"G06N\"\t\"G06N3/08\"\t\"inventional\"\n",
            "\"1\"\t1\t\"H\"\t\"H04\"\t\"H04L\"\t\"G06N3/08\"\t\"additional\"\n",
            "\"1\"\t2\t\"G\"\t\"G06\"\t\"G06N\"\t\"G06N\"\t\"additional\"\n",
        );
        let (batch, rejects) = convert(DumpKind::CpcCurrent, text);
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(batch.column(6).as_string::<i32>().value(0), "G06N3/00");
        assert_eq!(rejects[0], (3, "cpc_section `H` disagrees with cpc_group `G06N3/08`".to_string()));
        assert!(rejects[1].1.contains("not a CPC symbol"));
    }
}
