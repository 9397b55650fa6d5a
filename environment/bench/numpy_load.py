#!/usr/bin/python3
"""The NumPy side of `./merlab bench load`: load the same per-sample .npy files into one array per
feature directory, the way the MER 2023 baseline does (np.load per file, then stack).

    /usr/bin/python3 environment/bench/numpy_load.py DATASET_ROOT DIR [DIR ...]
Prints one JSON line: {"seconds": best of 3, "rows": n, "dirs": k}.
"""
import json, os, sys, time
import numpy as np

root, dirs = sys.argv[1], sys.argv[2:]
with open(os.path.join(root, 'dataset-release', 'train-label.csv')) as f:
    names = [line.split(',')[0] for line in f.read().splitlines()[1:] if line]
best = float('inf')
for _ in range(3):
    t0 = time.perf_counter()
    for d in dirs:
        x = np.stack([np.load(os.path.join(root, 'dataset-process', 'features', d, n + '.npy')) for n in names])
        assert np.isfinite(x).all()
    best = min(best, time.perf_counter() - t0)
print(json.dumps({'seconds': best, 'rows': len(names), 'dirs': len(dirs)}))
