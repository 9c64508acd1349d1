#!/usr/bin/python3
"""malformed.py - the malformed corpus of `make test` (tests/cli/test_malformed.sh).

  malformed.py gen OUTDIR      writes the corpus: OUTDIR/models/*.onnx and
                               OUTDIR/results/*.json[l]; prints the counts
  malformed.py check EDGEBENCH OUTDIR [JOBS]
                               runs every file through the commands below and
                               prints one line per failure, then a summary

The corpus is generated, deterministically (fixed seeds, no clock), from the
zoo models (models/zoo/*.onnx) and real result files (tests/data/results/):
truncations, bit flips, oversized and negative dimensions, cycles, dangling
names, wrong dtypes, broken attributes and op swaps (models, through the
onnx package's protobuf classes), and deleted keys, wrong types, extreme
numbers, long strings and deep nesting (result files, JSON and JSON Lines).

Each model goes through `edgebench inspect` and `edgebench run -v ref`; each
result file through `edgebench report --no-plots`, `edgebench compare` (with
itself) and `edgebench history add`.  A command passes when it exits
cleanly: 0 (the mutation was harmless), 1 (compare: a regression), 2 or 3
with a message (a line that starts with "edgebench", or run's status column
"failed: ..."), never by a signal; within 1 s of CPU time (user + system, so that other load on the
machine does not decide it; a 20 s wall-clock limit catches a hang) and
under a 2 GiB address-space limit (RLIMIT_AS), with EB_MEM_LIMIT_MB=256
so that the size the suite accepts does not depend on the machine's RAM.
"""
import concurrent.futures
import copy
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZOO = os.path.join(ROOT, "models", "zoo")
RESULTS = os.path.join(ROOT, "tests", "data", "results")

CPU_LIMIT_S = 1.0
# run's message for a variant that did not finish: its row's status
STATUS_RE = re.compile(r"(failed|timeout|crashed|unsupported|interrupted):")
WALL_LIMIT_S = 20
MEM_LIMIT = 2 << 30

# ---- models -----------------------------------------------------------------

# beyond the memory the test allows (EB_MEM_LIMIT_MB below): a big dim that
# fits would be a valid model that is merely slow to run, not a bad file
HUGE_DIMS = [2**31, 2**32 + 1, 2**40, 2**62, 10**7, 2**24]
ODD_DIMS = [-1, -3, 0, -(2**62)]
ONNX_TYPES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 23, 99, -1]
OPS = ["Flatten", "Reshape", "Gather", "Conv", "MatMul", "Gemm", "Concat", "Split", "Transpose",
       "Slice", "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool", "Expand", "Tile", "Squeeze",
       "Unsqueeze", "Pad", "Resize", "ReduceMean", "Clip", "Where", "Cast", "ConstantOfShape",
       "Shape", "Size", "TopK", "OneHot", "Range", "Einsum", "LayerNormalization",
       "BatchNormalization", "ConvTranspose", "DepthToSpace", "GatherElements", "GatherND",
       "ScatterND", "NonZero", "Trilu", "CumSum", "ArgMax", "If", "LSTM", "GRU", "Einsum",
       "QuantizeLinear", "DequantizeLinear", "QLinearConv", "MatMulInteger", "InstanceNormalization",
       "PRelu", "Compress", "EyeLike", "SpaceToDepth", "Foo", ""]
# ops of one input and one output, for a node whose output is omitted
UNARY = ["Flatten", "Relu", "Transpose", "Softmax", "Identity", "Shape", "Size", "GlobalAveragePool",
         "GlobalMaxPool", "Squeeze", "Neg", "Abs", "Sigmoid", "Cast", "ReduceMean", "ArgMax", "LogSoftmax",
         "Sqrt", "Exp", "Tanh", "Erf", "NonZero", "Hardmax", "IsNaN", "Not", "Dropout", "Floor"]
INT_EXTREMES = [-(2**63), 2**63 - 1, 2**62, -(2**62), 2**31, -(2**31), -1, 0, 1, 1000000, -1000000, 100, -100]
FLOAT_EXTREMES = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e38, -1e38, 1e-45]


def _pick_nodes(g, rng, k=1):
    return [g.node[rng.randrange(len(g.node))] for _ in range(k)] if len(g.node) else []


def m_input_dim(m, rng):
    g = m.graph
    vi = g.input[rng.randrange(len(g.input))]
    dims = vi.type.tensor_type.shape.dim
    if not dims:
        return False
    d = dims[rng.randrange(len(dims))]
    d.dim_value = rng.choice(HUGE_DIMS + ODD_DIMS)
    return True


def m_input_rank(m, rng):
    dims = m.graph.input[0].type.tensor_type.shape.dim
    if rng.random() < 0.5 and len(dims):
        del dims[rng.randrange(len(dims)):]
    else:
        for _ in range(rng.choice([1, 5, 10])):
            dims.add().dim_value = rng.choice([1, 2, 7])
    return True


def m_input_type(m, rng):
    m.graph.input[0].type.tensor_type.elem_type = rng.choice(ONNX_TYPES)
    return True


def m_input_notensor(m, rng):
    t = m.graph.input[0].type
    t.ClearField("tensor_type")
    t.sequence_type.elem_type.tensor_type.elem_type = 1
    return True


def _inits(m):
    return list(m.graph.initializer) + [a.t for n in m.graph.node for a in n.attribute if a.HasField("t")]


def m_init_dims(m, rng):
    inits = _inits(m)
    if not inits:
        return False
    t = rng.choice(inits)
    how = rng.randrange(5)
    if how == 0 and len(t.dims):
        t.dims[rng.randrange(len(t.dims))] *= 2
    elif how == 1 and len(t.dims):
        t.dims[rng.randrange(len(t.dims))] = rng.choice(HUGE_DIMS + ODD_DIMS)
    elif how == 2 and len(t.dims):
        del t.dims[-1]
    elif how == 3:
        for _ in range(rng.choice([1, 9, 40])):
            t.dims.append(1)
    else:
        del t.dims[:]
        t.dims.extend([2**20, 2**20, 2**20])
    return True


def m_init_dtype(m, rng):
    inits = _inits(m)
    if not inits:
        return False
    rng.choice(inits).data_type = rng.choice(ONNX_TYPES)
    return True


def m_init_raw_cut(m, rng):
    inits = [t for t in _inits(m) if len(t.raw_data)]
    if not inits:
        return False
    t = rng.choice(inits)
    t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data))]
    return True


def m_init_both_data(m, rng):
    inits = [t for t in _inits(m) if len(t.raw_data)]
    if not inits:
        return False
    t = rng.choice(inits)
    t.float_data.extend([1.0, 2.0, 3.0])
    t.int64_data.extend([1, 2])
    return True


def m_init_external(m, rng):
    inits = _inits(m)
    if not inits:
        return False
    t = rng.choice(inits)
    t.ClearField("raw_data")
    t.data_location = 1  # EXTERNAL
    del t.external_data[:]
    e = t.external_data.add()
    e.key = "location"
    e.value = rng.choice(["nonexistent.bin", "../../../../etc/passwd", "/dev/zero", "/proc/self/mem", "",
                          "a" * 5000, "."])
    if rng.random() < 0.6:
        o = t.external_data.add()
        o.key = rng.choice(["offset", "length"])
        o.value = rng.choice(["0", "-1", "99999999999999999999", "abc", str(2**62), "4"])
    return True


def m_init_remove(m, rng):
    if not len(m.graph.initializer):
        return False
    del m.graph.initializer[rng.randrange(len(m.graph.initializer))]
    return True


def m_init_string(m, rng):
    inits = _inits(m)
    if not inits:
        return False
    t = rng.choice(inits)
    t.ClearField("raw_data")
    t.data_type = 8
    t.string_data.extend([b"x", b"\xff\xfe", b""])
    return True


def m_dangling_input(m, rng):
    for n in _pick_nodes(m.graph, rng):
        if len(n.input):
            n.input[rng.randrange(len(n.input))] = rng.choice(["ghost", "", "input ", "\x00"])
            return True
    return False


def m_dangling_output(m, rng):
    m.graph.output[0].name = rng.choice(["ghost", "", m.graph.input[0].name])
    return True


def m_no_outputs(m, rng):
    del m.graph.output[:]
    return True


def m_cycle(m, rng):
    g = m.graph
    if len(g.node) < 2:
        return False
    a = rng.randrange(len(g.node))
    b = rng.randrange(a, len(g.node))
    if not len(g.node[a].input) or not len(g.node[b].output):
        return False
    g.node[a].input[0] = g.node[b].output[0]  # a < b: b depends on a; a == b: a self-loop
    return True


def m_dup_output(m, rng):
    g = m.graph
    if len(g.node) < 2:
        return False
    a, b = rng.sample(range(len(g.node)), 2)
    if not len(g.node[a].output) or not len(g.node[b].output):
        return False
    g.node[b].output[0] = g.node[a].output[0]
    return True


def m_dup_init(m, rng):
    if not len(m.graph.initializer):
        return False
    m.graph.initializer.add().CopyFrom(rng.choice(m.graph.initializer))
    return True


def m_op_swap(m, rng):
    for n in _pick_nodes(m.graph, rng, rng.choice([1, 1, 2, 3])):
        n.op_type = rng.choice(OPS)
    return True


def m_inputs_drop(m, rng):
    for n in _pick_nodes(m.graph, rng):
        if len(n.input):
            del n.input[rng.randrange(len(n.input)):]
            return True
    return False


def m_inputs_add(m, rng):
    g = m.graph
    names = [i.name for i in g.input] + [t.name for t in g.initializer] + [o for n in g.node for o in n.output]
    for n in _pick_nodes(g, rng):
        for _ in range(rng.choice([1, 2, 8, 40])):
            n.input.append(rng.choice(names + [""]))
        return True
    return False


def m_outputs_change(m, rng):
    for n in _pick_nodes(m.graph, rng):
        if rng.random() < 0.5:
            del n.output[:]
        else:
            for k in range(rng.choice([1, 3, 10])):
                n.output.append("" if rng.random() < 0.3 else "extra_%d_%d" % (id(n) % 97, k))
        return True
    return False


def m_leaf_node(m, rng):
    """A node nothing reads, with its (required) output omitted: the
    shape rule gets no output tensor to describe."""
    g = m.graph
    acts = [i.name for i in g.input] + [o for n in g.node for o in n.output if o]
    names = acts + [t.name for t in g.initializer]
    if rng.random() < 0.7:  # the right number of inputs, the one output omitted
        op = rng.choice(UNARY)
        ins, outs = [rng.choice(acts)], [""]
        if op == "Cast":
            g.node.append(onnx_helper().make_node(op, ins, outs, to=rng.choice([1, 7])))
            return True
    else:
        op = rng.choice(OPS[:-2])
        ins = [rng.choice(names) for _ in range(rng.choice([1, 2, 2, 3]))]
        outs = rng.choice([[""], [""], ["", ""], ["", "leaf_b"], ["leaf_a", ""]])
    g.node.append(onnx_helper().make_node(op, ins, outs))
    return True


def onnx_helper():
    from onnx import helper
    return helper


def m_attr(m, rng):
    nodes = [n for n in m.graph.node if len(n.attribute)]
    if not nodes:
        return False
    n = rng.choice(nodes)
    a = n.attribute[rng.randrange(len(n.attribute))]
    how = rng.randrange(7)
    if how == 0:
        n.attribute.remove(a)
    elif how == 1 and a.type == 2:  # INT
        a.i = rng.choice(INT_EXTREMES)
    elif how == 2 and a.type == 7:  # INTS
        k = rng.randrange(3)
        if k == 0:
            del a.ints[:]
        elif k == 1:
            a.ints.extend([rng.choice(INT_EXTREMES) for _ in range(rng.choice([1, 7, 30]))])
        elif len(a.ints):
            a.ints[rng.randrange(len(a.ints))] = rng.choice(INT_EXTREMES)
    elif how == 3 and a.type == 1:  # FLOAT
        a.f = rng.choice(FLOAT_EXTREMES)
    elif how == 4:  # another type, its fields left as they were
        a.type = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 99])
    elif how == 5 and a.type == 4 and a.HasField("t"):  # TENSOR (Constant's value)
        t = a.t
        if t.data_type == 7 and len(t.raw_data) >= 8:
            vals = [rng.choice(INT_EXTREMES) for _ in range(len(t.raw_data) // 8)]
            t.raw_data = b"".join(v.to_bytes(8, "little", signed=True) for v in vals)
        else:
            t.ClearField("raw_data")
            t.data_type = 7
            del t.dims[:]
            k = rng.choice([0, 1, 3, 9])
            if k:
                t.dims.append(k)
            t.int64_data.extend([rng.choice(INT_EXTREMES) for _ in range(k or 1)])
    else:
        a.ClearField("ints")
        a.ClearField("floats")
        a.ClearField("t")
    return True


def m_attr_add(m, rng):
    for n in _pick_nodes(m.graph, rng, rng.choice([1, 2])):
        name = rng.choice(["axis", "axes", "perm", "kernel_shape", "strides", "pads", "dilations", "group",
                           "keepdims", "to", "mode", "transA", "transB", "alpha", "split", "blocksize",
                           "value", "then_branch", "k", "largest", "batch_dims"])
        for old in [a for a in n.attribute if a.name == name]:
            n.attribute.remove(old)
        a = n.attribute.add()
        a.name = name
        k = rng.randrange(4)
        if k == 0:
            a.type = 2
            a.i = rng.choice(INT_EXTREMES)
        elif k == 1:
            a.type = 7
            a.ints.extend([rng.choice(INT_EXTREMES) for _ in range(rng.choice([0, 1, 2, 4, 9]))])
        elif k == 2:
            a.type = 1
            a.f = rng.choice(FLOAT_EXTREMES)
        else:
            a.type = 3
            a.s = rng.choice([b"", b"nearest", b"\xff" * 3, b"x" * 300])
    return True


def m_const_values(m, rng):
    """Integer constants (shapes, axes, indices, Slice bounds) set to extremes."""
    ts = [t for t in _inits(m) if t.data_type in (6, 7)]
    if not ts:
        return False
    for t in rng.sample(ts, min(len(ts), rng.choice([1, 2, 4]))):
        n = 1
        for d in t.dims:
            n *= d
        if n <= 0 or n > 64:
            continue
        vals = [rng.choice(INT_EXTREMES) for _ in range(n)]
        t.ClearField("int64_data")
        t.ClearField("int32_data")
        w = 8 if t.data_type == 7 else 4
        t.raw_data = b"".join(((v + 2**63) % 2**64 - 2**63 if w == 8 else (v + 2**31) % 2**32 - 2**31)
                              .to_bytes(w, "little", signed=True) for v in vals)
    return True


def m_opset(m, rng):
    k = rng.randrange(4)
    if k == 0:
        del m.opset_import[:]
    elif k == 1:
        m.opset_import[0].version = rng.choice([0, 1, 6, 1000, -1])
    elif k == 2:
        m.opset_import[0].domain = "com.example"
    else:
        for n in _pick_nodes(m.graph, rng):
            n.domain = rng.choice(["ai.onnx.ml", "com.microsoft", "x" * 300])
    return True


def m_header(m, rng):
    k = rng.randrange(3)
    if k == 0:
        m.ir_version = rng.choice([0, -1, 1, 2**62])
    elif k == 1:
        m.ClearField("graph")
    else:
        m.ClearField("ir_version")
    return True


def m_no_nodes(m, rng):
    del m.graph.node[:]
    return True


def m_reverse(m, rng):
    nodes = list(m.graph.node)
    rng.shuffle(nodes)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    return True


STRUCTURAL = [m_input_dim, m_input_rank, m_input_type, m_input_notensor, m_init_dims, m_init_dtype,
              m_init_raw_cut, m_init_both_data, m_init_external, m_init_remove, m_init_string,
              m_dangling_input, m_dangling_output, m_no_outputs, m_cycle, m_dup_output, m_dup_init, m_op_swap,
              m_inputs_drop, m_inputs_add, m_outputs_change, m_leaf_node, m_leaf_node, m_attr, m_attr, m_attr_add, m_const_values,
              m_const_values, m_opset, m_header, m_no_nodes, m_reverse]


def apply(f, m, rng):
    """f(m, rng), False when an earlier mutation left nothing for f to
    work on (protobuf raises on what python's lists would)."""
    try:
        return f(m, rng)
    except (IndexError, ValueError, TypeError):
        return False


def chain_model(onnx, helper, n, reverse, nest=0):
    """A chain of n Identity nodes (reversed: the file lists them last
    first, so a naive topological sort does n passes), or If nodes nested
    nest deep."""
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])
    if nest:
        leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "b0", [], [y])
        inner = leaf
        for k in range(nest):
            c = helper.make_tensor("c%d" % k, onnx.TensorProto.BOOL, [], [True])
            # the else branch a leaf: a copy of inner in both would double the file per level
            node = helper.make_node("If", ["c%d" % k], ["y"], then_branch=inner, else_branch=leaf)
            inner = helper.make_graph([node], "b%d" % (k + 1), [], [y], initializer=[c])
        g = inner
        g.input.append(x)
    else:
        names = ["x"] + ["t%d" % i for i in range(1, n)] + ["y"]
        nodes = [helper.make_node("Identity", [names[i]], [names[i + 1]]) for i in range(n)]
        if reverse:
            nodes.reverse()
        g = helper.make_graph(nodes, "chain", [x], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def gen_models(out):
    import onnx
    from onnx import helper
    os.makedirs(out, exist_ok=True)
    count = 0

    def put(name, data):
        nonlocal count
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(data)
        count += 1

    zoo = sorted(f[:-5] for f in os.listdir(ZOO) if f.endswith(".onnx"))
    # bytes: truncations and bit flips; the big mlp mostly holds weights,
    # whose bytes are all harmless, so it gets fewer
    for zi, name in enumerate(zoo):
        data = open(os.path.join(ZOO, name + ".onnx"), "rb").read()
        rng = random.Random(1000 + zi)
        heavy = len(data) < 800000
        cuts = sorted({0, 1, 2, 5, 16, 100, len(data) - 1, len(data) - 2, len(data) - 50}
                      | {rng.randrange(len(data)) for _ in range(14 if heavy else 5)}
                      | {rng.randrange(min(len(data), 4096)) for _ in range(8 if heavy else 3)})
        for c in cuts:
            put("%s-cut%d" % (name, c), data[:c])
        for k in range(36 if heavy else 10):
            b = bytearray(data)
            for _ in range(rng.choice([1, 1, 2, 4, 16])):
                # the graph's structure (nodes first, inputs and outputs last)
                # sits at the ends; weights in the middle
                r = rng.random()
                pos = rng.randrange(min(len(b), 8192)) if r < 0.5 else (
                    len(b) - 1 - rng.randrange(min(len(b), 2048)) if r < 0.8 else rng.randrange(len(b)))
                b[pos] ^= 1 << rng.randrange(8)
            put("%s-flip%d" % (name, k), bytes(b))
        for k in range(6 if heavy else 2):  # bytes inserted or removed
            b = bytearray(data)
            pos = rng.randrange(min(len(b), 8192))
            if k % 2:
                del b[pos:pos + rng.choice([1, 3, 100])]
            else:
                b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.choice([1, 5, 50])))
            put("%s-splice%d" % (name, k), bytes(b))
    # structure, through the protobuf classes
    for zi, name in enumerate(zoo):
        base = onnx.load(os.path.join(ZOO, name + ".onnx"))
        rng = random.Random(2000 + zi)
        per = 40 if name in ("fmnist-mlp",) else 70
        for k in range(per):
            m = copy.deepcopy(base)
            muts = [rng.choice(STRUCTURAL) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
            if not any([apply(f, m, rng) for f in muts]):
                continue
            put("%s-%s%d" % (name, "+".join(f.__name__[2:] for f in muts), k), m.SerializeToString())
    # large graphs: long chains (file order reversed or not), nested Ifs
    for n in (1000, 30000):
        for rev in (False, True):
            put("chain%d%s" % (n, "-reversed" if rev else ""), chain_model(onnx, helper, n, rev).SerializeToString())
    for nest in (3, 60, 400):
        put("if-nest%d" % nest, chain_model(onnx, helper, 0, False, nest).SerializeToString())
    return count

# ---- result files --------------------------------------------------------


def _paths(o, prefix=()):
    """Every (path) to a value in a JSON tree."""
    yield prefix
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o[:6]):
            yield from _paths(v, prefix + (i,))


def _get(o, p):
    for k in p:
        o = o[k]
    return o


def deep(depth, kind):
    return ("[" * depth + "]" * depth) if kind == 0 else ('{"a":' * depth + "1" + "}" * depth)


BAD_VALUES = [None, True, False, "", "x" * 10000, "\u0000", "\udcff" if False else "\u00ff\u20ac", -1, 0, 1,
              2**63, -(2**63), 1e308, -1e308, 1.5, [], {}, [1, "a", None], {"a": {"b": {}}}, [[[[]]]],
              "NaN", "inf", 10**30]


def mutate_json(doc, rng):
    """One structural mutation of a parsed result document (in place);
    returns the text to write, or None to write the document as JSON."""
    paths = [p for p in _paths(doc) if p]
    p = rng.choice(paths)
    parent, key = _get(doc, p[:-1]), p[-1]
    how = rng.randrange(10)
    if how == 0:
        del parent[key]
    elif how <= 3:
        parent[key] = copy.deepcopy(rng.choice(BAD_VALUES))
    elif how == 4 and isinstance(parent[key], list):
        v = parent[key]
        k = rng.randrange(3)
        if k == 0:
            v.extend([rng.choice([1e308, -1.0, 0.0, "x", None]) for _ in range(rng.choice([10, 1000, 100000]))])
        elif k == 1:
            v[:] = v * rng.choice([2, 50])
        else:
            v.reverse()
    elif how == 5:  # deep nesting as this value
        marker = "@@DEEP@@"
        parent[key] = marker
        text = json.dumps(doc)
        return text.replace('"%s"' % marker, deep(rng.choice([64, 1000, 100000]), rng.randrange(2)))
    elif how == 6 and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = rng.choice([1e300, -1e300, 2**64, -(2**64), 1e-320, 0, -1, 2**31, -(2**31) - 1])
    elif how == 7:  # an extreme number written as text JSON allows
        marker = "@@NUM@@"
        parent[key] = marker
        return json.dumps(doc).replace('"%s"' % marker, rng.choice(["1e400", "-1e400", "1e-400", "-0",
                                                                    "123456789012345678901234567890"]))
    elif how == 8 and isinstance(parent[key], str):
        parent[key] = rng.choice(["", "x" * 100000, "\u00e9" * 3000, "a\u0000b", "\"", "\\", "ok", "failed",
                                  "2026-13-45T99:99:99Z", "../../etc", "<script>", "'\"`$(id)"])
    else:
        parent[key] = copy.deepcopy(_get(doc, rng.choice(paths)))  # a value from elsewhere
    return None


def gen_results(out):
    os.makedirs(out, exist_ok=True)
    count = 0

    def put(name, text):
        nonlocal count
        with open(os.path.join(out, name), "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        count += 1

    files = sorted(os.listdir(RESULTS))
    for fi, fname in enumerate(files):
        stem, ext = os.path.splitext(fname)
        data = open(os.path.join(RESULTS, fname), "rb").read()
        rng = random.Random(3000 + fi)
        for c in sorted({0, 1, 2, len(data) - 1, len(data) - 2} | {rng.randrange(len(data)) for _ in range(20)}):
            put("%s-cut%d%s" % (stem, c, ext), data[:c])
        for k in range(30):
            b = bytearray(data)
            for _ in range(rng.choice([1, 1, 3, 20])):
                pos = rng.randrange(len(b))
                b[pos] ^= 1 << rng.randrange(8)
            put("%s-flip%d%s" % (stem, k, ext), bytes(b))
        for k in range(8):
            b = bytearray(data)
            pos = rng.randrange(len(b))
            b[pos:pos] = rng.choice([b"\x00", b"\xff\xfe", b"\n", b"{", b"]", b"\"", b"\r\n", b"\\u"])
            put("%s-insert%d%s" % (stem, k, ext), bytes(b))
        if ext == ".json":
            base = json.loads(data)
            for k in range(60):
                doc = copy.deepcopy(base)
                text = None
                for _ in range(rng.choice([1, 1, 2, 4])):
                    text = mutate_json(doc, rng) if text is None else text
                put("%s-tree%d%s" % (stem, k, ext), text if text is not None else json.dumps(doc))
        else:
            lines = data.decode().splitlines()
            for k in range(40):
                ls = list(lines)
                i = rng.randrange(len(ls))
                how = rng.randrange(6)
                if how == 0:
                    doc = json.loads(ls[i])
                    text = mutate_json(doc, rng)
                    ls[i] = text if text is not None else json.dumps(doc)
                elif how == 1:
                    ls[i] = ls[i][: rng.randrange(len(ls[i]) + 1)]
                elif how == 2:
                    ls.insert(i, rng.choice(["", " ", "{}", "[]", "null", "1", deep(100000, 0),
                                             json.dumps(json.loads(open(os.path.join(RESULTS, stem + ".json")).read()))]))
                elif how == 3:
                    ls = ls * rng.choice([3, 40])
                elif how == 4:
                    ls[i] = ls[i] + ls[i]
                else:
                    ls[i] = "\r\n".join(ls[i].split(","))
                put("%s-lines%d%s" % (stem, k, ext), "\n".join(ls) + "\n")
    # whole documents that are not result files
    for k, text in enumerate(["", "\n", "null", "[]", "{}", "1e999", '"x"', '{"schema_version": 1}',
                              '{"schema_version": 1, "results": {}}', '{"schema_version": 1, "results": [1]}',
                              '{"schema_version": 1, "results": [{}]}', '{"schema_version": 99, "results": []}',
                              '{"schema_version": "1", "results": []}', '{"schema_version": 1e300, "results": []}',
                              '{"schema_version": 1, "results": []}', deep(10, 1), deep(1000, 0), deep(200000, 0),
                              deep(200000, 1), "\xef\xbb\xbf{}", "{" * 50000]):
        put("doc%d.json" % k, text)
        put("doc%d.jsonl" % k, text)
    return count

# ---- check ------------------------------------------------------------------


# an AddressSanitizer build (make test SANITIZE=1) reserves terabytes of
# shadow address space at start, so RLIMIT_AS would abort every command, and
# its checks make code a few times slower: memory is then bounded by
# EB_MEM_LIMIT_MB alone and the CPU limit scaled (check() says so)
SANITIZED = False
ASAN_CPU_SCALE = 5


def limits():
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
    # a spin the wall clock would catch later: the kernel stops it at 10 s
    resource.setrlimit(resource.RLIMIT_CPU, (10, 11))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_one(argv, cwd, allowed):
    """Runs argv; returns (ok, why, cpu_s, wall_s, maxrss_kb)."""
    env = dict(os.environ, EB_MEM_LIMIT_MB="256", LC_ALL="C")
    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, preexec_fn=limits)
    timed_out = []

    def kill():
        timed_out.append(1)
        p.kill()

    timer = threading.Timer(WALL_LIMIT_S, kill)
    timer.start()
    err = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    timer.cancel()
    p.stdout.close()
    p.returncode = 0  # reaped above: keep Popen from waiting again
    wall = time.monotonic() - t0
    cpu = ru.ru_utime + ru.ru_stime
    text = err.decode("utf-8", "replace")
    if timed_out:
        return False, "timed out after %d s (wall clock)" % WALL_LIMIT_S, cpu, wall, ru.ru_maxrss
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return False, "killed by signal %d (%s)%s" % (sig, signal.Signals(sig).name,
                                                     " (CPU time limit)" if sig == signal.SIGXCPU else ""), \
            cpu, wall, ru.ru_maxrss
    rc = os.WEXITSTATUS(status)
    if rc not in allowed:
        return False, "exit %d (allowed: %s): %s" % (rc, allowed, text.strip().splitlines()[-1:] or ""), cpu, wall, \
            ru.ru_maxrss
    if rc and not any(line.startswith("edgebench") or STATUS_RE.search(line) for line in text.splitlines()):
        return False, "exit %d without a message on stderr" % rc, cpu, wall, ru.ru_maxrss
    if "Sanitizer" in text or "runtime error" in text:
        return False, "sanitizer report: " + text.strip().splitlines()[0], cpu, wall, ru.ru_maxrss
    cpu_limit = CPU_LIMIT_S * (ASAN_CPU_SCALE if SANITIZED else 1)
    if cpu >= cpu_limit:
        return False, "took %.2f s of CPU time (limit %.1f)" % (cpu, cpu_limit), cpu, wall, ru.ru_maxrss
    return True, "", cpu, wall, ru.ru_maxrss


def check(edgebench, corpus, jobs):
    global SANITIZED
    edgebench = os.path.abspath(edgebench)
    with open(edgebench, "rb") as f:
        SANITIZED = b"__asan_init" in f.read()
    if SANITIZED:
        print("an AddressSanitizer build: no address-space limit (its shadow maps), memory bounded by "
              "EB_MEM_LIMIT_MB, CPU limit %.1f s" % (CPU_LIMIT_S * ASAN_CPU_SCALE))
    work = tempfile.mkdtemp(prefix="eb-malformed-")
    jobs_list = []
    mdir, rdir = os.path.join(corpus, "models"), os.path.join(corpus, "results")
    real = os.path.join(RESULTS, "student.json")
    for f in sorted(os.listdir(mdir)):
        path = os.path.join(mdir, f)
        jobs_list.append((path, [edgebench, "inspect", path], (0, 2)))
        jobs_list.append((path, [edgebench, "run", path, "-v", "ref", "-n", "1", "--warmup", "0", "--min-time",
                                 "0", "--eval", "0", "--timeout", "15", "-o", "/dev/null"], (0, 2, 3)))
    for i, f in enumerate(sorted(os.listdir(rdir))):
        path = os.path.join(rdir, f)
        jobs_list.append((path, [edgebench, "report", path, "--no-plots", "-o", "rep%d" % i], (0, 2)))
        jobs_list.append((path, [edgebench, "compare", real, path], (0, 1, 2)))
        jobs_list.append((path, [edgebench, "history", "add", path, "--db", "h%d.sqlite" % i], (0, 2)))
    fails = []
    worst = (0.0, 0.0, None)
    maxrss = 0
    files = set()
    lock = threading.Lock()

    def one(job):
        path, argv, allowed = job
        ok, why, cpu, wall, rss = run_one(argv, work, allowed)
        return path, argv, ok, why, cpu, wall, rss

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for path, argv, ok, why, cpu, wall, rss in ex.map(one, jobs_list):
            with lock:
                files.add(path)
                maxrss = max(maxrss, rss)
                if not ok:
                    fails.append((path, argv, why))
                    print("FAIL %s: %s: %s" % (os.path.relpath(path, corpus), " ".join(argv[1:2]), why))
                elif cpu > worst[0]:
                    worst = (cpu, wall, argv)
    shutil.rmtree(work, ignore_errors=True)
    n_models = len(os.listdir(mdir))
    n_results = len(os.listdir(rdir))
    print("malformed corpus: %d files (%d models, %d result files), %d commands, %d failed" %
          (len(files), n_models, n_results, len(jobs_list), len(fails)))
    if worst[2]:
        print("slowest clean exit: %.3f s CPU (%.3f s wall): %s" %
              (worst[0], worst[1], " ".join(os.path.relpath(a, corpus) if a.startswith(corpus) else
                                            os.path.basename(a) if a == edgebench else a for a in worst[2])))
    print("largest peak RSS: %.1f MiB (limit: %s)" % (maxrss / 1024.0, "EB_MEM_LIMIT_MB=256" if SANITIZED
                                                      else "%d MiB address space" % (MEM_LIMIT >> 20)))
    return 1 if fails else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        out = sys.argv[2]
        nm = gen_models(os.path.join(out, "models"))
        nr = gen_results(os.path.join(out, "results"))
        print("generated %d malformed models and %d malformed result files" % (nm, nr))
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "check":
        return check(sys.argv[2], os.path.abspath(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
