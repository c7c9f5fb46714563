#!/usr/bin/env python3
"""Generates the bad-input corpus: one folder per case under OUTDIR.

Each case is a model (plus the files it needs: external data, symlinks, .npy inputs) with
exactly one defect, and a case.json saying how to run it and what must come out:

  {"name": ..., "description": ..., "args": ["run", "model.onnx", ...],
   "exit": 2, "stderr": "<regex the CLI's stderr must match>"}

`args` are passed to the steadfast CLI with the case folder as working directory. OUTDIR/manifest.json
lists every case (the same records plus "dir"). A few control cases (exit 0) are the same
models without the defect, so a failure of the bad twin cannot come from something else.

Usage: make_corpus.py OUTDIR      (needs onnx and numpy: run with the repo's .venv/bin/python)
"""
import json
import os
import random
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
CASES = []


def model_of(nodes, inputs, outputs, initializers=(), opset=OPSET, name="bad_input_case"):
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs), list(initializers))
    m = helper.make_model(graph, producer_name="steadfast-bad-inputs",
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vinfo(name, elem=TensorProto.FLOAT, shape=(2, 3)):
    return helper.make_tensor_value_info(name, elem, list(shape))


def relu_model(**kw):
    """The well-formed base: x float[2,3] -> Relu 'relu' -> y."""
    return model_of([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                    [vinfo("x")], [vinfo("y")], **kw)


def add_with_initializer(init):
    """y = x + w where w is the given initializer (shape [2,3] when well-formed)."""
    return model_of([helper.make_node("Add", ["x", init.name], ["y"], name="add_w")],
                    [vinfo("x")], [vinfo("y")], [init])


def external_tensor(name, location, offset=None, length=None, shape=(2, 3)):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(shape)
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", offset), ("length", length)):
        if v is not None:
            e = t.external_data.add()
            e.key, e.value = k, str(v)
    return t


class Case:
    def __init__(self, out, name, description, stderr, exit_code=2, args=None, model="model.onnx"):
        self.dir = os.path.join(out, name)
        os.makedirs(self.dir)
        self.record = {"name": name, "description": description,
                       "args": args if args is not None else ["run", model, "--random", "-q"],
                       "exit": exit_code, "stderr": stderr, "dir": name}
        CASES.append(self.record)

    def path(self, rel):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def write_model(self, m, rel="model.onnx"):
        with open(self.path(rel), "wb") as f:
            f.write(m.SerializeToString())

    def write_bytes(self, data, rel="model.onnx"):
        with open(self.path(rel), "wb") as f:
            f.write(data)

    def write_npy(self, arr, rel):
        np.save(self.path(rel), arr, allow_pickle=False)

    def finish(self):
        with open(os.path.join(self.dir, "case.json"), "w") as f:
            json.dump(self.record, f, indent=2)


# ---- protobuf-level helpers: hand-encoded fields --------------------------------------------

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    """A raw protobuf field: tag then payload (payload already encoded for its wire type)."""
    return varint((num << 3) | wire) + payload


def len_field(num, data):
    return field(num, 2, varint(len(data)) + data)


# ---- the cases ------------------------------------------------------------------------------

def make_all(out):
    # Controls: the well-formed twins of the cases below (exit 0).
    c = Case(out, "control_relu", "well-formed base model (control)", "^$", exit_code=0)
    c.write_model(relu_model())
    c.finish()

    # Empty file, random bytes, truncated model.
    c = Case(out, "empty_file", "a zero-byte .onnx file", r"model file is empty")
    c.write_bytes(b"")
    c.finish()

    c = Case(out, "random_bytes", "4 KiB of seeded random bytes",
             r"not a valid ONNX model")
    c.write_bytes(random.Random(20240601).randbytes(4096))
    c.finish()

    # Truncated: a model whose 4 KiB initializer is cut in the middle of its raw_data.
    w = numpy_helper.from_array(np.arange(1024, dtype=np.float32).reshape(32, 32), "w")
    m = model_of([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                 [vinfo("x", shape=(32, 32))], [vinfo("y", shape=(32, 32))], [w])
    data = m.SerializeToString()
    c = Case(out, "truncated_model", "a valid model cut off in the middle of an initializer",
             r"not a valid ONNX model: the protobuf could not be parsed")
    c.write_bytes(data[: len(data) // 2])
    c.finish()

    # Wrong wire types. (a) ModelProto.graph (field 7, a message) sent as a varint: protobuf puts
    # it among unknown fields, the loader must say which field is wrong.
    good = relu_model()
    graph_bytes = good.graph.SerializeToString()
    head = len_field(8, good.opset_import[0].SerializeToString()) + field(1, 0, varint(8))
    c = Case(out, "wire_type_graph_varint", "ModelProto.graph encoded as a varint",
             r"field 'graph' \(number 7 of ModelProto\) has wire type varint, expected "
             r"length-delimited")
    c.write_bytes(head + field(7, 0, varint(12345)))
    c.finish()
    # (b) A node's op_type (field 4 of NodeProto, a string) sent as fixed32, inside the graph.
    node = good.graph.node[0]
    bad_node = (len_field(1, b"x") + len_field(2, b"y") + len_field(3, node.name.encode()) +
                field(4, 5, b"Relu"))
    rest = good.graph
    g_bytes = len_field(1, bad_node) + b"".join(
        len_field(11, vi.SerializeToString()) for vi in rest.input) + b"".join(
        len_field(12, vi.SerializeToString()) for vi in rest.output) + len_field(2, b"g")
    c = Case(out, "wire_type_node_field", "NodeProto.op_type encoded as fixed32",
             r"model\.graph \('g'\)\.node\[0\] \('relu'\): field 'op_type' \(number 4 of NodeProto\) has "
             r"wire type fixed32, expected length-delimited")
    c.write_bytes(head + len_field(7, g_bytes))
    c.finish()
    # (c) Wire type 7 does not exist: the parse itself fails.
    c = Case(out, "wire_type_invalid", "a field with the non-existent wire type 7",
             r"not a valid ONNX model: the protobuf could not be parsed")
    c.write_bytes(head + field(7, 7, b"\x00\x00\x00\x00") + len_field(7, graph_bytes))
    c.finish()

    # Tensor shapes and data.
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    c = Case(out, "control_initializer", "x + w with a well-formed initializer (control)", "^$",
             exit_code=0)
    c.write_model(add_with_initializer(w))
    c.finish()

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    del w.dims[:]
    w.dims.extend([-2, -3])
    c = Case(out, "negative_dims", "an initializer with dims [-2,-3] and 6 values",
             r"initializer 'w': negative dim -2 in shape")
    c.write_model(add_with_initializer(w))
    c.finish()

    c = Case(out, "negative_dims_declared", "a graph input declared with shape [2,-3]",
             r"value 'x': negative dim -3 in declared shape")
    m = relu_model()
    m.graph.input[0].type.tensor_type.shape.dim[1].dim_value = -3
    c.write_model(m)
    c.finish()

    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 40])
    w.raw_data = b"\0" * 24
    c = Case(out, "dims_overflow", "initializer dims [2^40, 2^40]: the element count overflows",
             r"initializer 'w': element count of shape \[1099511627776,1099511627776\] overflows")
    c.write_model(add_with_initializer(w))
    c.finish()

    w = TensorProto(name="w", data_type=TensorProto.DOUBLE, dims=[1 << 31, 1 << 31])
    w.raw_data = b"\0" * 24
    c = Case(out, "dims_bytes_overflow",
             "initializer float64[2^31,2^31]: the count fits int64 but the bytes do not",
             r"initializer 'w': float64\[2147483648,2147483648\] needs more than "
             r"9223372036854775807 bytes")
    c.write_model(add_with_initializer(w))
    c.finish()

    c = Case(out, "dims_overflow_declared", "a graph input declared [2^32,2^32,2^32]",
             r"value 'x': element count of declared shape \[4294967296,4294967296,4294967296\] "
             r"overflows int64")
    m = relu_model()
    m.graph.input[0].type.tensor_type.shape.ClearField("dim")
    for _ in range(3):
        m.graph.input[0].type.tensor_type.shape.dim.add().dim_value = 1 << 32
    c.write_model(m)
    c.finish()

    c = Case(out, "dims_overflow_beside_zero",
             "a graph input declared [0,4,2^62]: no elements, but its strides overflow",
             r"value 'x': element count of declared shape \[0,4,4611686018427387904\] overflows")
    m = relu_model()
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_value, dims[1].dim_value = 0, 4
    dims.add().dim_value = 1 << 62
    c.write_model(m)
    c.finish()

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    del w.float_data[5:]
    c = Case(out, "shape_data_mismatch", "float_data holds 5 values, dims say [2,3]",
             r"initializer 'w': float_data holds 5 values but shape \[2,3\] needs 6")
    c.write_model(add_with_initializer(w))
    c.finish()

    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, 3])
    w.raw_data = np.ones(2, np.float32).tobytes()
    c = Case(out, "raw_data_short", "raw_data has 8 bytes, float32[2,3] needs 24",
             r"initializer 'w': raw_data has 8 bytes but float32\[2,3\] needs 24")
    c.write_model(add_with_initializer(w))
    c.finish()

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    w.data_type = 99
    c = Case(out, "unknown_dtype", "an initializer with data_type 99",
             r"initializer 'w': unknown data type 99")
    c.write_model(add_with_initializer(w))
    c.finish()

    # Graph structure.
    c = Case(out, "undefined_input", "a node reads a value nothing defines",
             r"Add 'add': input 'nope' is not defined by any node, input or initializer")
    c.write_model(model_of([helper.make_node("Add", ["x", "nope"], ["y"], name="add")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    c = Case(out, "graph_cycle", "a -> b -> a",
             r"has a cycle: Relu 'a' -> Add 'b' -> Relu 'a'|"
             r"has a cycle: Add 'b' -> Relu 'a' -> Add 'b'")
    c.write_model(model_of([helper.make_node("Relu", ["b_out"], ["a_out"], name="a"),
                            helper.make_node("Add", ["a_out", "x"], ["b_out"], name="b"),
                            helper.make_node("Relu", ["b_out"], ["y"], name="tail")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    c = Case(out, "control_unsorted", "nodes listed out of order, no cycle (control)", "^$",
             exit_code=0)
    c.write_model(model_of([helper.make_node("Relu", ["t"], ["y"], name="second"),
                            helper.make_node("Relu", ["x"], ["t"], name="first")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    c = Case(out, "duplicate_output", "two nodes produce 'y'",
             r"Relu 'r2': output 'y' is already produced by Relu 'r1'")
    c.write_model(model_of([helper.make_node("Relu", ["x"], ["y"], name="r1"),
                            helper.make_node("Relu", ["x"], ["y"], name="r2")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    c = Case(out, "duplicate_graph_output", "the graph lists output 'y' twice",
             r"graph output 'y' is listed twice")
    m = relu_model()
    m.graph.output.append(vinfo("y"))
    c.write_model(m)
    c.finish()

    c = Case(out, "duplicate_initializer", "two initializers named 'w'",
             r"initializer 'w' is listed twice")
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], np.ones(6, np.float32))
    m = add_with_initializer(w)
    m.graph.initializer.append(w)
    c.write_model(m)
    c.finish()

    c = Case(out, "domain_not_imported", "a node of domain 'com.example' the model never imports",
             r"Relu 'relu': domain 'com\.example' is not imported by the model")
    m = relu_model()
    m.graph.node[0].domain = "com.example"
    c.write_model(m)
    c.finish()

    c = Case(out, "subgraph_undefined_outer", "an If branch reads a value no enclosing graph has",
             r"Relu 'then_relu': input 'ghost' is not defined by any node, input or initializer "
             r"of this subgraph or its enclosing graphs")
    then_g = helper.make_graph([helper.make_node("Relu", ["ghost"], ["t"], name="then_relu")],
                               "then", [], [vinfo("t")])
    else_g = helper.make_graph([helper.make_node("Relu", ["x"], ["e"], name="else_relu")],
                               "else", [], [vinfo("e")])
    c.write_model(model_of([helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g,
                                             else_branch=else_g)],
                           [helper.make_tensor_value_info("c", TensorProto.BOOL, []), vinfo("x")],
                           [vinfo("y")]))
    c.finish()

    c = Case(out, "unknown_op", "op_type FrobnicateTensor",
             r"FrobnicateTensor 'frob': operator FrobnicateTensor \(opset 13\) is not supported")
    c.write_model(model_of([helper.make_node("FrobnicateTensor", ["x"], ["y"], name="frob")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    c = Case(out, "unsupported_opset", "default-domain opset 99",
             r"default-domain opset 99 is not supported")
    c.write_model(relu_model(opset=99))
    c.finish()

    # Attributes and axes (well-formed models whose only defect is the one named).
    def softmax(axis_attr, shape=(2, 3)):
        n = helper.make_node("Softmax", ["x"], ["y"], name="softmax")
        if axis_attr is not None:
            n.attribute.append(axis_attr)
        return model_of([n], [vinfo("x", shape=shape)], [vinfo("y", shape=shape)])

    c = Case(out, "control_softmax", "Softmax axis=1 on [2,3] (control)", "^$", exit_code=0)
    c.write_model(softmax(helper.make_attribute("axis", 1)))
    c.finish()

    c = Case(out, "attr_wrong_type", "Softmax axis given as a float",
             r"Softmax 'softmax': attribute 'axis' must be of type int, got float")
    c.write_model(softmax(helper.make_attribute("axis", 1.0)))
    c.finish()

    c = Case(out, "axis_out_of_range", "Softmax axis=2 on a rank-2 input",
             r"Softmax 'softmax': .*axis 2 is out of range for rank 2")
    c.write_model(softmax(helper.make_attribute("axis", 2)))
    c.finish()

    def concat(axis):
        n = helper.make_node("Concat", ["x", "x2"], ["y"], name="concat")
        if axis is not None:
            n.attribute.append(helper.make_attribute("axis", axis))
        return model_of([n], [vinfo("x"), vinfo("x2")], [vinfo("y", shape=(4, 3))])

    c = Case(out, "control_concat", "Concat axis=0 (control)", "^$", exit_code=0)
    c.write_model(concat(0))
    c.finish()

    c = Case(out, "missing_required_attr", "Concat without its required 'axis'",
             r"Concat 'concat': missing required attribute 'axis'")
    c.write_model(concat(None))
    c.finish()

    c = Case(out, "concat_axis_out_of_range", "Concat axis=-3 on rank-2 inputs",
             r"Concat 'concat': .*axis -3 is out of range for rank 2")
    c.write_model(concat(-3))
    c.finish()

    def reshape(target):
        shape = numpy_helper.from_array(np.array(target, np.int64), "target_shape")
        return model_of([helper.make_node("Reshape", ["x", "target_shape"], ["y"], name="reshape")],
                        [vinfo("x")], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                        [shape])

    c = Case(out, "control_reshape", "Reshape [2,3] -> [3,2] (control)", "^$", exit_code=0)
    c.write_model(reshape([3, 2]))
    c.finish()

    c = Case(out, "reshape_incompatible", "Reshape [2,3] (6 elements) to [4,2] (8 elements)",
             r"Reshape 'reshape': .*(\[2,\s*3\]|\b6\b).*(\[4,\s*2\]|\b8\b)")
    c.write_model(reshape([4, 2]))
    c.finish()

    # Gather with an index that only the run-time input reveals.
    def gather():
        data = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), "data")
        return model_of([helper.make_node("Gather", ["data", "idx"], ["y"], name="gather", axis=0)],
                        [vinfo("idx", TensorProto.INT64, (2,))],
                        [vinfo("y", shape=(2, 2))], [data])

    c = Case(out, "control_gather", "Gather indices [0,2] of 3 rows (control)", "^$", exit_code=0,
             args=["run", "model.onnx", "--input", "idx=idx.npy", "-q"])
    c.write_model(gather())
    c.write_npy(np.array([0, 2], np.int64), "idx.npy")
    c.finish()

    c = Case(out, "gather_index_out_of_range", "Gather index 7 into an axis of size 3 (run time)",
             r"Gather 'gather': .*index 7\b.*out of range",
             args=["run", "model.onnx", "--input", "idx=idx.npy", "-q"])
    c.write_model(gather())
    c.write_npy(np.array([0, 7], np.int64), "idx.npy")
    c.finish()

    # A variadic op with an omitted (empty-name) input: refused at load, never bound to a kernel.
    c = Case(out, "einsum_omitted_input", "Einsum 'ij,ij->ij' with its second input omitted",
             r"Einsum 'einsum': .*input 1\b")
    c.write_model(model_of([helper.make_node("Einsum", ["x", ""], ["y"], name="einsum",
                                             equation="ij,ij->ij")],
                           [vinfo("x")], [vinfo("y")]))
    c.finish()

    # MatMulInteger needs inputs of rank >= 1; a rank-0 B must be refused, not indexed.
    c = Case(out, "matmulinteger_scalar_input", "MatMulInteger int8[3,4] x int8[] (rank 0)",
             r"MatMulInteger 'mm': .*rank")
    c.write_model(model_of([helper.make_node("MatMulInteger", ["a", "b"], ["y"], name="mm")],
                           [vinfo("a", TensorProto.INT8, (3, 4)), vinfo("b", TensorProto.INT8, ())],
                           [helper.make_tensor_value_info("y", TensorProto.INT32, None)]))
    c.finish()

    # External data: confined to the model's folder.
    six = np.arange(6, dtype=np.float32).tobytes()
    c = Case(out, "control_external", "external data 'w.bin' inside the folder (control)", "^$",
             exit_code=0)
    c.write_model(add_with_initializer(external_tensor("w", "w.bin", offset=0, length=24)))
    c.write_bytes(six, "w.bin")
    c.finish()

    c = Case(out, "control_external_symlink_inside",
             "external data through a symlink that stays in the folder (control)", "^$",
             exit_code=0)
    c.write_model(add_with_initializer(external_tensor("w", "link.bin")))
    c.write_bytes(six, "data/w.bin")
    os.symlink("data/w.bin", c.path("link.bin"))
    c.finish()

    c = Case(out, "external_absolute", "external data location '/etc/passwd'",
             r"initializer 'w': external data location '/etc/passwd' is an absolute path")
    c.write_model(add_with_initializer(external_tensor("w", "/etc/passwd")))
    c.finish()

    c = Case(out, "external_dotdot", "external data location '../secret.bin'",
             r"initializer 'w': external data location 'sub/\.\./\.\./secret\.bin' contains '\.\.'",
             args=["run", "model/model.onnx", "--random", "-q"])
    c.write_model(add_with_initializer(external_tensor("w", "sub/../../secret.bin")),
                  "model/model.onnx")
    c.write_bytes(six, "secret.bin")
    c.finish()

    c = Case(out, "external_symlink_escape", "external data file is a symlink to ../outside",
             r"initializer 'w': external data location 'w\.bin' leads outside the model's folder "
             r"through a symbolic link",
             args=["run", "model/model.onnx", "--random", "-q"])
    c.write_model(add_with_initializer(external_tensor("w", "w.bin")), "model/model.onnx")
    c.write_bytes(six, "outside/secret.bin")
    os.symlink("../outside/secret.bin", c.path("model/w.bin"))
    c.finish()

    c = Case(out, "external_symlink_dir_escape",
             "external data 'sub/secret.bin' where sub is a symlink to ../outside",
             r"initializer 'w': external data location 'sub/secret\.bin' leads outside the "
             r"model's folder through a symbolic link",
             args=["run", "model/model.onnx", "--random", "-q"])
    c.write_model(add_with_initializer(external_tensor("w", "sub/secret.bin")), "model/model.onnx")
    c.write_bytes(six, "outside/secret.bin")
    os.symlink("../outside", c.path("model/sub"))
    c.finish()

    c = Case(out, "external_past_end", "offset 16 + 24 bytes in a 24-byte file",
             r"initializer 'w': external data location 'w\.bin' offset 16 \+ length 24 is past "
             r"the end of the file \(24 bytes\)")
    c.write_model(add_with_initializer(external_tensor("w", "w.bin", offset=16)))
    c.write_bytes(six, "w.bin")
    c.finish()

    c = Case(out, "external_huge_offset", "offset 2^63 (does not fit int64)",
             r"initializer 'w': external data offset '9223372036854775808' is not a non-negative "
             r"64-bit integer")
    c.write_model(add_with_initializer(external_tensor("w", "w.bin", offset=1 << 63)))
    c.write_bytes(six, "w.bin")
    c.finish()

    # Deeply nested subgraphs: If inside If ... (17 levels; the limit is 16).
    def nested_if(levels):
        cond = helper.make_tensor_value_info("c", TensorProto.BOOL, [])

        def leaf(tag):
            return helper.make_graph([helper.make_node("Relu", ["x"], [f"o_{tag}"],
                                                       name=f"leaf_{tag}")],
                                     f"leaf_{tag}", [], [vinfo(f"o_{tag}")])

        def branch(level):  # then-branches nest, else-branches are leaves
            if level == 0:
                return leaf("0")
            n = helper.make_node("If", ["c"], [f"o{level}"], name=f"if{level}",
                                 then_branch=branch(level - 1), else_branch=leaf(f"e{level}"))
            return helper.make_graph([n], f"g{level}", [], [vinfo(f"o{level}")])

        top = helper.make_node("If", ["c"], ["y"], name="if_top",
                               then_branch=branch(levels - 1), else_branch=leaf("top"))
        return model_of([top], [cond, vinfo("x")], [vinfo("y")])

    c = Case(out, "nested_subgraphs", "If nested 17 levels deep (limit 16)",
             r"subgraphs nested deeper than 16 levels")
    c.write_model(nested_if(17))
    c.finish()

    # Deeper than protobuf's recursion limit: the parser refuses it before the loader sees it.
    def nested_if_bytes(levels):
        # Serialising this deep a message by hand keeps the Python protobuf out of the way.
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["o"], name="leaf")], "leaf", [],
                              [vinfo("o")]).SerializeToString()
        for _ in range(levels):
            attr = len_field(1, b"then_branch") + field(20, 0, varint(5)) + len_field(6, g)
            node = len_field(1, b"c") + len_field(2, b"o") + len_field(4, b"If") + len_field(5, attr)
            g = len_field(1, node) + len_field(12, vinfo("o").SerializeToString())
        cond = helper.make_tensor_value_info("c", TensorProto.BOOL, []).SerializeToString()
        g += len_field(11, cond) + len_field(11, vinfo("x").SerializeToString())
        opset = helper.make_opsetid("", OPSET).SerializeToString()
        return field(1, 0, varint(8)) + len_field(8, opset) + len_field(7, g)

    c = Case(out, "nested_too_deep_for_protobuf", "If nested 60 levels: protobuf recursion limit",
             r"not a valid ONNX model: the protobuf could not be parsed .*nested too deeply")
    c.write_bytes(nested_if_bytes(60))
    c.finish()

    # Memory limit: refused before allocating (the data file is sparse: 4 MB, no disk used).
    big = external_tensor("w", "w.bin", shape=(1000, 1000))
    m = model_of([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                 [vinfo("x", shape=(1000, 1000))], [vinfo("y", shape=(1000, 1000))], [big])
    c = Case(out, "tensor_over_memory_limit", "a 4 MB initializer with --max-tensor-bytes 1000000",
             r"initializer 'w': float32\[1000,1000\] needs 4000000 bytes, over the limit of "
             r"1000000 bytes",
             args=["run", "model.onnx", "--random", "-q", "--max-tensor-bytes", "1000000"])
    c.write_model(m)
    with open(c.path("w.bin"), "wb") as f:
        f.truncate(4_000_000)
    c.finish()

    c = Case(out, "intermediate_over_memory_limit",
             "[1000,1] + [1,1000] broadcasts to a 4 MB output; limit 1000000",
             r"Add 'outer_sum'.*float32\[1000,1000\].*1000000",
             args=["run", "model.onnx", "--random", "-q", "--max-tensor-bytes", "1000000"])
    c.write_model(model_of([helper.make_node("Add", ["a", "b"], ["y"], name="outer_sum")],
                           [vinfo("a", shape=(1000, 1)), vinfo("b", shape=(1, 1000))],
                           [vinfo("y", shape=(1000, 1000))]))
    c.finish()

    # Command-line mistakes.
    c = Case(out, "missing_model_file", "the model path does not exist",
             r"cannot open model 'no_such_model\.onnx'",
             args=["run", "no_such_model.onnx", "--random", "-q"])
    c.finish()

    c = Case(out, "input_name_unknown", "--input names a value the model does not take",
             r"the model has no input named 'z' \(inputs: x\)",
             args=["run", "model.onnx", "--input", "z=x.npy", "--random", "-q"])
    c.write_model(relu_model())
    c.write_npy(np.ones((2, 3), np.float32), "x.npy")
    c.finish()

    # .npy inputs.
    npy_args = ["run", "model.onnx", "--input", "x=x.npy", "-q"]
    c = Case(out, "control_npy", "float32[2,3] .npy input (control)", "^$", exit_code=0,
             args=npy_args)
    c.write_model(relu_model())
    c.write_npy(np.ones((2, 3), np.float32), "x.npy")
    c.finish()

    c = Case(out, "npy_bad_magic", "input file is not a .npy",
             r"input 'x': 'x\.npy': not a \.npy file \(bad magic\)", args=npy_args)
    c.write_model(relu_model())
    c.write_bytes(b"this is not a numpy file at all", "x.npy")
    c.finish()

    def npy_with_header(header, data):
        h = header.encode("latin1")
        h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data

    c = Case(out, "npy_corrupt_header", "header dict without 'shape'",
             r"input 'x': 'x\.npy': header has no 'shape'", args=npy_args)
    c.write_model(relu_model())
    c.write_bytes(npy_with_header("{'descr': '<f4', 'fortran_order': False, }",
                                  np.ones(6, np.float32).tobytes()), "x.npy")
    c.finish()

    c = Case(out, "npy_header_past_end", "header length 60000 in a 100-byte file",
             r"input 'x': 'x\.npy': \.npy header length 60000 is past the end of the file",
             args=npy_args)
    c.write_model(relu_model())
    c.write_bytes(b"\x93NUMPY\x01\x00" + (60000).to_bytes(2, "little") + b"{" * 90, "x.npy")
    c.finish()

    c = Case(out, "npy_negative_dim", "header shape (2, -3)",
             r"input 'x': 'x\.npy': bad dimension '-3' in shape", args=npy_args)
    c.write_model(relu_model())
    c.write_bytes(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }",
                                  np.ones(6, np.float32).tobytes()), "x.npy")
    c.finish()

    c = Case(out, "npy_truncated_data", "float32 (2, 3) header with 8 data bytes",
             r"input 'x': 'x\.npy': data has 8 bytes but float32\[2,3\] needs 24", args=npy_args)
    c.write_model(relu_model())
    c.write_bytes(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                  np.ones(2, np.float32).tobytes()), "x.npy")
    c.finish()

    c = Case(out, "npy_big_endian", "a big-endian '>f4' array",
             r"input 'x': 'x\.npy': unsupported dtype '>f4'", args=npy_args)
    c.write_model(relu_model())
    c.write_npy(np.ones((2, 3), ">f4"), "x.npy")
    c.finish()

    c = Case(out, "npy_wrong_dtype", "int64 array for a float32 input",
             r"input 'x' must be float32, got int64", args=npy_args)
    c.write_model(relu_model())
    c.write_npy(np.ones((2, 3), np.int64), "x.npy")
    c.finish()

    c = Case(out, "npy_wrong_shape", "float32 (3, 2) for an input declared [2,3]",
             r"input 'x' must have shape \[2,3\], got \[3,2\]", args=npy_args)
    c.write_model(relu_model())
    c.write_npy(np.ones((3, 2), np.float32), "x.npy")
    c.finish()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    make_all(out)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"cases": CASES}, f, indent=2)
    bad = sum(1 for c in CASES if c["exit"] != 0)
    print(f"wrote {len(CASES)} cases ({bad} bad inputs, {len(CASES) - bad} controls) to {out}")


if __name__ == "__main__":
    main()
