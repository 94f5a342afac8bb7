//! Published inputs checked against their manifests, so that a damaged input is named rather than
//! met as an anonymous Parquet error deep in a query (DataFusion's read errors do not say which
//! file they read).
//!
//! Before a stage reads a published table, [`check_table_files`] compares the Parquet files below
//! the table's folder with the files and byte sizes the manifest records: a file cut short (a
//! failed copy, a full disk), deleted, or added after publishing is named. That costs one listing.
//! A file overwritten in place at the same size passes it; when a stage then fails on a Parquet
//! error, [`name_corrupt_input`] reads its inputs' files through to name the one that does not
//! decode. That costs a full read of the inputs, and only on such a failure.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::publish::{PublishedManifest, read_published};
use crate::store::StoreLocation;

/// Checks that the `.parquet` files below Parquet table `table` of the output published at `output`
/// are the ones its `manifest` lists, each of the size it records.
pub async fn check_table_files(output: &StoreLocation, manifest: &PublishedManifest, table: &str) -> Result<()> {
    let location = manifest.table_location(output, table)?;
    let run = manifest.run_location(output);
    let mut found: BTreeMap<String, u64> = location
        .list_all()
        .await?
        .into_iter()
        .filter(|meta| meta.location.as_ref().ends_with(".parquet"))
        .map(|meta| (run.relative(&meta.location), meta.size))
        .collect();
    let damaged = |path: &str, problem: String| {
        anyhow!(
            "published file {}{path} {problem}: the {stage} output at {} is corrupt or truncated; rerun the {stage} stage",
            run.url(),
            output.url(),
            stage = manifest.stage
        )
    };
    for file in &manifest.tables[table].files {
        match found.remove(&file.path) {
            None => return Err(damaged(&file.path, "is missing".into())),
            Some(size) if size != file.bytes => {
                return Err(damaged(&file.path, format!("is {size} bytes, the manifest says {}", file.bytes)));
            }
            Some(_) => {}
        }
    }
    match found.keys().next() {
        Some(extra) => Err(damaged(extra, "is not in the manifest".into())),
        None => Ok(()),
    }
}

/// When a stage's `error` comes from reading Parquet, reads every Parquet file of the published
/// `inputs` through, smallest table first, and adds to `error` which file does not decode. Returns
/// `error` as it is when it is not a Parquet error or every file reads.
pub async fn name_corrupt_input(error: anyhow::Error, inputs: &[&StoreLocation]) -> anyhow::Error {
    // DataFusion's and arrow's Parquet errors say so ("Parquet error: ..."), also when they come back
    // from a Ballista executor as text.
    if !format!("{error:#}").contains("Parquet") {
        return error;
    }
    tracing::warn!(error = %format!("{error:#}"), "a Parquet read failed: reading the published inputs through to find the damaged file");
    for input in inputs {
        let Ok(Some(manifest)) = read_published(input).await else { continue };
        let run = manifest.run_location(input);
        let mut tables: Vec<_> = manifest.tables.values().filter(|t| t.format == "parquet").collect();
        tables.sort_by_key(|t| t.bytes);
        for file in tables.into_iter().flat_map(|t| &t.files) {
            if let Err(e) = read_through(&run, &file.path, file.bytes).await {
                return error.context(format!(
                    "published file {}{} does not decode ({e:#}): the {stage} output at {} is corrupt; rerun the \
                     {stage} stage",
                    run.url(),
                    file.path,
                    input.url(),
                    stage = manifest.stage
                ));
            }
        }
    }
    error
}

/// Decodes every row group of the Parquet file `path` below `run` (fetched whole: this runs only
/// after a stage has failed on its inputs).
async fn read_through(run: &StoreLocation, path: &str, size: u64) -> Result<()> {
    let bytes = run.get_bytes(path).await?.ok_or_else(|| anyhow!("{path} is missing"))?;
    if bytes.len() as u64 != size {
        return Err(anyhow!("{path} is {} bytes, the manifest says {size}", bytes.len()));
    }
    for batch in ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()? {
        batch?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int32Array, RecordBatch};
    use arrow::datatypes::DataType;
    use schemas::{Column, TableDef};

    use object_store::ObjectStoreExt;

    use super::*;
    use crate::publish::{RunWriter, new_manifest};

    /// Publishes at `output` a one-column table `numbers` of two files, 0..1000 each; returns the
    /// manifest and the path of the first file below the run.
    async fn publish_numbers(output: &StoreLocation) -> (PublishedManifest, String) {
        let def = TableDef {
            name: "numbers",
            version: 1,
            doc: "test table",
            columns: vec![Column::required("n", DataType::Int32, "a number")],
            partition_by: vec![],
            sort_by: vec![],
        };
        let run = RunWriter::begin(output).await.unwrap();
        for part in ["part-0.parquet", "part-1.parquet"] {
            let batch =
                RecordBatch::try_new(def.file_schema(), vec![Arc::new(Int32Array::from_iter_values(0..1000))]).unwrap();
            let mut bytes = vec![];
            let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, def.file_schema(), None).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
            run.run.child("numbers").put_bytes(part, bytes).await.unwrap();
        }
        let mut manifest = new_manifest("numbers-stage", "test", None);
        manifest.tables.insert("numbers".into(), run.describe_parquet(&def).await.unwrap());
        let manifest = run.publish(manifest).await.unwrap();
        (manifest, "numbers/part-0.parquet".into())
    }

    #[tokio::test]
    async fn files_cut_short_missing_or_added_are_named() {
        let output = StoreLocation::parse("memory://integrity-sizes/out/").unwrap();
        let (manifest, first) = publish_numbers(&output).await;
        check_table_files(&output, &manifest, "numbers").await.unwrap();
        let run = manifest.run_location(&output);
        let bytes = run.get_bytes(&first).await.unwrap().unwrap();
        let url = format!("{}{first}", run.url());

        run.put_bytes(&first, bytes.slice(..bytes.len() / 2)).await.unwrap();
        let err = check_table_files(&output, &manifest, "numbers").await.unwrap_err().to_string();
        let expected = format!("published file {url} is {} bytes, the manifest says {}", bytes.len() / 2, bytes.len());
        assert!(err.contains(&expected) && err.contains("rerun the numbers-stage stage"), "{err}");

        run.store.delete(&run.path(&first)).await.unwrap();
        let err = check_table_files(&output, &manifest, "numbers").await.unwrap_err().to_string();
        assert!(err.contains(&format!("published file {url} is missing")), "{err}");

        run.put_bytes(&first, bytes.clone()).await.unwrap();
        run.put_bytes("numbers/stray.parquet", bytes).await.unwrap();
        let err = check_table_files(&output, &manifest, "numbers").await.unwrap_err().to_string();
        assert!(err.contains("numbers/stray.parquet is not in the manifest"), "{err}");
    }

    #[tokio::test]
    async fn a_parquet_failure_names_the_input_file_that_does_not_decode() {
        let output = StoreLocation::parse("memory://integrity-decode/out/").unwrap();
        let (manifest, first) = publish_numbers(&output).await;
        let parquet_error = || anyhow!("writing table x: Parquet error: External: corrupt page");
        let err = format!("{:#}", name_corrupt_input(parquet_error(), &[&output]).await);
        assert_eq!(err, "writing table x: Parquet error: External: corrupt page", "every file reads");

        // Garbage over the data pages, between the leading magic and the footer: same size.
        let run = manifest.run_location(&output);
        let mut bytes = run.get_bytes(&first).await.unwrap().unwrap().to_vec();
        let footer = 8 + u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap()) as usize;
        let end = bytes.len() - footer;
        bytes[4..end].fill(0xa5);
        run.put_bytes(&first, bytes).await.unwrap();
        check_table_files(&output, &manifest, "numbers").await.unwrap();
        let err = format!("{:#}", name_corrupt_input(parquet_error(), &[&output]).await);
        let expected = format!("published file {}{first} does not decode", run.url());
        assert!(err.starts_with(&expected) && err.contains("rerun the numbers-stage stage"), "{err}");
        assert!(err.ends_with("Parquet error: External: corrupt page"), "{err}");

        let other = name_corrupt_input(anyhow!("out of memory"), &[&output]).await;
        assert_eq!(other.to_string(), "out of memory", "other failures pass through unchecked");
    }
}
