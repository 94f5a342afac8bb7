//! Finding the dump files in an input folder (a published synth output or a plain download folder)
//! and opening them as streams: zipped or plain TSV, from local disk or any object store.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use schemas::patentsview::{DumpFileName, DumpKind};
use stage_runtime::{StoreLocation, read_published};

/// One dump file found in the input.
#[derive(Debug, Clone)]
pub struct DumpFile {
    pub name: DumpFileName,
    /// File name as shown in reports and the rejects table.
    pub display: String,
    pub store: Arc<dyn ObjectStore>,
    pub path: Path,
    pub size: u64,
    /// Local path when the store is the local file system, for direct reads.
    pub local: Option<std::path::PathBuf>,
}

/// Lists the dump files below `input`; fails naming every required table that has no file.
pub async fn discover(input: &StoreLocation, required: &[DumpKind]) -> Result<Vec<DumpFile>> {
    let root = match read_published(input).await? {
        Some(published) => published.run_location(input),
        None => input.clone(),
    };
    let objects = root.list_all().await?;
    let mut files: BTreeMap<(DumpKind, Option<i32>), DumpFile> = BTreeMap::new();
    for meta in objects {
        let display = root.relative(&meta.location);
        let Some(name) = DumpFileName::parse(&display) else { continue };
        let key = (name.kind, name.year);
        if let Some(other) = files.get(&key) {
            bail!("two input files hold the same table: {} and {display}; keep one", other.display);
        }
        let local = (root.base_url.scheme() == "file").then(|| std::path::PathBuf::from(format!("/{}", meta.location)));
        files.insert(
            key,
            DumpFile { name, display, store: root.store.clone(), path: meta.location, size: meta.size, local },
        );
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|k| !files.keys().any(|(kind, _)| kind == *k))
        .map(|k| {
            let t = k.table();
            let pattern = if t.yearly { "_YYYY" } else { "" };
            format!("{}{pattern}.tsv(.zip) (legacy: {}{pattern}.tsv)", t.name, t.legacy_names[0])
        })
        .collect();
    if !missing.is_empty() {
        let found: Vec<&str> = files.values().map(|f| f.display.as_str()).collect();
        bail!(
            "input {} lacks {}; found: {}",
            root.url(),
            missing.join(", "),
            if found.is_empty() { "no dump files".to_string() } else { found.join(", ") }
        );
    }
    // Largest first, so the long files start early when several are read in parallel.
    let mut files: Vec<DumpFile> = files.into_values().collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.size));
    Ok(files)
}

impl DumpFile {
    /// Calls `read` with the file's TSV content as a buffered stream and its uncompressed size when
    /// known. Must run on a blocking thread: remote reads wait on `handle`.
    pub fn with_reader<T>(
        &self,
        handle: &tokio::runtime::Handle,
        read: impl FnOnce(&mut dyn BufRead, Option<u64>) -> Result<T>,
    ) -> Result<T> {
        let source: Box<dyn ReadSeek> = match &self.local {
            Some(path) => Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?),
            None => Box::new(RangeReader::new(self.store.clone(), self.path.clone(), self.size, handle.clone())),
        };
        const BUFFER: usize = 1 << 20;
        if !self.name.zipped {
            return read(&mut BufReader::with_capacity(BUFFER, source), Some(self.size));
        }
        let mut archive =
            zip::ZipArchive::new(source).with_context(|| format!("{} is not a readable zip", self.display))?;
        let members: Vec<usize> = (0..archive.len())
            .filter(|&i| {
                archive.name_for_index(i).and_then(|n| n.ok()).is_some_and(|n| n.to_ascii_lowercase().ends_with(".tsv"))
            })
            .collect();
        let [member] = members[..] else {
            bail!("{} should hold exactly one .tsv file, holds {}", self.display, members.len());
        };
        let entry = archive.by_index(member).with_context(|| format!("reading {}", self.display))?;
        let size = entry.size();
        read(&mut BufReader::with_capacity(BUFFER, entry), Some(size))
    }
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// `Read + Seek` over an object in any store, by ranged GETs of a few MiB at a time.
struct RangeReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
    pos: u64,
    block: Bytes,
    block_start: u64,
    handle: tokio::runtime::Handle,
}

impl RangeReader {
    const BLOCK: u64 = 8 << 20;

    fn new(store: Arc<dyn ObjectStore>, path: Path, size: u64, handle: tokio::runtime::Handle) -> Self {
        RangeReader { store, path, size, pos: 0, block: Bytes::new(), block_start: 0, handle }
    }
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size {
            return Ok(0);
        }
        let in_block = self.pos >= self.block_start && self.pos < self.block_start + self.block.len() as u64;
        if !in_block {
            let end = (self.pos + Self::BLOCK).min(self.size);
            let fetch = self.store.get_range(&self.path, self.pos..end);
            self.block = self.handle.block_on(fetch).map_err(std::io::Error::other)?;
            self.block_start = self.pos;
        }
        let offset = (self.pos - self.block_start) as usize;
        let n = buf.len().min(self.block.len() - offset);
        buf[..n].copy_from_slice(&self.block[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.size as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if target < 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before start"));
        }
        self.pos = target as u64;
        Ok(self.pos)
    }
}
