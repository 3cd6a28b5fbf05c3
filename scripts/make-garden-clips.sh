#!/usr/bin/env bash
# Makes the garden camera's sample clips and truth files, on photographs and (for the second) species that
# scripts/train-garden.sh never trains on:
#   models/samples/garden.mp4          the demo's: 64 animals (32 birds, 32 mammals, drawn from every species) on Blinds, Storm
#       and Wood from mate-backgrounds (held out of training) and synthesised textures, each shown 1 s after 0.8 s of
#       the empty scene; light from dusk (0.35) to bright day (1.1) per stretch, a fifth of the animals partly out of
#       the frame, a fifth behind a pole; 15 fps, 640x480
#   models/samples/garden-unseen.mp4   the same kind of clip with 40 animals of the species 'train-garden.sh --unseen'
#       leaves out (every third file of each class), for the figure a user can expect for a species never seen
# Both are re-encoded by ffmpeg (MPEG-4 part 2) to keep them small.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/install-deps.sh ffmpeg
scripts/garden-data.sh

clip() {
  local output=$1; shift
  local raw
  raw=$(mktemp --suffix .mp4)
  scripts/edgecnn-train clip --scene --background-images runs/garden/photos/clip --scene-scale 0.3..0.8 --edge 0.2 --poles 0.2 \
    --light 0.35..1.1 --items-per-background 6 --seconds 1 --empty-seconds 0.8 --fps 15 --width 640 --height 480 "$@" -o "$raw"
  ffmpeg -loglevel error -y -i "$raw" -c:v mpeg4 -q:v 8 "$output.mp4"
  cp "${raw%.mp4}.truth.csv" "$output.truth.csv"
  rm -f "$raw" "${raw%.mp4}.truth.csv"
}
clip models/samples/garden --data runs/garden/items/all --per-class 32 --seed 11
clip models/samples/garden-unseen --data runs/garden/items/unseen --per-class 20 --seed 12
