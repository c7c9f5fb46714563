#!/usr/bin/env python3
"""Classify real photos with the pretrained EfficientNet-Lite0 through steadfast and ONNX Runtime.

    efficientnet_photos.py --steadfast PATH_TO_CLI --models-dir DIR --work DIR [--threads N]

Photos: scikit-image's bundled chelsea (a cat), coffee, astronaut and rocket (any that this
scikit-image lacks are skipped). Preprocessing as for TF EfficientNet-Lite: RGB, shorter side
resized to 256 (PIL bicubic), center crop 224x224, x -> (x - 127) / 128 for x in 0..255
(MEAN_RGB 127 / STDDEV_RGB 128 in tensorflow/tpu efficientnet_lite_builder.py), NCHW float32.

Passes (exit 0) when, for every photo, steadfast's top-5 class indices equal ONNX Runtime's, in
order; exit 1 otherwise. Prints the top-5 with probabilities and ImageNet class names (from
torchvision's bundled weight metadata when available, otherwise indices only), and, for
information only, whether chelsea's top-1 is a cat class (ImageNet 281-285). Writes
WORK/efficientnet_photos.json.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_with_ort import model_export, run_ort, run_steadfast, save_inputs  # noqa: E402

PHOTOS = ["chelsea", "coffee", "astronaut", "rocket"]
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
MODEL = "efficientnet_lite0"


def class_names():
    try:
        from torchvision.models import ResNet18_Weights
        names = list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
        return names if len(names) == 1000 else None
    except Exception:  # noqa: BLE001 - names are a nicety
        return None


def load_photos():
    import skimage.data

    photos = {}
    for name in PHOTOS:
        try:
            photos[name] = np.asarray(getattr(skimage.data, name)())
        except Exception as e:  # noqa: BLE001 - a photo this skimage lacks is skipped
            print(f"note: skimage.data.{name} unavailable ({type(e).__name__}: {e}); skipped")
    return photos


RESIZE, CROP = 256, 224


def resize_shorter(rgb):
    """HxWx3 uint8 RGB -> PIL RGB image with its shorter side resized to 256 (bicubic)."""
    from PIL import Image

    img = Image.fromarray(rgb[..., :3]).convert("RGB")
    w, h = img.size
    scale = RESIZE / min(w, h)
    return img.resize((max(RESIZE, round(w * scale)), max(RESIZE, round(h * scale))), Image.BICUBIC)


def to_input(img, left, top):
    """The 224x224 crop of PIL RGB image img at (left, top) -> [1,3,224,224] float32, (x-127)/128."""
    img = img.crop((left, top, left + CROP, top + CROP))
    x = (np.asarray(img, dtype=np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def preprocess(rgb):
    """HxWx3 uint8 RGB -> [1,3,224,224] float32 for EfficientNet-Lite (center crop)."""
    img = resize_shorter(rgb)
    w, h = img.size
    return to_input(img, (w - CROP) // 2, (h - CROP) // 2)


def softmax(z):
    z = z.astype(np.float64) - z.max()
    p = np.exp(z)
    return p / p.sum()


def top5(logits):
    return [int(i) for i in np.argsort(-logits.reshape(-1), kind="stable")[:5]]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", required=True, help="path to the steadfast CLI")
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--threads", type=int, default=None, help="passed to steadfast as --threads")
    args = ap.parse_args(argv)

    import onnxruntime as ort

    os.makedirs(args.work, exist_ok=True)
    model_path = model_export.export(MODEL, args.models_dir)
    names = class_names()
    label = (lambda i: f"{i:4d} {names[i]}") if names else (lambda i: f"{i:4d}")
    photos = load_photos()
    if not photos:
        print("FAIL: no photos available")
        return 1

    ok = True
    summary = {"model": MODEL, "ort_version": ort.__version__, "photos": []}
    out_name = model_export.MODELS[MODEL][2][0]
    for photo, rgb in photos.items():
        feeds = {"input": preprocess(rgb)}
        files = save_inputs(args.work, f"photo_{photo}", feeds)
        expected = run_ort(model_path, feeds)[0][out_name]
        actual, seconds, error = run_steadfast(args.steadfast, model_path, files,
                                               os.path.join(args.work, f"photo_{photo}.steadfast.npz"),
                                               threads=args.threads)
        entry = {"photo": photo, "ort_top5": top5(expected)}
        if error is None and out_name not in actual:
            error = f"output {out_name!r} missing (has {sorted(actual)})"
        if error is None and actual[out_name].shape != expected.shape:
            error = f"output shape {list(actual[out_name].shape)} != {list(expected.shape)}"
        if error is not None:
            print(f"[{photo}] FAIL: steadfast: {error}")
            entry.update({"error": error, "pass": False})
            ok = False
        else:
            got = actual[out_name].astype(np.float32)
            entry["steadfast_top5"] = top5(got)
            entry["max_abs_logit_err"] = float(np.max(np.abs(got.astype(np.float64) - expected)))
            entry["pass"] = entry["steadfast_top5"] == entry["ort_top5"]
            ok &= entry["pass"]
            p_ort, p_sf = softmax(expected), softmax(got)
            print(f"[{photo}] {'PASS' if entry['pass'] else 'FAIL'}: top-5 "
                  f"{'identical' if entry['pass'] else 'differ'}; max |logit diff| {entry['max_abs_logit_err']:.3g}; "
                  f"steadfast {seconds:.2f}s")
            print(f"    {'ORT':<40s} steadfast")
            for i_o, i_s in zip(entry["ort_top5"], entry["steadfast_top5"]):
                print(f"    {label(i_o):<30s} {p_ort.reshape(-1)[i_o]:7.4f}  "
                      f"{label(i_s):<30s} {p_sf.reshape(-1)[i_s]:7.4f}")
        if photo == "chelsea":
            top1 = entry["ort_top5"][0]
            is_cat = top1 in CAT_CLASSES
            entry["top1_is_cat"] = is_cat
            print(f"    sanity (informational): chelsea top-1 {label(top1).strip()} "
                  f"{'is' if is_cat else 'is NOT'} a cat class (281-285)")
        summary["photos"].append(entry)

    summary["pass"] = bool(ok)
    with open(os.path.join(args.work, "efficientnet_photos.json"), "w") as f:
        f.write(json.dumps(summary) + "\n")
    print(f"{'PASS' if ok else 'FAIL'}: {len(photos)} photos (onnxruntime {ort.__version__})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
