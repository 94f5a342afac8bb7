//! `pipeline-sql` (run as `pipeline sql`): runs SQL over every published table below a root, each
//! registered as `<output>.<table>` through its output's current `_published.json`. With a query,
//! prints its result (or writes it to `--output`); without one, reads statements ending in `;` from
//! standard input, with a prompt on a terminal. Exit codes: 0 success, 1 a query failed, 2 bad
//! arguments or an unreadable root.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use datafusion::prelude::SessionContext;
use pipeline_sql::{Format, session_over, write_parquet_file, write_result};
use stage_runtime::StoreLocation;

#[derive(Parser)]
#[command(
    name = "pipeline-sql",
    version,
    args_override_self = true,
    about = "DataFusion SQL over the published tables below a root, as <output>.<table> (e.g. cooccurrence.cpc_pair_stats)"
)]
struct Cli {
    /// The query; without one, statements ending in `;` are read from standard input.
    query: Option<String>,
    /// Store root of the datasets, a path or URL (s3://bucket/prefix).
    #[arg(long, env = "PIPELINE_ROOT", default_value = "data")]
    root: String,
    /// How results are written.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the result to this file instead of standard output (needed for --format parquet).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    stage_runtime::telemetry::init_tracing();
    let cli = Cli::parse();
    let session = async {
        let root = StoreLocation::parse(&cli.root)?;
        let (ctx, tables) = session_over(&root).await?;
        if tables.is_empty() {
            eprintln!("note: no published tables below {}", root.url());
        }
        anyhow::Ok(ctx)
    };
    let ctx = match session.await {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let outcome = match &cli.query {
        Some(query) => run(&ctx, query, &cli).await,
        None => shell(&ctx, &cli).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one query and writes its result as the command line says. It plans with
/// `SessionContext::sql` itself, for the result's schema when no row comes back (this crate is at
/// opt-level 1, where the planner compiled in `datafusion` is reused).
#[allow(clippy::disallowed_methods)]
async fn run(ctx: &SessionContext, query: &str, cli: &Cli) -> Result<()> {
    let df = ctx.sql(query).await?;
    let schema = df.schema().inner().clone();
    let batches = df.collect().await?;
    match (&cli.output, cli.format) {
        (Some(path), Format::Parquet) => write_parquet_file(&batches, schema, path)?,
        (None, Format::Parquet) => bail!("--format parquet needs --output FILE"),
        (Some(path), format) => {
            let mut file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            write_result(&batches, schema, format, &mut file)?;
        }
        (None, format) => write_result(&batches, schema, format, &mut std::io::stdout().lock())?,
    }
    if cli.format == Format::Table || cli.output.is_some() {
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        eprintln!("{rows} row{}", if rows == 1 { "" } else { "s" });
    }
    Ok(())
}

/// Reads statements ending in `;` from standard input and runs each; a failed statement is
/// reported and the shell goes on (on a terminal) or stops with an error (from a script).
async fn shell(ctx: &SessionContext, cli: &Cli) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!("SQL over the published tables; `SHOW TABLES;` lists them, Ctrl-D quits.");
    }
    let mut statement = String::new();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            eprint!("{}", if statement.is_empty() { "sql> " } else { "...> " });
            std::io::stderr().flush()?;
        }
        let Some(line) = lines.next() else { break };
        statement.push_str(&line?);
        statement.push('\n');
        if !statement.trim_end().ends_with(';') {
            continue;
        }
        let query = std::mem::take(&mut statement);
        match run(ctx, query.trim().trim_end_matches(';'), cli).await {
            Ok(()) => {}
            Err(e) if interactive => eprintln!("error: {e:#}"),
            Err(e) => return Err(e),
        }
    }
    if !statement.trim().is_empty() {
        run(ctx, statement.trim(), cli).await?;
    }
    Ok(())
}
