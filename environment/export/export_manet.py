#!/usr/bin/env python3
"""Export MANet (trained on RAF-DB) to the TorchScript file `./merlab extract faces --kind manet` expects.

Run it where PyTorch and the MER 2023 baseline's files are; nothing is downloaded. You need:
  --code DIR        the folder that holds `manet/model/manet.py` (MER 2023 baseline:
                    feature_extraction/visual/), whose `manet(num_classes=7)` builds the network and whose
                    forward accepts `return_embedding=True`
  --checkpoint F    the RAF-DB checkpoint the baseline uses
                    (`[02-08]-[21-19]-model_best-acc88.33.pth`: a dict with 'state_dict', keys 'module.'-prefixed)

Contract: input (N, 3, 224, 224) float32 RGB in [0, 1] (merlab resizes the 112x112 OpenFace face to 224x224
with PIL-exact bilinear interpolation, like the baseline's transforms.Resize((224, 224)) + ToTensor());
output (N, 1024) = model(x, return_embedding=True): the two 512-d branch GAP vectors, concatenated.

  python3 export_manet.py --code ~/MER2023-Baseline/feature_extraction/visual \\
      --checkpoint ~/models/manet/model_best-acc88.33.pth --out ~/models/manet.pt
  python3 export_manet.py --random-standin --out /tmp/manet-standin.pt     # tests: contract only
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import merlab_export as me  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", help="folder holding manet/model/manet.py")
    ap.add_argument("--checkpoint", help="MANet RAF-DB checkpoint (.pth)")
    ap.add_argument("--random-standin", action="store_true", help="a tiny random model with MANet's contract (not its architecture)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    if a.random_standin:
        module = me.TinyManet().eval()
    else:
        if not (a.code and a.checkpoint):
            ap.error("--code and --checkpoint are needed (or --random-standin)")
        sys.path.insert(0, os.path.abspath(a.code))
        try:
            from manet.model.manet import manet  # the user's copy of the baseline's code
        except ImportError as e:
            sys.exit(f"cannot import manet.model.manet from {a.code}: {e}")
        model = manet(num_classes=7)
        ckpt = torch.load(a.checkpoint, map_location="cpu")
        state = ckpt.get("state_dict", ckpt)
        state = {k.replace("module.", "", 1) if k.startswith("module.") else k: v for k, v in state.items()}
        model.load_state_dict(state, strict=True)
        module = me.ReturnEmbedding(model.eval()).eval()
    traced = me.trace_image_model(module, 1024)
    traced.save(a.out)
    side = me.image_sidecar(a.out, "manet", 1024)
    print(f"wrote {a.out} ({me.file_mb(a.out):.1f} MB; (N,3,224,224) in [0,1] -> (N,1024)) and {side}")


if __name__ == "__main__":
    main()
