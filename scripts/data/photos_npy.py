#!/usr/bin/python3
"""Real photos preprocessed for EfficientNet-Lite0, as one float32 .npy for `steadfast inject --data`.

    /usr/bin/python3 scripts/data/photos_npy.py [--out photos.npy] [--views {1,10}]

Run it with Debian's /usr/bin/python3 (it sees python3-skimage, python3-pil, python3-sklearn and
numpy); .venv/bin/python works too, since the venv includes the system site-packages. Nothing is
downloaded: every photo ships with a Debian package.

Photos, in this order (6 colour photos):
  * scikit-image (python3-skimage): chelsea (a cat), coffee, astronaut, rocket; any that this
    scikit-image lacks are skipped, as in tests/models/efficientnet_photos.py;
  * scikit-learn (python3-sklearn) `load_sample_images()`: china, flower (skipped, with a note,
    when scikit-learn is not installed).
  skimage's camera (grayscale) and horse (a binary silhouette) are left out: neither looks like an
  ImageNet photo, and replicating camera's gray channel into RGB would add an input unlike the
  colour images the model was trained on, for no gain in coverage.

Preprocessing is tests/models/efficientnet_photos.py's (imported from there, not copied): RGB,
shorter side resized to 256 (PIL bicubic), a 224x224 crop, x -> (x - 127) / 128, NCHW float32.

Views per photo (--views 10, the default; deterministic, the standard ten-crop), rows in order:
  0 center crop (exactly what efficientnet_photos.py classifies), 1 top-left, 2 top-right,
  3 bottom-left, 4 bottom-right corner crop of the 256-resized image, 5-9 the horizontal mirror
  of views 0-4. With --views 1 only the center crop. Row = photo_index * views + view.

Writes one array [N,3,224,224] float32 (N = photos x views, 60 with all six photos) and prints its
shape, which rows are which photo, and min/max (the range is [-127/128, 1] by construction).
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))
from efficientnet_photos import CROP, load_photos, resize_shorter, to_input  # noqa: E402

VIEW_NAMES = ["center", "top-left", "top-right", "bottom-left", "bottom-right"]


def sklearn_photos():
    try:
        from sklearn.datasets import load_sample_images
    except ImportError as e:
        print(f"note: scikit-learn unavailable ({e}); china and flower skipped")
        return {}
    bunch = load_sample_images()
    return {os.path.splitext(os.path.basename(f))[0]: np.asarray(img)
            for f, img in zip(bunch.filenames, bunch.images)}


def views(rgb, n_views):
    """[n_views,3,224,224] float32: the center crop, then (n_views == 10) the four corner crops and
    the horizontal mirrors of all five."""
    img = resize_shorter(rgb)
    w, h = img.size
    origins = [((w - CROP) // 2, (h - CROP) // 2), (0, 0), (w - CROP, 0), (0, h - CROP),
               (w - CROP, h - CROP)]
    crops = [to_input(img, left, top) for left, top in origins[:1 if n_views == 1 else 5]]
    if n_views == 10:
        crops += [np.ascontiguousarray(c[..., ::-1]) for c in crops]
    return np.concatenate(crops)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="photos.npy", help="output .npy file (default: photos.npy)")
    ap.add_argument("--views", type=int, choices=(1, 10), default=10, help="views per photo (default: 10)")
    args = ap.parse_args(argv)

    photos = {**load_photos(), **sklearn_photos()}
    if not photos:
        print("error: no photos available", file=sys.stderr)
        return 1
    arrays = [views(rgb, args.views) for rgb in photos.values()]
    data = np.ascontiguousarray(np.concatenate(arrays), dtype=np.float32)
    np.save(args.out, data)

    print(f"wrote {args.out}: shape {list(data.shape)} {data.dtype}, "
          f"min {data.min():.6f}, max {data.max():.6f}")
    labels = VIEW_NAMES if args.views == 10 else VIEW_NAMES[:1]
    print(f"views per photo: {args.views} ({', '.join(labels)}"
          f"{', then their horizontal mirrors' if args.views == 10 else ''})")
    for i, (name, rgb) in enumerate(photos.items()):
        a = arrays[i]
        rows = f"{i * args.views}" if args.views == 1 else f"{i * args.views}-{(i + 1) * args.views - 1}"
        print(f"  rows {rows:>6s}: {name:<10s} {rgb.shape[0]}x{rgb.shape[1]}  "
              f"min {a.min():.4f} max {a.max():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
