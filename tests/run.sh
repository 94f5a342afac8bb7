#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need first: moto's S3 server,
# kubernetes-validate and hera (Argo's schema as models) from PyPI into .venv, and every
# workspace binary (the end-to-end tests run the stage binaries as processes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/moto_server ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
fi
if ! .venv/bin/python -c 'import kubernetes_validate, hera' 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check 'kubernetes-validate>=1.31,<2' 'hera==7.1.0'
fi
# Incremental caches only help repeated local edits; a one-off run (CI) would carry gigabytes of them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Style gates first, as they fail fastest: the house format (rustfmt.toml) and clippy with every
# warning an error (the workspace's lints are in Cargo.toml's [workspace.lints]).
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# One build of the binaries and the tests together, so both see the same features
# (the stage binaries are not linked a second time with dev-dependency features).
cargo build --workspace --bins --tests
cargo test --workspace "$@"
