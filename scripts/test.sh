#!/usr/bin/env bash
# The test command: installs what a fresh Debian 12 / Ubuntu machine lacks, then runs every test in the solution.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."

# python3-onnx: exported models are checked by the reference ONNX checker (onnx.checker, full_check).
# ffmpeg: it plays the Raspberry Pi camera (rpicam-vid) in the frame-source tests, writing the same raw I420 stream.
# openssh-server: scripts/deploy.sh is tested against a real sshd on 127.0.0.1.
# systemd: systemd-analyze verifies the unit.
# mosquitto: MQTT publishing is tested against a real broker on 127.0.0.1 (mosquitto_passwd makes its password file).
# dataset-fashion-mnist: the linux-arm64 build is checked on its test images (scripts/test-arm64.sh).
# chromium: the device's live page is tested in a real (headless) browser.
scripts/install-deps.sh python3-onnx ffmpeg openssh-server systemd mosquitto dataset-fashion-mnist debootstrap systemd-container chromium ansible prometheus
command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test EdgeCnn.sln 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The Raspberry Pi build under qemu: one more test, counted with the others.
echo "== scripts/test-arm64.sh"
set +e
scripts/test-arm64.sh
arm64=$?
set -e

# One closing line in the plain 'N passed, N failed' form, summed over the test assemblies and the arm64 test.
awk -v arm64="$arm64" '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { if (arm64 == 0) p++; else f++; printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
[ "$status" -eq 0 ] && [ "$arm64" -eq 0 ]
