#!/usr/bin/env bash
# The device's capture stage against Debian's python3-opencv reading the same clip with cv2.VideoCapture, side by
# side in one run, three rounds each, alternating (so that the machine's state affects both alike). The device's
# figure is the 'capture' p50 of 'edgecnn-device bench' (reading a frame into the loop's buffer; no preprocessing).
# Usage: scripts/bench-capture.sh [clip=models/samples/fashion-mnist-scene.mp4] [frames=1200]
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
clip=${1:-models/samples/fashion-mnist-scene.mp4}
frames=${2:-1200}
scripts/install-deps.sh python3-opencv
settings="$(mktemp --suffix .json)"
trap 'rm -f "$settings"' EXIT
# The demo's settings with this clip as the camera.
sed "s#models/samples/fashion-mnist-scene.mp4#$clip#" models/demo-settings.json > "$settings"
scripts/edgecnn-device bench --config "$settings" --frames 30 --warmup 5 >/dev/null   # build once, outside the rounds
for round in 1 2 3; do
  device="$(scripts/edgecnn-device bench --config "$settings" --frames "$frames" --warmup 30 | awk '$1 == "capture" {print $2}')"
  peer="$(/usr/bin/python3 scripts/capture_peer.py "$clip" 30)"
  python_p50="$(sed -n 's/.*capture p50 \([0-9.]*\) ms.*/\1/p' <<<"$peer")"
  echo "round $round: edgecnn-device capture p50 $device ms; $peer; device/python $(awk -v a="$device" -v b="$python_p50" 'BEGIN { printf "%.2f", a / b }')"
done
