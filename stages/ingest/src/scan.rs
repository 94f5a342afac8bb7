//! The child dump tables (CPC, citations, claims: nearly all of a dump's bytes) as tables that the
//! layout queries read straight from the dump files, on the local engine. A scan's partitions each
//! parse their share of the files through phase 1's parser ([`crate::parse::parse_file`]), so the
//! rows go from the TSV into the joins without being written to staging Parquet and read back.
//! Malformed rows still go to the staging rejects files, and the counts to [`ParsedFiles`].
//!
//! On Ballista the executors cannot run this parser, so there phase 1 stages these tables too.

use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PhysicalExpr, PlanProperties, ReplaceChildrenOptions,
    SendableRecordBatchStream,
};
use futures::StreamExt;
use stage_runtime::StoreLocation;
use tokio::sync::{mpsc, oneshot};

use crate::parse::{ParseOptions, ParsedFiles, parse_file};
use crate::sources::DumpFile;

/// The dump files of one staging table, read by the layout query that scans it.
#[derive(Debug)]
pub struct DumpFilesTable {
    schema: SchemaRef,
    /// The files of each partition of a scan, read one after the other.
    partitions: Vec<Vec<DumpFile>>,
    staging: StoreLocation,
    options: ParseOptions,
    parsed: ParsedFiles,
}

impl DumpFilesTable {
    /// The table of `files` (all of one staging table's kind, with `schema`) in at most
    /// `options.parallel_files` partitions, the largest files first, each to the partition with the
    /// fewest bytes so far; rejects go below `staging`, counts to `parsed`.
    pub fn new(
        schema: SchemaRef,
        mut files: Vec<DumpFile>,
        staging: &StoreLocation,
        options: &ParseOptions,
        parsed: &ParsedFiles,
    ) -> Self {
        files.sort_by_key(|f| std::cmp::Reverse(f.size));
        let mut partitions: Vec<(u64, Vec<DumpFile>)> =
            vec![(0, vec![]); options.parallel_files.clamp(1, files.len().max(1))];
        for file in files {
            let lightest = partitions.iter_mut().min_by_key(|(bytes, _)| *bytes).expect("one partition at least");
            lightest.0 += file.size;
            lightest.1.push(file);
        }
        DumpFilesTable {
            schema,
            partitions: partitions.into_iter().map(|(_, files)| files).collect(),
            staging: staging.clone(),
            options: options.clone(),
            parsed: parsed.clone(),
        }
    }
}

#[async_trait]
impl TableProvider for DumpFilesTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(self.partitions.len()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(Arc::new(DumpFilesExec {
            schema,
            projection: projection.cloned(),
            partitions: self.partitions.clone(),
            staging: self.staging.clone(),
            options: self.options.clone(),
            parsed: self.parsed.clone(),
            properties: Arc::new(properties),
        }))
    }
}

/// The scan of a [`DumpFilesTable`]: one partition per group of files.
#[derive(Debug)]
struct DumpFilesExec {
    /// The scan's output schema (the table's, projected).
    schema: SchemaRef,
    projection: Option<Vec<usize>>,
    partitions: Vec<Vec<DumpFile>>,
    staging: StoreLocation,
    options: ParseOptions,
    parsed: ParsedFiles,
    properties: Arc<PlanProperties>,
}

impl DisplayAs for DumpFilesExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let files: Vec<Vec<&str>> =
            self.partitions.iter().map(|p| p.iter().map(|f| f.display.as_str()).collect()).collect();
        write!(f, "DumpFilesExec: files={files:?}")
    }
}

impl ExecutionPlan for DumpFilesExec {
    fn name(&self) -> &'static str {
        "DumpFilesExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(self: Arc<Self>, _: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let files = self.partitions[partition].clone();
        let (staging, options, parsed) = (self.staging.clone(), self.options.clone(), self.parsed.clone());
        // The parser's batches, file after file, then its error if a file failed.
        let (tx, rx) = mpsc::channel::<RecordBatch>(2);
        let (failed_tx, failed_rx) = oneshot::channel::<anyhow::Error>();
        let tasks = parsed.clone();
        tasks.spawn(async move {
            for file in files {
                if let Err(e) = parse_file(file, &staging, &options, &parsed, tx.clone()).await {
                    let _ = failed_tx.send(e);
                    return;
                }
            }
        });
        let projection = self.projection.clone();
        let batches =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) }).map(move |batch| {
                match &projection {
                    Some(p) => batch.project(p).map_err(DataFusionError::from),
                    None => Ok(batch),
                }
            });
        let failure = futures::stream::once(failed_rx).filter_map(|failed| async move {
            failed.ok().map(|e| Err(DataFusionError::External(format!("{e:#}").into())))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches.chain(failure).boxed())))
    }
}
