#!/usr/bin/env python3
"""PyTorch on the GPU, the peer of edgebench's cuda runner (scripts/gpu_check.sh).

Times mobilenet_v2, resnet18 and the BERT-style encoder -- the same
architectures, seed and inputs as scripts/export_arch.py exports to ONNX --
in PyTorch eager mode and under torch.compile, batch 1, end to end like an
edgebench run (the input copied from the host, the output back), median of
the timed runs after a warm-up (torch.compile's compilation is not timed).
fp32 as edgebench's default cuda variant: TF32 is switched off for matmul
and cuDNN unless --tf32 (then compare with cuda:math=tf32).

    python3 bench/perf/torch_gpu.py [--runs N] [--tf32] [--json FILE] [MODEL...]

Prints one line per model and mode; --json also writes
{"model": {"eager": ms, "compile": ms}} for gpu_check.sh's ratios.  A mode
that fails (torch.compile needs a working Triton) prints its error and is
left out of the JSON.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
try:
    import export_arch  # noqa: E402  (the model definitions)
except ImportError:
    # export_arch imports onnx for writing test data, which timing does not
    # need: a GPU machine may have torch without onnx
    import types
    onnx = types.ModuleType("onnx")
    onnx.numpy_helper = None
    sys.modules["onnx"] = onnx
    import export_arch  # noqa: E402


def time_model(fn, x, runs, warmup):
    for _ in range(warmup):
        fn(x.to("cuda")).cpu()
    torch.cuda.synchronize()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(x.to("cuda")).cpu()  # .cpu() waits for the GPU
        ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("models", nargs="*", default=["mobilenet_v2", "resnet18", "bert"])
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch_gpu: skipped: torch sees no CUDA device")
        return 0
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}, "
          f"{'TF32' if a.tf32 else 'fp32 (TF32 off)'}, batch 1, median of {a.runs}")
    out = {}
    for name in a.models:
        torch.manual_seed(0)
        model, example, _ = export_arch.build(name)
        model = model.eval().to("cuda")
        out[name] = {}
        with torch.no_grad():
            for mode in ("eager", "compile"):
                try:
                    fn = model if mode == "eager" else torch.compile(model)
                    ms = time_model(fn, example, a.runs, a.warmup)
                    out[name][mode] = ms
                    print(f"  {name:14s} {mode:8s} {ms:9.3f} ms")
                except Exception as e:  # torch.compile without Triton, out of memory, ...
                    print(f"  {name:14s} {mode:8s} unavailable: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
