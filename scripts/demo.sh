#!/usr/bin/env bash
# The main job: the whole device on this machine, no Pi needed. Runs the device service on the sample clip
# (Fashion-MNIST test images, models/samples/) with the shipped model and the simulated GPIO driver: detections and
# LED/buzzer transitions are printed as they happen, and a summary (frames, frames per second, detections per class,
# accuracy against the clip's known labels) at the end.
#   scripts/demo.sh          play the 40 s clip at its own speed, like a camera
#   scripts/demo.sh --fast   classify every frame as fast as the machine can (the timestamps stay the clip's)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") ;;
  --fast) export EDGECNN_Source__Realtime=false ;;
  *) echo "usage: scripts/demo.sh [--fast]" >&2; exit 2 ;;
esac
scripts/install-deps.sh
exec scripts/edgecnn-device run --config models/demo-settings.json
