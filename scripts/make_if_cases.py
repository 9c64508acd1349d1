#!/usr/bin/env python3
"""make_if_cases.py - the If test models under tests/data/if/.

  if_shape_cond/   a case folder (model.onnx, test_data_set_0/): an If whose
                   condition folds from shape logic (Shape -> Gather -> Equal,
                   as PyTorch exports `if x.size(0) == 2:`), with a branch
                   that reads outer-scope values (a graph input, an
                   initialiser, a node output), holds its own initialiser and
                   Constant, returns an outer value directly, and nests a
                   second If whose condition is a Constant inside the branch;
                   expected outputs computed here with numpy.
  if_runtime_cond.onnx  an If whose condition depends on input values: the
                   suite refuses it ("known only at run time").

Run by tests/cli/test_if_inline.sh.  Usage:
  /usr/bin/python3 scripts/make_if_cases.py [OUTDIR]   (default tests/data/if)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "if")
rng = np.random.default_rng(13)
F = TensorProto.FLOAT


def const(name, a):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(a, name + "_v"))


def save(model, path):
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def shape_cond():
    x = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    b = rng.uniform(-1, 1, (3,)).astype(np.float32)
    # then: inner If (condition a Constant in the branch) picks t * 2 or t * 3,
    # where t = x + w (x: graph input, w: outer initialiser) + b (branch's own)
    inner_then = helper.make_graph([const("two", np.array(2, np.float32)), helper.make_node("Mul", ["t", "two"], ["u"])],
                                   "inner_then", [], [helper.make_tensor_value_info("u", F, None)])
    inner_else = helper.make_graph([const("three", np.array(3, np.float32)),
                                    helper.make_node("Mul", ["t", "three"], ["u2"])],
                                   "inner_else", [], [helper.make_tensor_value_info("u2", F, None)])
    then_g = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["s"]), helper.make_node("Add", ["s", "b"], ["t"]),
         const("inner_c", np.array(False)),
         helper.make_node("If", ["inner_c"], ["v"], then_branch=inner_then, else_branch=inner_else),
         helper.make_node("Sub", ["v", "relu_x"], ["y_then"])],
        "then_body", [], [helper.make_tensor_value_info("y_then", F, None),
                          helper.make_tensor_value_info("relu_x", F, None)],
        initializer=[numpy_helper.from_array(b, "b")])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["y_else"])], "else_body", [],
                               [helper.make_tensor_value_info("y_else", F, None),
                                helper.make_tensor_value_info("x", F, None)])
    nodes = [helper.make_node("Relu", ["x"], ["relu_x"]), helper.make_node("Shape", ["x"], ["shp"]),
             const("zero", np.array(0, np.int64)), helper.make_node("Gather", ["shp", "zero"], ["n"]),
             const("two_i", np.array(2, np.int64)), helper.make_node("Equal", ["n", "two_i"], ["cond"]),
             helper.make_node("If", ["cond"], ["y", "z"], name="shape_if", then_branch=then_g, else_branch=else_g)]
    g = helper.make_graph(nodes, "if_shape_cond", [helper.make_tensor_value_info("x", F, [2, 3])],
                          [helper.make_tensor_value_info("y", F, [2, 3]), helper.make_tensor_value_info("z", F, [2, 3])],
                          initializer=[numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    d = os.path.join(OUT, "if_shape_cond")
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    save(m, os.path.join(d, "model.onnx"))
    relu = np.maximum(x, 0)
    y = (x + w + b) * np.float32(3) - relu
    for name, a in (("input_0", x), ("output_0", y), ("output_1", relu)):
        with open(os.path.join(d, "test_data_set_0", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())


def runtime_cond():
    then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["a"])], "then_body", [],
                               [helper.make_tensor_value_info("a", F, None)])
    else_g = helper.make_graph([helper.make_node("Relu", ["x"], ["c"])], "else_body", [],
                               [helper.make_tensor_value_info("c", F, None)])
    nodes = [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0), const("zero", np.array(0, np.float32)),
             helper.make_node("Greater", ["s", "zero"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], name="runtime_if", then_branch=then_g, else_branch=else_g)]
    g = helper.make_graph(nodes, "if_runtime_cond", [helper.make_tensor_value_info("x", F, [2, 3])],
                          [helper.make_tensor_value_info("y", F, [2, 3])])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(OUT, "if_runtime_cond.onnx"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    shape_cond()
    runtime_cond()
