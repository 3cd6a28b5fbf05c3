#!/usr/bin/env bash
# What makes the garden camera hold on scenes it never trained on: one short training run per row, each scored by
# the device on the same clip (models/samples/garden.mp4) with the demo's rules, printed as a Markdown table with the
# command of every row. Every row has the same budget (EPOCHS, default 20, x --scene-repeat 20), so the rows compare
# with each other, not with the shipped model's longer run. About 4 minutes a row on a 2-core desktop.
#   scripts/garden-ablation.sh            every row
#   scripts/garden-ablation.sh NAME ...   only these rows (names as in the table)
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/garden-data.sh >/dev/null
epochs=${EPOCHS:-20}
out=runs/garden-ablation
mkdir -p "$out"

base=(--data runs/garden/items/all --arch resnet8 --epochs "$epochs" --batch-size 64 --lr 0.003 --seed 1 --scene
      --background-images runs/garden/photos/train --scene-repeat 20 --scene-scale 0.25..0.9)
declare -A rows=(
  [backbone-64-colour]="--size 64 --channels 3 --init-from models/backbone"
  [scratch-64-colour]="--size 64 --channels 3"
  [scratch-96-colour]="--size 96 --channels 3"
  [scratch-64-gray]="--size 64 --channels 1"
  [backbone-no-poles-no-edges]="--size 64 --channels 3 --init-from models/backbone --scene-occlusion 0 --scene-overhang 0"
  [backbone-random-erasing]="--size 64 --channels 3 --init-from models/backbone --erase 0.25"
)
order=(backbone-64-colour scratch-64-colour scratch-96-colour scratch-64-gray backbone-no-poles-no-edges backbone-random-erasing)
[ $# -gt 0 ] && order=("$@")

echo "| row | validation | frames right | precision | recall | empty triggers | training | command |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for name in "${order[@]}"; do
  [ -n "${rows[$name]:-}" ] || { echo "unknown row '$name'; rows: ${!rows[*]}" >&2; exit 2; }
  read -r -a extra <<< "${rows[$name]}"
  start=$(date +%s)
  scripts/edgecnn-train train "${base[@]}" "${extra[@]}" --out "$out/$name" > "$out/$name.log" 2>&1 \
    || { echo "training $name failed; see $out/$name.log" >&2; exit 1; }
  minutes=$(( ($(date +%s) - start + 30) / 60 ))
  validation=$(grep -o 'validation accuracy [0-9.]* %' "$out/$name.log" | tail -1 | grep -o '[0-9.]* %')
  EDGECNN_Model__Path="$out/$name/model.onnx" EDGECNN_Source__Realtime=false \
    scripts/edgecnn-device --config models/garden-settings.json > "$out/$name.device.log" 2>&1
  all=$(grep -o 'all  *[0-9]*  *[0-9]*  *[0-9]*  *[0-9.]* %' "$out/$name.device.log" | awk '{print $5" %"}')
  events=$(grep 'events:' "$out/$name.device.log")
  precision=$(echo "$events" | grep -o 'precision [0-9.]*' | awk '{print $2}')
  recall=$(echo "$events" | grep -o 'recall [0-9.]*' | awk '{print $2}')
  empty=$(echo "$events" | grep -o '[0-9]* on empty stretches' | awk '{print $1}')
  echo "| $name | $validation | $all | $precision | $recall | $empty | $minutes min | \`scripts/edgecnn-train train ${base[*]} ${extra[*]}\` |"
done
