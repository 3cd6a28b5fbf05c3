#!/usr/bin/python3
"""The Python peer of the device's capture: Debian's python3-opencv reading a clip with cv2.VideoCapture (FFMPEG),
timing each read() as edgecnn-device bench times its capture stage. Prints one line: p50 and mean in ms."""
import sys
import time

import cv2

path = sys.argv[1]
warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 30
capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
if not capture.isOpened():
    sys.exit(f"{path}: OpenCV {cv2.__version__} cannot open it")
times = []
while True:
    start = time.perf_counter()
    ok, _ = capture.read()
    took = time.perf_counter() - start
    if not ok:
        break
    times.append(took * 1000)
times = sorted(times[warmup:])
print(f"python3-opencv {cv2.__version__} capture p50 {times[len(times) // 2]:.3f} ms, mean {sum(times) / len(times):.3f} ms ({len(times)} frames)")
