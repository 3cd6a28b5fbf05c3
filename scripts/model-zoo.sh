#!/usr/bin/env bash
# The course's model zoo, measured: trains every preset on Fashion-MNIST with the same budget and writes
# docs/model-zoo.md, one row per preset: parameters, MACs, test accuracy, training minutes here, device inference
# latency here (edgecnn-device bench, p50, ONNX Runtime), ONNX size. Runs go to runs/zoo/PRESET.
# Usage: scripts/model-zoo.sh [--epochs 1] [--presets "lenet5 mlp ..."] [-o docs/model-zoo.md]
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
epochs=1
presets=""
out=docs/model-zoo.md
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift ;;
    --presets) presets="$2"; shift ;;
    -o) out="$2"; shift ;;
    *) echo "usage: scripts/model-zoo.sh [--epochs N] [--presets \"NAME ...\"] [-o FILE]" >&2; exit 2 ;;
  esac
  shift
done
scripts/install-deps.sh dataset-fashion-mnist
[ -n "$presets" ] || presets="$(scripts/edgecnn-train train --help | sed -n 's/.*A preset (\([^)]*\)).*/\1/p' | tr -d ',')"

rows=()
for preset in $presets; do
  run="runs/zoo/$preset"
  echo "== $preset: $epochs epoch(s) on Fashion-MNIST into $run"
  rm -rf "$run" # the zoo's own folder: every row is a fresh run with this budget
  mkdir -p runs/zoo
  scripts/edgecnn-train train --data fashion-mnist --arch "$preset" --epochs "$epochs" --batch-size 128 --threads 2 --seed 1 \
    --val-split 0.05 --out "$run" > "runs/zoo/$preset.log" 2>&1 || { cat "runs/zoo/$preset.log" >&2; echo "error: $preset did not train (above)." >&2; exit 1; }
  grep -E "^epoch|Best epoch" "runs/zoo/$preset.log"
  latency="$(EDGECNN_Model__Path="$run/model.onnx" scripts/edgecnn-device bench --config models/clean-settings.json --frames 300 --warmup 30 \
    | awk '$1 == "inference" {print $2}')"
  rows+=("$(/usr/bin/python3 - "$run" "$latency" <<'PY'
import json, os, sys
run, latency = sys.argv[1], sys.argv[2]
r = json.load(open(os.path.join(run, "run.json")))
size = os.path.getsize(os.path.join(run, "model.onnx")) / 1024
print(f"| `{r['architecture']['name']}` | {r['parameters']:,} | {r['macs']:,} | {100 * r['testAccuracy']:.2f} % | {r['trainingSeconds'] / 60:.1f} | {latency} | {size:.0f} KiB |")
PY
)")
done

{
  echo "# The model zoo, measured"
  echo
  echo "Every preset trained on Fashion-MNIST (60,000 training images less a 5 % validation split; 10,000 test images)"
  echo "with the same budget: $epochs epoch(s), batch 128, AdamW with one-cycle, the default augmentation, seed 1, 2 CPU"
  echo "threads on this machine ($(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)). Inference latency is the"
  echo "device's own \`edgecnn-device bench\` inference stage (ONNX Runtime, p50, one image at a time) on the clean sample"
  echo "clip. Made by \`scripts/model-zoo.sh --epochs $epochs\` on $(date -u +%Y-%m-%d); a longer budget raises every accuracy."
  echo
  echo "| preset | parameters | MACs per image | test accuracy | training minutes | inference ms (p50) | ONNX size |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "The course's own reference figures, for comparison (its slides, not measured here): on MNIST a dense network on"
  echo "raw pixels reaches about 0.93 and one convolutional layer 0.98; on CIFAR-10 one conv + pool stage reaches about"
  echo "0.65 and two conv stages 0.70."
} > "$out"
echo "Wrote $out"
