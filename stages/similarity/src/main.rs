//! `similarity`: KPST TF-BIDF backward and forward similarity, importance q and breakthrough flags
//! per patent, from ingest's `patents` and `claims` tables; and `similarity pairs`, exact
//! similarities of given pairs (or the top k earlier patents) from a published similarity output.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use similarity::{BidfYear, PairQuery, SimilarityOptions, TextSource, pairwise, run};
use sql_functions::tokenize::DEFAULT_BOILERPLATE;
use stage_runtime::{EngineOptions, StageArgs, StoreLocation, run_stage};

#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    stage: Option<StageArgs>,
    #[command(flatten)]
    statistic: StatisticArgs,
}

/// How the statistic is defined.
#[derive(Args, Debug)]
struct StatisticArgs {
    /// Text compared: the claims (all claim texts of a patent), the title, or both. The ingested
    /// tables hold no abstracts.
    #[arg(long, value_enum, default_value = "claims")]
    text: TextSource,
    /// Tokens shorter than this many characters are dropped.
    #[arg(long, default_value_t = 2)]
    min_token_len: usize,
    /// Terms found in fewer patents than this (whole corpus) are dropped.
    #[arg(long, default_value_t = 2)]
    min_df: u64,
    /// Boiler-plate words dropped besides the NLTK English stop words, comma-separated (`''` for
    /// none).
    #[arg(long, value_delimiter = ',', default_values = DEFAULT_BOILERPLATE)]
    boilerplate: Vec<String>,
    /// Whose filing year's BIDF weights a pair: the earlier-filed patent's (KPST) or the later one's.
    #[arg(long, value_enum, default_value = "earlier")]
    bidf_year: BidfYear,
    /// Backward window: patents filed in the b years before the focal patent's year.
    #[arg(long, default_value_t = 5)]
    backward_years: i32,
    /// Forward window: patents filed in the f years after the focal patent's year.
    #[arg(long, default_value_t = 10)]
    forward_years: i32,
    /// Filing years after the corpus's first whose BIDF rests on too few earlier patents: backward
    /// windows reaching before the first filing year plus this many years are flagged
    /// `bs_incomplete` and left out of the breakthrough ranking.
    #[arg(long, default_value_t = 0)]
    burn_in_years: i32,
    /// Breakthrough: grant-year-demeaned log q at or above this quantile of all residuals.
    #[arg(long, default_value_t = 0.9)]
    breakthrough_quantile: f64,
    /// Skip the SVG plot.
    #[arg(long)]
    no_plots: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exact similarities of given pairs, or the top k most similar patents of each given patent's
    /// backward window, by direct dot products over a published similarity output; TSV on stdout.
    Pairs(PairsArgs),
}

#[derive(Args, Debug)]
struct PairsArgs {
    /// A published similarity output (path or URL).
    #[arg(long, value_name = "URL")]
    similarity: String,
    /// A pair `PATENT_A,PATENT_B`; repeat for several.
    #[arg(long = "pair", value_name = "A,B", conflicts_with = "top_k")]
    pairs: Vec<String>,
    /// For each `--patent`, list the k most similar patents filed in its backward window.
    #[arg(long, requires = "patents")]
    top_k: Option<usize>,
    /// Focal patent for `--top-k`; repeat for several.
    #[arg(long = "patent", value_name = "ID")]
    patents: Vec<String>,
    /// Whose filing year's BIDF weights a pair.
    #[arg(long, value_enum, default_value = "earlier")]
    bidf_year: BidfYear,
    /// Backward window of `--top-k`, in years.
    #[arg(long, default_value_t = 5)]
    backward_years: i32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Pairs(args)) => run_stage("similarity pairs", print_pairs(args)),
        None => run_stage("similarity", run_similarity(cli.stage, cli.statistic)),
    }
}

async fn run_similarity(stage: Option<StageArgs>, s: StatisticArgs) -> Result<()> {
    let stage = stage.context("--output URL is required")?;
    let options = SimilarityOptions {
        text: s.text,
        min_token_len: s.min_token_len,
        min_df: s.min_df,
        boilerplate: s.boilerplate,
        bidf_year: s.bidf_year,
        backward_years: s.backward_years,
        forward_years: s.forward_years,
        burn_in_years: s.burn_in_years,
        breakthrough_quantile: s.breakthrough_quantile,
        plots: !s.no_plots,
        engine: stage.engine(),
        fingerprint: stage.fingerprint.clone(),
    };
    let published = run(&stage.single_input()?, &stage.output_location()?, &options).await?;
    published.log_tables();
    Ok(())
}

async fn print_pairs(args: PairsArgs) -> Result<()> {
    let query = match args.top_k {
        Some(k) => PairQuery::TopK { patents: args.patents, k, backward_years: args.backward_years },
        None => {
            if args.pairs.is_empty() {
                bail!("give --pair A,B (repeatable) or --top-k K with --patent ID");
            }
            let pairs = args
                .pairs
                .iter()
                .map(|p| match p.split_once(',') {
                    Some((a, b)) => Ok((a.trim().to_string(), b.trim().to_string())),
                    None => bail!("--pair {p}: expected PATENT_A,PATENT_B"),
                })
                .collect::<Result<Vec<_>>>()?;
            PairQuery::Pairs(pairs)
        }
    };
    let location = StoreLocation::parse(&args.similarity)?;
    let results = pairwise(&location, &query, args.bidf_year, &EngineOptions::default()).await?;
    println!("patent_a\tpatent_b\tyear_a\tyear_b\tbidf_year\tsimilarity\trank");
    for r in results {
        let rank = r.rank.map(|r| r.to_string()).unwrap_or_default();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{:.12}\t{rank}",
            r.patent_a, r.patent_b, r.year_a, r.year_b, r.bidf_year, r.similarity
        );
    }
    Ok(())
}
