#!/usr/bin/python3
"""PyTorch reference timing for `merlab bench train` (docs/benchmarks.md, "Training").

Trains the model of experiments/attention-hl-mr.json -- the MER 2023 official attention fusion fed
[HL, MR, MR], per-branch MLP Linear(256)-ReLU-Dropout-Linear(128)-ReLU-Dropout, attention MLP on the
concatenation, fc_att = Linear(128, 3) without softmax, separate heads, loss CE + MSE -- with the
official protocol (Adam lr 1e-3, weight decay 1e-5, batch 32, shuffled each epoch, held-out part
evaluated in one batch after each epoch) and prints JSON timings: one epoch, and SEEDS whole 5-fold CVs
of EPOCHS epochs per fold, one model after another (`cv_seconds` is the total). Same work as merlab's engine, so the ratio of the two times is the cost
of the JVM/DJL path. Uses the Debian python3-torch (/usr/bin/python3), whose products run on the BLAS that
Debian's alternatives select: install libopenblas0-pthread, or they run on the reference BLAS of libblas3 at
~6 GFLOP/s and the ratio means nothing (`merlab bench train` says so). The JSON names the BLAS, its kernel set
and its 2048x2048 GFLOP/s.

    /usr/bin/python3 environment/bench/reference_train.py --data /tmp/sim --epochs 8 --threads 2

`--device cuda` runs the same on the first GPU (what `merlab bench train` asks for when it trains on one).
"""
import argparse, json, os, statistics, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EMO = ['neutral', 'angry', 'happy', 'sad', 'worried', 'surprise']


def mlp(d_in, hidden, d, p):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(p), nn.Linear(hidden, d), nn.ReLU(), nn.Dropout(p))


class Attention(nn.Module):
    """The official MER 2023 'attention' fusion with separate emotion/valence heads."""

    def __init__(self, dims, hidden=256, d=128, p=0.3):
        super().__init__()
        self.enc = nn.ModuleList([mlp(x, hidden, d, p) for x in dims])
        self.att = mlp(d * len(dims), hidden, d, p)
        self.fc_att = nn.Linear(d, len(dims))
        self.emo = nn.Linear(d, 6)
        self.val = nn.Linear(d, 1)

    def forward(self, xs):
        hs = [e(x) for e, x in zip(self.enc, xs)]
        w = self.fc_att(self.att(torch.cat(hs, 1)))
        h = (torch.stack(hs, 1) * w.unsqueeze(2)).sum(1)
        return self.emo(h), self.val(h).squeeze(1)


def load(root):
    import csv
    rows = list(csv.DictReader(open(os.path.join(root, 'dataset-release', 'train-label.csv'))))
    rows.sort(key=lambda r: r['name'])
    names = [r['name'] for r in rows]
    y = np.array([EMO.index(r['discrete']) for r in rows])
    v = np.array([float(r['valence']) for r in rows], dtype=np.float32)
    feats = {}
    for short, d in [('HL', 'chinese-hubert-large-UTT'), ('MR', 'manet_UTT')]:
        feats[short] = np.stack([np.load(os.path.join(root, 'dataset-process', 'features', d, n + '.npy')) for n in names]).astype(np.float32)
    return [feats['HL'], feats['MR'], feats['MR']], y, v


def folds(y, k, seed):
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    nxt = 0
    for c in range(6):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        for i in idx:
            fold[i] = nxt
            nxt = (nxt + 1) % k
    return fold


def train_fold(xs, y, v, tr, te, epochs, batch, seed, device):
    torch.manual_seed(seed)
    model = Attention([x.shape[1] for x in xs]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    xt = [x[tr] for x in xs]
    yt, vt = y[tr], v[tr]
    xe = [x[te] for x in xs]
    epoch_times = []
    steps = 0
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(tr), device=device)
        for b in range(0, len(tr), batch):
            i = perm[b:b + batch]
            logits, val = model([x[i] for x in xt])
            loss = F.cross_entropy(logits, yt[i]) + F.mse_loss(val, vt[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
        model.eval()
        with torch.no_grad():
            logits, val = model(xe)
            pred = logits.argmax(1).cpu().numpy()
            _ = (pred == y[te].cpu().numpy()).mean(), float(((val.clamp(-5, 5) - v[te]) ** 2).mean())
        epoch_times.append(time.perf_counter() - t0)
    return epoch_times, steps


def blas():
    """The BLAS library this torch's products run on (Debian's torch links whatever libblas.so.3 points to:
    the reference implementation of libblas3, ~6 GFLOP/s here, or OpenBLAS), OpenBLAS's kernel set when it is
    OpenBLAS, and the GFLOP/s of a 2048x2048 float32 product on it (the best of 3, after one warm-up)."""
    torch.ones(2, 2) @ torch.ones(2, 2)  # load the BLAS
    path = ''
    with open('/proc/self/maps') as maps:
        for line in maps:
            name = line.split()[-1]
            if 'blas' in os.path.basename(name) and '.so' in os.path.basename(name):
                path = os.path.realpath(name)
                break
    core = None
    if 'openblas' in path:
        import ctypes
        f = ctypes.CDLL(path).openblas_get_corename
        f.restype = ctypes.c_char_p
        core = f().decode()
    n = 2048
    a, b = torch.rand(n, n), torch.rand(n, n)
    a @ b
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        a @ b
        best = max(best, 2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return {'blas': path or 'unknown', 'blas_core': core, 'matmul_peak_gflops': best}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', help='MER-SIM / MER 2023 root (default: random data of MER-SIM shapes)')
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--seeds', type=int, default=1, help='seeds seed..seed+n-1, each a full k-fold CV, one after another')
    ap.add_argument('--device', default='cpu', help='cpu or cuda')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    if a.data:
        xs, y, v = load(a.data)
    else:
        rng = np.random.default_rng(0)
        xs = [rng.standard_normal((3373, 1024), dtype=np.float32) for _ in range(2)]
        xs = [xs[0], xs[1], xs[1]]
        y = rng.integers(0, 6, 3373)
        v = rng.uniform(-5, 5, 3373).astype(np.float32)
    device = torch.device(a.device)
    xs = [torch.from_numpy(x).to(device) for x in xs]
    yt, vt = torch.from_numpy(y).long().to(device), torch.from_numpy(v).to(device)
    t0 = time.perf_counter()
    all_epochs, steps = [], 0
    for seed in range(a.seed, a.seed + a.seeds):
        fold = folds(y, a.folds, seed)
        for k in range(a.folds):
            tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            e, s = train_fold(xs, yt, vt, torch.from_numpy(tr).to(device), torch.from_numpy(te).to(device), a.epochs, a.batch,
                              seed * 100 + k, device)
            all_epochs += e
            steps += s
    cv = time.perf_counter() - t0
    steady = statistics.median(all_epochs)  # as bench train's median of merlab's epochs
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'device': str(device), 'epochs_per_fold': a.epochs,
           'folds': a.folds, 'seeds': a.seeds, 'models': a.folds * a.seeds, 'steps': steps, 'cv_seconds': cv, 'epoch_seconds_median': steady,
           'first_epoch_seconds': all_epochs[0], 'steps_per_second': steps / cv}
    if device.type == 'cpu':
        out.update(blas())  # after the timing, so that it costs the timing nothing
    print(json.dumps(out))


if __name__ == '__main__':
    main()
