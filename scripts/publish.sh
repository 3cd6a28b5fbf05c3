#!/usr/bin/env bash
# Publishes the device service for the Raspberry Pi (linux-arm64) into one folder that scripts/deploy.sh copies:
# the service, appsettings.json, the default model and settings (models/), the systemd unit, pi-setup.sh, VERSION.
#
#   scripts/publish.sh                                   self-contained (no .NET needed on the Pi), with OpenCV's
#                                                        native library for arm64 (OpenCvSharp4.runtime.linux-arm64
#                                                        from nuget.org); when the package feed lacks it, the release
#                                                        is published without it and a note says so
#   scripts/publish.sh --framework-dependent             smaller; the Pi needs the .NET 10 runtime
#   scripts/publish.sh --opencv-runtime NAME[@VERSION]   another OpenCvSharp native runtime package for the target
#   scripts/publish.sh --no-opencv-runtime               none: the Pi provides libOpenCvSharpExtern.so itself
#   scripts/publish.sh --rid linux-x64 -o DIR            another target or folder
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
rid=linux-arm64
self_contained=true
opencv=default
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --framework-dependent) self_contained=false ;;
    --opencv-runtime) opencv="$2"; shift ;;
    --no-opencv-runtime) opencv="" ;;
    --rid) rid="$2"; shift ;;
    -o|--output) out="$2"; shift ;;
    *) echo "usage: scripts/publish.sh [--framework-dependent] [--opencv-runtime NAME[@VERSION] | --no-opencv-runtime] [--rid RID] [-o DIR]" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-artifacts/edgecnn-device-$rid}"
for f in models/fashion-mnist.onnx models/fashion-mnist.json models/fashion-mnist-int8.onnx models/fashion-mnist-int8.json models/pi-settings.json systemd/edgecnn.service scripts/pi-setup.sh; do
  [ -f "$f" ] || { echo "error: $f is missing from this checkout." >&2; exit 1; }
done

# linux-x64 takes OpenCvSharp's official runtime through the project itself; linux-arm64 takes the community
# runtime package from nuget.org unless told otherwise.
if [ "$opencv" = default ]; then
  if [ "$rid" = linux-arm64 ]; then opencv="OpenCvSharp4.runtime.linux-arm64@4.13.0.20260602"; else opencv=""; fi
fi
properties=()
if [ -n "$opencv" ]; then
  properties+=("-p:OpenCvRuntimePackage=${opencv%@*}")
  [[ "$opencv" == *@* ]] && properties+=("-p:OpenCvRuntimeVersion=${opencv#*@}")
fi
# ReadyToRun: compiled ahead of time, so the Pi does not JIT the start path (start to READY 0.42 -> 0.36 s here, more
# on a Pi's slower cores; docs/results.md, "Device speed, round two").
publish() {
  rm -rf "$out"
  dotnet publish device/EdgeCnn.Device -c Release -r "$rid" --self-contained "$self_contained" -o "$out" -nologo -v quiet -p:PublishReadyToRun=true "$@"
}
echo "Publishing edgecnn-device for $rid (self-contained: $self_contained${opencv:+, OpenCV runtime ${opencv%@*}}) into $out ..."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! publish "${properties[@]}" >"$log" 2>&1; then
  # The package feed lacks the OpenCV runtime package (NU1101: no such package, NU1102: no such version): publish
  # without it rather than not at all; the Pi then needs the library installed, and 'check' says so.
  if [ -n "$opencv" ] && grep -q -E "NU110[12].*${opencv%@*}" "$log"; then
    version_wanted=""; [[ "$opencv" == *@* ]] && version_wanted=" ${opencv#*@}"
    echo "note: the package feed has no ${opencv%@*}$version_wanted (nuget.org has it): published without OpenCV's native library." >&2
    echo "      The Pi then needs libOpenCvSharpExtern.so installed (README, 'OpenCV on the Pi'); 'edgecnn-device check' there names it." >&2
    publish >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    noted=true
  else
    cat "$log" >&2
    exit 1
  fi
fi

mkdir -p "$out/models"
cp models/fashion-mnist.onnx models/fashion-mnist.json models/fashion-mnist-int8.onnx models/fashion-mnist-int8.json models/pi-settings.json "$out/models/"
cp systemd/edgecnn.service scripts/pi-setup.sh "$out/"
# The commit and a digest of the content: publishing the same sources with the same options gives the same release
# (and deploying it again changes nothing), while other options or uncommitted changes give another.
version="$(git describe --always --dirty 2>/dev/null || echo local)-$(cd "$out" && find . -type f ! -name VERSION -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-8)"
echo "$version" > "$out/VERSION"

if [ -z "${noted:-}" ] && ! find "$out" -name 'libOpenCvSharpExtern.so' | grep -q .; then
  echo "note: $out has no libOpenCvSharpExtern.so for $rid. The Pi then needs it installed (see README, 'OpenCV on the Pi');" >&2
  echo "      'edgecnn-device check' on the Pi names the missing file." >&2
fi
echo "Published $version to $out ($(du -sh "$out" | cut -f1)). Deploy with: scripts/deploy.sh USER@HOST"
