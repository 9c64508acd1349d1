#!/usr/bin/env python3
"""make_quant_model.py - writes a tiny ONNX model that uses every ONNX
quantization op the suite runs (QuantizeLinear, DequantizeLinear per tensor
and per axis, DynamicQuantizeLinear, QLinearConv with per-channel weights
and a bias, QLinearMatMul, MatMulInteger, ConvInteger) in both styles a
quantizer exports: QOperator (QLinearConv, ...) and QDQ (a float Conv
between DequantizeLinear nodes).  Its input is f32 [1, 2, 5, 5], like a
model quantized by ONNX Runtime or PyTorch; with `u8` the input is
already quantized (u8 [1, 2, 5, 5], the first QuantizeLinear left out).

Standard library only (the protobuf wire format written by hand), so that
the test that runs it (tests/cli/test_quant_model.sh) needs nothing beyond
python3; the weights come from a fixed linear congruential generator, so
the file is the same on every run.

    python3 scripts/make_quant_model.py OUT.onnx [u8]
"""
import struct
import sys

FLOAT, UINT8, INT8, INT32 = 1, 2, 3, 6


def varint(v):
    v &= (1 << 64) - 1
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def key(field, wire):
    return varint(field << 3 | wire)


def f_int(field, v):
    return key(field, 0) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, 2) + varint(len(b)) + b


def f_float(field, v):
    return key(field, 5) + struct.pack("<f", v)


class Rng:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return self.s >> 33

    def ints(self, n, lo, hi):
        return [lo + self.next() % (hi - lo + 1) for _ in range(n)]

    def floats(self, n, lo, hi):
        return [lo + (hi - lo) * (self.next() % 10000) / 10000.0 for _ in range(n)]


PACK = {FLOAT: "<%df", UINT8: "<%dB", INT8: "<%db", INT32: "<%di"}


def tensor(name, dt, dims, vals):
    b = b"".join(f_int(1, d) for d in dims) + f_int(2, dt) + f_bytes(8, name)
    return b + f_bytes(9, struct.pack(PACK[dt] % len(vals), *vals))


def value_info(name, dt, dims):
    shape = b"".join(f_bytes(1, f_int(1, d)) for d in dims)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, f_int(1, dt) + f_bytes(2, shape)))


def attr_int(name, v):
    return f_bytes(1, name) + f_int(3, v) + f_int(20, 2)


def attr_ints(name, vs):
    return f_bytes(1, name) + b"".join(f_int(8, v) for v in vs) + f_int(20, 7)


def node(op, ins, outs, name, attrs=()):
    b = b"".join(f_bytes(1, i) for i in ins) + b"".join(f_bytes(2, o) for o in outs)
    return b + f_bytes(3, name) + f_bytes(4, op) + b"".join(f_bytes(5, a) for a in attrs)


def model(u8_input):
    r = Rng(11)
    inits = [
        tensor("xs", FLOAT, [], [0.02]), tensor("xz", UINT8, [], [128]),
        tensor("w", INT8, [3, 2, 3, 3], r.ints(54, -100, 100)),
        tensor("ws", FLOAT, [3], r.floats(3, 0.002, 0.01)), tensor("wz", INT8, [3], [0, 0, 0]),
        tensor("ys", FLOAT, [], [0.05]), tensor("yz", UINT8, [], [100]),
        tensor("bias", INT32, [3], r.ints(3, -2000, 2000)),
        tensor("wu", UINT8, [3, 2, 3, 3], r.ints(54, 0, 255)), tensor("wuz", UINT8, [], [127]),
        tensor("b", UINT8, [75, 4], r.ints(300, 0, 255)), tensor("bs", FLOAT, [], [0.004]),
        tensor("bz", UINT8, [], [120]), tensor("ms", FLOAT, [], [0.08]), tensor("mz", UINT8, [], [128]),
        tensor("accs", FLOAT, [], [0.0001]),
    ]
    conv = [attr_ints("pads", [1, 1, 1, 1]), attr_ints("kernel_shape", [3, 3])]
    nodes = [
        # QOperator: quantize, QLinearConv, dequantize
        node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], "quant_x"),
        node("QLinearConv", ["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"], ["yq"], "qconv", conv),
        node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], "dequant_y"),
        node("Flatten", ["y"], ["yf"], "flatten", [attr_int("axis", 1)]),
        # QLinearMatMul on a static grid
        node("QuantizeLinear", ["yf", "ys", "yz"], ["yfq"], "quant_yf"),
        node("QLinearMatMul", ["yfq", "ys", "yz", "b", "bs", "bz", "ms", "mz"], ["mq"], "qmatmul"),
        node("DequantizeLinear", ["mq", "ms", "mz"], ["out_qlinear"], "dequant_m"),
        # dynamic activations: DynamicQuantizeLinear, MatMulInteger, i32 dequantized
        node("DynamicQuantizeLinear", ["yf"], ["a", "as", "az"], "dynquant"),
        node("MatMulInteger", ["a", "b", "az", "bz"], ["acc"], "matmul_int"),
        node("DequantizeLinear", ["acc", "accs"], ["out_integer"], "dequant_acc"),
        node("ConvInteger", ["xq", "wu", "xz", "wuz"], ["cacc"], "conv_int", conv),
        node("DequantizeLinear", ["cacc", "accs"], ["out_convint"], "dequant_cacc"),
        # QDQ: a float Conv on dequantized activations and a per-axis weight
        node("DequantizeLinear", ["xq", "xs", "xz"], ["xdq"], "dequant_x"),
        node("DequantizeLinear", ["w", "ws", "wz"], ["wdq"], "dequant_w", [attr_int("axis", 0)]),
        node("Conv", ["xdq", "wdq"], ["out_qdq"], "conv", conv),
    ]
    if u8_input:
        nodes = nodes[1:]
    graph = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "quant_ops")
    graph += b"".join(f_bytes(5, t) for t in inits)
    graph += f_bytes(11, value_info("xq", UINT8, [1, 2, 5, 5]) if u8_input else value_info("x", FLOAT, [1, 2, 5, 5]))
    for name, dims in [("out_qlinear", [1, 4]), ("out_integer", [1, 4]), ("out_convint", [1, 3, 5, 5]),
                       ("out_qdq", [1, 3, 5, 5])]:
        graph += f_bytes(12, value_info(name, FLOAT, dims))
    opset = f_bytes(1, "") + f_int(2, 13)
    return f_int(1, 7) + f_bytes(2, "edgebench make_quant_model.py") + f_bytes(7, graph) + f_bytes(8, opset)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["u8"]):
        sys.exit("usage: make_quant_model.py OUT.onnx [u8]")
    with open(sys.argv[1], "wb") as f:
        f.write(model(sys.argv[2:] == ["u8"]))
