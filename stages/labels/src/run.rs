//! The labels stage from ingest output to the published `impact_labels` table and its plot.

use anyhow::{Context, Result};
use datafusion::prelude::CsvReadOptions;
use object_store::ObjectStoreExt;
use schemas::Table;
use schemas::metrics::LabelsMetrics;
use sql_engine::{one_row, register_parquet, register_published, session, set_option, write_table};
use stage_runtime::{InputRef, PublishedManifest, RunWriter, StoreLocation, new_manifest, write_and_publish};

use crate::options::{LabelOptions, PatentList};
use crate::{plots, sql};

/// Runs the stage from ingest's output `input` to `output` and publishes `impact_labels`.
pub async fn run(input: &StoreLocation, output: &StoreLocation, options: &LabelOptions) -> Result<PublishedManifest> {
    options.validate()?;
    write_and_publish(&[input], output, async |run: &RunWriter| write_run(run, input, output, options).await).await
}

async fn write_run(
    run: &RunWriter,
    input: &StoreLocation,
    output: &StoreLocation,
    options: &LabelOptions,
) -> Result<PublishedManifest> {
    let list = options.patent_list.as_ref().map(ListFile::resolve).transpose()?;
    let mut stores = vec![input, output];
    if let Some(list) = &list {
        stores.push(&list.store);
    }
    let ctx = session(&options.engine, &stores).await?;
    // Every join of the labels query has a corpus-sized side (patents, main codes, forward counts).
    // A hash join holds its build side whole and cannot spill, so it would outgrow the memory pool
    // as the corpus grows (at 1 M patents a 1 GiB pool failed); sort-merge joins sort through the
    // pool and spill to disk.
    set_option(&ctx, "datafusion.optimizer.prefer_hash_join", false).await?;
    for &t in schemas::catalogue::labels::READS {
        register_published(&ctx, input, t).await?;
    }
    let mut manifest = new_manifest("labels", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    let mut listed_patents = None;
    if let (Some(list), Some(file)) = (&options.patent_list, &list) {
        ctx.register_csv("patent_list", &file.url, CsvReadOptions::new().has_header(true))
            .await
            .with_context(|| format!("reading the patent list {}", file.url))?;
        let listed: sql::PatentCount = one_row(&ctx, &sql::listed_count(list)).await?;
        listed_patents = Some(listed.patents);
        manifest.inputs.push(InputRef { url: file.url.clone(), fingerprint: file.fingerprint().await? });
    }

    let target = run.table(Table::ImpactLabels);
    let def = Table::ImpactLabels.def();
    let started = std::time::Instant::now();
    let rows = write_table(&ctx, &sql::impact_labels(options), def, &target).await?;
    tracing::info!(table = "impact_labels", rows, secs = started.elapsed().as_secs_f64(), "table written");
    register_parquet(&ctx, "impact_labels", &target, def).await?;
    let counts: sql::LabelCounts = one_row(&ctx, sql::COUNTS).await?;
    tracing::info!(
        patents = counts.patents,
        labelled = counts.labelled,
        l1 = counts.l1,
        incomplete_window = counts.incomplete_window,
        without_main_code = counts.without_main_code,
        "labelled"
    );
    let plots = if options.plots { plots::write(&ctx, &run.run.child("plots"), options).await? } else { vec![] };
    manifest.tables.insert("impact_labels".into(), run.describe_parquet(def).await?);
    manifest.set_metrics(&LabelsMetrics {
        window_years: options.window_years,
        window: options.window.name().into(),
        field: options.field.name().into(),
        top_share: options.top_share,
        rule: options.rule.name().into(),
        patent_list: options.patent_list.as_ref().map(|l| l.url.clone()),
        listed_patents,
        patents: counts.patents,
        labelled: counts.labelled,
        l1: counts.l1,
        incomplete_window: counts.incomplete_window,
        without_field: counts.without_main_code,
        plots,
    })?;
    Ok(manifest)
}

/// The patent list's file: its URL, for DataFusion, and the store holding it.
struct ListFile {
    url: String,
    store: StoreLocation,
}

impl ListFile {
    /// Resolves a path (relative to the current directory) or URL of the list file.
    fn resolve(list: &PatentList) -> Result<ListFile> {
        let url = match url::Url::parse(&list.url) {
            Ok(url) if url.scheme().len() > 1 => url,
            _ => {
                let path = std::path::absolute(&list.url).with_context(|| format!("resolving {}", list.url))?;
                url::Url::from_file_path(&path).map_err(|_| anyhow::anyhow!("not a usable path: {}", path.display()))?
            }
        };
        Ok(ListFile { store: StoreLocation::parse(url.as_str())?, url: url.to_string() })
    }

    /// Size and modification time of the file, recorded as the input's fingerprint.
    async fn fingerprint(&self) -> Result<String> {
        let meta = self.store.store.head(&self.store.prefix).await.with_context(|| format!("reading {}", self.url))?;
        Ok(format!("{}-{}", meta.size, meta.last_modified.timestamp_millis()))
    }
}
