//! The validate stage (seed method 000): model reliability on the test split (Jaccard of
//! reconstructed code sets; accuracy, precision, recall, F1 and ROC-AUC of the L1 prediction),
//! micro-validation of each explored patent on the citation network (its citing patents that
//! moved toward the suggested domain against those that remained) and macro-validation of the
//! suggested domains against the original ones, both also by exact code sets at each CPC level as
//! the reference paper matched them ([`run`], [`sql`]), with rank and binomial tests (crate `stats`) and
//! an HTML report that explains itself ([`report`]: overview, [`findings`], [`opportunities`],
//! [`figures`], numbers by kind through [`format`]); and the summary of a sweep of one explore setting
//! over several validation runs ([`sweep`], binary `validation-sweep`).

pub mod figures;
pub mod findings;
pub mod format;
pub mod opportunities;
pub mod overview;
pub mod report;
pub mod run;
pub mod sql;
pub mod sweep;

pub use run::{Statistic, ValidateInputs, ValidateOptions, run};
