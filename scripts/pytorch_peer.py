#!/usr/bin/python3
"""The same ResNet-8 training loop in PyTorch, for scripts/bench-vs-pytorch.sh.

Mirrors edgecnn-train's `resnet8` preset layer for layer (conv-BN-ReLU stem, basic blocks of 16/32/64 filters,
1x1 projection shortcuts, global average pooling, dense head), AdamW with a one-cycle schedule, softmax
cross-entropy, no augmentation, and Fashion-MNIST prepared once into memory as (x/255 - 0.5) / 0.5. It prints
the training-step throughput of each epoch; only training steps are timed, as edgecnn-train's metrics.csv does.
"""
import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    def __init__(self, inputs, filters, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, filters, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(filters)
        self.shortcut = None
        if stride != 1 or inputs != filters:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, filters, 1, stride, bias=False), nn.BatchNorm2d(filters))

    def forward(self, x):
        main = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(main + (x if self.shortcut is None else self.shortcut(x)))


def resnet8(classes):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        Residual(16, 16, 1), Residual(16, 32, 2), Residual(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.002)
    parser.add_argument("--train-images", type=int, default=54000)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = read_idx(f"{args.data}/train-images-idx3-ubyte.gz")[: args.train_images]
    labels = read_idx(f"{args.data}/train-labels-idx1-ubyte.gz")[: args.train_images]
    x_all = (torch.from_numpy(images.astype(np.float32)).unsqueeze(1) / 255 - 0.5) / 0.5
    y_all = torch.from_numpy(labels.astype(np.int64))

    model = resnet8(10)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    batches = (len(y_all) + args.batch_size - 1) // args.batch_size
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=args.epochs * batches, cycle_momentum=False)
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads, {len(y_all)} images, batch {args.batch_size}")
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(y_all))
        loss_sum, correct = 0.0, 0
        start = time.perf_counter()
        for b in range(batches):
            index = order[b * args.batch_size:(b + 1) * args.batch_size]
            x, y = x_all[index], y_all[index]
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch} loss {loss_sum / len(y_all):.4f} acc {correct / len(y_all):.4f} "
              f"seconds {seconds:.1f} images_per_second {len(y_all) / seconds:.1f}", flush=True)


if __name__ == "__main__":
    main()
