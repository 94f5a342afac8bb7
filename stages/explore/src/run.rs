//! The explore stage: the published model, the explored patents (one split of the model's
//! labelled patents, by default its test split), their latent means, the gradient ascent of each,
//! the code sets decoded before and after, and the tables `exploration` and `exploration_paths`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::array::{
    ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use datafusion::prelude::SessionContext;
use schemas::Table;
use schemas::metrics::ExploreMetrics;
use sql_engine::{register_published, session, write_batches};
use stage_runtime::{EngineOptions, PublishedManifest, RunWriter, StoreLocation, new_manifest, write_and_publish};
use train::data::{self, PatentRecord, Split};
use train::fit::{Example, batch};
use train::saved::SavedModel;
use train::vocab::Vocabulary;

use crate::ascent::{AscentSettings, Path, ascend};
use crate::pca::Projection;

/// Which decoding gives the suggested code set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Decoding {
    Greedy,
    Beam,
}

/// Which of the model's labelled patents are explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Explored {
    Train,
    Validation,
    Test,
    All,
}

impl Explored {
    /// The condition on `model_split.split` that selects these patents.
    fn condition(self) -> String {
        match self {
            Explored::Train => format!("m.split = '{}'", Split::Train.name()),
            Explored::Validation => format!("m.split = '{}'", Split::Validation.name()),
            Explored::Test => format!("m.split = '{}'", Split::Test.name()),
            Explored::All => "TRUE".into(),
        }
    }
}

/// The explored patents and their splits, as the train run recorded them in `model_split` (so
/// explore follows whatever split rule and sample the model was trained with); only those with a
/// forward citation in their label window when `cited_only`.
async fn explored_splits(ctx: &SessionContext, explored: Explored, cited_only: bool) -> Result<HashMap<String, Split>> {
    let query = format!(
        "SELECT m.patent_id, m.split FROM model_split m{} WHERE {}",
        if cited_only { " JOIN impact_labels l ON l.patent_id = m.patent_id AND l.forward_citations > 0" } else { "" },
        explored.condition()
    );
    let mut out = HashMap::new();
    for batch in sql_engine::collect(ctx, &query).await? {
        let ids = cast(batch.column(0), &DataType::Utf8)?;
        let splits = cast(batch.column(1), &DataType::Utf8)?;
        for (id, split) in ids.as_string::<i32>().iter().zip(splits.as_string::<i32>().iter()) {
            let (Some(id), Some(split)) = (id, split) else { continue };
            let split = [Split::Train, Split::Validation, Split::Test]
                .into_iter()
                .find(|s| s.name() == split)
                .with_context(|| format!("model_split: unknown split {split:?}"))?;
            out.insert(id.to_string(), split);
        }
    }
    Ok(out)
}

/// Settings of one explore run beyond its inputs and output.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    pub ascent: AscentSettings,
    pub decoding: Decoding,
    /// Hypotheses kept per patent by the beam search.
    pub beam_width: usize,
    pub explored: Explored,
    /// Explore only patents with at least one forward citation in their label window (the
    /// reference explored cited test patents only).
    pub cited_only: bool,
    /// Explore at most this many patents (the first by patent id).
    pub limit: Option<usize>,
    /// Patents per batch through the model.
    pub batch_size: usize,
    /// Name of the device, recorded in the manifest.
    pub device_name: String,
    pub engine: EngineOptions,
    pub fingerprint: Option<String>,
}

/// The inputs of the stage: ingest's output (cpc, claims), the labels stage's and the train stage's.
pub struct ExploreInputs<'a> {
    pub ingest: &'a StoreLocation,
    pub labels: &'a StoreLocation,
    pub model: &'a StoreLocation,
}

/// Explores and publishes to `output`.
pub async fn run<B: AutodiffBackend>(
    inputs: &ExploreInputs<'_>,
    output: &StoreLocation,
    options: &ExploreOptions,
    device: B::Device,
) -> Result<PublishedManifest> {
    write_and_publish(&[inputs.ingest, inputs.labels, inputs.model], output, async |run: &RunWriter| {
        write_run::<B>(run, inputs, options, device).await
    })
    .await
}

/// What the search gave for one explored patent.
struct Outcome {
    patent_id: String,
    l1: bool,
    split: Split,
    /// The codes the model reads: the first max_codes.
    original: Vec<String>,
    reconstructed: Vec<String>,
    path: Path,
    greedy: Vec<String>,
    beam: Vec<String>,
}

async fn write_run<B: AutodiffBackend>(
    run: &RunWriter,
    inputs: &ExploreInputs<'_>,
    options: &ExploreOptions,
    device: B::Device,
) -> Result<PublishedManifest> {
    let saved = SavedModel::<B>::load(inputs.model, &device).await?;
    let ctx = session(&options.engine, &[inputs.ingest, inputs.labels, inputs.model, &run.run]).await?;
    register_published(&ctx, inputs.ingest, Table::Cpc).await?;
    register_published(&ctx, inputs.ingest, Table::Claims).await?;
    register_published(&ctx, inputs.labels, Table::ImpactLabels).await?;
    register_published(&ctx, inputs.model, Table::ModelSplit).await?;
    let splits = explored_splits(&ctx, options.explored, options.cited_only).await?;
    let data_config = &saved.config.data;
    let mut records: Vec<(PatentRecord, Split)> =
        data::load(&ctx, data_config.level, data_config.keep_repeats, |id| splits.contains_key(id))
            .await?
            .into_iter()
            .map(|r| {
                let split = splits[&r.patent_id];
                (r, split)
            })
            .collect();
    records.truncate(options.limit.unwrap_or(usize::MAX));
    anyhow::ensure!(
        !records.is_empty(),
        "no labelled patent with CPC codes to explore in the {:?} split",
        options.explored
    );
    tracing::info!(patents = records.len(), split = ?options.explored, "exploring");

    let level = saved.config.data.level;
    let options_for_model = options.clone();
    let (explored, paths) =
        tokio::task::spawn_blocking(move || explore_all(&saved, records, &options_for_model, &device)).await??;
    let reached = explored.iter().filter(|e| e.path.reached(options.ascent.threshold)).count();
    write_batches(
        &ctx,
        vec![exploration_batch(&explored, options)?],
        Table::Exploration.def(),
        &run.table(Table::Exploration),
    )
    .await?;
    write_batches(&ctx, vec![paths], Table::ExplorationPaths.def(), &run.table(Table::ExplorationPaths)).await?;

    let mut manifest = new_manifest("explore", env!("CARGO_PKG_VERSION"), options.fingerprint.clone());
    for &t in schemas::catalogue::explore::WRITES {
        manifest.tables.insert(t.name().into(), run.describe_parquet(t.def()).await?);
    }
    let mean = |f: fn(&Outcome) -> f64| explored.iter().map(f).sum::<f64>() / explored.len() as f64;
    manifest.set_metrics(&ExploreMetrics {
        device: options.device_name.clone(),
        code_level: level.name().into(),
        explored: explored.len(),
        reached_threshold: reached,
        step_size: options.ascent.step_size,
        iterations: options.ascent.iterations,
        threshold: options.ascent.threshold,
        step_past_threshold: options.ascent.step_past_threshold,
        cited_only: options.cited_only,
        decoding: format!("{:?}", options.decoding).to_lowercase(),
        beam_width: options.beam_width,
        mean_start_probability: mean(|e| e.path.start_probability()),
        mean_end_probability: mean(|e| e.path.end_probability()),
    })?;
    tracing::info!(
        reached,
        explored = explored.len(),
        threshold = options.ascent.threshold,
        mean_p_start = mean(|e| e.path.start_probability()),
        mean_p_end = mean(|e| e.path.end_probability()),
        "explored patents that reached the threshold"
    );
    Ok(manifest)
}

/// Code ids as codes, repeats dropped.
fn codes_of(ids: &[usize], vocabulary: &Vocabulary) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for &id in ids {
        let code = vocabulary.token(id);
        if !out.iter().any(|c| c == code) {
            out.push(code.to_string());
        }
    }
    out
}

/// Rows of `values` [rows, width] as vectors.
fn rows_of<B: burn::tensor::backend::Backend>(values: burn::tensor::Tensor<B, 2>) -> Vec<Vec<f32>> {
    let [_, width] = values.dims();
    let flat: Vec<f32> = values.into_data().convert::<f32>().to_vec().expect("float data");
    flat.chunks(width.max(1)).map(<[f32]>::to_vec).collect()
}

/// Runs the whole exploration on the model's device: latent means, the projection, then the
/// ascent and the decodings batch by batch. Returns the outcomes and the `exploration_paths` rows.
fn explore_all<B: AutodiffBackend>(
    saved: &SavedModel<B>,
    records: Vec<(PatentRecord, Split)>,
    options: &ExploreOptions,
    device: &B::Device,
) -> Result<(Vec<Outcome>, RecordBatch)> {
    type Inner<B> = <B as AutodiffBackend>::InnerBackend;
    let config = &saved.config.training;
    let inference = saved.model.valid();
    let batch_size = options.batch_size.max(1);
    let encode = |chunk: &[(PatentRecord, Split)]| -> Vec<Example> {
        let refs: Vec<&PatentRecord> = chunk.iter().map(|(r, _)| r).collect();
        data::encode(&refs, &saved.codes, &saved.text, config.max_codes, config.model.max_text_len)
    };
    let to_tensor = |rows: &[Vec<f32>]| {
        let width = rows[0].len();
        burn::tensor::Tensor::<Inner<B>, 2>::from_data(
            burn::tensor::TensorData::new(rows.concat(), [rows.len(), width]),
            device,
        )
    };

    let mut z0: Vec<Vec<f32>> = Vec::with_capacity(records.len());
    for chunk in records.chunks(batch_size) {
        let examples = encode(chunk);
        let b = batch::<Inner<B>>(&examples.iter().collect::<Vec<_>>(), device);
        z0.extend(rows_of(inference.encode(b.cpc, b.text).0));
    }
    let projection = Projection::fit(&z0);

    let progress = stage_runtime::telemetry::Progress::over_items("explore", "patents", Some(records.len() as u64));
    let (mut ids, mut steps, mut probabilities, mut pc1, mut pc2) = (vec![], vec![], vec![], vec![], vec![]);
    let mut explored = Vec::with_capacity(records.len());
    for (chunk, starts) in records.chunks(batch_size).zip(z0.chunks(batch_size)) {
        let paths = ascend(&saved.model, starts, &options.ascent, device);
        let ends: Vec<Vec<f32>> = paths.iter().map(|p| p.end().to_vec()).collect();
        let reconstructed = inference.decode_greedy(to_tensor(starts), config.max_codes);
        let ends = to_tensor(&ends);
        let greedy = inference.decode_greedy(ends.clone(), config.max_codes);
        let beam = inference.decode_beam(ends, options.beam_width, config.max_codes);
        for (i, ((record, split), path)) in chunk.iter().zip(paths).enumerate() {
            for (step, (point, probability)) in path.points.iter().zip(&path.probabilities).enumerate() {
                let (x, y) = projection.project(point);
                ids.push(record.patent_id.clone());
                steps.push(step as i32);
                probabilities.push(*probability);
                pc1.push(x);
                pc2.push(y);
            }
            explored.push(Outcome {
                patent_id: record.patent_id.clone(),
                l1: record.l1,
                split: *split,
                original: record.codes.iter().take(config.max_codes).cloned().collect(),
                reconstructed: codes_of(&reconstructed[i], &saved.codes),
                greedy: codes_of(&greedy[i], &saved.codes),
                beam: codes_of(&beam[i], &saved.codes),
                path,
            });
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(ids)),
        Arc::new(Int32Array::from(steps)),
        Arc::new(Float64Array::from(probabilities)),
        Arc::new(Float64Array::from(pc1)),
        Arc::new(Float64Array::from(pc2)),
    ];
    let paths = RecordBatch::try_new(Table::ExplorationPaths.def().arrow_schema(), columns)?;
    Ok((explored, paths))
}

/// A list column of code sets.
fn code_lists<'a>(sets: impl Iterator<Item = &'a [String]>) -> ArrayRef {
    let mut builder = ListBuilder::new(StringBuilder::new());
    for set in sets {
        for code in set {
            builder.values().append_value(code);
        }
        builder.append(true);
    }
    Arc::new(builder.finish())
}

/// The `exploration` rows of `explored`.
fn exploration_batch(explored: &[Outcome], options: &ExploreOptions) -> Result<RecordBatch> {
    let new_codes: Vec<&[String]> = explored
        .iter()
        .map(|e| match options.decoding {
            Decoding::Greedy => e.greedy.as_slice(),
            Decoding::Beam => e.beam.as_slice(),
        })
        .collect();
    let difference = |a: &[String], b: &[String]| -> Vec<String> {
        let b: BTreeSet<&String> = b.iter().collect();
        a.iter().filter(|c| !b.contains(c)).cloned().collect::<BTreeSet<_>>().into_iter().collect()
    };
    let original: Vec<&[String]> = explored.iter().map(|e| e.original.as_slice()).collect();
    let added: Vec<Vec<String>> = new_codes.iter().zip(&original).map(|(n, o)| difference(n, o)).collect();
    let removed: Vec<Vec<String>> = new_codes.iter().zip(&original).map(|(n, o)| difference(o, n)).collect();
    let distance = |p: &Path| -> f64 {
        p.points[0].iter().zip(p.end()).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>().sqrt()
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(explored.iter().map(|e| e.patent_id.as_str()))),
        Arc::new(StringArray::from_iter_values(explored.iter().map(|e| e.split.name()))),
        Arc::new(BooleanArray::from(explored.iter().map(|e| e.l1).collect::<Vec<_>>())),
        code_lists(original.iter().copied()),
        code_lists(explored.iter().map(|e| e.reconstructed.as_slice())),
        Arc::new(Float64Array::from_iter_values(explored.iter().map(|e| e.path.start_probability()))),
        Arc::new(Float64Array::from_iter_values(explored.iter().map(|e| e.path.end_probability()))),
        Arc::new(Int32Array::from_iter_values(explored.iter().map(|e| e.path.iterations() as i32))),
        Arc::new(BooleanArray::from(
            explored.iter().map(|e| e.path.reached(options.ascent.threshold)).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from_iter_values(explored.iter().map(|e| distance(&e.path)))),
        code_lists(explored.iter().map(|e| e.greedy.as_slice())),
        code_lists(explored.iter().map(|e| e.beam.as_slice())),
        code_lists(new_codes.iter().copied()),
        code_lists(added.iter().map(Vec::as_slice)),
        code_lists(removed.iter().map(Vec::as_slice)),
    ];
    RecordBatch::try_new(Table::Exploration.def().arrow_schema(), columns).context("building the exploration rows")
}
