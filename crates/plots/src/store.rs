//! Writing a plot beside a stage's outputs: `<stem>.svg` and `<stem>.png` in a store folder.

use anyhow::{Context, Result};
use stage_runtime::StoreLocation;

use crate::render::Plot;

/// Writes `plot` as `<stem>.svg` and `<stem>.png` under `folder`; returns the two file names
/// (relative to `folder`), SVG first.
pub async fn put(folder: &StoreLocation, stem: &str, plot: &Plot) -> Result<[String; 2]> {
    let names = [format!("{stem}.svg"), format!("{stem}.png")];
    let contents = [plot.svg.clone().into_bytes(), plot.png.clone()];
    for (name, bytes) in names.iter().zip(contents) {
        folder.put_bytes(name, bytes).await.with_context(|| format!("writing {name} under {}", folder.url()))?;
    }
    Ok(names)
}
