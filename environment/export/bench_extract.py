#!/usr/bin/python3
"""The Python side of `./merlab bench extract`: the same TorchScript HuBERT model, the same clips,
the same work per clip as merlab's `extract audio` (read the 16 kHz 16-bit WAV, zero-mean/unit-variance
normalise, one forward pass, mean over frames of every hidden state), timed the same way.

    /usr/bin/python3 environment/export/bench_extract.py --model M.pt --dir CLIPS --threads 2 --repeats 3

Prints one JSON line: {"seconds": best wall time for all clips, "clips": n, "torch": version, ...}.
With --long FILE it also reports the peak RSS of one pass over that clip (VmHWM), for comparison.
"""
import argparse
import glob
import json
import os
import time
import wave

import numpy as np
import torch


def read_wav16(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == 16000, path
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def normalize(x):
    return (x - x.mean()) / np.sqrt(x.var() + 1e-7)


def embed(model, x):
    with torch.no_grad():
        hs = model(torch.from_numpy(normalize(x))[None, :])
        return [h[0].mean(dim=0).numpy() for h in hs]


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="timed passes (0: none, e.g. with --long)")
    ap.add_argument("--long", default=None, help="a long clip: report peak RSS of one pass over it")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    model = torch.jit.load(a.model, map_location="cpu").eval()
    files = sorted(glob.glob(os.path.join(a.dir, "*.wav")))
    out = {"clips": len(files), "torch": torch.__version__, "threads": torch.get_num_threads()}
    if a.repeats > 0:
        embed(model, read_wav16(files[0]))  # warm-up: the profiling executor's first runs
        embed(model, read_wav16(files[0]))
        best = float("inf")
        for _ in range(a.repeats):
            t = time.perf_counter()
            for f in files:
                embed(model, read_wav16(f))
            best = min(best, time.perf_counter() - t)
        out.update(seconds=best, clips_per_s=len(files) / best)
    if a.long:
        if a.repeats <= 0:  # the graph executor's first (profiling) runs are not what is measured: warm up as merlab did
            embed(model, read_wav16(files[0]))
            embed(model, read_wav16(files[0]))
        x = read_wav16(a.long)
        out["peak_rss_reset"] = reset_peak()
        before = peak_rss_mb()
        t = time.perf_counter()
        embed(model, x)
        out["long_seconds"] = time.perf_counter() - t
        out["long_peak_rss_mb"] = peak_rss_mb()
        out["long_rss_before_mb"] = before
    print(json.dumps(out))


if __name__ == "__main__":
    main()
