#!/usr/bin/env bash
# The model stages' GPU build (train and explore with `--features gpu`: burn-tch on libtorch) proven
# on any machine, GPU or not: installs torch 2.9.0 from PyPI into .venv-torch (tests/gpu/env.sh),
# runs the equivalence tests of burn-tch on the CPU against burn-ndarray, builds the gpu binaries
# into target/<profile>/gpu/, and runs train and explore on them with `--backend tch --device cpu`
# on a small synthetic corpus. Opt-in (not part of tests/run.sh): it downloads about 3.5 GB.
#
#   bash tests/gpu/setup.sh             # debug build
#   PROFILE=release bash tests/gpu/setup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/gpu/env.sh
profile="${PROFILE:-dev}"
dir=target/$([ "$profile" = dev ] && echo debug || echo "$profile")
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# The whole workspace's feature set plus `gpu`, so that the dependencies built for the default build
# are reused (building train and explore alone would rebuild arrow, DataFusion, ... with fewer features).
gpu=(--workspace --features train/gpu,explore/gpu)
cargo test --profile "$profile" "${gpu[@]}" --test tch_equivalence -- --nocapture
cargo test --profile "$profile" "${gpu[@]}" --lib backend
# The gpu binaries go to their own folder, beside copies of the stages they need, and the default
# build's (pure-Rust) train and explore are put back.
cargo build --profile "$profile" "${gpu[@]}" --bins
mkdir -p "$dir/gpu"
cp "$dir/synth-patentsview" "$dir/ingest" "$dir/labels" "$dir/train" "$dir/explore" "$dir/gpu/"
cargo build --profile "$profile" --workspace --bins

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
bin="$dir/gpu"
"$bin/synth-patentsview" --output "$root/raw" --patents 3000 --first-year 2001 --years 20 --seed 5
"$bin/ingest" --input "$root/raw" --output "$root/ingest"
"$bin/labels" --input "$root/ingest" --output "$root/labels" --window-years 5 --field section --top-share 0.1
"$bin/train" --input "$root/ingest" --input "$root/labels" --output "$root/model" --config light --backend tch --device cpu
"$bin/explore" --input "$root/ingest" --input "$root/labels" --input "$root/model" --output "$root/exploration" \
  --backend tch --device cpu
python3 - "$root" <<'PY'
import json, sys
root = sys.argv[1]
train = json.load(open(f"{root}/model/_published.json"))
explore = json.load(open(f"{root}/exploration/_published.json"))
assert train["metrics"]["device"] == "tch-cpu", train["metrics"]["device"]
assert explore["metrics"]["device"] == "tch-cpu", explore["metrics"]["device"]
test = train["metrics"]["test"]
print(f"train on tch-cpu: test ROC-AUC {test['roc_auc']:.3f}, F1 {test['f1']:.3f}; "
      f"explore on tch-cpu: {explore['metrics']['explored']} patents explored")
PY
echo "gpu build OK: binaries in $bin (run them with LD_LIBRARY_PATH=$TORCH_LIB)"
