#!/usr/bin/env bash
# The device against the loop a Python user would write, in one run on the same clip and model: 'edgecnn-device
# bench' (capture, preprocess, inference, decision on one thread) and scripts/device_peer.py (python3-opencv:
# VideoCapture, cvtColor, INTER_AREA resize, cv2.dnn on the same ONNX), each stage side by side and the ratio of the
# end-to-end time per frame.
#   scripts/bench-peer.sh                                   the Fashion-MNIST scene and the garden camera
#   scripts/bench-peer.sh models/garden-settings.json       one settings file (its Model:Path and Source:Path)
#   FRAMES=1200 scripts/bench-peer.sh                       more frames (default 600)
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/install-deps.sh python3-opencv python3-numpy
frames="${FRAMES:-600}"
[ $# -gt 0 ] || set -- models/demo-settings.json models/garden-settings.json

setting() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['Path'])" "$1" "$2"; }

for settings in "$@"; do
  [ -f "$settings" ] || { echo "error: $settings: file not found." >&2; exit 2; }
  model="$(setting "$settings" Model)"; clip="$(setting "$settings" Source)"
  echo "== $settings: $model on $clip"
  device="$(scripts/edgecnn-device bench --config "$settings" --frames "$frames" 2>&1)" || { echo "$device" >&2; exit 1; }
  peer="$(/usr/bin/python3 scripts/device_peer.py --model "$model" --clip "$clip" --frames "$frames")"
  /usr/bin/python3 - "$device" "$peer" <<'PY'
import re, sys
device, peer = sys.argv[1], sys.argv[2]
def stages(text, column):
    found = {}
    for line in text.splitlines():
        m = re.match(r"\s+(capture|preprocess|inference|decision)\s+([\d.]+)\s+([\d.]+)(?:\s+([\d.]+)\s+([\d.]+))?", line)
        if m: found[m.group(1)] = float(m.group(column))
    return found
ours, theirs = stages(device, 2), stages(peer, 2)   # p50 of each stage
print(f"  {'stage, p50 ms':<16}{'device':>9}{'python':>9}{'ratio':>8}")
for stage in ("capture", "preprocess", "inference", "decision"):
    a, b = ours[stage], theirs[stage]
    print(f"  {stage:<16}{a:>9.3f}{b:>9.3f}{(b / a if a > 0 else float('inf')):>7.1f}x")
a, b = sum(ours.values()), sum(theirs.values())
print(f"  {'end to end':<16}{a:>9.3f}{b:>9.3f}{b / a:>7.1f}x   (sum of the stages' p50; the device is {b / a:.1f}x the Python loop)")
PY
done
