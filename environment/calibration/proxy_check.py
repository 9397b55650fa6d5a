#!/usr/bin/python3
"""Quick proxy calibration of MER-SIM with scikit-learn (Debian python3-sklearn).

Not the calibration of record (that one trains merlab's own models with the official protocol:
docs/mer-sim-calibration.md); this gives a fast read of how separable each feature is while tuning
SimSpec knobs: 5-fold stratified CV of a logistic-regression classifier (weighted F1) and a ridge
regression of valence (MSE) on standardised features.

    ./merlab sim --out /tmp/sim && /usr/bin/python3 environment/calibration/proxy_check.py /tmp/sim
"""
import sys, os, glob
import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, mean_squared_error
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

EMO = ['neutral', 'angry', 'happy', 'sad', 'worried', 'surprise']
root = sys.argv[1]
labels = np.genfromtxt(os.path.join(root, 'dataset-release/train-label.csv'), delimiter=',', dtype=str, skip_header=1)
names, y, v = labels[:, 0], np.array([EMO.index(e) for e in labels[:, 1]]), labels[:, 2].astype(float)

def load(d):
    return np.stack([np.load(os.path.join(root, 'dataset-process/features', d, n + '.npy')) for n in names])

def cv(x):
    f1s, mses = [], []
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        sc = StandardScaler().fit(x[tr])
        a, b = sc.transform(x[tr]), sc.transform(x[te])
        clf = LogisticRegression(C=0.01, max_iter=300).fit(a, y[tr])
        f1s.append(f1_score(y[te], clf.predict(b), average='weighted'))
        # valence: class-probability-weighted class means + a ridge residual (a linear stand-in for an MLP head)
        mu = np.array([v[tr][y[tr] == c].mean() for c in range(6)])
        base_tr, base_te = clf.predict_proba(a) @ mu, clf.predict_proba(b) @ mu
        res = Ridge(alpha=1000).fit(a, v[tr] - base_tr)
        mses.append(mean_squared_error(v[te], np.clip(base_te + res.predict(b), -5, 5)))
    return np.mean(f1s), np.mean(mses)

feats = {'HL': 'chinese-hubert-large-UTT', 'MR': 'manet_UTT', 'RF': 'resnet50face_UTT'}
layers = [int(a) for a in sys.argv[2].split(',')] if len(sys.argv) > 2 else [0, 6, 12, 16, 18, 19, 20, 22, 24]
for k in layers:
    feats['HL%d' % k] = 'chinese-hubert-large-L%d-UTT' % k
cache = {}
for short, d in feats.items():
    cache[short] = load(d)
    f1, mse = cv(cache[short])
    print('%-6s F1 %.2f%%  MSE %.3f  combined %.3f' % (short, 100 * f1, mse, f1 - 0.25 * mse), flush=True)
for a, b in [('HL', 'MR'), ('HL', 'RF')]:
    f1, mse = cv(np.concatenate([cache[a], cache[b]], axis=1))
    print('%-6s F1 %.2f%%  MSE %.3f  combined %.3f' % (a + '+' + b, 100 * f1, mse, f1 - 0.25 * mse), flush=True)
