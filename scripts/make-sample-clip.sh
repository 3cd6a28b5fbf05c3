#!/usr/bin/env bash
# Makes the shipped sample clip, models/samples/fashion-mnist-test.mp4, and its truth file from Fashion-MNIST's
# TEST images (never training images): 4 per class, classes taking turns, 1 s each at 15 fps, enlarged 16x and
# centred in 640x480 frames, as a camera watching a conveyor belt would see them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh dataset-fashion-mnist
exec scripts/edgecnn-train clip --data fashion-mnist --per-class 4 --seconds 1 --fps 15 --width 640 --height 480 --scale 16 --seed 1 \
  -o models/samples/fashion-mnist-test.mp4
