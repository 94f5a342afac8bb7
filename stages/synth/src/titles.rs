//! The optional `g_cpc_title` of a synthetic dump: a title for each CPC code the generated patents
//! carry, so the reports downstream can show titles next to codes. One row per group, as
//! PatentsView writes it (the group's subclass and class titles repeated on each row), for every
//! group in use and the main group of each. The titles are made up from the symbols and say so.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use schemas::patentsview::{CPC_TITLE, DumpFileName, DumpKind};

use crate::tsv_writer::{Field, TsvZipWriter};

/// Writes `g_cpc_title.tsv.zip` into `dir` for `groups` (full group symbols such as `G06N3/08`);
/// returns the file name and its number of rows.
pub fn write<'a>(dir: &Path, groups: impl IntoIterator<Item = &'a str>) -> Result<(String, u64)> {
    let mut rows: BTreeSet<&str> = BTreeSet::new();
    let mut main_groups: BTreeSet<String> = BTreeSet::new();
    for group in groups {
        rows.insert(group);
        if let Some((main, _)) = group.split_once('/') {
            main_groups.insert(format!("{main}/00"));
        }
    }
    let mut all: BTreeSet<&str> = rows;
    all.extend(main_groups.iter().map(String::as_str));
    let name = DumpFileName::current_name(DumpKind::CpcTitle, None);
    let mut writer = TsvZipWriter::create(dir, &name, &CPC_TITLE, false)?;
    for group in all {
        let (class, subclass) = (&group[..3], &group[..4]);
        let group_title = if group.ends_with("/00") {
            format!("Synthetic main group {group}")
        } else {
            format!("Synthetic group {group}")
        };
        writer.row(&[
            Field::Text(subclass),
            Field::Text(&format!("Synthetic subclass {subclass}")),
            Field::Text(group),
            Field::Text(&group_title),
            Field::Text(class),
            Field::Text(&format!("Synthetic class {class}")),
        ])?;
    }
    writer.finish()
}
