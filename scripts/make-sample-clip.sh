#!/usr/bin/env bash
# Makes the shipped sample clips and their truth files from Fashion-MNIST's TEST images (never training images):
#   models/samples/fashion-mnist-scene.mp4   the demo's: camera-like, 60 items (6 per class) at random size, place and
#       rotation on photographs and synthesised textures, 1 s each after 0.8 s of the empty scene, with light drift
#       and sensor noise, 15 fps, 640x480. The photos are Blinds, Storm and Wood from Debian's mate-backgrounds
#       (nature/), which scripts/train-scene.sh leaves out of training.
#   models/samples/fashion-mnist-test.mp4    the clean one: 40 items (4 per class) enlarged 16x and centred on black.
# The scene clip is re-encoded by ffmpeg (MPEG-4 part 2, as OpenCV writes it, at a lower bit rate) to keep it small.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/install-deps.sh dataset-fashion-mnist mate-backgrounds ffmpeg

photos=/usr/share/backgrounds/mate/nature
backgrounds=runs/backgrounds/clip
mkdir -p "$backgrounds"
for photo in Blinds Storm Wood; do ln -sf "$photos/$photo.jpg" "$backgrounds/$photo.jpg"; done

raw=$(mktemp --suffix .mp4)
trap 'rm -f "$raw" "${raw%.mp4}.truth.csv"' EXIT
scripts/edgecnn-train clip --scene --data fashion-mnist --per-class 6 --seconds 1 --empty-seconds 0.8 --fps 15 --width 640 --height 480 \
  --background-images "$backgrounds" --seed 7 -o "$raw"
ffmpeg -loglevel error -y -i "$raw" -c:v mpeg4 -q:v 10 models/samples/fashion-mnist-scene.mp4
cp "${raw%.mp4}.truth.csv" models/samples/fashion-mnist-scene.truth.csv

scripts/edgecnn-train clip --data fashion-mnist --per-class 4 --seconds 1 --fps 15 --width 640 --height 480 --scale 16 --seed 1 \
  -o models/samples/fashion-mnist-test.mp4
