#!/usr/bin/env bash
# Trains the shipped default model for real scenes (models/fashion-mnist.onnx): ResNet-8 on Fashion-MNIST with a
# background class and scene augmentation. Items are pasted onto photographs from Debian's mate-backgrounds package
# (its nature/ folder, minus Blinds, Storm and Wood, which are kept for the evaluation clip that
# scripts/make-sample-clip.sh makes) and onto synthesised textures, into runs/fashion-mnist-scene-DATE.
# EPOCHS=5 scripts/train-scene.sh makes a quick try; other arguments are passed on (options the recipe does not set,
# e.g. --patience 5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh dataset-fashion-mnist mate-backgrounds

photos=/usr/share/backgrounds/mate/nature
backgrounds=runs/backgrounds/train
mkdir -p "$backgrounds"
for photo in Aqua Dune FreshFlower Garden GreenMeadow LadyBird RainDrops TwoWings YellowFlower; do
  ln -sf "$photos/$photo.jpg" "$backgrounds/$photo.jpg"
done

exec scripts/edgecnn-train train --data fashion-mnist --arch resnet8 --epochs "${EPOCHS:-45}" --batch-size 128 --lr 0.003 \
  --label-smoothing 0.05 --shift 0.1 --flip true --val-split 0.05 --threads 2 --seed 1 \
  --scene --background-images "$backgrounds" --scene-scale 0.33..1 --scene-rotate 25 --background-fraction 0.15 --scene-clean 0.35 \
  --out "runs/fashion-mnist-scene-$(date +%Y%m%d-%H%M%S)" "$@"
