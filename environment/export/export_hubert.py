#!/usr/bin/env python3
"""Export a HuBERT / wav2vec2-style model to the TorchScript file `./merlab extract audio` expects.

Run it where PyTorch and the model files are; nothing is downloaded. Three sources:

  --hf DIR            a Hugging Face model directory, e.g. a local copy of TencentGameMate/chinese-hubert-large
                      (config.json, pytorch_model.bin, preprocessor_config.json). Needs `transformers`.
                      The traced model is checked against the HF model's own `hidden_states`.
  --hf DIR --via-torchaudio
                      the same weights, imported into torchaudio's implementation
                      (torchaudio.models.wav2vec2.utils.import_huggingface_model) before tracing; also checked
                      against HF's hidden_states.
  --random large|tiny a randomly initialised torchaudio HuBERT (large: HuBERT-large's shape, for benchmarks;
                      tiny: the test fixture's shape). Needs torchaudio only.

Output contract (see merlab_export.py): input (1, S) float32 16 kHz; output a tuple of L+1 tensors (1, T, D),
the HF `hidden_states` (25 x (1, T, 1024) for HuBERT-large; index 24 is after the final LayerNorm).
Models are traced (torch.jit.trace), not scripted, and the trace is checked on other input lengths.
A sidecar OUT.json records whether the feature extractor normalises the waveform (HF preprocessor_config.json
`do_normalize`; merlab then normalises each whole clip before chunking) and the frame geometry.

Examples:
  python3 export_hubert.py --hf ~/models/chinese-hubert-large --out ~/models/chinese-hubert-large.pt
  python3 export_hubert.py --random large --out /tmp/hubert-large-random.pt
  ./merlab extract audio --data ROOT --model ~/models/chinese-hubert-large.pt --layers 0-24
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import merlab_export as me  # noqa: E402


def hf_model(path):
    try:
        from transformers import AutoModel
    except ImportError:
        sys.exit("--hf needs the `transformers` package (pip install transformers); or use --random")
    model = AutoModel.from_pretrained(path, local_files_only=True)
    return model.eval()


def hf_normalize(path):
    cfg = os.path.join(path, "preprocessor_config.json")
    if os.path.isfile(cfg):
        with open(cfg) as f:
            return bool(json.load(f).get("do_normalize", True))
    me.say(f"no {cfg}: assuming do_normalize = true (Wav2Vec2FeatureExtractor's default)")
    return True


def check_against_hf(traced, hf, seconds=3.0):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(1, int(16000 * seconds), generator=g)
    with torch.no_grad():
        want = hf(x, output_hidden_states=True, return_dict=True).hidden_states
        got = traced(x)
    if len(want) != len(got):
        sys.exit(f"traced model returns {len(got)} hidden states, HF {len(want)}")
    worst = max(float((a - b).abs().max()) for a, b in zip(want, got))
    me.say(f"traced vs Hugging Face hidden_states on {seconds:.0f} s of noise: max |diff| {worst:.2e}")
    if worst > 1e-3:
        sys.exit("the traced model does not reproduce the Hugging Face hidden states")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--hf", metavar="DIR", help="Hugging Face model directory (local files only)")
    src.add_argument("--random", choices=["large", "tiny"], help="random torchaudio HuBERT of this size")
    ap.add_argument("--via-torchaudio", action="store_true", help="with --hf: convert to torchaudio's implementation first")
    ap.add_argument("--seed", type=int, default=0, help="with --random")
    ap.add_argument("--out", required=True, help="TorchScript file to write (and OUT.json beside it)")
    a = ap.parse_args()
    torch.set_grad_enabled(False)

    if a.hf:
        hf = hf_model(a.hf)
        normalize = hf_normalize(a.hf)
        if a.via_torchaudio:
            from torchaudio.models.wav2vec2.utils import import_huggingface_model
            wrapper = me.TorchaudioHiddenStates(import_huggingface_model(hf).eval())
        else:
            hf.config.torchscript = True
            wrapper = me.HuggingFaceHiddenStates(hf)
    else:
        hf = None
        normalize = True  # chinese-hubert-large's feature extractor normalises; merlab's tests use the same
        wrapper = me.TorchaudioHiddenStates(me.torchaudio_hubert(a.random, seed=a.seed))

    me.say("tracing ...")
    traced = me.trace_audio(wrapper)
    if hf is not None:
        check_against_hf(traced, hf)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    traced.save(a.out)
    side = me.hubert_sidecar(a.out, traced, normalize)
    with torch.no_grad():
        n = len(traced(torch.zeros(1, 16000)))
    print(f"wrote {a.out} ({me.file_mb(a.out):.1f} MB; {n} hidden states, layers 0..{n - 1}) and {side}")


if __name__ == "__main__":
    main()
