#!/usr/bin/env bash
# Training throughput of edgecnn-train against Debian's python3-torch on the same network, data, batch size and
# thread count, measured in one run. Prints both figures and their ratio; the last epoch of each is compared
# (the first one warms up allocators and thread pools).
# Usage: scripts/bench-vs-pytorch.sh [epochs=2] [threads=2] [batch=128]
set -euo pipefail
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

echo "== PyTorch (Debian python3-torch) =="
/usr/bin/python3 scripts/pytorch_peer.py --epochs "$epochs" --batch-size "$batch" --threads "$threads" --train-images 54000 | tee "$run/pytorch.log"
theirs=$(tail -n 1 "$run/pytorch.log" | sed -E 's/.*images_per_second ([0-9.]+).*/\1/')

awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "training throughput, last epoch: edgecnn-train %.0f img/s, PyTorch %.0f img/s, ratio %.2fx\n", a, b, a / b }'
