//! The co-occurrence stage: for every year t, the CPC code pairs observed in the patents of years up
//! to and including t, with observed count o, expectation mu, variance and z-score under the
//! hypergeometric null (Kim et al. 2016), at group, subclass and class level; and per-patent novelty
//! features (Uzzi et al.) scored against the statistics of the patent's own year.
//!
//! The work is a fold over years written as DataFusion SQL ([`sql`]): each year's statistics are the
//! previous year's plus that year's patents, so every year reads one partition of the year before and
//! memory is bounded by one year's data. Coarse levels get mu and var from per-class aggregates of the
//! code counts ([`Marginals::Aggregates`]) instead of enumerating code pairs.

pub mod options;
pub mod plots;
pub mod run;
pub mod sql;

pub use options::{CoarseGraining, CooccurrenceOptions, Level, Marginals, YearField};
pub use run::run;
