//! Faults of the storage under a stage, through the stage binaries: a published input whose Parquet
//! file is truncated or overwritten with garbage fails the downstream stage with an error naming
//! the file, and a spill folder on a full disk fails the stage clearly; either way nothing is
//! published and the stage's previous output stays published.

use std::path::{Path, PathBuf};
use std::process::Command;

use pipeline_tests::{binary, run_ok};
use stage_runtime::{PublishedManifest, StoreLocation, read_published};

/// Runs a stage binary that must fail; returns its output.
fn run_fails(name: &str, args: &[&str]) -> String {
    let out = Command::new(binary(name)).args(args).output().expect("spawning stage");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{name} {args:?} should have failed:\n{text}");
    text
}

/// The published manifest at `dir`.
async fn published(dir: &Path) -> PublishedManifest {
    let location = StoreLocation::parse(dir.to_str().unwrap()).unwrap();
    read_published(&location).await.unwrap().unwrap_or_else(|| panic!("nothing published at {}", dir.display()))
}

/// Asserts that `dir` still publishes `before` and holds no run folder but its run.
async fn assert_unchanged(dir: &Path, before: &PublishedManifest, output: &str) {
    assert_eq!(&published(dir).await, before, "the failed run changed what is published:\n{output}");
    let runs: Vec<String> =
        std::fs::read_dir(dir.join("runs")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(runs, [before.run_id.as_str()], "the failed run left its folder:\n{output}");
}

/// Generates a small dump and ingests it below `root`; returns the ingest output's folder.
fn ingested(root: &Path, patents: &str) -> PathBuf {
    let (raw, ingest) = (root.join("raw"), root.join("ingest"));
    let synth = ["--output", raw.to_str().unwrap(), "--patents", patents, "--first-year", "2000", "--years", "5"];
    run_ok("synth-patentsview", &synth, &[]);
    run_ok("ingest", &["--input", raw.to_str().unwrap(), "--output", ingest.to_str().unwrap()], &[]);
    ingest
}

#[tokio::test]
async fn corrupt_published_parquet_is_named_and_the_next_stage_publishes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let ingest = ingested(tmp.path(), "500");
    let cooc = tmp.path().join("cooccurrence");
    let args = ["--input", ingest.to_str().unwrap(), "--output", cooc.to_str().unwrap(), "--no-plots"];
    run_ok("cooccurrence", &args, &[]);
    let before = published(&cooc).await;

    let manifest = published(&ingest).await;
    let file = &manifest.tables["cpc"].files[0];
    let path = ingest.join(&manifest.run_prefix).join(&file.path);
    let url = format!("file://{}", path.display());
    let good = std::fs::read(&path).unwrap();

    // Cut short, as by a failed copy: the size differs from the manifest's.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let output = run_fails("cooccurrence", &args);
    let expected = format!("published file {url} is {} bytes, the manifest says {}", good.len() / 2, good.len());
    assert!(output.contains(&expected) && output.contains("rerun the ingest stage"), "{output}");
    assert_unchanged(&cooc, &before, &output).await;

    // Garbage over every data page, between the leading magic and the footer: the size is right.
    let mut garbled = good.clone();
    let footer = 8 + u32::from_le_bytes(good[good.len() - 8..good.len() - 4].try_into().unwrap()) as usize;
    let end = good.len() - footer;
    garbled[4..end].fill(0xa5);
    std::fs::write(&path, &garbled).unwrap();
    let output = run_fails("cooccurrence", &args);
    assert!(output.contains(&format!("published file {url} does not decode")), "{output}");
    assert!(output.contains("rerun the ingest stage"), "{output}");
    assert_unchanged(&cooc, &before, &output).await;

    // Restored, the stage runs again.
    std::fs::write(&path, &good).unwrap();
    run_ok("cooccurrence", &args, &[]);
}

/// A tmpfs of `size` mounted at `dir` while the value lives.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts one, or returns `None` where mounting is not permitted (not root, no CAP_SYS_ADMIN).
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", dir.to_str().unwrap()])
            .stderr(std::process::Stdio::null())
            .status();
        status.is_ok_and(|s| s.success()).then(|| Tmpfs { dir: dir.to_path_buf() })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

#[tokio::test]
async fn full_spill_dir_fails_clearly_and_keeps_the_previous_output() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(spill) = Tmpfs::mount(&tmp.path().join("spill"), "1m") else {
        eprintln!(
            "SKIPPED full_spill_dir_fails_clearly_and_keeps_the_previous_output: cannot mount a tmpfs (run as root)"
        );
        return;
    };
    let ingest = ingested(tmp.path(), "20000");
    let before = published(&ingest).await;
    let raw = tmp.path().join("raw");
    // Ingest sorts every table before writing it (claims by patent and sequence); in 64 MiB the
    // claims sort spills, and the 1 MiB spill folder fills.
    let args = [
        "--input",
        raw.to_str().unwrap(),
        "--output",
        ingest.to_str().unwrap(),
        "--memory-limit",
        "64MiB",
        "--spill-dir",
        spill.dir.to_str().unwrap(),
    ];
    let output = run_fails("ingest", &args);
    assert!(output.contains("error: ingest: a disk is full: the spill folder's (--spill-dir"), "{output}");
    assert!(output.contains("No space left on device"), "{output}");
    assert_unchanged(&ingest, &before, &output).await;
}
