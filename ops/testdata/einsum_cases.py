#!/usr/bin/env python3
"""Prints the forward cases of einsum_test.go: torch.einsum in float64, each
checked against numpy.einsum, and ONNX's backend test data (onnx 1.12,
test_einsum_*).

    python3 einsum_cases.py
"""
import glob
import numpy as np, torch, onnx
from onnx import numpy_helper
torch.set_default_dtype(torch.float64)
def lit(a): return ', '.join(repr(float(v)) for v in np.asarray(a).flatten())
def shp(a): return ', '.join(str(d) for d in np.asarray(a).shape)
rng = np.random.default_rng(7)
out = []
def emit(name, eq, arrays, want, rtol=None):
    vals = ['f64(S(%s), %s)' % (shp(a), lit(a)) for a in arrays]
    args = ', '.join('in[%d]' % i for i in range(len(arrays)))
    extra = ', rtol: %g' % rtol if rtol else ''
    out.append('\t\tforwardCase{name: "Einsum/%s", in: []val{\n\t\t\t%s},\n\t\t\tbuild: func(in []*graph.Node) *graph.Node { return ops.Einsum(%s, %s) },\n\t\t\twant: f64(S(%s), %s)%s},' % (
        name, ',\n\t\t\t'.join(vals), '"' + eq + '"', args, shp(want), lit(want), extra))
cases = [
    ('matmul', 'ij,jk->ik', [(2, 3), (3, 4)]),
    ('batch_matmul', 'bij,bjk->bik', [(2, 2, 3), (2, 3, 2)]),
    ('attention_scores', 'bhqd,bhkd->bhqk', [(2, 2, 3, 2), (2, 2, 2, 2)]),
    ('transposed_a', 'bji,bjk->bik', [(2, 3, 2), (2, 3, 2)]),
    ('batch_not_leading', 'ibj,jkb->bik', [(2, 2, 3), (3, 2, 2)]),
    ('dot', 'i,i->', [(5,), (5,)]),
    ('transpose', 'ij->ji', [(2, 3)]),
    ('column_sums', 'ij->j', [(3, 4)]),
    ('sum_all', 'ijk->', [(2, 3, 2)]),
    ('ellipsis_broadcast', '...ij,...jk->...ik', [(2, 1, 2, 3), (3, 3, 2)]),
    ('ellipsis_contracted', '...i,...i->...', [(2, 3, 4), (3, 4)]),
    ('ellipsis_middle', 'a...b->b...a', [(2, 3, 1, 4)]),
    ('three_operands', 'bn,anm,bm->ba', [(2, 3), (2, 3, 4), (2, 4)]),
    ('four_operands_chain', 'ij,jk,kl,lm->im', [(2, 3), (3, 2), (2, 2), (2, 3)]),
    ('elementwise', 'ij,ij->ij', [(2, 3), (2, 3)]),
    ('outer', 'i,j->ij', [(3,), (2,)]),
    ('outer_batched', 'bi,bj->bji', [(2, 3), (2, 2)]),
    ('diagonal', 'ii->i', [(3, 3)]),
    ('trace', 'ii', [(3, 3)]),
    ('batch_diagonal', '...ii->...i', [(2, 3, 3)]),
    ('diagonal_times_vector', 'ij,jj->i', [(2, 3), (3, 3)]),
    ('implicit_matmul', 'ij,jk', [(2, 3), (3, 2)]),
    ('implicit_transpose', 'ba', [(2, 3)]),
    ('implicit_uppercase_first', 'bA,bc', [(2, 3), (2, 2)]),
    ('spaces', ' bij , bjk -> bik ', [(2, 1, 3), (2, 3, 2)]),
    ('private_index_summed', 'ij,kl->ik', [(2, 3), (2, 2)]),
]
for name, eq, shapes in cases:
    arrays = [np.round(rng.uniform(-2, 2, s), 2) for s in shapes]
    try:
        want = torch.einsum(eq, *[torch.tensor(a) for a in arrays]).numpy()
        src = 'torch'
    except Exception as e:
        want = np.einsum(eq, *arrays); src = 'numpy'
    assert np.allclose(want, np.einsum(eq.replace(' ', ''), *arrays), rtol=1e-13, atol=1e-13), name
    emit(name, eq, arrays, want)
base = '/usr/share/libonnx-testdata/data/node/'
for name in ['test_einsum_batch_matmul', 'test_einsum_inner_prod', 'test_einsum_sum', 'test_einsum_transpose', 'test_einsum_batch_diagonal']:
    m = onnx.load(base + name + '/model.onnx'); n = m.graph.node[0]
    eq = onnx.helper.get_attribute_value(n.attribute[0]).decode()
    vals = []
    for f in sorted(glob.glob(base + name + '/test_data_set_0/input_*.pb')):
        t = onnx.TensorProto(); t.ParseFromString(open(f, 'rb').read()); vals.append(numpy_helper.to_array(t))
    t = onnx.TensorProto(); t.ParseFromString(open(base + name + '/test_data_set_0/output_0.pb', 'rb').read())
    emit('onnx_' + name[12:], eq, vals, numpy_helper.to_array(t))
print('\n'.join(out))
