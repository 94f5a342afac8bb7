//! SQL over a root's published tables: [`register`] registers every table of every output's
//! current run (see [`stage_runtime::catalog`]) as `<output>.<table>`, hive partition columns
//! included, in a DataFusion session; [`write_result`] prints or saves a query's result as an
//! aligned table, CSV, JSON lines or a Parquet file.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;
use stage_runtime::StoreLocation;
use stage_runtime::catalog::{PublishedTable, published_tables};

/// How a result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned text table.
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object per row and line.
    Json,
    /// A Parquet file (needs an output file).
    Parquet,
}

/// A local session on `root`'s store with the information schema on (`SHOW TABLES`) and every
/// published table below `root` registered; returns the tables.
pub async fn session_over(root: &StoreLocation) -> Result<(SessionContext, Vec<PublishedTable>)> {
    let ctx = sql_engine::session(&stage_runtime::EngineOptions::default(), &[root]).await?;
    sql_engine::set_option(&ctx, "datafusion.catalog.information_schema", true).await?;
    let tables = register(&ctx, root).await?;
    Ok((ctx, tables))
}

/// Registers every published table below `root` as `<output>.<table>` (one schema per output).
/// A table of the catalogue at the schema version it was published with is read with the
/// catalogue's schema; any other with the schema its files hold.
pub async fn register(ctx: &SessionContext, root: &StoreLocation) -> Result<Vec<PublishedTable>> {
    let tables = published_tables(root).await?;
    let catalog = ctx.catalog("datafusion").context("the session has no default catalog")?;
    for table in &tables {
        if catalog.schema(&table.output).is_none() {
            catalog.register_schema(&table.output, Arc::new(MemorySchemaProvider::new()))?;
        }
        let schema: Option<SchemaRef> =
            table.def.filter(|d| table.entry.schema_version == Some(d.version)).map(|d| d.file_schema());
        let name = TableReference::partial(table.output.as_str(), table.name.as_str());
        sql_engine::register_listing(ctx, name, &table.location, table.partition_columns(), schema)
            .await
            .with_context(|| format!("registering {}", table.qualified_name()))?;
    }
    Ok(tables)
}

/// Writes `batches` to `out` in `format` (Parquet needs a seekable file: use [`write_parquet_file`]).
pub fn write_result(batches: &[RecordBatch], schema: SchemaRef, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Table => {
            writeln!(out, "{}", arrow::util::pretty::pretty_format_batches(batches)?)?;
        }
        Format::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new().with_header(true).build(out);
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema))?;
            }
            for batch in batches {
                writer.write(batch)?;
            }
        }
        Format::Json => {
            let mut writer = arrow::json::LineDelimitedWriter::new(out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
        Format::Parquet => bail!("a Parquet result needs --output FILE"),
    }
    Ok(())
}

/// Writes `batches` as one Parquet file at `path` (zstd-compressed).
pub fn write_parquet_file(batches: &[RecordBatch], schema: SchemaRef, path: &std::path::Path) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(())
}
