#!/usr/bin/env python3
"""The loop a Raspberry Pi user writes in Python with OpenCV, timed per stage: read a frame (cv2.VideoCapture),
convert its colour, resize it (INTER_AREA, as the model's manifest says), normalise, run the same ONNX model with
cv2.dnn, and decide (top class against a threshold). scripts/bench-peer.sh runs it beside 'edgecnn-device bench'.

  /usr/bin/python3 scripts/device_peer.py --model models/garden.onnx --clip models/samples/garden.mp4 --frames 600
"""
import argparse
import json
import os
import statistics
import sys
import time

import cv2
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the ONNX model; its manifest NAME.json says the preprocessing")
    parser.add_argument("--clip", required=True, help="the video the camera would give")
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2, help="OpenCV's threads (the device's ONNX Runtime uses 2 by default)")
    parser.add_argument("--threshold", type=float, default=0.7)
    args = parser.parse_args()

    manifest_path = os.path.splitext(args.model)[0] + ".json"
    with open(manifest_path, encoding="utf-8") as f:
        spec = json.load(f)["preprocessing"]
    width, height, channels = spec["width"], spec["height"], spec["channels"]
    scale = spec["scale"]
    mean = np.array(spec["mean"], dtype=np.float32).reshape(channels, 1, 1)
    std = np.array(spec["std"], dtype=np.float32).reshape(channels, 1, 1)
    rgb = spec.get("channelOrder", "rgb") == "rgb"

    cv2.setNumThreads(args.threads)
    net = cv2.dnn.readNetFromONNX(args.model)
    capture = cv2.VideoCapture(args.clip)
    if not capture.isOpened():
        sys.exit(f"cannot open {args.clip}")
    stages = {"capture": [], "preprocess": [], "inference": [], "decision": []}
    total = args.warmup + args.frames
    for n in range(total):
        t0 = time.perf_counter()
        ok, frame = capture.read()
        if not ok:  # loop the clip, as the device's bench does
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        t1 = time.perf_counter()
        if channels == 1:
            image = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        else:
            image = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if rgb else frame
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        planes = image.reshape(height, width, channels).transpose(2, 0, 1).astype(np.float32)
        blob = ((planes * scale - mean) / std)[np.newaxis]
        t2 = time.perf_counter()
        net.setInput(blob)
        logits = net.forward().reshape(-1)
        t3 = time.perf_counter()
        exp = np.exp(logits - logits.max())
        probabilities = exp / exp.sum()
        top = int(probabilities.argmax())
        _fires = probabilities[top] >= args.threshold
        t4 = time.perf_counter()
        if n >= args.warmup:
            for name, seconds in (("capture", t1 - t0), ("preprocess", t2 - t1), ("inference", t3 - t2), ("decision", t4 - t3)):
                stages[name].append(seconds * 1000)
    print(f"python peer: {args.clip}; model {args.model} ({width}x{height}x{channels}); OpenCV {cv2.__version__} dnn, {args.threads} thread(s); "
          f"{args.warmup} warm-up + {args.frames} measured frames")
    print(f"  {'stage (ms)':<24}{'p50':>9}{'mean':>9}")
    for name, values in stages.items():
        print(f"  {name:<24}{statistics.median(values):>9.3f}{statistics.fmean(values):>9.3f}")
    end_to_end = [sum(v) for v in zip(*stages.values())]
    print(f"  {'end to end':<24}{statistics.median(end_to_end):>9.3f}{statistics.fmean(end_to_end):>9.3f}")


if __name__ == "__main__":
    main()
