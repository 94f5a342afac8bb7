//! The labels stage: each patent's forward citations within a window after grant and its impact
//! label, the training target of the generative-predictive model.
//!
//! Forward citations of p = the distinct patents granted after p and at most `window_years` after
//! it (grant date plus that many calendar years; 29 February plus whole years falls on 28 February)
//! that cite p. Only patents whose window ends on or before the corpus's last grant date, and that
//! have a main CPC code (`cpc_sequence` 0), are labelled. Within each technological field (the main
//! code at a chosen [`FieldLevel`]) and grant year, labelled patents are ranked by forward citations,
//! most first, ties broken by patent_id ascending, so the ranking is deterministic; the first
//! ceil(`top_share` x n) of them are L1 (breakthrough), unless they have no forward citation at
//! all, and the rest L2. So a group has exactly ceil(top_share x n) L1 patents unless fewer of its
//! patents are cited, and patents tied at the cut may land on both sides of it.
//!
//! The reference paper's rule is there too, option by option: [`FieldLevel::All`] pools the whole
//! population (no field, no grant-year groups); [`LabelRule::AboveQuantile`] labels L1 the patents
//! strictly above the (1 - top_share) quantile, ties at the cut L2; [`CitationWindow::CalendarYears`]
//! counts citing patents granted in the calendar years grant year .. grant year + `window_years`.
//!
//! An optional patent list (for example the USPTO AI Patent Dataset's CSV with `doc_id` and
//! `predict50_any_ai`) restricts the labelled population: only listed patents are labelled and
//! ranked; forward citations still count citing patents from the whole corpus. The SQL is in
//! [`sql`].

pub mod options;
pub mod plots;
pub mod run;
pub mod sql;

pub use options::{CitationWindow, FieldLevel, LabelOptions, LabelRule, PatentList};
pub use run::run;
