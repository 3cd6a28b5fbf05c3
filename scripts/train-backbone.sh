#!/usr/bin/env bash
# Trains the shipped starting point for few photos (models/backbone/): ResNet-8 at 64x64 colour, taught to tell the
# top-level stamp categories of Debian's tuxpaint-stamps-default apart (clothes, food, household, plants, vehicles,
# ...; never animals/, cartoon/ or toys/, so that what the garden and the journey measure is transfer, not memory),
# each cut-out pasted by its alpha channel onto the garden's nine training photographs and synthesised textures.
# 'edgecnn-train train --init-from models/backbone' starts from its weights (the classifier head is replaced).
# About 20 minutes on a 2-core desktop, into runs/backbone-DATE/; then copy its best.pt and run.json to models/backbone/.
# EPOCHS=3 scripts/train-backbone.sh makes a quick try.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/garden-data.sh >/dev/null

stamps=/usr/share/tuxpaint/stamps
items=runs/backbone/items
rm -rf "$items"
for category in "$stamps"/*/; do
  name=$(basename "$category")
  case "$name" in animals|cartoon) continue ;; esac
  mkdir -p "$items/$name"
  find "$category" -name '*.png' -not -path '*/cartoon/*' -not -path '*/toys/*' | LC_ALL=C sort | while IFS= read -r file; do
    ln -s "$file" "$items/$name/$(echo "${file#"$category"}" | tr '/' '-')"
  done
  [ -n "$(ls "$items/$name")" ] || rmdir "$items/$name"
done
echo "backbone pictures: $(ls "$items" | wc -l) categories, $(find "$items" -name '*.png' | wc -l) cut-outs"

out="runs/backbone-$(date +%Y%m%d-%H%M%S)"
scripts/edgecnn-train train --data "$items" --arch resnet8 --size 64 --channels 3 --epochs "${EPOCHS:-40}" --batch-size 64 --lr 0.003 --seed 1 \
  --scene --background-images runs/garden/photos/train --scene-repeat 8 --scene-scale 0.25..0.9 --out "$out"
echo "Ship it with: mkdir -p models/backbone && cp $out/best.pt $out/run.json models/backbone/"
