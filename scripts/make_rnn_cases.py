#!/usr/bin/env python3
"""make_rnn_cases.py - the recurrent-op test cases under tests/data/rnn/.

Each case is a folder laid out like an ONNX node test (model.onnx,
test_data_set_0/input_N.pb, output_N.pb) that build/tests/test_onnx_node
runs with --case (tests/cli/test_rnn_cases.sh).  Two kinds:

  torch_*   nn.LSTM / nn.GRU / nn.RNN models exported by torch.onnx.export
            (what keyword spotters ship), with PyTorch's own outputs;
  onnx_*    single LSTM/GRU/RNN nodes made with onnx.helper for what
            PyTorch never exports (reverse direction, sequence_lens, layout
            1, other activations and their alpha/beta, clip, peepholes,
            GRU linear_before_reset=0, input_forget), with outputs from the
            numpy implementation of the ONNX equations below, written apart
            from the C kernel.

Data are random (seeded), never zeros.  Usage:
  /usr/bin/python3 scripts/make_rnn_cases.py [OUTDIR]   (default tests/data/rnn)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "rnn")
rng = np.random.default_rng(13)


def act(name, x, alpha, beta):
    if name == "Relu":
        return np.maximum(x, 0)
    if name == "Tanh":
        return np.tanh(x)
    if name == "Sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "Affine":
        return alpha * x + beta
    if name == "LeakyRelu":
        return np.where(x >= 0, x, alpha * x)
    if name == "ThresholdedRelu":
        return np.where(x > alpha, x, 0)
    if name == "ScaledTanh":
        return alpha * np.tanh(beta * x)
    if name == "HardSigmoid":
        return np.clip(alpha * x + beta, 0, 1)
    if name == "Elu":
        return np.where(x >= 0, x, alpha * (np.exp(x) - 1))
    if name == "Softsign":
        return x / (1 + np.abs(x))
    if name == "Softplus":
        return np.log1p(np.exp(x))
    raise ValueError(name)


ALPHA = {"Affine": 1.0, "LeakyRelu": 0.01, "ThresholdedRelu": 1.0, "ScaledTanh": 1.0, "HardSigmoid": 0.2, "Elu": 1.0}
BETA = {"Affine": 0.0, "ScaledTanh": 1.0, "HardSigmoid": 0.5}


def resolve_acts(names, alphas, betas):
    """(name, alpha, beta) per activation; alpha/beta consumed in order by
    the functions that take them (ONNX Runtime's reading)."""
    alphas, betas, out = list(alphas), list(betas), []
    for nm in names:
        a = alphas.pop(0) if nm in ALPHA and alphas else ALPHA.get(nm, 0.0)
        b = betas.pop(0) if nm in BETA and betas else BETA.get(nm, 0.0)
        out.append((nm, a, b))
    return out


def oracle(op, X, W, R, B=None, lens=None, h0=None, c0=None, P=None, direction="forward", layout=0,
           acts=None, alphas=(), betas=(), clip=None, lbr=0, input_forget=0):
    """The ONNX equations in float64; returns Y, Y_h (, Y_c)."""
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    nact = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    X = X.astype(np.float64)
    if layout:
        X = X.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    S, Bn, _ = X.shape
    D = W.shape[0]
    H = R.shape[2]
    default = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[op]
    names = acts or default * D
    if len(names) == nact:
        names = names * D
    fs = resolve_acts(names, alphas, betas)
    lens = np.full(Bn, S) if lens is None else lens
    Y = np.zeros((S, D, Bn, H))
    Yh = np.zeros((D, Bn, H))
    Yc = np.zeros((D, Bn, H))
    cl = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
    for d in range(D):
        f = [lambda v, a=fs[d * nact + k]: act(a[0], v, a[1], a[2]) for k in range(nact)]
        back = direction == "reverse" or d == 1
        Wd, Rd = W[d].astype(np.float64), R[d].astype(np.float64)
        Wb = np.zeros(G * H) if B is None else B[d, :G * H].astype(np.float64)
        Rb = np.zeros(G * H) if B is None else B[d, G * H:].astype(np.float64)
        for b in range(Bn):
            h = np.zeros(H) if h0 is None else h0[d, b].astype(np.float64)
            c = np.zeros(H) if c0 is None else c0[d, b].astype(np.float64)
            n = int(lens[b])
            for s in range(n):
                t = n - 1 - s if back else s
                xw = Wd @ X[t, b] + Wb
                if op == "LSTM":
                    hr = Rd @ h + Rb
                    p = np.zeros(3 * H) if P is None else P[d].astype(np.float64)
                    i = f[0](cl(xw[:H] + hr[:H] + p[:H] * c))
                    fg = 1 - i if input_forget else f[0](cl(xw[2 * H:3 * H] + hr[2 * H:3 * H] + p[2 * H:] * c))
                    g = f[1](cl(xw[3 * H:] + hr[3 * H:]))
                    c = fg * c + i * g
                    o = f[0](cl(xw[H:2 * H] + hr[H:2 * H] + p[H:2 * H] * c))
                    h = o * f[2](c)
                elif op == "GRU":
                    z = f[0](cl(xw[:H] + Rd[:H] @ h + Rb[:H]))
                    r = f[0](cl(xw[H:2 * H] + Rd[H:2 * H] @ h + Rb[H:2 * H]))
                    if lbr:
                        hh = f[1](cl(xw[2 * H:] + r * (Rd[2 * H:] @ h + Rb[2 * H:])))
                    else:
                        hh = f[1](cl(xw[2 * H:] + Rd[2 * H:] @ (r * h) + Rb[2 * H:]))
                    h = (1 - z) * hh + z * h
                else:
                    h = f[0](cl(xw + Rd @ h + Rb))
                Y[t, d, b] = h
            Yh[d, b] = h
            Yc[d, b] = c
    if layout:
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    outs = [Y, Yh] + ([Yc] if op == "LSTM" else [])
    return [o.astype(np.float32) for o in outs]


def write_case(name, model, inputs, outputs):
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for k, (nm, a) in enumerate(inputs):
        with open(os.path.join(d, "test_data_set_0", f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, nm).SerializeToString())
    for k, (nm, a) in enumerate(outputs):
        with open(os.path.join(d, "test_data_set_0", f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, nm).SerializeToString())


def r32(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def onnx_case(name, op, S=4, Bn=3, I=3, H=4, direction="forward", layout=0, bias=True, lens=None, h0=False,
              c0=False, peep=False, acts=None, alphas=None, betas=None, clip=None, lbr=None, input_forget=None,
              outputs=("Y", "Y_h", "Y_c")):
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    D = 2 if direction == "bidirectional" else 1
    X = r32(Bn, S, I) if layout else r32(S, Bn, I)
    W, R = r32(D, G * H, I), r32(D, G * H, H)
    feeds = [("X", X), ("W", W), ("R", R)]
    opt = {"B": r32(D, 2 * G * H) if bias else None,
           "sequence_lens": np.array(lens, np.int32) if lens is not None else None,
           "initial_h": (r32(Bn, D, H) if layout else r32(D, Bn, H)) if h0 else None,
           "initial_c": (r32(Bn, D, H) if layout else r32(D, Bn, H)) if c0 else None,
           "P": r32(D, 3 * H) if peep else None}
    order = ["B", "sequence_lens", "initial_h"] + (["initial_c", "P"] if op == "LSTM" else [])
    names = ["X", "W", "R"]
    for k in order:
        names.append(k if opt[k] is not None else "")
        if opt[k] is not None:
            feeds.append((k, opt[k]))
    while names[-1] == "":
        names.pop()
    attrs = {"hidden_size": H}
    if direction != "forward":
        attrs["direction"] = direction
    if layout:
        attrs["layout"] = 1
    for key, v in (("activations", acts), ("activation_alpha", alphas), ("activation_beta", betas),
                   ("clip", clip), ("linear_before_reset", lbr), ("input_forget", input_forget)):
        if v is not None:
            attrs[key] = v
    want = oracle(op, X, W, R, opt["B"], opt["sequence_lens"], opt["initial_h"], opt["initial_c"], opt["P"],
                  direction, layout, acts, alphas or (), betas or (), clip, lbr or 0, input_forget or 0)
    all_outs = ["Y", "Y_h", "Y_c"][:len(want)]
    outs = [o if o in outputs else "" for o in all_outs]
    while outs[-1] == "":
        outs.pop()
    node = helper.make_node(op, names, outs, **attrs)
    vi = lambda nm, a: helper.make_tensor_value_info(nm, TensorProto.INT32 if a.dtype == np.int32 else
                                                     TensorProto.FLOAT, a.shape)
    got = [(o, want[k]) for k, o in enumerate(outs) if o]
    graph = helper.make_graph([node], name, [vi(n, a) for n, a in feeds], [vi(n, a) for n, a in got])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 7
    write_case(name, model, feeds, got)


def onnx_cases():
    onnx_case("onnx_lstm_bidir_lens_states", "LSTM", direction="bidirectional", lens=[4, 2, 1], h0=True, c0=True,
              peep=True)
    onnx_case("onnx_lstm_reverse_layout1", "LSTM", direction="reverse", layout=1, h0=True, c0=True)
    onnx_case("onnx_lstm_acts_clip", "LSTM", direction="bidirectional", clip=0.7,
              acts=["HardSigmoid", "LeakyRelu", "ScaledTanh", "Sigmoid", "Tanh", "Relu"],
              alphas=[0.3, 0.05, 0.9], betas=[0.4, 1.2], outputs=("Y", "Y_c"))
    onnx_case("onnx_lstm_input_forget", "LSTM", input_forget=1, peep=True, outputs=("Y_h",))
    onnx_case("onnx_gru_lbr0_bidir_lens", "GRU", direction="bidirectional", lens=[3, 0, 4], h0=True, lbr=0)
    onnx_case("onnx_gru_lbr1_reverse_layout1", "GRU", direction="reverse", layout=1, lbr=1, h0=True)
    onnx_case("onnx_gru_acts", "GRU", acts=["Sigmoid", "Relu"], clip=2.0, lbr=1)
    onnx_case("onnx_rnn_bidir_relu_layout1", "RNN", direction="bidirectional", layout=1, acts=["Relu", "Tanh"],
              lens=[1, 4, 2], h0=True)
    onnx_case("onnx_rnn_reverse_sigmoid", "RNN", direction="reverse", acts=["Sigmoid"], bias=False)
    onnx_case("onnx_rnn_affine_elu", "RNN", direction="bidirectional", acts=["Affine", "Elu"], alphas=[0.5, 0.8],
              betas=[0.1], outputs=("Y",))


def torch_cases():
    import torch
    torch.manual_seed(13)

    class Net(torch.nn.Module):
        def __init__(self, rnn, out):
            super().__init__()
            self.rnn, self.fc = rnn, torch.nn.Linear(out, 3)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.fc(y)

    nets = {
        "torch_lstm_bidir_2layers": (torch.nn.LSTM(4, 5, num_layers=2, bidirectional=True), 10, (6, 2, 4)),
        "torch_gru_bidir_batch_first": (torch.nn.GRU(4, 5, num_layers=2, bidirectional=True, batch_first=True), 10,
                                        (2, 6, 4)),
        "torch_rnn_relu": (torch.nn.RNN(4, 5, nonlinearity="relu"), 5, (6, 2, 4)),
    }
    for name, (rnn, out, shape) in nets.items():
        net = Net(rnn, out).eval()
        x = torch.randn(*shape)
        with torch.no_grad():
            y = net(x)
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        torch.onnx.export(net, x, os.path.join(d, "model.onnx"), opset_version=14, input_names=["x"],
                          output_names=["y"])
        write_case(name, onnx.load(os.path.join(d, "model.onnx")), [("x", x.numpy())], [("y", y.numpy())])


if __name__ == "__main__":
    onnx_cases()
    try:
        torch_cases()
    except ImportError as e:
        print(f"torch cases not made: {e}", file=sys.stderr)
