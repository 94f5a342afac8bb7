//! Phase 1 of ingest: dump files streamed through the TSV reader into typed staging Parquet files,
//! with their malformed rows into staging rejects files. Files are read in parallel; within a file,
//! parsing (a blocking thread) and Parquet encoding (an async task) overlap. The same parser feeds
//! the layout's direct scans of the child tables ([`crate::scan`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use arrow::array::{RecordBatch, StringBuilder, UInt64Builder};
use futures::{StreamExt, TryStreamExt};
use parquet::arrow::AsyncArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use schemas::Table;
use schemas::patentsview::DumpKind;
use stage_runtime::StoreLocation;
use stage_runtime::telemetry::Progress;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::convert::{BatchBuilder, map_header, staging_table};
use crate::sources::DumpFile;
use crate::tsv::{Next, TsvReader};

/// Rows per staged batch.
const BATCH_ROWS: usize = 16 * 1024;
/// Characters of a rejected row kept in the rejects table.
const RAW_KEEP: usize = 4096;

/// Counts for one parsed file.
#[derive(Debug, Clone)]
pub struct FileStats {
    pub file: String,
    pub kind: DumpKind,
    pub rows: u64,
    pub rejects: u64,
    /// Uncompressed TSV bytes read.
    pub bytes: u64,
}

/// Options of the parse phase.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    pub max_record_bytes: usize,
    pub parallel_files: usize,
}

/// The files of one run parsed so far and the tasks parsing and writing them, shared by phase 1 and
/// the layout's scans of the files read straight from the dump ([`crate::scan`]). Counts are kept
/// by file name; a file parsed twice keeps its last counts. Every parser thread and staging writer
/// is spawned here, so a failed run can stop them and wait for them ([`ParsedFiles::stop`]) before
/// it deletes its folder: a writer left running would write into the deleted folder.
#[derive(Debug, Default, Clone)]
pub struct ParsedFiles {
    counts: Arc<Mutex<BTreeMap<String, FileStats>>>,
    tasks: TaskTracker,
    stopped: CancellationToken,
}

impl ParsedFiles {
    fn contains(&self, file: &str) -> bool {
        self.counts.lock().expect("counts lock").contains_key(file)
    }

    fn record(&self, stats: FileStats) {
        self.counts.lock().expect("counts lock").insert(stats.file.clone(), stats);
    }

    /// Rows parsed from the files of `kind`.
    pub fn rows(&self, kind: DumpKind) -> u64 {
        self.counts.lock().expect("counts lock").values().filter(|s| s.kind == kind).map(|s| s.rows).sum()
    }

    /// Every file's counts, in file name order.
    pub fn all(&self) -> Vec<FileStats> {
        self.counts.lock().expect("counts lock").values().cloned().collect()
    }

    /// Spawns `task` as one of the run's tasks.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Stops the parsers at their next batch and waits until every task of the run has ended.
    pub async fn stop(&self) {
        self.stopped.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// Stages every file below `staging/<staging table>/` and `staging/rejects/`.
pub async fn stage_files(
    files: Vec<DumpFile>,
    staging: &StoreLocation,
    options: &ParseOptions,
    parsed: &ParsedFiles,
) -> Result<()> {
    futures::stream::iter(files)
        .map(|file| stage_file(file, staging, options, parsed))
        .buffer_unordered(options.parallel_files.max(1))
        .try_collect()
        .await
}

async fn stage_file(
    file: DumpFile,
    staging: &StoreLocation,
    options: &ParseOptions,
    parsed: &ParsedFiles,
) -> Result<()> {
    let table = staging_table(file.name.kind);
    let data_path = staging.child(table.name).path(&format!("{}.parquet", file_stem(&file)));
    let (data_tx, data_rx) = mpsc::channel(4);
    let data_writer = parsed.spawn(write_parquet(staging.clone(), data_path, table.arrow_schema(), data_rx));
    let parsed_file = parse_file(file, staging, options, parsed, data_tx).await;
    // The sender is dropped with the parser, so the writer finishes either way.
    let written = data_writer.await.context("staging writer")?;
    parsed_file?;
    written
}

/// The name of a file's staged Parquet files.
fn file_stem(file: &DumpFile) -> String {
    file.display.replace('/', "_")
}

/// Parses `file` on a blocking thread: its rows go to `data` in batches of the staging table, its
/// malformed rows to `staging/rejects/` (unless `parsed` has the file already: a second scan of a
/// file, for its orphans, leaves its rejects as the first wrote them), its counts to `parsed`.
pub async fn parse_file(
    file: DumpFile,
    staging: &StoreLocation,
    options: &ParseOptions,
    parsed: &ParsedFiles,
    data: mpsc::Sender<RecordBatch>,
) -> Result<()> {
    let rejects_path = staging.child("rejects").path(&format!("{}.parquet", file_stem(&file)));
    let (rejects_tx, rejects_rx) = mpsc::channel(4);
    let rejects_writer = if parsed.contains(&file.display) {
        parsed.spawn(async move {
            let mut rejects_rx = rejects_rx;
            while rejects_rx.recv().await.is_some() {}
            Ok(())
        })
    } else {
        parsed.spawn(write_parquet(staging.clone(), rejects_path, Table::Rejects.def().arrow_schema(), rejects_rx))
    };
    let handle = tokio::runtime::Handle::current();
    let options = options.clone();
    let stopped = parsed.stopped.clone();
    let parse = parsed.tasks.spawn_blocking(move || {
        file.with_reader(&handle, |reader, size| {
            // One bar (or line series) per file, over its uncompressed bytes.
            let progress = Progress::over_bytes(file.display.clone(), size);
            let stats = parse_stream(&file, reader, &options, &data, &rejects_tx, &stopped, &progress);
            progress.finish();
            stats
        })
    });
    let stats = parse.await.context("parser thread")?;
    // The sender is dropped with the parser, so the writer finishes either way.
    let rejects_written = rejects_writer.await.context("rejects writer")?;
    let stats = stats?;
    rejects_written?;
    tracing::info!(
        file = %stats.file,
        rows = stats.rows,
        rejected = stats.rejects,
        tsv_mb = stats.bytes as f64 / 1e6,
        "dump file parsed"
    );
    parsed.record(stats);
    Ok(())
}

fn parse_stream(
    file: &DumpFile,
    reader: &mut dyn std::io::BufRead,
    options: &ParseOptions,
    data: &mpsc::Sender<RecordBatch>,
    rejects: &mpsc::Sender<RecordBatch>,
    stopped: &CancellationToken,
    progress: &Progress,
) -> Result<FileStats> {
    let mut tsv = TsvReader::new(reader, options.max_record_bytes);
    let header: Vec<String> = match tsv.next_record().with_context(|| format!("reading {}", file.display))? {
        Next::Record => (0..tsv.len())
            .map(|i| tsv.field(i).map(|f| f.to_string()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: header is not UTF-8", file.display))?,
        Next::Malformed { reason, .. } => bail!("{}: unreadable header line: {reason}", file.display),
        Next::End => bail!("{}: the file is empty (no header line)", file.display),
    };
    let kind = file.name.kind;
    let positions = map_header(kind.table(), &header, &file.display)?;
    let mut batch = BatchBuilder::new(kind, positions, header.len(), &file.display);
    let mut bad = RejectsBuilder::new(&file.display, kind.table().name);
    let (mut rows, mut rejected) = (0u64, 0u64);
    let mut reported_bytes = tsv.bytes_read();
    let send = |tx: &mpsc::Sender<RecordBatch>, b: RecordBatch| {
        if stopped.is_cancelled() {
            bail!("{}: stopped, another part of the run failed", file.display);
        }
        tx.blocking_send(b).map_err(|_| anyhow::anyhow!("the reader of the parsed rows stopped"))
    };
    loop {
        // A read error (a corrupt zip's bad checksum, a lost connection) names the file and line.
        let next = tsv.next_record().with_context(|| format!("reading {} at line {}", file.display, tsv.line()))?;
        match next {
            Next::Record => match batch.push(&tsv) {
                Ok(()) => rows += 1,
                Err(reason) => {
                    let reason = if repeats_header(&tsv, &header) { REPEATED_HEADER.into() } else { reason };
                    let line = tsv.line();
                    let raw = tsv.reject_current();
                    bad.push(line, &reason, &raw);
                    rejected += 1;
                }
            },
            Next::Malformed { line, reason } => {
                // The reader consumed only the record's first line; report it with its text.
                bad.push(line, &reason, "");
                rejected += 1;
            }
            Next::End => break,
        }
        if batch.rows() >= BATCH_ROWS {
            send(data, batch.finish())?;
            let now = tsv.bytes_read();
            progress.add(BATCH_ROWS as u64, now - reported_bytes);
            reported_bytes = now;
        }
        if bad.rows >= BATCH_ROWS {
            send(rejects, bad.finish())?;
        }
    }
    progress.add(batch.rows() as u64, tsv.bytes_read() - reported_bytes);
    if batch.rows() > 0 {
        send(data, batch.finish())?;
    }
    if bad.rows > 0 {
        send(rejects, bad.finish())?;
    }
    Ok(FileStats { file: file.display.clone(), kind, rows, rejects: rejected, bytes: tsv.bytes_read() })
}

/// Reject reason of a row that repeats the header line, as when dumps are concatenated.
const REPEATED_HEADER: &str = "repeated header row (were two dumps concatenated?)";

/// Whether the reader's current record is the header line again.
fn repeats_header<R>(tsv: &TsvReader<R>, header: &[String]) -> bool {
    tsv.len() == header.len() && (0..tsv.len()).all(|i| tsv.field(i).is_ok_and(|f| *f == *header[i]))
}

/// Builds batches of the `rejects` table for one file.
struct RejectsBuilder {
    file: String,
    table: &'static str,
    line: UInt64Builder,
    reason: StringBuilder,
    raw: StringBuilder,
    rows: usize,
}

impl RejectsBuilder {
    fn new(file: &str, table: &'static str) -> Self {
        RejectsBuilder {
            file: file.into(),
            table,
            line: UInt64Builder::new(),
            reason: StringBuilder::new(),
            raw: StringBuilder::new(),
            rows: 0,
        }
    }

    fn push(&mut self, line: u64, reason: &str, raw: &str) {
        let cut = raw.char_indices().nth(RAW_KEEP).map_or(raw.len(), |(i, _)| i);
        self.line.append_value(line);
        self.reason.append_value(reason);
        self.raw.append_value(&raw[..cut]);
        self.rows += 1;
    }

    fn finish(&mut self) -> RecordBatch {
        let n = self.rows;
        self.rows = 0;
        let repeat = |v: &str| Arc::new(arrow::array::StringArray::from(vec![v; n])) as arrow::array::ArrayRef;
        RecordBatch::try_new(
            Table::Rejects.def().arrow_schema(),
            vec![
                repeat(&self.file),
                Arc::new(self.line.finish()),
                repeat(self.table),
                Arc::new(self.reason.finish()),
                Arc::new(self.raw.finish()),
            ],
        )
        .expect("rejects batch follows the rejects schema")
    }
}

/// Writes the batches arriving on `rx` to one Parquet object; writes nothing if none arrive.
async fn write_parquet(
    at: StoreLocation,
    path: object_store::path::Path,
    schema: arrow::datatypes::SchemaRef,
    mut rx: mpsc::Receiver<RecordBatch>,
) -> Result<()> {
    let Some(first) = rx.recv().await else { return Ok(()) };
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(sql_engine::WRITE_ROW_GROUP_ROWS))
        .build();
    let sink = object_store::buffered::BufWriter::new(at.store.clone(), path.clone());
    let mut writer = AsyncArrowWriter::try_new(sink, schema, Some(props))?;
    writer.write(&first).await?;
    while let Some(batch) = rx.recv().await {
        writer.write(&batch).await.with_context(|| format!("writing {path}"))?;
    }
    writer.close().await.with_context(|| format!("closing {path}"))?;
    Ok(())
}
