#!/usr/bin/env bash
# The Raspberry Pi build, tested without a Pi: publishes the device for linux-arm64 (scripts/publish.sh) and runs it
# under qemu-aarch64-static. Its 'classify' verb (no OpenCV needed) must give the same top-1 class as the x64 build
# on 200 Fashion-MNIST test images, and its 'check' verb must report, by file name, the OpenCV native library this
# machine's package mirror cannot provide for arm64. Run by scripts/test.sh; needs root (apt, a mount namespace).
#
# Under qemu-user, /proc/cpuinfo is the host's x86 one, which makes ONNX Runtime's CPU detection crash; the arm64
# build runs in a private mount namespace where /proc/cpuinfo reads like a Raspberry Pi 4's.
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "Adding the arm64 architecture for qemu's libraries ..."
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
fi
scripts/install-deps.sh qemu-user-static dataset-fashion-mnist libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scripts/publish.sh -o "$work/publish" >/dev/null 2>"$work/publish.err"
# By default the release references OpenCV's arm64 runtime from nuget.org; a feed without it gets one clear note.
if ! find "$work/publish" -name libOpenCvSharpExtern.so | grep -q .; then
  grep -q "published without OpenCV's native library" "$work/publish.err" || { cat "$work/publish.err" >&2; echo "FAIL: no OpenCV library and no note saying why" >&2; exit 1; }
  echo "publish: $(head -1 "$work/publish.err")"
fi
data=/usr/share/datasets/fashion-mnist
# The first 200 test images, raw 28x28 gray (the IDX payload after its 16-byte header), and their labels.
(set +o pipefail
 zcat "$data/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c $((28 * 28 * 200)) > "$work/frames.raw"
 zcat "$data/t10k-labels-idx1-ubyte.gz" | tail -c +9 | head -c 200 | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d' > "$work/labels.txt")

scripts/edgecnn-device classify --raw "$work/frames.raw" > "$work/x64.txt"
cat > "$work/cpuinfo" <<'CPUINFO'
processor	: 0
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x0
CPU part	: 0xd08
CPU revision	: 3

processor	: 1
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x0
CPU part	: 0xd08
CPU revision	: 3

Hardware	: BCM2835
Model		: Raspberry Pi 4 Model B
CPUINFO
arm64() {
  $sudo ${sudo:+--preserve-env=EDGECNN_Model__Path} unshare -m sh -c 'mount --bind "$1" /proc/cpuinfo && shift && exec qemu-aarch64-static "$@"' sh "$work/cpuinfo" "$work/publish/edgecnn-device" "$@"
}
file "$work/publish/edgecnn-device" | grep -q "ARM aarch64" || { echo "FAIL: the published executable is not an arm64 binary"; exit 1; }
arm64 classify --raw "$work/frames.raw" > "$work/arm64.txt"

# Same top-1 on every frame; probabilities (printed to 4 decimals) may differ in the last digit between CPUs.
# Lines are: index TAB probability TAB label.
paste "$work/x64.txt" "$work/arm64.txt" | awk -F'\t' '
  { if ($1 != $4 || $3 != $6) { print "FAIL: frame " $1 ": x64 says " $3 ", arm64 says " $6; bad++ }
    d = $2 - $5; if (d < 0) d = -d; if (d > max) max = d }
  END { if (bad) exit 1; printf "arm64 (qemu) and x64 agree on the top-1 class of all %d frames; largest probability difference %.4f\n", NR, max }'
[ "$(wc -l < "$work/arm64.txt")" -eq 200 ] || { echo "FAIL: arm64 classified $(wc -l < "$work/arm64.txt") of 200 frames"; exit 1; }
labels=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")
right=0; n=0
while read -r label && read -r line <&3; do
  [ "$(cut -f3 <<<"$line")" = "${labels[$label]}" ] && right=$((right + 1)); n=$((n + 1))
done < "$work/labels.txt" 3< "$work/arm64.txt"
echo "arm64 top-1 accuracy on these $n test images: $((100 * right / n)) %"

# The int8 twin: ONNX Runtime on arm64 must run every convolution as an integer kernel (its optimized graph, as
# 'classify --kernels' reads it), and classify these frames as the x64 build does.
int8=models/fashion-mnist-int8.onnx
EDGECNN_Model__Path=$int8 scripts/edgecnn-device classify --raw "$work/frames.raw" --kernels > "$work/x64-int8.txt" 2> "$work/x64-int8.kernels"
EDGECNN_Model__Path=$int8 arm64 classify --raw "$work/frames.raw" --kernels > "$work/arm64-int8.txt" 2> "$work/arm64-int8.kernels"
for cpu in x64 arm64; do
  grep -q " 0 float convolutions" "$work/$cpu-int8.kernels" && ! grep -q "^ *0 int8 and" "$work/$cpu-int8.kernels" \
    || { echo "FAIL: on $cpu the int8 model runs float convolutions:"; cat "$work/$cpu-int8.kernels"; exit 1; }
done
echo "int8 on arm64 (qemu): $(sed 's/^[^;]*; ONNX Runtime here runs //' "$work/arm64-int8.kernels")"
paste "$work/x64-int8.txt" "$work/arm64-int8.txt" | awk -F'\t' '
  { if ($3 != $6) bad++; d = $2 - $5; if (d < 0) d = -d; if (d > max) max = d }
  END { printf "int8: arm64 and x64 differ on the top-1 class of %d of %d frames; largest probability difference %.4f\n", bad, NR, max; if (bad > NR / 100) exit 1 }'

set +e
arm64 check --config models/demo-settings.json > "$work/check.txt" 2>&1
status=$?
set -e
if [ $status -ne 1 ] || ! grep -q "^PROBLEM  opencv   libOpenCvSharpExtern.so" "$work/check.txt"; then
  echo "FAIL: 'check' on arm64 should report the missing libOpenCvSharpExtern.so (exit $status):"; cat "$work/check.txt"; exit 1
fi
echo "arm64 'check' reports the OpenCV gap: $(grep '^PROBLEM  opencv' "$work/check.txt" | cut -c1-160)..."
echo "arm64 tests passed"
