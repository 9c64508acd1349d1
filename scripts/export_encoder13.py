#!/usr/bin/env python3
"""Exports the BERT-style encoder of scripts/export_arch.py at ONNX opset 13,
where PyTorch writes LayerNorm out as ReduceMean/Sub/Pow/ReduceMean/Add/
Sqrt/Div/Mul/Add and GELU as Div/Erf/Add/Mul/Mul: the shape a user's older
export has, for the cpu runner's graph optimizer (`cpu:opt=0|1|2`).

    /usr/bin/python3 scripts/export_encoder13.py OUTDIR [--tanh]

writes OUTDIR/encoder13/model.onnx (or encoder13_tanh with --tanh: the
feed-forward's GELU in its tanh form, written out in Mul/Tanh/Add) and its
test_data_set_0 like export_arch.py.  Random weights, seed 0; not committed.
"""
import os
import sys

import torch
import torch.nn as nn
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


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    tanh = "--tanh" in sys.argv[2:]
    torch.manual_seed(0)
    model = export_arch.Bert()
    if tanh:
        model.layers = nn.ModuleList(TanhLayer(256, 4, 1024) for _ in range(4))
    model.eval()
    example = torch.randint(0, 30522, (1, 128))
    case = os.path.join(sys.argv[1], "encoder13_tanh" if tanh else "encoder13")
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(case, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(model, example, path, opset_version=13, input_names=["input_ids"],
                          output_names=["output"], do_constant_folding=True)
        expected = model(example)
    for kind, tensor in (("input", example), ("output", expected)):
        with open(os.path.join(data, kind + "_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(tensor.numpy()).SerializeToString())
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB) and its test data")


if __name__ == "__main__":
    main()
