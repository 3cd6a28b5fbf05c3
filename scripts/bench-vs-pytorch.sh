#!/usr/bin/env bash
# Training throughput of edgecnn-train against Debian's python3-torch on the same network, data, batch size and
# thread count, measured in one run. The last epoch of each is compared (the first warms up allocators and thread
# pools). PyTorch runs twice: as installed, and with the allocator and OpenMP settings edgecnn-train applies to
# itself (docs/trainer.md, "Speed notes"), so the report separates what that tuning buys from the rest.
# Usage: scripts/bench-vs-pytorch.sh [epochs=2] [threads=2] [batch=128]
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
epochs=${1:-2}
threads=${2:-2}
batch=${3:-128}

scripts/install-deps.sh python3-torch python3-numpy dataset-fashion-mnist
dotnet build -c Release trainer/EdgeCnn.Trainer -v quiet -nologo >/dev/null
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT

echo "== edgecnn-train (TorchSharp) =="
trainer/EdgeCnn.Trainer/bin/Release/net10.0/edgecnn-train train --data fashion-mnist --arch resnet8 --epochs "$epochs" \
  --batch-size "$batch" --threads "$threads" --no-augment --optimizer adamw --lr 0.002 --schedule one-cycle \
  --val-split 0.1 --seed 1 --out "$run/edgecnn" | grep -E '^epoch|parameters'
ours=$(tail -n 1 "$run/edgecnn/metrics.csv" | cut -d, -f8)

peer() { /usr/bin/python3 scripts/pytorch_peer.py --epochs "$epochs" --batch-size "$batch" --threads "$threads" --train-images 54000; }
echo "== PyTorch (Debian python3-torch), as installed =="
peer | tee "$run/pytorch.log"
echo "== PyTorch with edgecnn-train's allocator and OpenMP settings =="
MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=268435456 MALLOC_MMAP_THRESHOLD_=33554432 OMP_WAIT_POLICY=ACTIVE \
  peer | tee "$run/pytorch-tuned.log"
last() { tail -n 1 "$1" | sed -E 's/.*images_per_second ([0-9.]+).*/\1/'; }
stock=$(last "$run/pytorch.log")
tuned=$(last "$run/pytorch-tuned.log")

awk -v a="$ours" -v b="$stock" -v c="$tuned" 'BEGIN {
  printf "training throughput, last epoch: edgecnn-train %.0f img/s; PyTorch %.0f img/s as installed, %.0f img/s tuned\n", a, b, c
  printf "ratio edgecnn-train / PyTorch: %.2fx (as installed), %.2fx (same tuning)\n", a / b, a / c }'
