#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need first: moto's S3 server,
# kubernetes-validate and hera (Argo's schema as models), DuckDB and pyarrow (the readers of the
# published tables) from PyPI into .venv, and every
# workspace binary (the end-to-end tests run the stage binaries as processes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/moto_server ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
fi
if ! .venv/bin/python -c 'import kubernetes_validate, hera, duckdb, pyarrow' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check 'kubernetes-validate>=1.31,<2' 'hera==7.1.0' \
    'duckdb>=1.1,<3' 'pyarrow>=17'
fi
# Incremental caches only help repeated local edits; a one-off run (CI) would carry gigabytes of them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# The house format first, as it fails fastest (rustfmt.toml).
cargo fmt --all --check
# Clippy lints the workspace's crates while they are built, not in a second `cargo clippy` pass:
# `cargo clippy` is a `cargo check` with clippy-driver as the workspace's rustc wrapper, and its
# check build of every dependency (DataFusion, Ballista, burn) cost CI about as much as the real
# build. Here the same wrapper and arguments (every warning an error; the lints are in
# Cargo.toml's [workspace.lints]) drive the real build and the test run, so both share one target.
export RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# The validation report's test loads the page in headless Chromium (Debian's package). Only where it
# can be neither found nor installed is that test skipped, with this reason; otherwise it fails.
if ! command -v chromium >/dev/null 2>&1; then
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; then
    export REPORT_BROWSER_UNAVAILABLE="chromium is not installed and apt-get could not install it"
  fi
fi
# One build of every target (binaries, tests, benches) with one feature set, so the stage binaries
# the end-to-end tests run are not linked a second time with dev-dependency features.
cargo build --workspace --all-targets
cargo test --workspace "$@"
