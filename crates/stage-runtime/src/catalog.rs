//! The published tables below a store root, found without the DAG manifest: each folder directly
//! below the root that holds a `_published.json` is an output, and each Parquet table of its
//! current run is `<output>.<table>` (`cooccurrence.cpc_pair_stats`). `pipeline tables` lists them
//! and prints DuckDB views over them; `pipeline sql` queries them with DataFusion.

use anyhow::Result;
use arrow::datatypes::DataType;
use schemas::{Table, TableDef};

use crate::publish::{TableEntry, read_published};
use crate::store::StoreLocation;

/// One Parquet table of an output's published run.
#[derive(Debug, Clone)]
pub struct PublishedTable {
    /// The output's folder name below the root (`ingest`).
    pub output: String,
    /// The table's name inside the output (`cpc`).
    pub name: String,
    /// The published run the table belongs to.
    pub run_id: String,
    /// The table's folder in that run.
    pub location: StoreLocation,
    /// What the manifest says of it: rows, bytes, files, partition columns.
    pub entry: TableEntry,
    /// The catalogue's definition, when the table is one of `schemas`' (it gives the partition
    /// columns' types).
    pub def: Option<&'static TableDef>,
}

impl PublishedTable {
    /// `<output>.<table>`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.output, self.name)
    }

    /// The hive partition columns with their types (text where the catalogue does not know the table).
    pub fn partition_columns(&self) -> Vec<(String, DataType)> {
        self.entry
            .partition_by
            .iter()
            .map(|name| {
                let column = self.def.and_then(|d| d.column(name));
                (name.clone(), column.map_or(DataType::Utf8, |c| c.data_type.clone()))
            })
            .collect()
    }
}

/// Every published Parquet table below `root`, ordered by output and table name. Outputs are the
/// folders directly below `root` with a `_published.json`; other folders are passed over.
pub async fn published_tables(root: &StoreLocation) -> Result<Vec<PublishedTable>> {
    let mut tables = vec![];
    for output in root.child_folders().await? {
        let location = root.child(&output);
        let Some(manifest) = read_published(&location).await? else { continue };
        let run = manifest.run_location(&location);
        for (name, entry) in manifest.tables {
            if entry.format != "parquet" {
                continue;
            }
            tables.push(PublishedTable {
                output: output.clone(),
                def: Table::ALL.iter().find(|t| t.name() == name).map(|t| t.def()),
                location: run.child(&name),
                name,
                run_id: manifest.run_id.clone(),
                entry,
            });
        }
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::{RunWriter, new_manifest};

    #[tokio::test]
    async fn outputs_below_the_root_are_found_with_their_current_runs_tables() {
        let root = StoreLocation::parse("memory://catalog/root/").unwrap();
        let ingest = root.child("ingest");
        let run = RunWriter::begin(&ingest).await.unwrap();
        let mut manifest = new_manifest("ingest", "1", None);
        for table in [Table::Cpc, Table::Rejects] {
            manifest.tables.insert(table.name().into(), run.describe_parquet(table.def()).await.unwrap());
        }
        let published = run.publish(manifest).await.unwrap();
        // A folder without a manifest (an unfinished first run) is not an output.
        root.child("similarity/runs/x").put_bytes("part-0.parquet", b"PAR1".to_vec()).await.unwrap();

        let tables = published_tables(&root).await.unwrap();
        let names: Vec<String> = tables.iter().map(PublishedTable::qualified_name).collect();
        assert_eq!(names, ["ingest.cpc", "ingest.rejects"]);
        let cpc = &tables[0];
        assert_eq!(cpc.run_id, published.run_id);
        assert_eq!(cpc.location.url(), format!("{}runs/{}/cpc/", ingest.url(), published.run_id));
        assert_eq!(cpc.partition_columns(), [("grant_year".to_string(), DataType::Int32)]);
        assert!(tables[1].partition_columns().is_empty());
    }
}
