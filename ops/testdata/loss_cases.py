#!/usr/bin/env python3
"""Prints the forward cases of loss_test.go: PyTorch 1.13 (cross_entropy,
nll_loss, binary_cross_entropy_with_logits, mse_loss, huber_loss, in float64)
and ONNX's backend test data (onnx 1.12, test_sce_*, test_nllloss_*).

    python3 loss_cases.py
"""
import glob
import numpy as np, torch, onnx
from onnx import numpy_helper
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
def lit(a): return ', '.join(repr(float(v)) for v in np.asarray(a).flatten())
def ilit(a): return ', '.join(str(int(v)) for v in np.asarray(a).flatten())
def shp(a): return ', '.join(str(d) for d in np.asarray(a).shape)
RED = {'mean': 'ops.ReductionMean', 'sum': 'ops.ReductionSum', 'none': 'ops.ReductionNone'}
out = []
def emit(name, ins, call, want, rtol=None, only64=False):
    vals = []
    for kind, v in ins:
        if kind == 'f': vals.append('f64(S(%s), %s)' % (shp(v), lit(v)))
        elif kind == 'i64': vals.append('i64(S(%s), %s)' % (shp(v), ilit(v)))
        else: vals.append('val{graph.Int32, S(%s), []float64{%s}}' % (shp(v), ilit(v)))
    extra = ''
    if rtol: extra += ', rtol: %g' % rtol
    if only64: extra += ', only64: true'
    out.append('\t\tforwardCase{name: "%s", in: []val{\n\t\t\t%s},\n\t\t\tbuild: func(in []*graph.Node) *graph.Node { return %s },\n\t\t\twant: f64(S(%s), %s)%s},' % (
        name, ',\n\t\t\t'.join(vals), call, shp(want), lit(want) if np.asarray(want).size else '', extra))

rng = np.random.default_rng(11)
r2 = lambda *s: np.round(rng.uniform(-3, 3, s), 2)
# torch cross_entropy / nll_loss
def opts(red, ii):
    parts = []
    if red != 'mean': parts.append('Reduction: ' + RED[red])
    if ii is not None: parts.append('Ignore: true, IgnoreIndex: %d' % ii)
    return 'ops.LossOptions{%s}' % ', '.join(parts)
for (shape, red, ii, weighted, lt) in [((4, 3), 'mean', None, False, 'i64'), ((4, 3), 'mean', 1, True, 'i32'), ((2, 3, 2, 2), 'mean', -100, True, 'i64'),
                                   ((2, 3, 2, 2), 'none', 2, True, 'i64'), ((3, 4, 2), 'sum', None, True, 'i32'), ((3, 4, 2), 'mean', 0, False, 'i64')]:
    N, C = shape[0], shape[1]
    x = r2(*shape)
    lab = rng.integers(0, C, (N,) + shape[2:])
    if ii is not None:
        flat = lab.reshape(-1); flat[::3] = ii
    w = np.round(rng.uniform(0.1, 2, C), 2) if weighted else None
    kw = dict(reduction=red)
    if ii is not None: kw['ignore_index'] = ii
    tw = None if w is None else torch.tensor(w)
    ce = F.cross_entropy(torch.tensor(x), torch.tensor(lab), weight=tw, **kw).numpy()
    nl = F.nll_loss(torch.tensor(x), torch.tensor(lab), weight=tw, **kw).numpy()
    ins = [('f', x), (lt, lab)] + ([('f', w)] if w is not None else [])
    wa = 'in[2]' if w is not None else 'nil'
    tag = '%s_%s%s%s_%s' % ('x'.join(map(str, shape)), red, '' if ii is None else '_ignore%d' % ii, '_weights' if weighted else '', 'int32' if lt == 'i32' else 'int64')
    emit('SoftmaxCrossEntropyLoss/torch_' + tag, ins, 'ops.SoftmaxCrossEntropyLoss(in[0], in[1], %s, %s)' % (wa, opts(red, ii)), ce)
    emit('NegativeLogLikelihoodLoss/torch_' + tag, ins, 'ops.NegativeLogLikelihoodLoss(in[0], in[1], %s, %s)' % (wa, opts(red, ii)), nl)

# every label ignored: the mean is 0/0
x = r2(2, 3); lab = np.array([1, 1])
ce = F.cross_entropy(torch.tensor(x), torch.tensor(lab), ignore_index=1).numpy()
emit('SoftmaxCrossEntropyLoss/torch_all_ignored_mean_is_nan', [('f', x), ('i64', lab)], 'ops.SoftmaxCrossEntropyLoss(in[0], in[1], nil, ops.LossOptions{Ignore: true, IgnoreIndex: 1})', ce)

# ONNX backend data
base = '/usr/share/libonnx-testdata/data/node/'
for name in ['test_sce_mean_weight_ii', 'test_sce_NCd1_mean_weight_negative_ii', 'test_sce_none_weights', 'test_sce_mean_no_weight_ii_3d',
             'test_sce_sum', 'test_nllloss_NCd1d2d3_sum_weight_high_ii', 'test_nllloss_NCd1_weight_ii', 'test_nllloss_NCd1d2_no_weight_reduction_mean_ii',
             'test_nllloss_NCd1_mean_weight_negative_ii', 'test_nllloss_NCd1d2d3_none_no_weight_negative_ii']:
    m = onnx.load(base + name + '/model.onnx'); n = m.graph.node[0]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
    vals = []
    for f in sorted(glob.glob(base + name + '/test_data_set_0/input_*.pb')):
        t = onnx.TensorProto(); t.ParseFromString(open(f, 'rb').read()); vals.append(numpy_helper.to_array(t))
    t = onnx.TensorProto(); t.ParseFromString(open(base + name + '/test_data_set_0/output_0.pb', 'rb').read()); want = numpy_helper.to_array(t)
    red = attrs.get('reduction', b'mean').decode()
    ii = attrs.get('ignore_index')
    ins = [('f', vals[0]), ('i64' if vals[1].dtype == np.int64 else 'i32', vals[1])] + ([('f', vals[2])] if len(vals) > 2 else [])
    wa = 'in[2]' if len(vals) > 2 else 'nil'
    goname = 'SoftmaxCrossEntropyLoss' if n.op_type == 'SoftmaxCrossEntropyLoss' else 'NegativeLogLikelihoodLoss'
    emit('%s/onnx_%s' % (goname, name[5:]), ins, 'ops.%s(in[0], in[1], %s, %s)' % (goname, wa, opts(red, ii)), want, rtol=3e-7)

# BCE with logits, MSE, Huber
x = np.array([[-50.0, -2.5, -0.3, 0.0], [0.7, 3.1, 40.0, -7.25]]); y = np.array([[0.0, 1.0, 0.25, 1.0], [0.5, 0.0, 1.0, 0.9]])
pw = np.array([0.5, 2.0, 1.0, 3.5])
for red in ['mean', 'sum', 'none']:
    v = F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), reduction=red).numpy()
    emit('BinaryCrossEntropyWithLogits/torch_%s' % red, [('f', x), ('f', y)], 'ops.BinaryCrossEntropyWithLogits(in[0], in[1], nil, %s)' % RED[red], v)
    v = F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), pos_weight=torch.tensor(pw), reduction=red).numpy()
    emit('BinaryCrossEntropyWithLogits/torch_pos_weight_%s' % red, [('f', x), ('f', y), ('f', pw)], 'ops.BinaryCrossEntropyWithLogits(in[0], in[1], in[2], %s)' % RED[red], v)
a = r2(2, 3, 2); b = r2(2, 3, 2)
for red in ['mean', 'sum', 'none']:
    v = F.mse_loss(torch.tensor(a), torch.tensor(b), reduction=red).numpy()
    emit('MSELoss/torch_%s' % red, [('f', a), ('f', b)], 'ops.MSELoss(in[0], in[1], %s)' % RED[red], v)
for red, delta in [('mean', 1.0), ('sum', 0.5), ('none', 2.25)]:
    v = F.huber_loss(torch.tensor(a), torch.tensor(b), reduction=red, delta=delta).numpy()
    emit('HuberLoss/torch_%s_delta%g' % (red, delta), [('f', a), ('f', b)], 'ops.HuberLoss(in[0], in[1], %g, %s)' % (delta, RED[red]), v)
print('\n'.join(out).replace('want: f64(S(), nan)', 'want: f64(S(), math.NaN())'))
