"""NumPy reference of merlab's audio front end (org.merlab.features.Resampler, WavDecoder,
HubertExtractor chunking), written independently of the Java code so that the fixtures check it.

Resampler: windowed-sinc (Kaiser) band-limited interpolation.
    g = gcd(fin, fout); L = fout/g; M = fin/g; scale = min(1, fout/fin)
    cutoff fc = 0.5 * ROLLOFF * scale   (cycles per input sample; ROLLOFF = 0.945, i.e. 7.56 kHz for 16 kHz out)
    h(d) = 2 fc sinc(2 fc d) * I0(BETA sqrt(1 - (d/W)^2)) / I0(BETA)   for |d| <= W,  W = ZEROS / (ROLLOFF scale)
    y[n] = sum_k x[k] h(n M / L - k),  k over the input (zero outside),  n = 0 .. floor(len(x) L / M) - 1
(ZEROS = 64 sinc zero crossings on each side, BETA = 14.769656459379492: resampy's 'kaiser_best'
window, whose stopband is > 100 dB down.)
"""
import math
import struct

import numpy as np

ROLLOFF = 0.945
ZEROS = 64
BETA = 14.769656459379492


def resample(x, fin: int, fout: int):
    x = np.asarray(x, dtype=np.float64)
    if fin == fout:
        return x.astype(np.float32)
    g = math.gcd(fin, fout)
    L, M = fout // g, fin // g
    scale = min(1.0, fout / fin)
    fc = 0.5 * ROLLOFF * scale
    W = ZEROS / (ROLLOFF * scale)
    K = int(math.ceil(W)) + 1
    n_out = len(x) * L // M
    n = np.arange(n_out, dtype=np.int64)
    q = (n * M) // L
    p = (n * M) % L
    j = np.arange(2 * K, dtype=np.int64)
    # phase table: d = p/L + K - 1 - j
    phases = np.arange(L, dtype=np.float64)[:, None] / L + (K - 1) - j[None, :]
    table = 2 * fc * np.sinc(2 * fc * phases)
    inside = np.abs(phases) <= W
    r = np.where(inside, phases / W, 0.0)
    window = np.i0(BETA * np.sqrt(np.clip(1.0 - r * r, 0.0, None))) / np.i0(BETA)
    table = np.where(inside, table * window, 0.0)
    out = np.empty(n_out, dtype=np.float64)
    xp = np.concatenate([np.zeros(K), x, np.zeros(K + 1)])
    step = 4096
    for s in range(0, n_out, step):
        nn_ = slice(s, min(n_out, s + step))
        idx = (q[nn_] - K + 1)[:, None] + j[None, :] + K  # shifted by the K zeros in front
        out[nn_] = np.sum(xp[idx] * table[p[nn_]], axis=1)
    return out.astype(np.float32)


def write_wav(path, samples, rate, fmt, extensible=False):
    """samples: float array (S,) or (S, C) in [-1, 1]; fmt one of u8, s16, s24, s32, f32."""
    a = np.asarray(samples, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    channels = a.shape[1]
    if fmt == "u8":
        data = np.clip(np.round(a * 128 + 128), 0, 255).astype(np.uint8).tobytes()
        bits, tag = 8, 1
    elif fmt == "s16":
        data = np.clip(np.round(a * 32768), -32768, 32767).astype("<i2").tobytes()
        bits, tag = 16, 1
    elif fmt == "s24":
        v = np.clip(np.round(a * 8388608), -8388608, 8388607).astype("<i4").reshape(-1)
        b = v.view(np.uint8).reshape(-1, 4)[:, :3]
        data = b.tobytes()
        bits, tag = 24, 1
    elif fmt == "s32":
        data = np.clip(np.round(a * 2147483648.0), -2147483648, 2147483647).astype("<i4").tobytes()
        bits, tag = 32, 1
    elif fmt == "f32":
        data = a.astype("<f4").tobytes()
        bits, tag = 32, 3
    else:
        raise ValueError(fmt)
    block = channels * bits // 8
    if extensible:
        guid = struct.pack("<IHH8s", tag, 0x0000, 0x0010, bytes([0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]))
        mask = 0x3 if channels == 2 else 0x4
        fmt_chunk = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, mask) + guid
    else:
        fmt_chunk = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    if tag == 3 and not extensible:
        body += b"fact" + struct.pack("<II", 4, len(a))
    body += b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def decoded(samples, fmt):
    """What a decoder reads back from write_wav(samples, fmt), as float32 mono (channel mean)."""
    a = np.asarray(samples, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if fmt == "u8":
        v = (np.clip(np.round(a * 128 + 128), 0, 255) - 128) / 128.0
    elif fmt == "s16":
        v = np.clip(np.round(a * 32768), -32768, 32767) / 32768.0
    elif fmt == "s24":
        v = np.clip(np.round(a * 8388608), -8388608, 8388607) / 8388608.0
    elif fmt == "s32":
        v = np.clip(np.round(a * 2147483648.0), -2147483648, 2147483647) / 2147483648.0
    else:
        v = a.astype(np.float32).astype(np.float64)
    return v.mean(axis=1)


def chunk_windows(total_frames: int, chunk: int, context: int, hop=320, rf=400):
    """merlab's chunking: cores of equal size (the last takes the rest) covering the clip's frames,
    each run with `context` extra frames on both sides (clipped at the clip's ends), of which
    only the core's frames are kept. Yields (core_start, core_end, window_start) in frames and the
    window's sample range."""
    if chunk <= 0 or total_frames <= chunk:
        yield 0, total_frames, 0, 0, (total_frames - 1) * hop + rf
        return
    n = -(-total_frames // chunk)
    size = -(-total_frames // n)
    f0 = 0
    while f0 < total_frames:
        f1 = min(total_frames, f0 + size)
        w0 = max(0, f0 - context)
        w1 = min(total_frames, f1 + context)
        yield f0, f1, w0, w0 * hop, (w1 - 1) * hop + rf
        f0 = f1
