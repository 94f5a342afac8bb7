//! Pairwise mode: exact similarities of a bounded set of patent pairs by direct sparse dot
//! products, from a published similarity output (its `patent_terms` and `vocabulary`). It
//! enumerates the pairs it is asked about, so it is the reference the centroid path is checked
//! against, not a way to compute window sums at scale.

use std::sync::Arc;

use anyhow::{Result, bail};
use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::datasource::MemTable;
use schemas::Table;
use sql_engine::{register_published, session};
use stage_runtime::{EngineOptions, StoreLocation};

use crate::options::BidfYear;
use crate::sql;

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub enum PairQuery {
    /// The similarity of each (patent_a, patent_b).
    Pairs(Vec<(String, String)>),
    /// For each patent, the `k` most similar patents filed in its backward window (the
    /// `backward_years` years before its filing year).
    TopK {
        /// The focal patents.
        patents: Vec<String>,
        /// How many to list per focal patent.
        k: usize,
        /// Length of the backward window, in years.
        backward_years: i32,
    },
}

/// One pair's similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSimilarity {
    /// The first patent (the focal patent of a top-k query).
    pub patent_a: String,
    /// The second patent (a candidate of a top-k query).
    pub patent_b: String,
    /// Filing year of patent_a.
    pub year_a: i32,
    /// Filing year of patent_b.
    pub year_b: i32,
    /// The year whose BIDF weights both vectors.
    pub bidf_year: i32,
    /// Cosine of the two TF-BIDF vectors (0 when they share no term or either is empty).
    pub similarity: f64,
    /// 1-based rank among patent_a's candidates ([`PairQuery::TopK`] only).
    pub rank: Option<u64>,
}

/// Computes `query` on the similarity output published at `similarity`, weighting each pair by
/// the convention `bidf_year`. Pairs involving a patent without a kept term (or unknown) are
/// left out; results are sorted by patent_a, then patent_b (pairs) or rank (top k).
pub async fn pairwise(
    similarity: &StoreLocation,
    query: &PairQuery,
    bidf_year: BidfYear,
    engine: &EngineOptions,
) -> Result<Vec<PairSimilarity>> {
    let ctx = session(engine, &[similarity]).await?;
    register_published(&ctx, similarity, Table::PatentTerms).await?;
    register_published(&ctx, similarity, Table::Vocabulary).await?;
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    let strings = |values: Vec<&str>| Arc::new(StringArray::from(values));
    let sql = match query {
        PairQuery::Pairs(pairs) => {
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![text("patent_a"), text("patent_b")])),
                vec![
                    strings(pairs.iter().map(|p| p.0.as_str()).collect()),
                    strings(pairs.iter().map(|p| p.1.as_str()).collect()),
                ],
            )?;
            ctx.register_table("sim_pair_input", Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?))?;
            format!(
                "SELECT *, CAST(NULL AS BIGINT) AS rank FROM ({}) s ORDER BY patent_a, patent_b",
                sql::pair_similarities(sql::GIVEN_PAIRS, bidf_year)
            )
        }
        PairQuery::TopK { patents, k, backward_years } => {
            if *k == 0 || *backward_years < 1 {
                bail!("top-k needs k >= 1 and a backward window of at least one year");
            }
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![text("patent_id")])),
                vec![strings(patents.iter().map(String::as_str).collect())],
            )?;
            ctx.register_table("sim_focal_input", Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?))?;
            sql::top_k(&sql::pair_similarities(&sql::backward_candidates(*backward_years), bidf_year), *k)
        }
    };
    tracing::debug!("pairwise:\n{sql};");
    let mut out = vec![];
    for batch in sql_engine::collect(&ctx, &sql).await? {
        let column = |name: &str, to: &DataType| cast(batch.column_by_name(name).expect("selected column"), to);
        let ints = |name: &str| column(name, &DataType::Int64);
        let (a, b) = (column("patent_a", &DataType::Utf8)?, column("patent_b", &DataType::Utf8)?);
        let (year_a, year_b, t, rank) = (ints("year_a")?, ints("year_b")?, ints("bidf_year")?, ints("rank")?);
        let similarity = column("similarity", &DataType::Float64)?;
        let int = |c: &Arc<dyn Array>, i: usize| c.as_primitive::<Int64Type>().value(i);
        for i in 0..batch.num_rows() {
            out.push(PairSimilarity {
                patent_a: a.as_string::<i32>().value(i).to_string(),
                patent_b: b.as_string::<i32>().value(i).to_string(),
                year_a: int(&year_a, i) as i32,
                year_b: int(&year_b, i) as i32,
                bidf_year: int(&t, i) as i32,
                similarity: similarity.as_primitive::<Float64Type>().value(i),
                rank: (!rank.is_null(i)).then(|| int(&rank, i) as u64),
            });
        }
    }
    Ok(out)
}
