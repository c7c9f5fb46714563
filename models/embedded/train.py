#!/usr/bin/env python3
"""Train, export and check steadfast's embedded default model (a small Fashion-MNIST CNN).

Run from the repository root with the project's Python environment:

    .venv/bin/python models/embedded/train.py

Reads the real Fashion-MNIST data shipped by Debian's `dataset-fashion-mnist` package
(/usr/share/datasets/fashion-mnist/*.gz, IDX format), trains a small CNN on the CPU with a
fixed seed and two threads, exports it to ONNX (opset 13) and writes, next to this script:

    fashion_cnn.onnx  the model: input `image` float32 [N,1,28,28] of raw pixels in [0,1],
                      output `logits` float32 [N,10]; normalisation is inside the graph
    accuracy.json     accuracy of the exported file under ONNX Runtime on all 10,000 test images
    images.bin        8 test images, raw uint8 28x28 each, row-major, concatenated (6,272 bytes)
    images.json       their test-set indices, labels, class names and ONNX Runtime's logits
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = "/usr/share/datasets/fashion-mnist"

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

# Mean and standard deviation of the Fashion-MNIST training pixels after scaling to [0,1].
# Applied inside the exported graph as Sub and Div nodes, so callers feed raw [0,1] pixels.
PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530

SEED = 20240601
EPOCHS = 8
BATCH_SIZE = 128
THREADS = 2
OPSET = 13
NUM_EMBEDDED_IMAGES = 8


def read_idx(path, magic):
    """Parse a gzipped IDX file (big-endian header: magic, dims...; then uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got = int.from_bytes(raw[0:4], "big")
    if got != magic:
        raise ValueError(f"{path}: magic {got}, expected {magic}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data, expected {dims}")
    return data.reshape(dims)


def load_split(name):
    images = read_idx(os.path.join(DATA_DIR, f"{name}-images-idx3-ubyte.gz"), 2051)
    labels = read_idx(os.path.join(DATA_DIR, f"{name}-labels-idx1-ubyte.gz"), 2049)
    assert images.shape[1:] == (28, 28) and images.shape[0] == labels.shape[0]
    return images, labels.astype(np.int64)


def to_input(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28] in [0,1]: exactly what the exported model takes."""
    return (images_u8.astype(np.float32) / np.float32(255.0))[:, None, :, :]


class FashionCNN(nn.Module):
    """(x - mean) / std -> [Conv3x3 -> BN -> ReLU -> MaxPool2] x2 -> Flatten -> Gemm -> ReLU -> Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, image):
        x = (image - PIXEL_MEAN) / PIXEL_STD
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.fc1(self.flatten(x)))
        return self.fc2(x)


def train(model, x_train, y_train, epochs, seed):
    rng = np.random.default_rng(seed)
    x_all = torch.from_numpy(x_train)
    y_all = torch.from_numpy(y_train)
    steps_per_epoch = (len(x_train) + BATCH_SIZE - 1) // BATCH_SIZE
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=2e-3, epochs=epochs, steps_per_epoch=steps_per_epoch)
    model.train()
    for epoch in range(epochs):
        t0 = time.time()
        order = torch.from_numpy(rng.permutation(len(x_train)))
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(steps_per_epoch):
            idx = order[i * BATCH_SIZE:(i + 1) * BATCH_SIZE]
            xb, yb = x_all[idx], y_all[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            total += len(idx)
        print(f"epoch {epoch + 1}/{epochs}: loss {loss_sum / total:.4f} "
              f"train acc {correct / total:.4f} ({time.time() - t0:.1f}s)", flush=True)


def torch_logits(model, x, batch=1000):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i:i + batch])).numpy())
    return np.concatenate(out)


def ort_session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def ort_logits(sess, x, batch=1000):
    return np.concatenate([sess.run(["logits"], {"image": x[i:i + batch]})[0]
                           for i in range(0, len(x), batch)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(THREADS)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    train_u8, y_train = load_split("train")
    test_u8, y_test = load_split("t10k")
    x_train, x_test = to_input(train_u8), to_input(test_u8)
    print(f"train {x_train.shape}, test {x_test.shape}; "
          f"train pixel mean {x_train.mean():.4f} std {x_train.std():.4f}", flush=True)

    model = FashionCNN()
    t0 = time.time()
    train(model, x_train, y_train, args.epochs, args.seed)
    train_seconds = time.time() - t0
    print(f"training took {train_seconds:.1f}s", flush=True)

    model.eval()
    ref = torch_logits(model, x_test)
    torch_correct = int((ref.argmax(1) == y_test).sum())
    print(f"torch test accuracy {torch_correct / len(y_test):.4f}", flush=True)

    # Export. In eval mode the exporter folds each BatchNorm into the Conv before it.
    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "fashion_cnn.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), onnx_path,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
        opset_version=OPSET, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(onnx_path)
    m.doc_string = ("Fashion-MNIST CNN (steadfast embedded default model). Input 'image': float32 "
                    "[N,1,28,28], raw pixels scaled to [0,1] (uint8/255); the graph normalises "
                    f"with (x - {PIXEL_MEAN}) / {PIXEL_STD}. Output 'logits': float32 [N,10].")
    for k, v in {"class_names": json.dumps(CLASS_NAMES),
                 "pixel_scale": "1/255", "pixel_mean": str(PIXEL_MEAN),
                 "pixel_std": str(PIXEL_STD)}.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, onnx_path)
    size = os.path.getsize(onnx_path)
    assert size < 2 * 1024 * 1024, f"model is {size} bytes"
    print(f"wrote {onnx_path} ({size} bytes); ops: "
          f"{[n.op_type for n in m.graph.node]}", flush=True)

    # ONNX Runtime on the exported file: full test set, then compare with torch.
    sess = ort_session(onnx_path)
    got = ort_logits(sess, x_test)
    max_diff = float(np.abs(got - ref).max())
    pred = got.argmax(1)
    correct = int((pred == y_test).sum())
    agree = int((pred == ref.argmax(1)).sum())
    print(f"onnxruntime test accuracy {correct / len(y_test):.4f}; max |ort - torch| "
          f"{max_diff:.2e}; predictions agree on {agree}/{len(y_test)}", flush=True)
    assert max_diff < 1e-3, max_diff

    acc = {
        "test_images": int(len(y_test)),
        "correct": correct,
        "accuracy": round(correct / len(y_test), 4),
        "onnxruntime_version": ort.__version__,
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "opset": OPSET,
        "epochs": args.epochs,
        "seed": args.seed,
        "batch_size": BATCH_SIZE,
        "torch_correct": torch_correct,
        "max_abs_logit_diff_vs_torch": float(f"{max_diff:.3g}"),
    }
    with open(os.path.join(args.out_dir, "accuracy.json"), "w") as f:
        json.dump(acc, f, indent=2)
        f.write("\n")

    # Embedded images: the first test image of each of classes 0..7, in class order.
    indices = [int(np.flatnonzero(y_test == c)[0]) for c in range(NUM_EMBEDDED_IMAGES)]
    chosen = test_u8[indices]
    with open(os.path.join(args.out_dir, "images.bin"), "wb") as f:
        f.write(np.ascontiguousarray(chosen, dtype=np.uint8).tobytes())
    entries = []
    for i, idx in enumerate(indices):
        # Batch of one, as the engine will run them.
        lg = sess.run(["logits"], {"image": to_input(chosen[i:i + 1])})[0][0]
        assert np.allclose(lg, got[idx], atol=1e-4)
        entries.append({
            "index": idx,
            "label": int(y_test[idx]),
            "label_name": CLASS_NAMES[int(y_test[idx])],
            "onnxruntime_prediction": int(lg.argmax()),
            "onnxruntime_logits": [float(f"{v:.6g}") for v in lg],
        })
    images = {
        "file": "images.bin",
        "format": "uint8, 28x28 row-major per image, images concatenated; "
                  "model input = pixel / 255.0 as float32 [1,1,28,28]",
        "count": len(indices),
        "height": 28,
        "width": 28,
        "class_names": CLASS_NAMES,
        "images": entries,
    }
    with open(os.path.join(args.out_dir, "images.json"), "w") as f:
        json.dump(images, f, indent=2)
        f.write("\n")
    print(json.dumps(acc), flush=True)
    print("embedded images:", [(e["index"], e["label_name"], e["onnxruntime_prediction"])
                               for e in entries], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
