#!/usr/bin/env bash
# The user's journey, end to end, as the README's "From your images to an LED" writes it, with a simulated camera:
# a garden (three views from mate-backgrounds' photographs) that birds and mammals (tuxpaint-stamps-default's
# cut-outs) visit. Each step runs the README's command:
#   1. capture: the device's capture verb reads the camera (a clip per class: each frame another visitor, place and
#      light; for 'background' the empty garden) into runs/journey-DATE/dataset/ (JPEG frames: no alpha, no cut-outs)
#   2. train with the README's recipe;  3. export;  4. check;
#   5. run the device on a held-out clip of the same garden under new light and places, with poles in front and
#      animals at the frame's edge, and print its summary (frames right, events: precision, recall, empty triggers);
#   6. tune: the same clip scored at each rule threshold (the summary above is the 0.7 row).
# Usage: scripts/garden.sh [--frames N] [--epochs N] [--arch NAME] [--init-from RUN|none] [--out FOLDER]
#   --frames    frames captured per class (default 240)
#   --epochs    training epochs (default: the README's)
#   --arch      the network (default: the README's, resnet10; from the backbone, resnet8 or resnet10)
#   --init-from the starting point (default: the README's, models/backbone if it is there; none: from scratch)
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
frames=240
epochs=30
arch=resnet10
init=default
out="runs/journey-$(date +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --frames) frames=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --init-from) init=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: scripts/garden.sh [--frames N] [--epochs N] [--arch NAME] [--init-from RUN|none] [--out FOLDER]" >&2; exit 2 ;;
  esac
done
scripts/garden-data.sh
mkdir -p "$out"
step() { echo; echo "== $*"; }

# The camera: one clip per class over the same three views of the garden, daylight to overcast. Each frame shows
# another visitor at another place (a user captures over days); the empty garden gets its own clip.
step "the simulated camera: clips of the garden"
camera="$out/camera"
mkdir -p "$camera"
common=(--scene --data runs/garden/items/all --background-images runs/garden/photos/home --no-textures --scene-scale 0.3..0.8
        --light 0.6..1.1 --edge 0.1 --fps 5 --seconds 0.2 --empty-seconds 0 --items-per-background 1)
for label in bird mammal background; do
  scripts/edgecnn-train clip "${common[@]}" --only "$label" --per-class "$frames" --seed "$(( ${#label} + 1 ))" -o "$camera/$label.mp4" | tail -1
done
cat > "$out/my-camera.json" <<JSON
{
  "Source": { "Type": "file", "Path": "$camera/background.mp4", "StopAtEnd": true, "Realtime": false },
  "Gpio": { "Driver": "simulated" }
}
JSON

step "1. capture $frames frames a class (EDGECNN_Source__Path points the camera at the class's clip)"
for label in background bird mammal; do
  EDGECNN_Source__Path="$camera/$label.mp4" scripts/edgecnn-device capture --config "$out/my-camera.json" --label "$label" \
    --count "$frames" --interval 0 -o "$out/dataset" | tail -1
done

step "2. train"
start=$(date +%s)
init_args=()
if [ "$init" = default ]; then
  [ -f models/backbone/best.pt ] && init_args=(--init-from models/backbone)
elif [ "$init" != none ]; then
  init_args=(--init-from "$init")
fi
scripts/edgecnn-train train --data "$out/dataset" --arch "$arch" --size 64 --channels 3 --epochs "$epochs" --scene-repeat 4 \
  --scene --background-images "$out/dataset/background" --cut-from-background "${init_args[@]}" --out "$out/run"
echo "trained in $(( $(date +%s) - start )) s"

step "3. export"
scripts/edgecnn-train export "$out/run" -o "$out/garden.onnx"

# The held-out clip: the same garden, new light (dusk to bright), new places and poses, poles and frame edges.
scripts/edgecnn-train clip --scene --data runs/garden/items/all --background-images runs/garden/photos/home --no-textures \
  --scene-scale 0.3..0.8 --light 0.4..1.2 --edge 0.15 --poles 0.2 --items-per-background 4 --per-class 20 --seconds 1 \
  --empty-seconds 0.8 --fps 15 --seed 31 -o "$out/held-out.mp4" | tail -1
cat > "$out/my-settings.json" <<JSON
{
  "Model": { "Path": "$out/garden.onnx" },
  "Source": { "Type": "file", "Path": "$out/held-out.mp4", "TruthFile": "$out/held-out.truth.csv", "StopAtEnd": true, "Realtime": false },
  "Gpio": { "Driver": "simulated" },
  "Outputs": [
    { "Name": "led", "Type": "Led", "Pin": 17 },
    { "Name": "buzzer", "Type": "ActiveBuzzer", "Pin": 27, "OnMilliseconds": 200, "OffMilliseconds": 200 }
  ],
  "Rules": [
    { "Name": "bird-led", "Class": "bird", "Threshold": 0.7, "TriggerFrames": 3, "WindowFrames": 5,
      "ReleaseThreshold": 0.5, "ReleaseFrames": 3, "Cooldown": "00:00:02", "Outputs": [ "led" ] },
    { "Name": "fox-buzzer", "Class": "mammal", "Threshold": 0.7, "TriggerFrames": 3, "WindowFrames": 5,
      "ReleaseThreshold": 0.5, "ReleaseFrames": 3, "Cooldown": "00:00:02", "Outputs": [ "buzzer" ] }
  ]
}
JSON

step "4. check"
scripts/edgecnn-device check --config "$out/my-settings.json"

step "5. run on the held-out clip"
scripts/edgecnn-device --config "$out/my-settings.json" 2>&1 | tee "$out/run.log" | grep -v -e '"event"' -e 'simulated GPIO' || true
grep -q "events:" "$out/run.log" || { echo "error: the device printed no summary; see $out/run.log" >&2; exit 1; }

step "6. tune: which threshold suits this camera (chosen on this clip, it would need another clip to judge it)"
scripts/edgecnn-device tune --config "$out/my-settings.json"
echo
echo "The journey's files are in $out: dataset/, run/ (report.md, scenes.png), garden.onnx, my-settings.json, run.log."
