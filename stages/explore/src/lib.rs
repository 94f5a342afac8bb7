//! The explore stage (seed method 000): for each explored patent, gradient ascent from its latent
//! mean toward a higher predicted probability of high impact ([`ascent`]), the end point decoded to
//! a new CPC code set (greedy and beam search), and the domain shift (codes added and removed);
//! the search paths projected on two principal components ([`pca`]) for plotting ([`run`]).

pub mod ascent;
pub mod pca;
pub mod run;

pub use ascent::{AscentSettings, Path, ascend};
pub use run::{Decoding, ExploreInputs, ExploreOptions, Explored, run};
