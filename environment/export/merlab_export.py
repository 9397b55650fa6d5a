"""Shared code of the export scripts: the TorchScript contracts that `./merlab extract` expects.

Nothing here downloads anything: every model is built from files the user already has (a Hugging
Face model directory, a checkpoint and its model code), or initialised at random (tests, benchmarks).

Contracts (the Java side, org.merlab.features, checks them at run time and fails clearly):

HuBERT / wav2vec2-style audio model  (`extract audio --model X.pt`)
    input   float32 (B, S): 16 kHz mono waveform; merlab sends B = 1 and has already applied the
            feature extractor's normalisation (zero mean, unit variance over the whole clip) when the
            sidecar says `"normalize": true`.
    output  a tuple of L+1 float32 tensors, each (B, T, D): the Hugging Face `hidden_states`
            (index 0 = input of the first transformer block, k = output of block k; for a
            stable-layer-norm model such as HuBERT-large the last entry is after the final LayerNorm).
            T = floor((S - 400) / 320) + 1 for the standard wav2vec2/HuBERT convolution stack.
            (A single stacked (L+1, B, T, D) tensor is accepted too.)
    sidecar X.json: {"kind": "hubert", "normalize": bool, "hidden_states": L+1, "dim": D,
            "sample_rate": 16000, "hop": 320, "receptive_field": 400}

MANet (`extract faces --kind manet`)
    input   float32 (N, 3, 224, 224) RGB in [0, 1] (PIL bilinear resize of the 112x112 face to 224x224)
    output  float32 (N, 1024): the two 512-d branch GAP vectors, concatenated
            (MER 2023 baseline: `model(images, return_embedding=True)`)

ResNet50-FER+ (`extract faces --kind resnet-fer`)
    input   float32 (N, 3, 224, 224) RGB in 0..255 minus the VGGFace2 mean (131.0912, 103.8827, 91.4953),
            after PIL bilinear resize of the short side to 256 and a 224 centre crop
    output  float32 (N, 512): `conv5_3_3x3_relu` -> 7x7 average pool -> ReLU (MER 2023 baseline's
            extract_ferplus_embedding.py with layer_name=conv5_3_3x3_relu)

Models are traced, not scripted: a `torch.jit.script`ed torchaudio wav2vec2/HuBERT fails on its
second forward under the profiling executor (shared/spec/platform.md).
"""
import json
import math
import os
import sys

import torch
from torch import nn

SAMPLE_RATE = 16000
HOP = 320
RECEPTIVE_FIELD = 400
VGGFACE2_MEAN = (131.0912, 103.8827, 91.4953)


def frames_for(samples: int) -> int:
    """Frames the standard wav2vec2/HuBERT convolution stack makes from `samples` samples."""
    return 0 if samples < RECEPTIVE_FIELD else (samples - RECEPTIVE_FIELD) // HOP + 1


# ---------------------------------------------------------------- audio ---------------------------

class TorchaudioHiddenStates(nn.Module):
    """A torchaudio Wav2Vec2Model (HuBERT, wav2vec2) returning every hidden state, HF-indexed.

    torchaudio's Transformer keeps a flag named `layer_norm_first` that is the *negation* of the
    model-level `encoder_layer_norm_first` (HF `do_stable_layer_norm`): when it is False (HuBERT-large)
    the LayerNorm comes after the last block, which is what HF reports as the last hidden state; when
    True (base models) the LayerNorm is part of `_preprocess`, i.e. already inside hidden state 0.
    """

    def __init__(self, model):
        super().__init__()
        self.feature_extractor = model.feature_extractor
        self.feature_projection = model.encoder.feature_projection
        self.transformer = model.encoder.transformer

    def forward(self, wave):
        x, _ = self.feature_extractor(wave, None)
        x = self.feature_projection(x)
        t = self.transformer
        x = t._preprocess(x)
        out = [x]
        for layer in t.layers:
            x = layer(x, None)
            out.append(x)
        if not t.layer_norm_first:
            out[-1] = t.layer_norm(x)
        return tuple(out)


class HuggingFaceHiddenStates(nn.Module):
    """A transformers HubertModel / Wav2Vec2Model returning `hidden_states` as a plain tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, wave):
        out = self.model(wave, output_hidden_states=True, return_dict=True)
        return tuple(out.hidden_states)


def tiny_hubert_config():
    """HuBERT-large's architecture (layer-norm conv stack with the same kernels and strides,
    stable layer norm, conv positional embedding with weight norm), with tiny widths."""
    return dict(
        extractor_mode="layer_norm",
        extractor_conv_layer_config=[(16, 10, 5)] + [(16, 3, 2)] * 4 + [(16, 2, 2)] * 2,
        extractor_conv_bias=False,
        encoder_embed_dim=32,
        encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=16,
        encoder_pos_conv_groups=4,
        encoder_num_layers=3,
        encoder_num_heads=4,
        encoder_attention_dropout=0.0,
        encoder_ff_interm_features=64,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0,
        encoder_layer_norm_first=True,
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )


def torchaudio_hubert(size: str, seed: int = 0):
    """A randomly initialised torchaudio HuBERT: 'tiny' (tests) or 'large' (benchmarks)."""
    import torchaudio

    torch.manual_seed(seed)
    if size == "tiny":
        model = torchaudio.models.wav2vec2_model(**tiny_hubert_config())
        # Default init leaves the tiny model's hidden states nearly constant over time; a larger
        # spread of weights gives outputs that vary with the input, so the tests mean something.
        with torch.no_grad():
            for name, p in model.named_parameters():
                if p.dim() >= 2 and "weight" in name:
                    p.mul_(2.0)
    elif size == "large":
        model = torchaudio.models.hubert_large()
    else:
        raise ValueError(size)
    return model.eval()


def trace_audio(wrapper: nn.Module, check_lengths=(16000, 23456)) -> torch.jit.ScriptModule:
    """Traces `wrapper` and checks the trace against eager mode on inputs of other lengths
    (a trace that baked a length in would fail here, not in the user's run)."""
    wrapper = wrapper.eval()
    g = torch.Generator().manual_seed(1234)
    example = torch.randn(1, 12345, generator=g)
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, (example,), check_trace=False, strict=False)
        for n in check_lengths:
            x = torch.randn(1, n, generator=g)
            want = wrapper(x)
            got = traced(x)
            if len(want) != len(got):
                raise RuntimeError(f"traced model returns {len(got)} tensors, eager {len(want)}")
            worst = max(float((a - b).abs().max()) for a, b in zip(want, got))
            if worst > 1e-4 or got[0].shape[1] != frames_for(n):
                raise RuntimeError(f"traced model differs from eager at length {n}: max |diff| {worst:g}, "
                                   f"frames {got[0].shape[1]} (expected {frames_for(n)})")
    return traced


def write_sidecar(pt_path: str, **fields):
    """Writes `<model>.json` next to the TorchScript file; `extract` reads it (options override it)."""
    path = os.path.splitext(pt_path)[0] + ".json"
    with open(path, "w") as f:
        json.dump(fields, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def hubert_sidecar(pt_path: str, traced, normalize: bool):
    with torch.no_grad():
        out = traced(torch.zeros(1, 16000))
    return write_sidecar(pt_path, kind="hubert", normalize=bool(normalize), hidden_states=len(out),
                         dim=int(out[0].shape[-1]), sample_rate=SAMPLE_RATE, hop=HOP,
                         receptive_field=RECEPTIVE_FIELD)


def normalize_wave(x):
    """HF Wav2Vec2FeatureExtractor's do_normalize: (x - mean) / sqrt(var + 1e-7), over the clip, float32."""
    import numpy as np

    x = np.asarray(x, dtype=np.float32)
    return ((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32)


# ---------------------------------------------------------------- faces ---------------------------

class TinyManet(nn.Module):
    """A stand-in for MANet with its input/output contract only ((N,3,224,224) in [0,1] ->
    (N,1024) = concat of a 'global' and a 'local' branch, each GAP'd to 512). NOT MANet's
    architecture (a multi-scale, attention-augmented ResNet-18): that one is ~11M parameters."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, stride=4, padding=3), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(2))
        self.global_branch = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                                           nn.Conv2d(16, 512, 1), nn.ReLU())
        self.local_branch = nn.Sequential(nn.Conv2d(8, 16, 5, stride=2, padding=2), nn.ReLU(),
                                          nn.Conv2d(16, 512, 1), nn.ReLU())

    def forward(self, x):
        h = self.stem(x)
        g = self.global_branch(h).mean(dim=(2, 3))
        l = self.local_branch(h).mean(dim=(2, 3))
        return torch.cat([g, l], dim=1)


class TinyResnetFer(nn.Module):
    """A stand-in for ResNet50-FER+ with its contract only ((N,3,224,224) in 0..255 minus the
    VGGFace2 mean -> (N,512)): a strided stem, one bottleneck-style residual block, a 512-channel
    'conv5_3_3x3' + ReLU at 7x7, then the baseline's 7x7 average pool and ReLU."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, stride=4, padding=3), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.MaxPool2d(2))  # 28x28
        self.reduce = nn.Conv2d(16, 8, 1)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.increase = nn.Conv2d(8, 16, 1)
        self.down = nn.Sequential(nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU())  # 7x7
        self.conv5_3_3x3 = nn.Conv2d(16, 512, 1)
        self.conv5_3_3x3_relu = nn.ReLU()

    def forward(self, x):
        x = x / 64.0
        h = self.stem(x)
        h = torch.relu(h + self.increase(torch.relu(self.mid(torch.relu(self.reduce(h))))))
        h = self.conv5_3_3x3_relu(self.conv5_3_3x3(self.down(h)))
        h = nn.functional.avg_pool2d(h, kernel_size=7, stride=1)
        return torch.relu(h.flatten(1))


class HookedEmbedding(nn.Module):
    """Runs `model` and returns the output of one of its submodules (a forward hook), then the
    MER 2023 baseline's post-processing of `conv5_3_3x3_relu`: 7x7 average pool -> ReLU -> (N, C)."""

    def __init__(self, model, layer_name: str, pool: bool = True):
        super().__init__()
        self.model = model
        self.layer = dict(model.named_modules())[layer_name]
        self.pool = pool
        self._captured = []
        self.layer.register_forward_hook(lambda m, i, o: self._captured.append(o))

    def forward(self, x):
        self._captured.clear()
        self.model(x)
        h = self._captured[-1]
        if self.pool:
            h = nn.functional.avg_pool2d(h, kernel_size=7, stride=1)
        return torch.relu(h.flatten(1))


class ReturnEmbedding(nn.Module):
    """MANet as the MER 2023 baseline calls it: `model(images, return_embedding=True)`."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, return_embedding=True)


def trace_image_model(module: nn.Module, expected_dim: int, batch_sizes=(1, 3)):
    module = module.eval()
    g = torch.Generator().manual_seed(99)
    with torch.no_grad():
        traced = torch.jit.trace(module, (torch.rand(2, 3, 224, 224, generator=g),), check_trace=False)
        for n in batch_sizes:
            x = torch.rand(n, 3, 224, 224, generator=g)
            want, got = module(x), traced(x)
            if tuple(got.shape) != (n, expected_dim):
                raise RuntimeError(f"model returns {tuple(got.shape)}, expected ({n}, {expected_dim})")
            worst = float((want - got).abs().max())
            if worst > 1e-4 * max(1.0, float(want.abs().max())):
                raise RuntimeError(f"traced model differs from eager at batch {n}: max |diff| {worst:g}")
    return traced


def image_sidecar(pt_path: str, kind: str, dim: int):
    return write_sidecar(pt_path, kind=kind, dim=dim, input_size=224)


def load_module_from_file(name: str, path: str):
    """Imports a Python file as a module (the user's model code; nothing is downloaded)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        sys.exit(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def file_mb(path):
    return os.path.getsize(path) / 1e6


def ceil_div(a, b):
    return -(-a // b)


__all__ = [n for n in dir() if not n.startswith("_")] + ["math"]
