#!/usr/bin/env python3
"""The peer baseline: a straightforward vectorised numpy implementation of Definition 1.1
(SFT of a student on a teacher's hard labels with fresh Gaussian batches), timed per step.

Usage: sft_numpy.py D [D ...] [--batch B] [--steps T] [--repeats R]
Prints one JSON object: {"numpy": version, "results": [{"d": D, "msPerStep": [...], "median": m}]}
"""
import argparse
import json
import time

import numpy as np


def sft(w, teacher, beta, learning_rate, batch, steps, rng):
    """T steps of w <- w - eta (1/B) sum_i beta (sigma(beta <w, x_i>) - y_i) x_i, fresh x_i ~ N(0, I)."""
    for _ in range(steps):
        x = rng.standard_normal((batch, w.shape[0]))
        y = (x @ teacher > 0).astype(np.float64)
        p = 1.0 / (1.0 + np.exp(-beta * (x @ w)))
        w = w - learning_rate * beta * (x.T @ (p - y)) / batch
    return w


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dims", type=int, nargs="+")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    results = []
    for d in args.dims:
        w = rng.standard_normal(d)
        teacher = rng.standard_normal(d)
        teacher /= np.linalg.norm(teacher)
        sft(w, teacher, 1.0, 0.1, args.batch, 2, rng)  # warm-up
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            sft(w, teacher, 1.0, 0.1, args.batch, args.steps, rng)
            times.append(1000 * (time.perf_counter() - start) / args.steps)
        results.append({"d": d, "msPerStep": times, "median": float(np.median(times))})
    print(json.dumps({"numpy": np.__version__, "batch": args.batch, "results": results}))


if __name__ == "__main__":
    main()
