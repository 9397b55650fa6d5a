#!/usr/bin/env python3
"""Export ResNet50-FER+ ("ResNet-FER2013" in the MER 2023 paper) to the TorchScript file
`./merlab extract faces --kind resnet-fer` expects.

Run it where PyTorch and the model files are; nothing is downloaded. You need (as the MER 2023 baseline uses them):
  --code FILE       `resnet50_ferplus_dag.py` (Albanie's pytorch-mcn model definition; the baseline's
                    feature_extraction/visual/pytorch-benchmarks/model/)
  --weights FILE    `resnet50_ferplus_dag.pth`

Contract: input (N, 3, 224, 224) float32 RGB, 0..255 minus the VGGFace2 mean (131.0912, 103.8827, 91.4953)
(merlab: PIL-exact bilinear Resize(256) of the shorter side, CenterCrop(224), ToTensor, x 255, Normalize(mean,
std 1), as the baseline's compose_transforms); output (N, 512) = the baseline's get_feature(layer_name=
'conv5_3_3x3_relu'): that layer's output (N, 512, 7, 7) -> AvgPool2d(7) -> ReLU -> flatten. The layer is read
with a forward hook, as the baseline does.

  python3 export_resnet_fer.py --code ~/pytorch-benchmarks/model/resnet50_ferplus_dag.py \\
      --weights ~/models/ferplus/resnet50_ferplus_dag.pth --out ~/models/resnet50_ferplus.pt
  python3 export_resnet_fer.py --random-standin --out /tmp/resnet-fer-standin.pt   # tests: contract only
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import merlab_export as me  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", help="resnet50_ferplus_dag.py")
    ap.add_argument("--weights", help="resnet50_ferplus_dag.pth")
    ap.add_argument("--layer", default="conv5_3_3x3_relu", help="module whose output is pooled (default: %(default)s)")
    ap.add_argument("--random-standin", action="store_true", help="a tiny random model with the contract (not the architecture)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    if a.random_standin:
        module = me.TinyResnetFer().eval()
    else:
        if not (a.code and a.weights):
            ap.error("--code and --weights are needed (or --random-standin)")
        mod = me.load_module_from_file("resnet50_ferplus_dag", a.code)
        model = mod.resnet50_ferplus_dag(weights_path=a.weights).eval()
        mean = getattr(model, "meta", {}).get("mean")
        if mean is not None and [round(m, 4) for m in mean] != [round(m, 4) for m in me.VGGFACE2_MEAN]:
            sys.exit(f"this model's meta mean {mean} differs from the VGGFace2 mean merlab subtracts {me.VGGFACE2_MEAN}")
        module = me.HookedEmbedding(model, a.layer).eval()
    traced = me.trace_image_model(module, 512)
    traced.save(a.out)
    side = me.image_sidecar(a.out, "resnet-fer", 512)
    print(f"wrote {a.out} ({me.file_mb(a.out):.1f} MB; (N,3,224,224) 0..255 minus VGGFace2 mean -> (N,512)) and {side}")


if __name__ == "__main__":
    main()
