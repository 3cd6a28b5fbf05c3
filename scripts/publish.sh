#!/usr/bin/env bash
# Publishes the device service for the Raspberry Pi (linux-arm64) into one folder that scripts/deploy.sh copies:
# the service, appsettings.json, the default model and settings (models/), the systemd unit, pi-setup.sh, VERSION.
#
#   scripts/publish.sh                                   self-contained (no .NET needed on the Pi)
#   scripts/publish.sh --framework-dependent             smaller; the Pi needs the .NET 10 runtime
#   scripts/publish.sh --opencv-runtime NAME[@VERSION]   also reference OpenCvSharp's native runtime package for the
#                                                        target (e.g. one for linux-arm64 from nuget.org; see README,
#                                                        "OpenCV on the Pi"), so libOpenCvSharpExtern.so is included
#   scripts/publish.sh --rid linux-x64 -o DIR            another target or folder
set -euo pipefail
cd "$(dirname "$0")/.."
rid=linux-arm64
self_contained=true
opencv=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --framework-dependent) self_contained=false ;;
    --opencv-runtime) opencv="$2"; shift ;;
    --rid) rid="$2"; shift ;;
    -o|--output) out="$2"; shift ;;
    *) echo "usage: scripts/publish.sh [--framework-dependent] [--opencv-runtime NAME[@VERSION]] [--rid RID] [-o DIR]" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-artifacts/edgecnn-device-$rid}"
for f in models/fashion-mnist.onnx models/fashion-mnist.json models/pi-settings.json systemd/edgecnn.service scripts/pi-setup.sh; do
  [ -f "$f" ] || { echo "error: $f is missing from this checkout." >&2; exit 1; }
done

properties=()
if [ -n "$opencv" ]; then
  properties+=("-p:OpenCvRuntimePackage=${opencv%@*}")
  [[ "$opencv" == *@* ]] && properties+=("-p:OpenCvRuntimeVersion=${opencv#*@}")
fi
rm -rf "$out"
echo "Publishing edgecnn-device for $rid (self-contained: $self_contained) into $out ..."
dotnet publish device/EdgeCnn.Device -c Release -r "$rid" --self-contained "$self_contained" -o "$out" -nologo -v quiet "${properties[@]}"

mkdir -p "$out/models"
cp models/fashion-mnist.onnx models/fashion-mnist.json models/pi-settings.json "$out/models/"
cp systemd/edgecnn.service scripts/pi-setup.sh "$out/"
# The commit and a digest of the content: publishing the same sources with the same options gives the same release
# (and deploying it again changes nothing), while other options or uncommitted changes give another.
version="$(git describe --always --dirty 2>/dev/null || echo local)-$(cd "$out" && find . -type f ! -name VERSION -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-8)"
echo "$version" > "$out/VERSION"

if ! find "$out" -name 'libOpenCvSharpExtern.so' | grep -q .; then
  echo "note: $out has no libOpenCvSharpExtern.so for $rid. The Pi then needs it installed (see README, 'OpenCV on the Pi');" >&2
  echo "      'edgecnn-device check' on the Pi names the missing file." >&2
fi
echo "Published $version to $out ($(du -sh "$out" | cut -f1)). Deploy with: scripts/deploy.sh USER@HOST"
