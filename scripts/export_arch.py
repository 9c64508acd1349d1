#!/usr/bin/env python3
"""Exports architecture models with fixed-seed random weights to ONNX.

These are for latency, memory and energy studies on real architectures
(accuracy on random weights means nothing; the trained zoo models are in
models/zoo).  Outputs go to a cache folder and are not committed.

    /usr/bin/python3 scripts/export_arch.py OUTDIR [mobilenet_v2 resnet18 bert]

Each model is written in the layout of the ONNX test data,
OUTDIR/NAME/model.onnx with OUTDIR/NAME/test_data_set_0/{input,output}_0.pb
holding one input and PyTorch's output for it, so that edgebench's
conformance runner can check the whole model against PyTorch.

Needs Debian's python3-torch, python3-torchvision and python3-onnx.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

OPSET = 17  # LayerNormalization is an ONNX op from 17


class EncoderLayer(nn.Module):
    """One BERT layer: self-attention and a GELU feed-forward, post-LayerNorm."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.dh = heads, hidden // heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden)
        self.ff1 = nn.Linear(hidden, ffn)
        self.ff2 = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(x).split(h, dim=-1)
        q = q.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        k = k.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        v = v.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class Bert(nn.Module):
    """BERT-style encoder: 4 layers, hidden 256, 4 heads, sequence 128."""

    def __init__(self, vocab=30522, hidden=256, layers=4, heads=4, seq=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.pos = nn.Parameter(torch.randn(1, seq, hidden) * 0.02)
        self.ln = nn.LayerNorm(hidden)
        self.layers = nn.ModuleList(EncoderLayer(hidden, heads, 4 * hidden) for _ in range(layers))

    def forward(self, ids):
        x = self.ln(self.tok(ids) + self.pos)
        for layer in self.layers:
            x = layer(x)
        return x


def build(name):
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(weights=None), torch.randn(1, 3, 224, 224), "input"
    if name == "resnet18":
        return torchvision.models.resnet18(weights=None), torch.randn(1, 3, 224, 224), "input"
    if name == "bert":
        return Bert(), torch.randint(0, 30522, (1, 128)), "input_ids"
    raise SystemExit(f"unknown model {name}; choose mobilenet_v2, resnet18, bert")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:] or ["mobilenet_v2", "resnet18", "bert"]:
        torch.manual_seed(0)
        model, example, in_name = build(name)
        model.eval()
        case = os.path.join(out, name)
        data = os.path.join(case, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        path = os.path.join(case, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, example, path, opset_version=OPSET, input_names=[in_name],
                              output_names=["output"], do_constant_folding=True)
            expected = model(example)
        for kind, tensor in (("input", example), ("output", expected)):
            proto = numpy_helper.from_array(tensor.numpy())
            with open(os.path.join(data, kind + "_0.pb"), "wb") as f:
                f.write(proto.SerializeToString())
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB) and its test data")


if __name__ == "__main__":
    main()
