//! `labels`: forward citations within a window after grant and the L1/L2 impact label of each
//! patent, from ingest's `patents`, `cpc` and `citations` tables.

use std::process::ExitCode;

use clap::Parser;
use labels::{CitationWindow, FieldLevel, LabelOptions, LabelRule, PatentList, run};
use stage_runtime::{StageArgs, run_stage};

#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    stage: StageArgs,
    /// Forward citations are counted from patents granted up to this many years after grant.
    /// Patents whose window runs past the corpus's last grant date are not labelled.
    #[arg(long, default_value_t = 5)]
    window_years: i32,
    /// How the window is dated: up to the grant date plus `--window-years` (exact-date), or the
    /// calendar years grant year .. grant year + `--window-years` (calendar-years, the paper's).
    #[arg(long, value_enum, default_value = "exact-date")]
    window: CitationWindow,
    /// CPC level of the main code (cpc_sequence 0) that defines the technological field, or `all`:
    /// one pool of every patent, no field and no grant-year groups (the paper's).
    #[arg(long, value_enum, default_value = "subclass")]
    field: FieldLevel,
    /// Share of each field and grant year (or of the pool) labelled L1.
    #[arg(long, default_value_t = 0.1)]
    top_share: f64,
    /// How the share is applied: the first ceil(share x n) by forward citations, ties broken by
    /// patent_id (top-share), or strictly above the (1 - share) quantile, ties at the cut L2
    /// (above-quantile, the paper's "> q90").
    #[arg(long, value_enum, default_value = "top-share")]
    rule: LabelRule,
    /// Label only the patents of this CSV (path or URL, with a header), e.g. the USPTO AI Patent
    /// Dataset.
    #[arg(long, value_name = "CSV")]
    patent_list: Option<String>,
    /// Column of the patent list holding patent numbers.
    #[arg(long, default_value = "doc_id", requires = "patent_list")]
    patent_list_id: String,
    /// Keep only patent-list rows where this column is 1, e.g. `predict50_any_ai`.
    #[arg(long, requires = "patent_list")]
    patent_list_flag: Option<String>,
    /// Skip the SVG plot.
    #[arg(long)]
    no_plots: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run_stage("labels", async move {
        let options = LabelOptions {
            window_years: cli.window_years,
            window: cli.window,
            field: cli.field,
            top_share: cli.top_share,
            rule: cli.rule,
            patent_list: cli.patent_list.map(|url| PatentList {
                url,
                id_column: cli.patent_list_id,
                flag_column: cli.patent_list_flag,
            }),
            plots: !cli.no_plots,
            engine: cli.stage.engine(),
            fingerprint: cli.stage.fingerprint.clone(),
        };
        let published = run(&cli.stage.single_input()?, &cli.stage.output_location()?, &options).await?;
        published.log_tables();
        Ok(())
    })
}
