#!/usr/bin/env bash
# One-command GPU check of the model stages, on a machine with an NVIDIA GPU and the prebuilt
# binaries (no Rust needed there): generates a 100,000-patent synthetic corpus, ingests and labels
# it, trains the `full` config on the GPU for 2 epochs (at most 8 minutes), then the same config on
# the CPU (libtorch, a 2 % sample, 1 epoch) for the ratio, and prints samples/s, peak GPU memory,
# the GPU/CPU ratio and where the outputs are. With no GPU it says so in one line and exits 2.
#
#   deploy/gpu/check.sh [BIN_DIR] [OUT_DIR]
#
# BIN_DIR holds synth-patentsview, ingest, labels and the gpu builds of train (default
# target/release/gpu, as `PROFILE=release bash tests/gpu/setup.sh` leaves them; or the image's
# /usr/local/bin). The gpu binaries load libtorch 2.9.0 at run time: set LIBTORCH_LIB to its lib
# folder (a libtorch zip's lib/, or site-packages/torch/lib of `pip install torch==2.9.0`), or have
# `python3 -c 'import torch'` find it. OUT_DIR defaults to ./gpu-check.
set -euo pipefail
bin="${1:-target/release/gpu}"
out="${2:-gpu-check}"
patents="${GPU_CHECK_PATENTS:-100000}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  echo "no NVIDIA GPU found (nvidia-smi lists none): this check needs one" >&2
  exit 2
fi
for b in synth-patentsview ingest labels train; do
  [ -x "$bin/$b" ] || { echo "$bin/$b not found: pass the folder of the prebuilt binaries" >&2; exit 2; }
done
if [ -z "${LIBTORCH_LIB:-}" ]; then
  LIBTORCH_LIB="$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null || true)"
fi
[ -n "$LIBTORCH_LIB" ] && export LD_LIBRARY_PATH="$LIBTORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ! "$bin/train" --help >/dev/null 2>&1; then
  echo "$bin/train does not start (libtorch's libraries not found?): set LIBTORCH_LIB to libtorch 2.9.0's lib folder" >&2
  exit 2
fi
gpu="$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader -i 0)"
echo "GPU 0: $gpu"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
[ -f "$out/raw/_published.json" ] ||
  "$bin/synth-patentsview" --output "$out/raw" --patents "$patents" --first-year 2001 --years 25 --seed 42
[ -f "$out/ingest/_published.json" ] || "$bin/ingest" --input "$out/raw" --output "$out/ingest"
[ -f "$out/labels/_published.json" ] ||
  "$bin/labels" --input "$out/ingest" --output "$out/labels" --window-years 5 --field section --top-share 0.1

# Peak GPU memory: nvidia-smi sampled every half second while the GPU run lasts.
memory_log="$out/gpu-memory.csv"
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 500 > "$memory_log" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
started=$(date +%s)
timeout 480 "$bin/train" --input "$out/ingest" --input "$out/labels" --output "$out/model-gpu" \
  --config full --device cuda --epochs 2 --no-plots
gpu_seconds=$(( $(date +%s) - started ))
kill $sampler 2>/dev/null || true
timeout 600 "$bin/train" --input "$out/ingest" --input "$out/labels" --output "$out/model-cpu" \
  --config full --backend tch --device cpu --epochs 1 --sample-share 0.02 --no-plots

python3 - "$out" "$memory_log" "$gpu_seconds" <<'PY'
import json, sys
out, memory_log, gpu_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def metrics(name):
    return json.load(open(f"{out}/{name}/_published.json"))["metrics"]
gpu, cpu = metrics("model-gpu"), metrics("model-cpu")
used = [int(line) for line in open(memory_log) if line.strip().isdigit()]
peak = max(used) - used[0] if used else float("nan")
test = gpu.get("test") or {}
print(f"train, full config, {gpu['examples']} examples, {gpu['epochs_run']} epochs on {gpu['device']}: "
      f"{gpu_seconds} s, {gpu['samples_per_second']:.0f} samples/s")
print(f"peak GPU memory above idle: {peak} MiB (nvidia-smi, every 0.5 s)")
print(f"same config on the CPU (libtorch, {cpu['examples']} examples): {cpu['samples_per_second']:.1f} samples/s")
print(f"GPU / CPU: {gpu['samples_per_second'] / cpu['samples_per_second']:.1f}x")
if test:
    print(f"test split: ROC-AUC {test.get('roc_auc')}, F1 {test['f1']:.3f}")
print(f"outputs: {out}/model-gpu (model, metrics, checkpoints), {out}/model-cpu, GPU memory samples {memory_log}")
PY
