#!/usr/bin/env bash
# The full DAG at scale: the default manifest on PATENTS realistic patents granted 1976-2025 (synth's
# default span instead of the sample's 2001-2025), every stage run one at a time (--jobs 1, so each
# stage's wall time and peak memory are its own; similarity, the longest, last), then
# `pipeline status --table`. The model stages train, test and explore on a fixed sample of SHARE of
# the labelled patents (train --sample-share).
#
#   cargo build --release --workspace && tests/scale/run.sh 1000000 target/scale-1m 0.1
set -euo pipefail
cd "$(dirname "$0")/../.."
patents=${1:?usage: tests/scale/run.sh PATENTS [ROOT] [SHARE]}
root=${2:-target/scale-$patents}
share=${3:-1}
mkdir -p "$root"
manifest="$root/manifest.toml"
sed -e "s/\"--patents\", \"20000\", \"--first-year\", \"2001\", \"--years\", \"25\"/\"--patents\", \"$patents\"/" \
    -e "s/\"--config\", \"light\", \"--device\", \"cpu\"\]/\"--config\", \"light\", \"--device\", \"cpu\", \"--sample-share\", \"$share\"]/" \
    pipeline/default.toml |
  awk 'BEGIN { RS = "\\[\\[stage\\]\\]"; ORS = "" }
       NR == 1 { print; next }
       /name = "similarity"/ { last = $0; next }
       { print "[[stage]]" $0 }
       END { print "[[stage]]" last }' > "$manifest"
grep -q "\"--patents\", \"$patents\", \"--seed\"" "$manifest" && grep -q "\"--sample-share\", \"$share\"" "$manifest" &&
  [ "$(grep -c '^\[\[stage\]\]' "$manifest")" = "$(grep -c '^\[\[stage\]\]' pipeline/default.toml)" ] ||
  { echo "pipeline/default.toml no longer has the stages and arguments this script rewrites" >&2; exit 1; }
target/release/pipeline run "$manifest" --root "$root" --jobs 1
target/release/pipeline status "$manifest" --root "$root" --table
