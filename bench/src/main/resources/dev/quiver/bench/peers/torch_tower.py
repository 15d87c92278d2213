#!/usr/bin/env python3
"""PyTorch peer of GpuTowerBenchmark: the same user-tower MLP (416-512-256-64, ReLU, L2
normalised, float32, no TF32) on the same GPU, host tensors in and out through pinned memory, so
each figure includes the PCIe copies and the synchronisation, as Quiver's does.

    python3 torch_tower.py [--seconds 5] [--batches 1,256,1024,4096]

Prints, per batch size, rows/s and the p50/p99 latency of one call.
"""
import argparse
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--batches", default="1,256,1024,4096")
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    print("device:", torch.cuda.get_device_name(dev), "torch", torch.__version__)
    mlp = torch.nn.Sequential(
        torch.nn.Linear(416, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 64)).to(dev).eval()
    for batch in (int(b) for b in args.batches.split(",")):
        x = torch.randn(batch, 416).pin_memory()
        out = torch.empty(batch, 64).pin_memory()

        def call():
            with torch.inference_mode():
                y = torch.nn.functional.normalize(mlp(x.to(dev, non_blocking=True)), dim=1)
                out.copy_(y, non_blocking=True)
                torch.cuda.synchronize()

        for _ in range(200):
            call()
        times = []
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            t0 = time.perf_counter_ns()
            call()
            times.append(time.perf_counter_ns() - t0)
        times.sort()
        total_s = sum(times) / 1e9
        print(f"batch {batch:5d}: {batch * len(times) / total_s:14.0f} rows/s   "
              f"p50 {times[len(times) // 2] / 1e3:8.1f} us   p99 {times[int(len(times) * 0.99)] / 1e3:8.1f} us")


if __name__ == "__main__":
    main()
