//! `opportunity-recovery`: a benchmark of whether exploring the model's latent space finds the
//! opportunities planted in a synthetic corpus. It writes a manifest (synth with planted
//! opportunities, ingest, labels, train on the CPU with the light config, explore, validate), runs
//! it with the `pipeline` binary beside this one, and reports, for the explored patents of the
//! planted topics that lack their topic's opportunity code, the share whose added codes include it
//! against two baselines given as many codes (the most frequent codes the patent lacks; codes drawn
//! by frequency), the lift over the better one, and what micro- and macro-validation say. The
//! figures are printed and written to `<root>/recovery.json`.
//!
//! `cargo build --release --workspace --exclude ballista-cluster --exclude pipeline-tests &&
//! target/release/opportunity-recovery` (about 5 minutes on 2 cores at the default 60,000 patents;
//! the README's first command's feature set, so its build is reused). The defaults plant strong opportunities (8x the expected
//! citations, 15 % of a planted topic's patents carry the code) and explore with smaller steps than
//! the default manifest (10 instead of 40), so a search stays near its patent's topic; the README
//! gives the figures at synth's own 4x and a 10 % share too.

mod recovery;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use clap::Parser;
use datafusion::prelude::SessionContext;
use schemas::Table;
use serde_json::json;
use sql_engine::register_published;
use stage_runtime::{StoreLocation, read_published};

use recovery::{Baselines, ExploredPatent, Hits, recovery};

#[derive(Parser, Debug)]
#[command(about = "Recovery of planted opportunities by latent-space exploration, against two baselines")]
struct Cli {
    /// Patents generated.
    #[arg(long, default_value_t = 60_000)]
    patents: u64,
    /// Technology topics (fewer than synth's default, so that each planted topic has carriers to learn from).
    #[arg(long, default_value_t = 60)]
    topics: u16,
    /// Planted opportunities.
    #[arg(long, default_value_t = 12)]
    opportunities: u16,
    /// Factor on the expected forward citations of a carrier.
    #[arg(long, default_value_t = 8.0)]
    multiplier: f64,
    /// Share of a planted topic's patents carrying its opportunity code.
    #[arg(long, default_value_t = 0.15)]
    opportunity_share: f64,
    /// Generator seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Which patents are explored (explore's `--patents`).
    #[arg(long, default_value = "test")]
    explore: String,
    /// Explore's `--step-size`.
    #[arg(long, default_value_t = 10.0)]
    step_size: f64,
    /// Explore's `--iterations`.
    #[arg(long, default_value_t = 30)]
    iterations: u32,
    /// Explore's `--threshold`.
    #[arg(long, default_value_t = 0.8)]
    threshold: f64,
    /// Where the corpus and the stages' outputs go.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench-data/opportunity-recovery"))]
    root: PathBuf,
    /// Monte Carlo draws per patent for the frequency-draw baseline.
    #[arg(long, default_value_t = 200)]
    draws: usize,
}

fn manifest(cli: &Cli) -> String {
    let synth = [
        "--patents".to_string(),
        cli.patents.to_string(),
        "--first-year".into(),
        "2001".into(),
        "--years".into(),
        "25".into(),
        "--seed".into(),
        cli.seed.to_string(),
        "--topics".into(),
        cli.topics.to_string(),
        "--opportunities".into(),
        cli.opportunities.to_string(),
        "--opportunity-multiplier".into(),
        cli.multiplier.to_string(),
        "--opportunity-share".into(),
        cli.opportunity_share.to_string(),
    ];
    let list = |args: &[String]| args.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ");
    format!(
        r#"# Written by opportunity-recovery: the default manifest's labels, train, explore and validate on a
# corpus with planted opportunities (no co-occurrence or similarity: the model does not read them).
root = "data"

[[stage]]
name = "synth"
binary = "synth-patentsview"
args = [{synth}]
output = "raw"

[[stage]]
name = "ingest"
binary = "ingest"
inputs = ["raw"]
output = "ingest"
args = []

[[stage]]
name = "labels"
binary = "labels"
inputs = ["ingest"]
output = "labels"
args = ["--window-years", "5", "--field", "section", "--top-share", "0.1"]

[[stage]]
name = "train"
binary = "train"
inputs = ["ingest", "labels"]
output = "model"
args = ["--config", "light", "--device", "cpu"]

[[stage]]
name = "explore"
binary = "explore"
inputs = ["ingest", "labels", "model"]
output = "exploration"
args = ["--patents", "{explore}", "--step-size", "{step}", "--iterations", "{iterations}", "--threshold", "{threshold}", "--decoding", "beam", "--device", "cpu"]

[[stage]]
name = "validate"
binary = "validate"
inputs = ["ingest", "labels", "exploration"]
output = "validation"
args = ["--macro-years", "5"]
"#,
        synth = list(&synth),
        explore = cli.explore,
        step = cli.step_size,
        iterations = cli.iterations,
        threshold = cli.threshold,
    )
}

/// Runs the manifest with the `pipeline` binary next to this executable.
fn run_pipeline(manifest: &Path, root: &Path) -> Result<()> {
    let exe = std::env::current_exe()?;
    let pipeline = exe.with_file_name("pipeline");
    ensure!(
        pipeline.exists(),
        "{} not found: build the workspace first (cargo build --release --workspace)",
        pipeline.display()
    );
    let status = Command::new(&pipeline)
        .args(["run".as_ref(), manifest.as_os_str(), "--root".as_ref(), root.as_os_str()])
        .status()
        .with_context(|| format!("running {}", pipeline.display()))?;
    if !status.success() {
        bail!("the pipeline failed ({status})");
    }
    Ok(())
}

/// Every row of `sql` as strings (NULL as an empty string).
async fn rows(ctx: &SessionContext, sql: &str) -> Result<Vec<Vec<String>>> {
    let mut out = vec![];
    for batch in sql_engine::collect(ctx, sql).await? {
        let columns = batch.columns().iter().map(|c| cast(c, &DataType::Utf8)).collect::<Result<Vec<_>, _>>()?;
        for i in 0..batch.num_rows() {
            out.push(
                columns
                    .iter()
                    .map(|c| if c.is_null(i) { String::new() } else { c.as_string::<i32>().value(i).to_string() })
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// A ground-truth CSV of the published synth output, as header-keyed rows.
async fn ground_truth(raw: &StoreLocation, file: &str) -> Result<Vec<BTreeMap<String, String>>> {
    let published = read_published(raw).await?.context("synth has not published")?;
    let entry = published.tables.get("ground_truth").context("no ground_truth table (synth too old?)")?;
    let path = entry.files.iter().find(|f| f.path.ends_with(file)).with_context(|| format!("no {file}"))?;
    let bytes = raw.child(&published.run_prefix).get_bytes(&path.path).await?.context("ground-truth file missing")?;
    let text = String::from_utf8(bytes.to_vec())?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty CSV")?.split(',').collect();
    Ok(lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect())
}

fn codes(list: &str) -> BTreeSet<String> {
    list.split(' ').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

fn location(root: &Path, dataset: &str) -> Result<StoreLocation> {
    StoreLocation::parse(root.join(dataset).to_str().context("UTF-8 root")?)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.root)?;
    let manifest_path = cli.root.join("manifest.toml");
    std::fs::write(&manifest_path, manifest(&cli))?;
    run_pipeline(&manifest_path, &cli.root)?;

    let raw = location(&cli.root, "raw")?;
    let topics: BTreeMap<String, u32> = ground_truth(&raw, "patents.csv")
        .await?
        .into_iter()
        .map(|r| Ok((r["patent_id"].clone(), r["topic"].parse()?)))
        .collect::<Result<_>>()?;
    let planted = ground_truth(&raw, "opportunities.csv").await?;
    let opportunities: BTreeMap<u32, String> =
        planted.iter().map(|r| Ok((r["topic"].parse()?, r["opportunity_code"].clone()))).collect::<Result<_>>()?;

    let ctx = SessionContext::new();
    register_published(&ctx, &location(&cli.root, "ingest")?, Table::Cpc).await?;
    register_published(&ctx, &location(&cli.root, "exploration")?, Table::Exploration).await?;
    register_published(&ctx, &location(&cli.root, "validation")?, Table::ValidationSummary).await?;
    let frequencies: BTreeMap<String, u64> =
        rows(&ctx, "SELECT cpc_subclass, COUNT(DISTINCT patent_id) FROM cpc GROUP BY cpc_subclass")
            .await?
            .into_iter()
            .map(|r| Ok((r[0].clone(), r[1].parse()?)))
            .collect::<Result<_>>()?;
    let explored: Vec<ExploredPatent> = rows(
        &ctx,
        "SELECT patent_id, array_to_string(original_codes, ' '), array_to_string(added_codes, ' ') FROM exploration",
    )
    .await?
    .into_iter()
    .map(|r| {
        let topic = *topics.get(&r[0]).with_context(|| format!("{} not in the ground truth", r[0]))?;
        Ok(ExploredPatent { topic, original: codes(&r[1]), added: codes(&r[2]) })
    })
    .collect::<Result<_>>()?;
    let mut baselines = Baselines::new(&frequencies, cli.draws, cli.seed);
    let (per_topic, total) = recovery(&explored, &opportunities, &mut baselines);
    let validation = rows(
        &ctx,
        "SELECT section, \"group\", metric, value FROM validation_summary WHERE section IN ('micro', 'macro', 'reliability') \
         ORDER BY section, \"group\", metric",
    )
    .await?;

    println!(
        "\nRecovery of planted opportunities ({} explored patents; {} of planted topics lacking the code)",
        explored.len(),
        total.patents
    );
    println!(
        "{:>6} {:>6} {:>9} {:>7} {:>8} {:>14} {:>15}",
        "topic", "code", "patents", "added", "model", "most frequent", "frequency draw"
    );
    let line = |name: &str, code: &str, h: &Hits| {
        println!(
            "{name:>6} {code:>6} {:>9} {:>7} {:>7.1}% {:>13.1}% {:>14.1}%",
            h.patents,
            h.added_codes,
            100.0 * h.model_share(),
            100.0 * h.most_frequent_share(),
            100.0 * h.frequency_draw_share()
        )
    };
    for (topic, hits) in &per_topic {
        line(&topic.to_string(), &opportunities[topic], hits);
    }
    line("all", "", &total);
    match total.lift() {
        Some(lift) => println!("lift over the better baseline: {lift:.2}x (goal: 3x)"),
        None => println!("lift undefined: both baselines are 0"),
    }
    println!("\nvalidation_summary:");
    for r in &validation {
        println!("  {:<12} {:<24} {:<28} {}", r[0], r[1], r[2], r[3]);
    }

    let hits_json = |h: &Hits| {
        json!({
            "patents": h.patents, "added_codes": h.added_codes,
            "model_share": h.model_share(), "most_frequent_share": h.most_frequent_share(),
            "frequency_draw_share": h.frequency_draw_share(), "lift": h.lift(),
        })
    };
    let report = json!({
        "settings": {
            "patents": cli.patents, "topics": cli.topics, "opportunities": cli.opportunities,
            "multiplier": cli.multiplier, "opportunity_share": cli.opportunity_share, "seed": cli.seed,
            "explored": cli.explore, "step_size": cli.step_size, "iterations": cli.iterations, "threshold": cli.threshold,
        },
        "explored_patents": explored.len(),
        "total": hits_json(&total),
        "per_opportunity": per_topic.iter().map(|(t, h)| json!({"topic": t, "code": opportunities[t], "hits": hits_json(h)})).collect::<Vec<_>>(),
        "validation": validation.iter().map(|r| json!({"section": r[0], "group": r[1], "metric": r[2], "value": r[3]})).collect::<Vec<_>>(),
    });
    let out = cli.root.join("recovery.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
    println!("\nwritten to {}", out.display());
    Ok(())
}
