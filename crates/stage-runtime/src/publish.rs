//! The atomic output protocol.
//!
//! A stage writes everything under a fresh run prefix `<output>/runs/<run_id>/`. Only when every table is
//! complete does it write `runs/<run_id>/_SUCCESS` and then replace `<output>/_published.json`, a single
//! object naming the run, its files, row counts and input fingerprints. Readers resolve tables through
//! `_published.json` only, so a stage killed half-way leaves the previous output in place and visible.
//! After publishing, runs other than the new one and the one it replaced are deleted: re-running
//! replaces, it never appends.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use object_store::ObjectStoreExt;
use parquet::arrow::parquet_to_arrow_schema;
use parquet::file::metadata::{FooterTail, ParquetMetaData, ParquetMetaDataReader};
use rand::Rng;
use schemas::TableDef;
use serde::{Deserialize, Serialize};

use crate::lease::{Lease, LeaseOptions};
use crate::store::StoreLocation;

/// Name of the pointer object at an output's root.
pub const PUBLISHED: &str = "_published.json";
/// Marker written inside a run prefix once the run is complete.
pub const SUCCESS: &str = "_SUCCESS";
/// Folder under an output holding the runs.
pub const RUNS: &str = "runs";

/// What `_published.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublishedManifest {
    pub format_version: u32,
    pub stage: String,
    pub stage_version: String,
    pub run_id: String,
    /// Run folder relative to the output root.
    pub run_prefix: String,
    pub published_at: DateTime<Utc>,
    /// The runner's fingerprint of (binary, arguments, inputs) for this run, when run by the pipeline.
    pub fingerprint: Option<String>,
    pub inputs: Vec<InputRef>,
    pub tables: BTreeMap<String, TableEntry>,
    /// Counts and timings worth keeping beside the data (rows read, rejects, seconds, ...).
    pub metrics: BTreeMap<String, serde_json::Value>,
}

impl PublishedManifest {
    /// Records a stage's metrics struct (one of `schemas::metrics`), each field under its name.
    pub fn set_metrics<M: Serialize>(&mut self, metrics: &M) -> Result<()> {
        match serde_json::to_value(metrics)? {
            serde_json::Value::Object(fields) => self.metrics.extend(fields),
            other => bail!("stage metrics must be a struct, not {other}"),
        }
        Ok(())
    }

    /// Reads the metrics back as a stage's metrics struct (fields it does not name are ignored).
    pub fn metrics_as<M: serde::de::DeserializeOwned>(&self) -> Result<M> {
        let object = serde_json::Value::Object(self.metrics.clone().into_iter().collect());
        serde_json::from_value(object)
            .with_context(|| format!("the {} manifest's metrics do not match its metrics struct", self.stage))
    }
}

/// An input a run read, and which version of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputRef {
    pub url: String,
    pub fingerprint: String,
}

/// One published table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableEntry {
    /// `parquet`, or another file format for non-tabular outputs (`tsv.zip`).
    pub format: String,
    /// Version of the table's definition in `schemas`, for Parquet tables.
    pub schema_version: Option<u32>,
    pub partition_by: Vec<String>,
    pub rows: u64,
    pub bytes: u64,
    pub files: Vec<FileEntry>,
}

/// One file of a table; `path` is relative to the run prefix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

impl PublishedManifest {
    /// Logs each published table's rows and files.
    pub fn log_tables(&self) {
        for (name, table) in &self.tables {
            tracing::info!(table = %name, rows = table.rows, files = table.files.len(), "published");
        }
    }

    /// Where the published run of the output at `output` lives.
    pub fn run_location(&self, output: &StoreLocation) -> StoreLocation {
        output.child(&self.run_prefix)
    }

    /// Location of a published table's folder.
    pub fn table_location(&self, output: &StoreLocation, table: &str) -> Result<StoreLocation> {
        if !self.tables.contains_key(table) {
            bail!(
                "{} has no table `{table}` (it has: {})",
                output.url(),
                self.tables.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        Ok(self.run_location(output).child(table))
    }
}

/// Reads an output's `_published.json`; `None` when nothing was published there yet.
pub async fn read_published(output: &StoreLocation) -> Result<Option<PublishedManifest>> {
    match output.get_bytes(PUBLISHED).await? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{}{PUBLISHED} is not a valid manifest", output.url()))
            .map(Some),
    }
}

/// A version id for an input: its published run, or for raw files (a bulk-dump folder) a hash of
/// their names, sizes and modification stamps.
pub async fn fingerprint_input(input: &StoreLocation) -> Result<String> {
    if let Some(published) = read_published(input).await? {
        return Ok(format!("run:{}", published.run_id));
    }
    let objects = input.list_all().await?;
    if objects.is_empty() {
        bail!("input {} does not exist or is empty", input.url());
    }
    let mut hasher = blake3::Hasher::new();
    for o in objects {
        let line = format!(
            "{}\t{}\t{}\t{}\n",
            input.relative(&o.location),
            o.size,
            o.last_modified.timestamp_micros(),
            o.e_tag.unwrap_or_default()
        );
        hasher.update(line.as_bytes());
    }
    Ok(format!("files:{}", &hasher.finalize().to_hex()[..32]))
}

/// An unpublished run in progress: tables are written below [`RunWriter::run`], then [`RunWriter::publish`].
/// It holds the output's [`Lease`] from begin to publish or abandon, so no other writer runs beside it.
pub struct RunWriter {
    pub output: StoreLocation,
    pub run_id: String,
    pub run: StoreLocation,
    lease: Lease,
}

impl RunWriter {
    /// Takes the output's lease (waiting or taking over as `PIPELINE_LEASE_WAIT` and
    /// `PIPELINE_LEASE_BREAK` say) and starts a run under a fresh, unique prefix.
    pub async fn begin(output: &StoreLocation) -> Result<RunWriter> {
        let suffix: u32 = rand::rng().random();
        let run_id = format!("{}-{suffix:08x}", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
        let lease = Lease::acquire(output, &run_id, &LeaseOptions::from_env()?).await?;
        let run = output.child(&format!("{RUNS}/{run_id}"));
        Ok(RunWriter { output: output.clone(), run_id, run, lease })
    }

    /// Folder of one table inside the run.
    pub fn table(&self, table: schemas::Table) -> StoreLocation {
        self.run.child(table.name())
    }

    /// Lists a finished Parquet table, reads each file's footer for its row count, and checks the
    /// files against the table's definition: column names and types, no NULLs in required columns,
    /// and partition folders that parse as the partition columns' values. A table with no file (an
    /// empty result; partitioned writes create no folder for it) first gets its
    /// [`empty_table_file`], so that every reader's recipe finds a file with the full schema.
    pub async fn describe_parquet(&self, def: &TableDef) -> Result<TableEntry> {
        let location = self.run.child(def.name);
        let expected = def.file_schema();
        let mut listing = parquet_files(&location).await?;
        if listing.is_empty() {
            let (path, bytes) = empty_table_file(def)?;
            location.put_bytes(&path, bytes).await?;
            listing = parquet_files(&location).await?;
        }
        let mut files = vec![];
        for meta in listing {
            let rel = location.relative(&meta.location);
            check_partition_path(def, &rel)?;
            let metadata = read_footer(&location, &meta.location, meta.size)
                .await
                .with_context(|| format!("reading footer of {rel} in table {}", def.name))?;
            let file_meta = metadata.file_metadata();
            let actual = parquet_to_arrow_schema(file_meta.schema_descr(), file_meta.key_value_metadata())?;
            let names = |s: &arrow::datatypes::Schema| {
                s.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>()
            };
            if names(&actual) != names(&expected) {
                bail!(
                    "table {} file {rel} does not match schemas/{}: expected {:?}, found {:?}",
                    def.name,
                    def.name,
                    names(&expected),
                    names(&actual)
                );
            }
            // Every column of the catalogue has one Parquet leaf, so field i is leaf column i.
            for (i, field) in expected.fields().iter().enumerate() {
                // A list's leaf statistics count empty lists as NULLs, so they cannot tell a NULL list.
                if field.is_nullable() || field.data_type().is_nested() {
                    continue;
                }
                for rg in metadata.row_groups() {
                    let nulls = rg.column(i).statistics().and_then(|s| s.null_count_opt()).unwrap_or(0);
                    if nulls > 0 {
                        bail!("table {} file {rel}: required column {} holds {nulls} NULLs", def.name, field.name());
                    }
                }
            }
            let rows = metadata.file_metadata().num_rows() as u64;
            files.push(FileEntry { path: format!("{}/{rel}", def.name), rows, bytes: meta.size });
        }
        Ok(TableEntry {
            format: "parquet".into(),
            schema_version: Some(def.version),
            partition_by: def.partition_by.iter().map(|s| s.to_string()).collect(),
            rows: files.iter().map(|f| f.rows).sum(),
            bytes: files.iter().map(|f| f.bytes).sum(),
            files,
        })
    }

    /// Makes the run the output's published version (with the process's peak memory so far among its
    /// metrics, `peak_memory_bytes`, where the kernel reports it), then deletes runs older than the one
    /// it replaces.
    pub async fn publish(self, mut manifest: PublishedManifest) -> Result<PublishedManifest> {
        manifest.format_version = 1;
        manifest.run_id = self.run_id.clone();
        manifest.run_prefix = format!("{RUNS}/{}", self.run_id);
        manifest.published_at = Utc::now();
        if let Some(bytes) = crate::telemetry::peak_memory_bytes() {
            manifest.metrics.insert("peak_memory_bytes".into(), bytes.into());
        }
        let previous = read_published(&self.output).await.ok().flatten();
        let json = serde_json::to_vec_pretty(&manifest)?;
        self.run.put_bytes(SUCCESS, json.clone()).await?;
        // Only the lease's holder publishes (a writer whose lease was taken over stops here).
        self.lease.check().await?;
        // The single atomic step: one object replaced in one put.
        self.output.put_bytes(PUBLISHED, json).await?;
        let keep: Vec<String> = [Some(self.run_id.clone()), previous.map(|p| p.run_id)].into_iter().flatten().collect();
        self.collect_garbage(&keep).await?;
        self.lease.release().await;
        Ok(manifest)
    }

    /// Ends a run that will not be published but whose files are kept for inspection (they are
    /// collected at the next publish): releases the output's lease.
    pub async fn keep_unpublished(self) {
        self.lease.release().await;
    }

    /// Deletes everything the run wrote, when a stage fails; a failure to clean up is only logged (the
    /// next publish collects what is left).
    pub async fn abandon(self) {
        if let Err(e) = self.run.delete_all().await {
            tracing::warn!(run = %self.run.url(), error = %format!("{e:#}"), "could not delete the unfinished run");
        }
        self.lease.release().await;
    }

    async fn collect_garbage(&self, keep: &[String]) -> Result<()> {
        let runs = self.output.child(RUNS);
        let Ok(ids) = runs.child_folders().await else { return Ok(()) };
        for id in ids {
            if !keep.contains(&id) {
                tracing::debug!(run = %id, "deleting superseded run");
                runs.child(&id).delete_all().await?;
            }
        }
        Ok(())
    }
}

/// Writes one run of a stage that reads `inputs` and publishes it: `write` fills the run and returns
/// its manifest. On error the run is deleted and nothing is published; otherwise each input's
/// fingerprint and the seconds taken are added to the manifest before publishing. A failure on a
/// Parquet error names the input file that does not decode, if one does not
/// ([`crate::integrity::name_corrupt_input`]).
pub async fn write_and_publish(
    inputs: &[&StoreLocation],
    output: &StoreLocation,
    write: impl AsyncFnOnce(&RunWriter) -> Result<PublishedManifest>,
) -> Result<PublishedManifest> {
    let started = std::time::Instant::now();
    let mut fingerprints = vec![];
    for input in inputs {
        fingerprints.push(InputRef { url: input.url(), fingerprint: fingerprint_input(input).await? });
    }
    let run = RunWriter::begin(output).await?;
    let mut manifest = match write(&run).await {
        Ok(manifest) => manifest,
        Err(e) => {
            run.abandon().await;
            return Err(crate::integrity::name_corrupt_input(e, inputs).await);
        }
    };
    manifest.inputs.extend(fingerprints);
    manifest.metrics.insert("seconds".into(), started.elapsed().as_secs_f64().into());
    run.publish(manifest).await
}

/// A fresh manifest for `stage`; [`RunWriter::publish`] fills in the run fields.
pub fn new_manifest(stage: &str, stage_version: &str, fingerprint: Option<String>) -> PublishedManifest {
    PublishedManifest {
        format_version: 1,
        stage: stage.into(),
        stage_version: stage_version.into(),
        run_id: String::new(),
        run_prefix: String::new(),
        published_at: Utc::now(),
        fingerprint,
        inputs: vec![],
        tables: BTreeMap::new(),
        metrics: BTreeMap::new(),
    }
}

/// The Parquet files below `location`.
async fn parquet_files(location: &StoreLocation) -> Result<Vec<object_store::ObjectMeta>> {
    let mut files = location.list_all().await?;
    files.retain(|meta| meta.location.as_ref().ends_with(".parquet"));
    Ok(files)
}

/// Partition value of the folder holding an empty partitioned table's one file: a value of the
/// column's type (so DataFusion, DuckDB and pyarrow parse the folder as they parse real ones) that no
/// row carries, since the table has none. Hive's `__HIVE_DEFAULT_PARTITION__` (NULL) would be the
/// natural name, but DataFusion's listing tables cannot parse it as an integer.
pub fn empty_partition_value(data_type: &arrow::datatypes::DataType) -> &'static str {
    if data_type.is_integer() { "0" } else { "empty" }
}

/// The file that stands for an empty table: its path below the table's folder
/// (`<column>=<empty value>/.../part-0.parquet` for a partitioned table, see
/// [`empty_partition_value`]) and a 0-row Parquet file with the table's file schema.
pub fn empty_table_file(def: &TableDef) -> Result<(String, Vec<u8>)> {
    let mut path: String =
        def.partition_columns().iter().map(|(name, t)| format!("{name}={}/", empty_partition_value(t))).collect();
    path.push_str("part-0.parquet");
    let mut bytes = vec![];
    parquet::arrow::ArrowWriter::try_new(&mut bytes, def.file_schema(), None)?.close()?;
    Ok((path, bytes))
}

/// Reads a Parquet file's footer with two ranged reads.
async fn read_footer(location: &StoreLocation, path: &object_store::path::Path, size: u64) -> Result<ParquetMetaData> {
    if size < 12 {
        bail!("{path} is too short to be a Parquet file");
    }
    let tail = location.store.get_range(path, size - 8..size).await?;
    let footer = FooterTail::try_new(tail[..].try_into().expect("8 bytes"))?;
    let len = footer.metadata_length() as u64;
    let meta = location.store.get_range(path, size - 8 - len..size - 8).await?;
    Ok(ParquetMetaDataReader::decode_metadata(&meta)?)
}

fn check_partition_path(def: &TableDef, rel: &str) -> Result<()> {
    let dirs: Vec<&str> = rel.split('/').collect();
    let dirs = &dirs[..dirs.len() - 1];
    if dirs.len() != def.partition_by.len() {
        bail!("table {}: file {rel} is not below one folder per partition column {:?}", def.name, def.partition_by);
    }
    for ((dir, name), col) in dirs.iter().zip(&def.partition_by).zip(def.partition_columns()) {
        let value = dir
            .strip_prefix(&format!("{name}="))
            .with_context(|| format!("table {}: folder {dir} of {rel} is not `{name}=...`", def.name))?;
        let parses = match col.1 {
            arrow::datatypes::DataType::Int32 => value.parse::<i32>().is_ok(),
            arrow::datatypes::DataType::Utf8 => true,
            ref other => bail!("partition column type {other} is not supported"),
        };
        if !parses {
            bail!("table {}: partition value `{value}` in {rel} is not a {}", def.name, col.1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::DataType;
    use schemas::Column;

    use super::*;

    /// A table over (code, level text, grant_year integer), partitioned by `partition_by`.
    fn def(partition_by: Vec<&'static str>) -> TableDef {
        TableDef {
            name: "pairs",
            version: 1,
            doc: "test table",
            columns: vec![
                Column::required("code", DataType::Utf8, "a code"),
                Column::required("level", DataType::Utf8, "a level"),
                Column::required("grant_year", DataType::Int32, "a year"),
            ],
            partition_by,
            sort_by: vec![],
        }
    }

    #[tokio::test]
    async fn an_empty_table_is_published_as_one_zero_row_file_with_its_file_schema() {
        let output = StoreLocation::parse("memory://empty-tables/out/").unwrap();
        let run = RunWriter::begin(&output).await.unwrap();
        for (partition_by, expected_path) in [
            (vec!["level", "grant_year"], "pairs/level=empty/grant_year=0/part-0.parquet"),
            (vec![], "pairs/part-0.parquet"),
        ] {
            let def = def(partition_by);
            let entry = run.describe_parquet(&def).await.unwrap();
            let paths: Vec<&str> = entry.files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, [expected_path]);
            assert_eq!((entry.rows, entry.files[0].rows), (0, 0));
            // The file reads back as a Parquet file whose columns are the non-partition ones.
            let bytes = run.run.get_bytes(expected_path).await.unwrap().expect("written");
            let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
            assert_eq!(reader.schema().as_ref(), def.file_schema().as_ref());
            run.run.child("pairs").delete_all().await.unwrap();
        }
        run.abandon().await;
    }
}
