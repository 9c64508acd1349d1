#!/usr/bin/env python3
"""Exports the models the cpu runner's graph optimizer (`cpu:opt=0|1|2`) is
measured on, at ONNX opset 13, where PyTorch writes out what later opsets
have ops for:

  encoder13       the BERT-style encoder of scripts/export_arch.py (the same
                  class, imported): LayerNorm as ReduceMean/Sub/Pow/
                  ReduceMean/Add/Sqrt/Div/Mul/Add, GELU as Div/Erf/Add/Mul/Mul
  encoder13_tanh  the same with the feed-forward's GELU in its tanh form
                  (GPT-2's, Pow/Mul/Add/Tanh written out)
  efficientnet_b0, mobilenet_v3_small   squeeze-and-excitation blocks, SiLU
                  and HardSwish (torchvision 0.14)
  shufflenet_v2_x1_0   channel shuffles (Reshape-Transpose-Reshape)

    /usr/bin/python3 scripts/export_opt_models.py OUTDIR [NAME...]

writes OUTDIR/NAME/model.onnx and its test_data_set_0 like export_arch.py.
Random weights, seed 0; not committed.
"""
import os
import sys

import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_arch  # noqa: E402  (the same encoder, not a copy)


def gelu_tanh(x):
    # GPT-2's NewGELUActivation, as HF writes it
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * torch.pow(x, 3.0))))


class TanhLayer(export_arch.EncoderLayer):
    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(x).split(h, dim=-1)
        q = q.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        k = k.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        v = v.reshape(b, s, self.heads, self.dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / (self.dh ** 0.5), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.ff2(gelu_tanh(self.ff1(x))))


def build(name):
    if name in ("encoder13", "encoder13_tanh"):
        model = export_arch.Bert()
        if name == "encoder13_tanh":
            model.layers = nn.ModuleList(TanhLayer(256, 4, 1024) for _ in range(4))
        return model, torch.randint(0, 30522, (1, 128)), "input_ids"
    if name in ("efficientnet_b0", "mobilenet_v3_small", "shufflenet_v2_x1_0"):
        return getattr(torchvision.models, name)(weights=None), torch.randn(1, 3, 224, 224), "input"
    raise SystemExit(f"unknown model {name}")


NAMES = ["encoder13", "encoder13_tanh", "efficientnet_b0", "mobilenet_v3_small", "shufflenet_v2_x1_0"]


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for name in sys.argv[2:] or NAMES:
        torch.manual_seed(0)
        model, example, in_name = build(name)
        model.eval()
        case = os.path.join(sys.argv[1], name)
        data = os.path.join(case, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        path = os.path.join(case, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, example, path, opset_version=13, input_names=[in_name],
                              output_names=["output"], do_constant_folding=True)
            expected = model(example)
        for kind, tensor in (("input", example), ("output", expected)):
            with open(os.path.join(data, kind + "_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(tensor.numpy()).SerializeToString())
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB) and its test data")


if __name__ == "__main__":
    main()
