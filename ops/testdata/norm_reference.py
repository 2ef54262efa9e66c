"""Writes ops/norm_reference_test.go: reference values for the forward tests
of the normalisation layers, LRN and Dropout, computed by implementations
independent of gradgraph:

  - ONNX 1.12's backend test data (/usr/share/libonnx-testdata/data/node),
    float32 values written by ONNX's own reference code; where a case is
    large, a slice of it along axes the op treats independently (the batch
    axis of LayerNormalization, the batch and spatial axes of LRN and of
    BatchNormalization in inference mode, elements of Dropout);
  - PyTorch 1.13 (torch.nn.functional), in float64;
  - for LRN with an even size, where PyTorch places the window otherwise
    than ONNX, and for GroupNormalization's per-group scale (opset 18),
    NumPy transcriptions of the ONNX formulas.

Run from the repository root with /usr/bin/python3 (which has onnx, numpy
and torch):

    /usr/bin/python3 ops/testdata/norm_reference.py > ops/norm_reference_test.go && gofmt -w ops/norm_reference_test.go
"""

import glob

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

NODE = "/usr/share/libonnx-testdata/data/node/"


def load(case):
    def read(kind):
        out = []
        for f in sorted(glob.glob(NODE + case + "/test_data_set_0/" + kind + "_*.pb")):
            t = onnx.TensorProto()
            with open(f, "rb") as fh:
                t.ParseFromString(fh.read())
            out.append(numpy_helper.to_array(t))
        return out

    return read("input"), read("output")


def go_val(a):
    a = np.asarray(a)
    shape = ", ".join(str(d) for d in a.shape)
    if a.dtype == np.bool_:
        vals = ", ".join("1" if v else "0" for v in a.ravel())
    else:
        vals = ", ".join(repr(float(v)) for v in a.astype(np.float64).ravel())
    return "f64(graph.Shape{%s}, %s)" % (shape, vals)


cases = []


def add(name, ins, outs):
    cases.append((name, ins, outs))


# ---- ONNX backend test data ----------------------------------------------

# BatchNormalization in inference mode is element-wise once the statistics
# are given: a slice of the spatial axes is exact.
for case in ["test_batchnorm_example", "test_batchnorm_epsilon"]:
    (x, s, b, m, v), (y,) = load(case)
    add("onnx/" + case[5:], [x[:, :, :2, :2], s, b, m, v], [y[:, :, :2, :2]])
# In training mode the statistics run over the batch: whole tensors, and
# the running statistics as second and third outputs.
for case in ["test_batchnorm_example_training_mode", "test_batchnorm_epsilon_training_mode"]:
    ins, outs = load(case)
    add("onnx/" + case[5:], ins, outs)

(x, s, b), (y,) = load("test_instancenorm_example")
add("onnx/instancenorm_example", [x, s, b], [y])
(x, s, b), (y,) = load("test_instancenorm_epsilon")
add("onnx/instancenorm_epsilon", [x[:1], s, b], [y[:1]])

for case in ["test_layer_normalization_2d_axis0", "test_layer_normalization_2d_axis_negative_1",
             "test_layer_normalization_3d_axis1_epsilon", "test_layer_normalization_3d_axis_negative_3_epsilon"]:
    (x, w, b), (y, _, _) = load(case)
    add("onnx/" + case[5:], [x, w, b], [y])
(x, w, b), (y, _, _) = load("test_layer_normalization_4d_axis_negative_2")
add("onnx/layer_normalization_4d_axis_negative_2", [x[:1], w, b], [y[:1]])

for case in ["test_lrn", "test_lrn_default"]:
    (x,), (y,) = load(case)
    add("onnx/" + case[5:], [x[:1, :, :2, :2]], [y[:1, :, :2, :2]])

(x,), (y,) = load("test_dropout_default")
add("onnx/dropout_default", [x[:1, :2]], [y[:1, :2]])
(x, r, t), (y, z) = load("test_training_dropout_zero_ratio_mask")
assert float(r) == 0 and bool(t)
add("onnx/training_dropout_zero_ratio_mask", [x[:1, :2]], [y[:1, :2], z[:1, :2]])

# ---- PyTorch, float64 ----------------------------------------------------

rng = np.random.default_rng(20240617)


def rand(*shape, lo=-2.0, hi=2.0):
    return torch.tensor(rng.uniform(lo, hi, size=shape), dtype=torch.float64)


for shape in [(4, 3), (2, 3, 4), (2, 2, 2, 3, 2)]:
    c = shape[1]
    x, s, b = rand(*shape), rand(c), rand(c)
    rm, rv = rand(c), rand(c, lo=0.5, hi=2)
    tag = "x".join(map(str, shape))
    y = F.batch_norm(x, rm.clone(), rv.clone(), s, b, training=False, eps=1e-3)
    add("torch/batch_norm_inference_" + tag, [x, s, b, rm, rv], [y])
    # training=True: the batch statistics. PyTorch's running variance is the
    # unbiased one, so only the output and the running mean are compared.
    rm2 = rm.clone()
    y = F.batch_norm(x, rm2, rv.clone(), s, b, training=True, momentum=0.25, eps=1e-3)
    add("torch/batch_norm_training_" + tag, [x, s, b, rm, rv], [y, rm2])

for shape, axis in [((3, 4), -1), ((2, 3, 4), 1), ((2, 3, 2, 4), -3), ((2, 2, 3, 2, 2), 3)]:
    x = rand(*shape)
    ns = shape[axis:]
    s, b = rand(*ns), rand(*ns)
    tag = "x".join(map(str, shape)) + "_axis%d" % axis
    add("torch/layer_norm_" + tag, [x, s, b], [F.layer_norm(x, ns, s, b, eps=1e-5)])
    add("torch/layer_norm_plain_" + tag, [x], [F.layer_norm(x, ns, eps=1e-5)])

for shape in [(2, 3, 4), (2, 2, 3, 2, 2)]:
    x, s, b = rand(*shape), rand(shape[1]), rand(shape[1])
    tag = "x".join(map(str, shape))
    add("torch/instance_norm_" + tag, [x, s, b], [F.instance_norm(x, weight=s, bias=b, eps=1e-5)])

for shape, g in [((3, 4), 2), ((2, 6, 3), 3), ((2, 4, 2, 3), 2), ((1, 4, 2, 2, 2), 4)]:
    x, s, b = rand(*shape), rand(g), rand(g)
    per = shape[1] // g
    # PyTorch's weight is per channel: each group's value repeated.
    y = F.group_norm(x, g, s.repeat_interleave(per), b.repeat_interleave(per), eps=1e-5)
    # ONNX opset 18's definition, transcribed: reshape to N×G×(rest),
    # normalise the last axis, scale and shift per group.
    xn = x.numpy().reshape(shape[0], g, -1)
    mean = xn.mean(axis=2, keepdims=True)
    var = ((xn - mean) ** 2).mean(axis=2, keepdims=True)
    yn = (xn - mean) / np.sqrt(var + 1e-5) * s.numpy().reshape(g, 1) + b.numpy().reshape(g, 1)
    assert np.allclose(yn.reshape(shape), y.numpy(), rtol=1e-12, atol=1e-12)
    tag = "x".join(map(str, shape)) + "_g%d" % g
    add("torch/group_norm_" + tag, [x, s, b], [y])


def lrn_onnx(x, size, alpha, beta, bias):
    # ONNX's formula, element by element.
    x = np.asarray(x, dtype=np.float64)
    c = x.shape[1]
    ss = np.zeros_like(x)
    for i in range(c):
        lo = max(0, i - (size - 1) // 2)
        hi = min(c - 1, i + int(np.ceil((size - 1) / 2)))
        ss[:, i] = (x[:, lo:hi + 1] ** 2).sum(axis=1)
    return x / (bias + alpha / size * ss) ** beta


for shape, size, alpha, beta, bias in [((2, 5, 3), 3, 0.3, 0.75, 1.0), ((1, 6, 2, 2), 5, 1.5, 0.6, 2.0)]:
    x = rand(*shape)
    y = F.local_response_norm(x, size, alpha=alpha, beta=beta, k=bias)
    assert np.allclose(y.numpy(), lrn_onnx(x, size, alpha, beta, bias), rtol=1e-12)
    tag = "x".join(map(str, shape)) + "_size%d" % size
    add("torch/local_response_norm_" + tag, [x], [y])
# PyTorch takes rank 3 or more, and places an even window otherwise.
for shape, size, alpha, beta, bias in [((1, 5, 2), 2, 0.7, 0.75, 1.0), ((2, 6, 3), 4, 0.7, 0.75, 1.0), ((2, 4), 1, 0.5, 1.0, 0.5)]:
    x = rand(*shape)
    tag = "x".join(map(str, shape)) + "_size%d" % size
    add("numpy/lrn_" + tag, [x], [lrn_onnx(x, size, alpha, beta, bias)])

print("// Code generated by ops/testdata/norm_reference.py; DO NOT EDIT.")
print()
print("package ops_test")
print()
print('import "github.com/gradgraph/gradgraph/graph"')
print()
print("// normRefs holds, by case, the inputs and the expected outputs of the")
print("// normalisation forward tests, from ONNX's backend test data, PyTorch and")
print("// NumPy (see ops/testdata/norm_reference.py).")
print("var normRefs = map[string]refCase{")
for name, ins, outs in cases:
    print('\t"%s": {' % name)
    print("\t\tin: []val{%s}," % ", ".join(go_val(a) for a in ins))
    print("\t\tout: []val{%s}," % ", ".join(go_val(a) for a in outs))
    print("\t},")
print("}")
