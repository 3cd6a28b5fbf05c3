#!/usr/bin/env bash
# The main job: the whole device on this machine, no Pi needed. Runs the device service on a sample clip with a
# shipped model and the simulated GPIO driver: detections and LED/buzzer transitions are printed as they happen, and
# a summary (frames, frames per second, detections per class, events scored against the clip's known labels) at the end.
#   scripts/demo.sh             the garden camera: birds light the LED, mammals (a fox) sound the buzzer, on
#                               photographs and animals' poses it never trained on (models/garden-settings.json)
#   scripts/demo.sh --fashion   the course's Fashion-MNIST scene model: sneakers light the LED, bags sound the buzzer
#   scripts/demo.sh --fast      classify every frame as fast as the machine can (the timestamps stay the clip's);
#                               goes with either
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
settings=models/garden-settings.json
for argument in "$@"; do
  case "$argument" in
    --fast) export EDGECNN_Source__Realtime=false ;;
    --fashion) settings=models/demo-settings.json ;;
    *) echo "usage: scripts/demo.sh [--fashion] [--fast]" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh
exec scripts/edgecnn-device run --config "$settings"
