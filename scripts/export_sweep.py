#!/usr/bin/env python3
"""Exports the model sweep: a broad set of models the suite is not tuned on.

`make bench`'s sweep (bench/perf/bench_sweep.sh) measures edgebench against
ONNX Runtime on every model here.  The weights are fixed-seed random (the
sweep is about latency and coverage; accuracy on random weights means
nothing).  Outputs go to a cache folder and are not committed.

    /usr/bin/python3 scripts/export_sweep.py OUTDIR [NAME...]

With no NAME, the whole set (`make zoo-sweep` writes it to
models/cache/sweep).  A model already in OUTDIR is kept; one that fails to
export is reported and the others go on.  A NAME may also be any other torchvision
classification model (e.g. resnet34), exported the same way at 224x224.
Each model is written as in scripts/export_arch.py:
OUTDIR/NAME/model.onnx with OUTDIR/NAME/test_data_set_0/{input,output}_0.pb
holding one input and PyTorch's output for it.  Each line printed gives
PyTorch's own time for one inference at one thread (fastest of 5), the
measure by which a model is kept in the set (a few seconds at most).

The set:
  - torchvision classification models at 1x3x224x224, opset 13 (swin_t and
    vit_b_32 included: windowed and plain attention);
  - lraspp_mobilenet_v3_large, segmentation at 1x3x256x256 (Resize);
  - gpt: a GPT-style decoder with a causal mask (Trilu, Where), opset 14,
    where Trilu first is an ONNX op;
  - bert_op13 and bert_op17: the encoder of export_arch.py at opset 13
    (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div) and at 17
    (LayerNormalization);
  - kws_lstm: a keyword spotter on MFCC-like features, 2-layer LSTM;
  - kws_dscnn: the depthwise-separable CNN keyword spotter of "Hello Edge"
    (Zhang et al., 2017), DS-CNN small.

Needs Debian's python3-torch, python3-torchvision and python3-onnx.
"""
import os
import sys
import time

import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_arch import Bert  # noqa: E402  (the suite's own encoder, unchanged)

CLASSIFIERS = [
    "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "efficientnet_b0", "densenet121", "shufflenet_v2_x1_0", "squeezenet1_1", "mnasnet1_0",
    "googlenet", "regnet_x_400mf", "regnet_y_400mf", "vit_b_32", "convnext_tiny", "alexnet",
    "swin_t",
]
OTHERS = ["lraspp_mobilenet_v3_large", "gpt", "bert_op13", "bert_op17", "kws_lstm", "kws_dscnn"]
OPSET = 13


class Block(nn.Module):
    """One pre-LayerNorm GPT block: causal self-attention and a GELU MLP."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.dh = heads, hidden // heads
        self.ln1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.ln2 = nn.LayerNorm(hidden)
        self.fc = nn.Linear(hidden, 4 * hidden)
        self.out = nn.Linear(4 * hidden, hidden)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(h, dim=-1)
        q = q.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        k = k.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        v = v.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        att = (q @ k.transpose(-1, -2)) * self.dh ** -0.5
        # the mask is built from the sequence length in the graph (Trilu),
        # as exporters of decoders emit it, not stored as a constant
        causal = torch.tril(torch.ones(s, s, dtype=torch.bool, device=x.device))
        att = torch.softmax(att.masked_fill(~causal, float("-inf")), dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, s, h))
        return x + self.out(nn.functional.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    """GPT-style decoder: 4 layers, hidden 256, 4 heads, sequence 128, LM head."""

    def __init__(self, vocab=8192, hidden=256, layers=4, heads=4, seq=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.pos = nn.Parameter(torch.randn(1, seq, hidden) * 0.02)
        self.blocks = nn.ModuleList(Block(hidden, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(hidden)
        self.head = nn.Linear(hidden, vocab, bias=False)

    def forward(self, ids):
        x = self.tok(ids) + self.pos[:, : ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


class KwsLstm(nn.Module):
    """Keyword spotter: 49 frames of 40 MFCC-like features, 2-layer LSTM, 12 classes."""

    def __init__(self, feats=40, hidden=128, classes=12):
        super().__init__()
        self.lstm = nn.LSTM(feats, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


def bn_relu(c):
    return [nn.BatchNorm2d(c), nn.ReLU()]


class DsCnn(nn.Module):
    """DS-CNN small of "Hello Edge": a 10x4 stride-2 conv, 4 depthwise-separable
    blocks of 64 channels, average pool, 12 classes; input 1x1x49x10 (MFCC)."""

    def __init__(self, ch=64, blocks=4, classes=12):
        super().__init__()
        layers = [nn.Conv2d(1, ch, (10, 4), stride=2, padding=(5, 1))] + bn_relu(ch)
        for _ in range(blocks):
            layers += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch)] + bn_relu(ch)
            layers += [nn.Conv2d(ch, ch, 1)] + bn_relu(ch)
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class OutOnly(nn.Module):
    """torchvision's segmentation models return a dict; the sweep takes "out"."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def build(name):
    """(model, example input, input name, opset) for NAME."""
    image = torch.randn(1, 3, 224, 224)
    if name == "lraspp_mobilenet_v3_large":
        m = torchvision.models.segmentation.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None)
        return OutOnly(m), torch.randn(1, 3, 256, 256), "input", OPSET
    if name == "gpt":
        return Gpt(), torch.randint(0, 8192, (1, 128)), "input_ids", 14
    if name in ("bert_op13", "bert_op17"):
        return Bert(), torch.randint(0, 30522, (1, 128)), "input_ids", int(name[-2:])
    if name == "kws_lstm":
        return KwsLstm(), torch.randn(1, 49, 40), "input", OPSET
    if name == "kws_dscnn":
        return DsCnn(), torch.randn(1, 1, 49, 10), "input", OPSET
    kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    try:
        m = torchvision.models.get_model(name, weights=None, **kwargs)
    except ValueError:
        raise SystemExit(f"unknown model {name}; choose from {' '.join(CLASSIFIERS + OTHERS)} "
                         "or another torchvision classification model")
    return m, image, "input", OPSET


def torch_ms(model, example, runs=5):
    """PyTorch's fastest of RUNS inferences at one thread, in ms (the
    fastest: the machine is shared, and this only sorts out slow models)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            model(example)
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                model(example)
                times.append((time.perf_counter() - t0) * 1e3)
    finally:
        torch.set_num_threads(threads)
    return min(times)


def randomize_zero_weights(model):
    """Weights (2-D and up) that their init leaves all zero get small random
    values: torchvision's ViT zeroes its classifier, which would make its
    output all zeros and the sweep's agreement check vacuous."""
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2 and not p.any():
                nn.init.normal_(p, std=0.02)


def export(name, out):
    torch.manual_seed(0)
    model, example, in_name, opset = build(name)
    randomize_zero_weights(model)
    model.eval()
    case = os.path.join(out, name)
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(case, "model.onnx")
    # traced with gradients on: under no_grad, torch 1.13's
    # nn.MultiheadAttention (vit_b_32) takes a fused fast path that has no
    # ONNX export
    torch.onnx.export(model, example, path, opset_version=opset, input_names=[in_name],
                      output_names=["output"], do_constant_folding=True)
    with torch.no_grad():
        expected = model(example)
    for kind, tensor in (("input", example), ("output", expected)):
        proto = numpy_helper.from_array(tensor.numpy())
        with open(os.path.join(data, kind + "_0.pb"), "wb") as f:
            f.write(proto.SerializeToString())
    onnx.checker.check_model(path)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"{name}: opset {opset}, {os.path.getsize(path) / 1e6:.1f} MB, "
          f"PyTorch {torch_ms(model, example):.1f} ms at 1 thread (fastest of 5); ops: {' '.join(ops)}", flush=True)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    failed = []
    for name in sys.argv[2:] or CLASSIFIERS + OTHERS:
        if os.path.exists(os.path.join(out, name, "test_data_set_0", "output_0.pb")):
            print(f"{name}: already exported, kept (remove {os.path.join(out, name)} to export it again)")
            continue
        try:
            export(name, out)
        except Exception as e:  # one model's failure must not stop the others
            print(f"{name}: export failed: {type(e).__name__}: {e}", flush=True)
            failed.append(name)
    if failed:
        raise SystemExit(f"not exported: {' '.join(failed)}")


if __name__ == "__main__":
    main()
