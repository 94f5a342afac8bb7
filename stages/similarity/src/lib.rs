//! The similarity stage: KPST (Kelly, Papanikolaou, Seru and Taddy 2021) text similarity between
//! patents with TF-BIDF weights, and per patent the backward similarity BS (to patents filed in the
//! `b` years before), the forward similarity FS (the `f` years after), importance q = FS / BS and
//! the breakthrough flag (grant-year-demeaned log q in the top decile).
//!
//! Text ([`TextSource`]) is tokenized inside DataFusion by the SQL function `tokenize` of crate
//! `sql_functions`; terms in fewer than `min_df` patents are dropped. TF_pw = c_pw / sum_k c_pk;
//! BIDF_t(w) = ln(N_<t / (1 + df_<t(w))) over the patents with at least one kept term filed in years
//! before t. For the first year (N_<t = 0) BIDF is undefined: vectors under it are empty and their
//! similarities 0. BIDF may be negative (a term in every earlier patent) and is kept so. A pair is
//! compared under the BIDF of one year ([`BidfYear`]): both L2-normalised vectors, dot product.
//!
//! The main path never enumerates pairs (methods note section 1.7): since every pair between filing
//! years T and Y is weighted by the same year t, the sum of a focal patent's similarities over year
//! Y is its vector's dot product with the centroid of Y under BIDF_t ([`windows`], [`sql`]). Cost is
//! about patents x window years x terms per patent. [`pairwise`] computes exact similarities of
//! given pairs, or the top k earlier patents, by direct dot products: the reference for checks.

pub mod options;
pub mod pairwise;
pub mod plots;
pub mod run;
pub mod sql;
pub mod windows;

pub use options::{BidfYear, SimilarityOptions, TextSource};
pub use pairwise::{PairQuery, PairSimilarity, pairwise};
pub use run::run;
