//! Zipped TSV files in the PatentsView bulk-dump dialect: one deflated member `<table>.tsv` at the zip
//! root, a quoted header, TAB separators, `\n` line ends and Python-csv `QUOTE_NONNUMERIC` quoting —
//! integers bare in the columns `schemas::patentsview` marks numeric, everything else (ids, dates,
//! text) in `"`, embedded `"` doubled, NULL as `""`.
//!
//! Rows are formatted on the caller's thread into 1 MiB chunks that a thread per file compresses, so
//! generation and deflate overlap and memory stays bounded whatever the table size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use chrono::{Datelike, NaiveDate};
use schemas::patentsview::DumpTable;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// One value of a row. Whether an `Int` is written bare or quoted is the column's `numeric` flag.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Text(&'a str),
    Int(i64),
    Date(NaiveDate),
    Null,
}

/// Bytes of formatted rows handed to the compressing thread at a time.
const CHUNK: usize = 1 << 20;
/// Chunks queued per file before the generator waits for deflate to catch up.
const QUEUED_CHUNKS: usize = 4;
/// Deflate level: 6 is zlib's default, as in the real dumps.
const DEFLATE_LEVEL: i64 = 6;

/// A `.tsv.zip` being written.
pub struct TsvZipWriter {
    table: &'static DumpTable,
    file_name: String,
    buf: Vec<u8>,
    rows: u64,
    bytes: u64,
    chunks: SyncSender<Vec<u8>>,
    /// Taken when joined: at `finish`, or early to report why a send failed.
    compressor: Option<JoinHandle<Result<()>>>,
}

impl TsvZipWriter {
    /// Creates `dir/file_name` holding `<stem>.tsv` and writes the header from `table`. `large_file`
    /// selects ZIP64 sizes, needed once the member may exceed 4 GiB.
    pub fn create(dir: &Path, file_name: &str, table: &'static DumpTable, large_file: bool) -> Result<TsvZipWriter> {
        let member = format!("{}.tsv", file_name.strip_suffix(".tsv.zip").unwrap_or(file_name));
        let path = dir.join(file_name);
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let (chunks, received) = sync_channel(QUEUED_CHUNKS);
        let compressor = std::thread::spawn(move || compress(file, &member, large_file, received));
        let mut writer = TsvZipWriter {
            table,
            file_name: file_name.to_string(),
            buf: Vec::with_capacity(CHUNK + CHUNK / 4),
            rows: 0,
            bytes: 0,
            chunks,
            compressor: Some(compressor),
        };
        for (i, column) in table.columns.iter().enumerate() {
            writer.separator(i);
            push_quoted(&mut writer.buf, column.name);
        }
        writer.buf.push(b'\n');
        Ok(writer)
    }

    /// Writes one row; `fields` must follow the table's columns, with only `Int` or `Null` in numeric ones.
    pub fn row(&mut self, fields: &[Field]) -> Result<()> {
        assert_eq!(fields.len(), self.table.columns.len(), "row width of {}", self.table.name);
        for (column, field) in self.table.columns.iter().zip(fields) {
            assert!(
                !column.numeric || matches!(field, Field::Int(_) | Field::Null),
                "{}.{} is numeric, got {field:?}",
                self.table.name,
                column.name
            );
        }
        self.write_fields(fields)
    }

    /// Writes a row as given, without the layout checks of [`TsvZipWriter::row`]: for deliberately
    /// malformed rows (wrong width, text in a numeric column).
    pub fn malformed_row(&mut self, fields: &[Field]) -> Result<()> {
        self.write_fields(fields)
    }

    /// Uncompressed bytes written so far, header included.
    pub fn bytes(&self) -> u64 {
        self.bytes + self.buf.len() as u64
    }

    /// Flushes, closes the zip and returns the file name and its number of data rows.
    pub fn finish(mut self) -> Result<(String, u64)> {
        self.send_chunk()?;
        let TsvZipWriter { file_name, rows, chunks, compressor, .. } = self;
        drop(chunks);
        join(compressor).with_context(|| format!("writing {file_name}"))?;
        Ok((file_name, rows))
    }

    fn write_fields(&mut self, fields: &[Field]) -> Result<()> {
        for (i, field) in fields.iter().enumerate() {
            self.separator(i);
            let numeric = self.table.columns.get(i).is_some_and(|c| c.numeric);
            match *field {
                Field::Text(s) => push_quoted(&mut self.buf, s),
                Field::Int(n) if numeric => write!(self.buf, "{n}")?,
                Field::Int(n) => write!(self.buf, "\"{n}\"")?,
                Field::Date(d) => write!(self.buf, "\"{:04}-{:02}-{:02}\"", d.year(), d.month(), d.day())?,
                Field::Null => self.buf.extend_from_slice(b"\"\""),
            }
        }
        self.buf.push(b'\n');
        self.rows += 1;
        if self.buf.len() >= CHUNK { self.send_chunk() } else { Ok(()) }
    }

    fn separator(&mut self, column: usize) {
        if column > 0 {
            self.buf.push(b'\t');
        }
    }

    fn send_chunk(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + CHUNK / 4));
        self.bytes += chunk.len() as u64;
        if self.chunks.send(chunk).is_err() {
            // The compressor stops early only on an error; report that error.
            join(self.compressor.take()).with_context(|| format!("writing {}", self.file_name))?;
        }
        Ok(())
    }
}

/// Appends `s` in double quotes, doubling embedded quotes.
fn push_quoted(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for (i, part) in s.split('"').enumerate() {
        if i > 0 {
            buf.extend_from_slice(b"\"\"");
        }
        buf.extend_from_slice(part.as_bytes());
    }
    buf.push(b'"');
}

/// The compressing thread: one deflated member with a fixed timestamp, so equal input gives equal bytes.
fn compress(file: File, member: &str, large_file: bool, chunks: Receiver<Vec<u8>>) -> Result<()> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644)
        .large_file(large_file);
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 16, file));
    zip.start_file(member, options)?;
    for chunk in chunks {
        zip.write_all(&chunk)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

fn join(compressor: Option<JoinHandle<Result<()>>>) -> Result<()> {
    let compressor = compressor.ok_or_else(|| anyhow!("the compressor already failed"))?;
    compressor.join().map_err(|_| anyhow!("the compressor thread panicked"))?
}
