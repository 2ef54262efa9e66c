#!/usr/bin/env python3
"""An independent NumPy implementation of ONNX's RNN, GRU and LSTM (opset 14),
written from the operator specification, with sequence_lens as onnxruntime
and PyTorch's packed sequences treat it (a sequence stops at its length, its
outputs are zero after it, the reverse direction starts at its own end).

    python3 rnn_reference.py check   # against ONNX's backend test data and torch
    python3 rnn_reference.py cases   # print the Go forward cases of rnn_test.go

It needs numpy, onnx (for the test data) and torch (for check).
"""
import glob
import sys

import numpy as np


def act(name, alpha=None, beta=None):
    n = name.lower()
    if n == 'sigmoid': return lambda x: 1/(1+np.exp(-x))
    if n == 'tanh': return np.tanh
    if n == 'relu': return lambda x: np.maximum(x, 0)
    if n == 'leakyrelu':
        a = 0.01 if alpha is None else alpha
        return lambda x: np.where(x >= 0, x, a*x)
    if n == 'thresholdedrelu':
        a = 1.0 if alpha is None else alpha
        return lambda x: np.where(x >= a, x, 0)
    if n == 'hardsigmoid':
        a = 0.2 if alpha is None else alpha; b = 0.5 if beta is None else beta
        return lambda x: np.minimum(np.maximum(a*x+b, 0), 1)
    if n == 'elu':
        a = 1.0 if alpha is None else alpha
        return lambda x: np.where(x >= 0, x, a*(np.exp(x)-1))
    if n == 'softsign': return lambda x: x/(1+np.abs(x))
    if n == 'softplus': return lambda x: np.log(1+np.exp(x))
    if n == 'affine':
        a = 1.0 if alpha is None else alpha; b = 0.0 if beta is None else beta
        return lambda x: a*x+b
    if n == 'scaledtanh':
        a = 1.0 if alpha is None else alpha; b = 1.0 if beta is None else beta
        return lambda x: a*np.tanh(b*x)
    raise ValueError(name)

NEEDS = {'leakyrelu': (1,0), 'thresholdedrelu': (1,0), 'hardsigmoid': (1,1), 'elu': (1,0), 'affine': (1,1), 'scaledtanh': (1,1)}

def acts(names, alphas, betas):
    alphas = list(alphas or []); betas = list(betas or [])
    out = []
    for n in names:
        na, nb = NEEDS.get(n.lower(), (0,0))
        a = alphas.pop(0) if na and alphas else None
        b = betas.pop(0) if nb and betas else None
        out.append(act(n, a, b))
    return out

def run(kind, X, W, R, B=None, seq_lens=None, h0=None, c0=None, P=None, direction='forward',
        activations=None, alphas=None, betas=None, clip=None, layout=0, lbr=0, input_forget=0):
    G = {'rnn': 1, 'gru': 3, 'lstm': 4}[kind]
    nact = {'rnn': 1, 'gru': 2, 'lstm': 3}[kind]
    D = 2 if direction == 'bidirectional' else 1
    if layout == 1:
        X = X.transpose(1, 0, 2)
        if h0 is not None: h0 = h0.transpose(1, 0, 2)
        if c0 is not None: c0 = c0.transpose(1, 0, 2)
    T, Bn, I = X.shape
    H = R.shape[-1]
    if activations is None:
        activations = {'rnn': ['Tanh'], 'gru': ['Sigmoid', 'Tanh'], 'lstm': ['Sigmoid', 'Tanh', 'Tanh']}[kind] * D
    fs = acts(activations, alphas, betas)
    if B is None: B = np.zeros((D, 2*G*H))
    if h0 is None: h0 = np.zeros((D, Bn, H))
    if c0 is None: c0 = np.zeros((D, Bn, H))
    if P is None: P = np.zeros((D, 3*H))
    if seq_lens is None: seq_lens = np.full(Bn, T)
    cl = (lambda x: np.clip(x, -clip, clip)) if clip else (lambda x: x)
    Y = np.zeros((T, D, Bn, H)); Yh = np.zeros((D, Bn, H)); Yc = np.zeros((D, Bn, H))
    for d in range(D):
        rev = direction == 'reverse' or d == 1
        f = fs[d*nact:(d+1)*nact]
        w, r, wb, rb = W[d], R[d], B[d][:G*H], B[d][G*H:]
        h, c = h0[d].copy(), c0[d].copy()
        for b in range(Bn):
            L = int(seq_lens[b])
            hb, cb = h[b:b+1].copy(), c[b:b+1].copy()
            steps = range(L-1, -1, -1) if rev else range(L)
            for t in steps:
                x = X[t, b:b+1]
                if kind == 'rnn':
                    hb = f[0](cl(x @ w.T + hb @ r.T + wb + rb))
                elif kind == 'gru':
                    Wz, Wr, Wh = np.split(w, 3); Rz, Rr, Rh = np.split(r, 3)
                    wbz, wbr, wbh = np.split(wb, 3); rbz, rbr, rbh = np.split(rb, 3)
                    z = f[0](cl(x @ Wz.T + hb @ Rz.T + wbz + rbz))
                    rr = f[0](cl(x @ Wr.T + hb @ Rr.T + wbr + rbr))
                    if lbr:
                        hh = f[1](cl(x @ Wh.T + rr * (hb @ Rh.T + rbh) + wbh))
                    else:
                        hh = f[1](cl(x @ Wh.T + (rr * hb) @ Rh.T + rbh + wbh))
                    hb = (1 - z) * hh + z * hb
                else:
                    Wi, Wo, Wf, Wc = np.split(w, 4); Ri, Ro, Rf, Rc = np.split(r, 4)
                    wbi, wbo, wbf, wbc = np.split(wb, 4); rbi, rbo, rbf, rbc = np.split(rb, 4)
                    pi, po, pf = np.split(P[d], 3)
                    i = f[0](cl(x @ Wi.T + hb @ Ri.T + pi * cb + wbi + rbi))
                    if input_forget:
                        ff = 1 - i
                    else:
                        ff = f[0](cl(x @ Wf.T + hb @ Rf.T + pf * cb + wbf + rbf))
                    cc = f[1](cl(x @ Wc.T + hb @ Rc.T + wbc + rbc))
                    cb = ff * cb + i * cc
                    o = f[0](cl(x @ Wo.T + hb @ Ro.T + po * cb + wbo + rbo))
                    hb = o * f[2](cb)
                Y[t, d, b] = hb[0]
            Yh[d, b] = hb[0]; Yc[d, b] = cb[0]
    if layout == 1:
        Y = Y.transpose(2, 0, 1, 3); Yh = Yh.transpose(1, 0, 2); Yc = Yc.transpose(1, 0, 2)
    return Y, Yh, Yc


def check_onnx():
    import onnx
    from onnx import numpy_helper
    base = '/usr/share/libonnx-testdata/data/node/'
    for name in ['test_simple_rnn_defaults','test_simple_rnn_with_initial_bias','test_simple_rnn_batchwise','test_rnn_seq_length',
      'test_gru_defaults','test_gru_with_initial_bias','test_gru_batchwise','test_gru_seq_length',
      'test_lstm_defaults','test_lstm_with_initial_bias','test_lstm_batchwise','test_lstm_with_peepholes']:
        m = onnx.load(base+name+'/model.onnx'); n = m.graph.node[0]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        ins = {}
        files = sorted(glob.glob(base+name+'/test_data_set_0/input_*.pb'))
        vals = []
        for f in files:
            t = onnx.TensorProto(); t.ParseFromString(open(f,'rb').read()); vals.append(numpy_helper.to_array(t).astype(np.float64))
        names = [x for x in n.input]
        kw = {}
        keys = ['X','W','R','B','seq_lens','h0','c0','P']
        for k, nm, v in zip(keys, names, vals): kw[k] = v
        outs = []
        for f in sorted(glob.glob(base+name+'/test_data_set_0/output_*.pb')):
            t = onnx.TensorProto(); t.ParseFromString(open(f,'rb').read()); outs.append(numpy_helper.to_array(t))
        kind = n.op_type.lower()
        Y, Yh, Yc = run(kind, kw['X'], kw['W'], kw['R'], kw.get('B'), kw.get('seq_lens', None) if 'seq_lens' in kw else None, kw.get('h0'), kw.get('c0'), kw.get('P'),
                        layout=attrs.get('layout', 0), lbr=attrs.get('linear_before_reset', 0))
        outnames = [o for o in n.output]
        got = {'Y': Y, 'Y_h': Yh, 'Y_c': Yc}
        res = []
        k = 0
        for i, o in enumerate(outnames):
            if o == '': continue
            ref = outs[k]; k += 1
            key = ['Y','Y_h','Y_c'][i]
            res.append((key, float(np.max(np.abs(got[key]-ref)))))
        print(name, res)


def check_torch():
    import torch
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(5)
    T, Bn, I, H = 4, 3, 3, 2
    X = rng.standard_normal((T, Bn, I))
    def tw(m, name): return getattr(m, name).detach().numpy()
    for kind in ['lstm', 'gru', 'rnn_tanh', 'rnn_relu']:
        for bi in [False, True]:
            D = 2 if bi else 1
            if kind == 'lstm': m = torch.nn.LSTM(I, H, bidirectional=bi)
            elif kind == 'gru': m = torch.nn.GRU(I, H, bidirectional=bi)
            else: m = torch.nn.RNN(I, H, nonlinearity=kind[4:], bidirectional=bi)
            h0 = rng.standard_normal((D, Bn, H)); c0 = rng.standard_normal((D, Bn, H))
            with torch.no_grad():
                if kind == 'lstm':
                    y, (yh, yc) = m(torch.tensor(X), (torch.tensor(h0), torch.tensor(c0)))
                else:
                    y, yh = m(torch.tensor(X), torch.tensor(h0)); yc = None
            Ws, Rs, Bs = [], [], []
            for d in range(D):
                sfx = '_reverse' if d == 1 else ''
                wi, wh, bi_, bh = [tw(m, n + '_l0' + sfx) for n in ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']]
                if kind == 'lstm':  # torch i f g o -> onnx i o f c
                    perm = lambda a: np.concatenate([a[0:H], a[3*H:4*H], a[H:2*H], a[2*H:3*H]])
                elif kind == 'gru':  # torch r z n -> onnx z r h
                    perm = lambda a: np.concatenate([a[H:2*H], a[0:H], a[2*H:3*H]])
                else:
                    perm = lambda a: a
                Ws.append(perm(wi)); Rs.append(perm(wh)); Bs.append(np.concatenate([perm(bi_), perm(bh)]))
            W, R, B = np.stack(Ws), np.stack(Rs), np.stack(Bs)
            k = kind[:3] if kind != 'lstm' else 'lstm'
            acts = None
            if kind == 'rnn_relu': acts = ['Relu'] * D
            Y, Yh, Yc = run(k if k != 'rnn' else 'rnn', X, W, R, B, h0=h0, c0=c0 if kind == 'lstm' else None,
                            direction='bidirectional' if bi else 'forward', activations=acts, lbr=1)
            # torch y: T x B x D*H
            Yt = y.numpy().reshape(T, Bn, D, H).transpose(0, 2, 1, 3)
            e = [np.abs(Yt - Y).max(), np.abs(yh.numpy() - Yh).max()]
            if yc is not None: e.append(np.abs(yc.numpy() - Yc).max())
            print(kind, 'bi' if bi else 'uni', e)


def check_packed():
    import torch
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(6)
    T, Bn, I, H = 4, 3, 3, 2
    X = rng.standard_normal((T, Bn, I)); lens = np.array([4, 2, 3])
    m = torch.nn.LSTM(I, H, bidirectional=True); D = 2
    h0 = rng.standard_normal((D, Bn, H)); c0 = rng.standard_normal((D, Bn, H))
    pk = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(X), torch.tensor(lens), enforce_sorted=False)
    with torch.no_grad():
        y, (yh, yc) = m(pk, (torch.tensor(h0), torch.tensor(c0)))
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=T)
    Ws, Rs, Bs = [], [], []
    for d in range(D):
        sfx = '_reverse' if d == 1 else ''
        wi, wh, bi_, bh = [getattr(m, n + '_l0' + sfx).detach().numpy() for n in ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']]
        perm = lambda a: np.concatenate([a[0:H], a[3*H:4*H], a[H:2*H], a[2*H:3*H]])
        Ws.append(perm(wi)); Rs.append(perm(wh)); Bs.append(np.concatenate([perm(bi_), perm(bh)]))
    Y, Yh, Yc = run('lstm', X, np.stack(Ws), np.stack(Rs), np.stack(Bs), seq_lens=lens, h0=h0, c0=c0, direction='bidirectional')
    Yt = y.numpy().reshape(T, Bn, D, H).transpose(0, 2, 1, 3)
    print(np.abs(Yt - Y).max(), np.abs(yh.numpy() - Yh).max(), np.abs(yc.numpy() - Yc).max())


def cases():
    import onnx
    from onnx import numpy_helper

    def lit(a):
        return ', '.join(repr(float(v)) for v in np.asarray(a).flatten())

    def shp(a):
        return ', '.join(str(d) for d in np.asarray(a).shape)

    def rnd(rng, *s, scale=1.0):
        return np.round(rng.uniform(-1, 1, s) * scale, 2)

    rng = np.random.default_rng(2024)
    cases = []
    def case(name, kind, inputs, opts_go, want, rtol=None, call=None):
        cases.append((name, kind, inputs, opts_go, want, rtol, call))

    def gen(kind, name, T=3, Bn=2, I=3, H=2, direction='forward', layout=0, with_b=True, with_h0=True, with_c0=True,
            with_p=False, seq_lens=None, activations=None, alphas=None, betas=None, clip=None, lbr=0, input_forget=0, outs=('Y', 'Y_h'), opts_go=''):
        G = {'rnn': 1, 'gru': 3, 'lstm': 4}[kind]
        D = 2 if direction == 'bidirectional' else 1
        X = rnd(rng, T, Bn, I) if layout == 0 else rnd(rng, Bn, T, I)
        W = rnd(rng, D, G*H, I); R = rnd(rng, D, G*H, H)
        B = rnd(rng, D, 2*G*H) if with_b else None
        st = (D, Bn, H) if layout == 0 else (Bn, D, H)
        h0 = rnd(rng, *st) if with_h0 else None
        c0 = rnd(rng, *st) if (with_c0 and kind == 'lstm') else None
        P = rnd(rng, D, 3*H) if with_p else None
        Y, Yh, Yc = run(kind, X, W, R, B, seq_lens=None if seq_lens is None else np.array(seq_lens), h0=h0, c0=c0, P=P,
                        direction=direction, activations=activations, alphas=alphas, betas=betas, clip=clip, layout=layout,
                        lbr=lbr, input_forget=input_forget)
        if clip:
            Y2, _, _ = run(kind, X, W, R, B, seq_lens=None if seq_lens is None else np.array(seq_lens), h0=h0, c0=c0, P=P,
                        direction=direction, activations=activations, alphas=alphas, betas=betas, clip=None, layout=layout,
                        lbr=lbr, input_forget=input_forget)
            print('//', name, 'clip changes Y by', np.abs(Y2 - Y).max(), file=sys.stderr)
        print('//', name, 'zeros in Y:', int((Y == 0).sum()), 'of', Y.size, file=sys.stderr)
        ins = [('x', X), ('w', W), ('r', R)]
        for nm, v in [('b', B), ('h0', h0), ('c0', c0), ('p', P)]:
            if v is not None: ins.append((nm, v))
        if seq_lens is not None: ins.append(('lens', np.array(seq_lens)))
        got = {'Y': Y, 'Y_h': Yh, 'Y_c': Yc}
        for o in outs:
            case(name + '/' + o, kind, ins, opts_go, got[o])

    gen('lstm', 'bidirectional_peepholes', direction='bidirectional', with_p=True, outs=('Y', 'Y_h', 'Y_c'),
        opts_go='Direction: ops.RNNBidirectional')
    gen('lstm', 'layout1_input_forget_clip', layout=1, input_forget=1, clip=0.5, outs=('Y', 'Y_h', 'Y_c'),
        opts_go='Layout: 1, InputForget: true, Clip: 0.5')
    gen('lstm', 'reverse_sequence_lens', T=4, Bn=3, direction='reverse', seq_lens=[4, 1, 0], outs=('Y', 'Y_h', 'Y_c'),
        opts_go='Direction: ops.RNNReverse')
    gen('lstm', 'bidirectional_sequence_lens_no_states', T=3, Bn=2, direction='bidirectional', seq_lens=[2, 3], with_h0=False, with_c0=False, with_b=False,
        outs=('Y', 'Y_h', 'Y_c'), opts_go='Direction: ops.RNNBidirectional')
    gen('lstm', 'activations', activations=['HardSigmoid', 'Elu', 'Softplus'], alphas=[0.3, 0.7], betas=[0.4], outs=('Y', 'Y_c'),
        opts_go='Activations: []string{"HardSigmoid", "Elu", "Softplus"}, ActivationAlpha: []float64{0.3, 0.7}, ActivationBeta: []float64{0.4}')
    gen('gru', 'bidirectional', direction='bidirectional', opts_go='Direction: ops.RNNBidirectional')
    gen('gru', 'linear_before_reset_layout1', layout=1, lbr=1, opts_go='Layout: 1, LinearBeforeReset: true')
    gen('gru', 'linear_before_reset_no_h0', lbr=1, with_h0=False, clip=0.6, opts_go='LinearBeforeReset: true, Clip: 0.6')
    gen('gru', 'no_h0_reverse', with_h0=False, direction='reverse', opts_go='Direction: ops.RNNReverse')
    gen('gru', 'sequence_lens', T=3, Bn=3, seq_lens=[1, 3, 2], opts_go='')
    gen('gru', 'activations', activations=['Softsign', 'LeakyRelu'], alphas=[0.2], opts_go='Activations: []string{"Softsign", "LeakyRelu"}, ActivationAlpha: []float64{0.2}')
    gen('rnn', 'bidirectional_relu', direction='bidirectional', activations=['Relu', 'Relu'], opts_go='Direction: ops.RNNBidirectional, Activations: []string{"Relu", "Relu"}')
    gen('rnn', 'tanh_clip', clip=0.4, outs=('Y',), opts_go='Clip: 0.4')
    gen('rnn', 'activations_bidirectional', direction='bidirectional', activations=['ScaledTanh', 'Affine'], alphas=[1.5, 0.5], betas=[0.8, -0.25], outs=('Y',),
        opts_go='Direction: ops.RNNBidirectional, Activations: []string{"ScaledTanh", "Affine"}, ActivationAlpha: []float64{1.5, 0.5}, ActivationBeta: []float64{0.8, -0.25}')
    gen('rnn', 'thresholded_relu_defaults', activations=['ThresholdedRelu'], with_h0=False, outs=('Y',), opts_go='Activations: []string{"ThresholdedRelu"}')
    gen('rnn', 'layout1_sequence_lens', layout=1, seq_lens=[2, 3], opts_go='Layout: 1')

    # Cells: one step of the ops with the default activations.
    cell_cases = []
    def gen_cell(kind, name, Bn=2, I=3, H=2, with_b=True, with_h=True, with_c=True, lbr=0):
        G = {'rnn': 1, 'gru': 3, 'lstm': 4}[kind]
        x = rnd(rng, Bn, I); w = rnd(rng, G*H, I); r = rnd(rng, G*H, H)
        b = rnd(rng, 2*G*H) if with_b else None
        h = rnd(rng, Bn, H) if with_h else None
        c = rnd(rng, Bn, H) if (with_c and kind == 'lstm') else None
        Y, Yh, Yc = run(kind, x[None], w[None], r[None], None if b is None else b[None], h0=None if h is None else h[None],
                        c0=None if c is None else c[None], lbr=lbr)
        ins = [('x', x)]
        if h is not None: ins.append(('h', h))
        if c is not None: ins.append(('c', c))
        ins += [('w', w), ('r', r)]
        if b is not None: ins.append(('b', b))
        outs = [('h', Yh[0])] + ([('c', Yc[0])] if kind == 'lstm' else [])
        cell_cases.append((name, kind, ins, outs, lbr))

    gen_cell('lstm', 'states')
    gen_cell('lstm', 'zero_states_no_bias', with_h=False, with_c=False, with_b=False)
    gen_cell('gru', 'states')
    gen_cell('gru', 'linear_before_reset', lbr=1)
    gen_cell('gru', 'linear_before_reset_zero_state', lbr=1, with_h=False)
    gen_cell('rnn', 'states')
    gen_cell('rnn', 'zero_state', with_h=False)

    Go = {'rnn': 'RNN', 'gru': 'GRU', 'lstm': 'LSTM'}
    out = []
    grouped = {}
    order = []
    for name, kind, ins, opts_go, want, rtol, call in cases:
        base, o = name.rsplit('/', 1)
        key = (kind, base)
        if key not in grouped:
            grouped[key] = (ins, opts_go, {}); order.append(key)
        grouped[key][2][o] = want
    for kind, base in order:
        ins, opts_go, wants = grouped[(kind, base)]
        names = [n for n, _ in ins]
        idx = {n: i for i, n in enumerate(names)}
        def arg(n):
            return 'in[%d]' % idx[n] if n in idx else 'nil'
        o = 'ops.RNNOptions{' + opts_go + '}'
        if 'lens' in idx:
            o = 'ops.RNNOptions{' + (opts_go + ', ' if opts_go else '') + 'SequenceLens: in[%d]}' % idx['lens']
        if kind == 'lstm':
            callgo = 'ops.LSTM(%s, %s, %s, %s, %s, %s, %s, %s)' % (arg('x'), arg('w'), arg('r'), arg('b'), arg('h0'), arg('c0'), arg('p'), o)
        else:
            callgo = 'ops.%s(%s, %s, %s, %s, %s, %s)' % (Go[kind], arg('x'), arg('w'), arg('r'), arg('b'), arg('h0'), o)
        vals = []
        for n, v in ins:
            if n == 'lens':
                vals.append('i64(S(%s), %s)' % (shp(v), ', '.join(str(int(a)) for a in v)))
            else:
                vals.append('f64(S(%s), %s)' % (shp(v), lit(v)))
        ws = []
        for k in ['Y', 'Y_h', 'Y_c']:
            ws.append('f64(S(%s), %s)' % (shp(wants[k]), lit(wants[k])) if k in wants else 'val{}')
        out.append('\taddRNNForward("%s/%s", []val{\n\t\t%s},\n\t\tfunc(in []*graph.Node) ops.RNNOutputs {\n\t\t\treturn %s\n\t\t},\n\t\t%s)' % (
            Go[kind], base, ',\n\t\t'.join(vals), callgo, ',\n\t\t'.join(ws)))
    for name, kind, ins, outs, lbr in cell_cases:
        names = [n for n, _ in ins]
        idx = {n: i for i, n in enumerate(names)}
        arg = lambda n: 'in[%d]' % idx[n] if n in idx else 'nil'
        vals = ['f64(S(%s), %s)' % (shp(v), lit(v)) for n, v in ins]
        ws = dict(outs)
        if kind == 'lstm':
            callgo = 'h, c := ops.LSTMCell(%s, %s, %s, %s, %s, %s)\n\t\t\treturn ops.RNNOutputs{YH: h, YC: c}' % (arg('x'), arg('h'), arg('c'), arg('w'), arg('r'), arg('b'))
            wl = ['val{}', 'f64(S(%s), %s)' % (shp(ws['h']), lit(ws['h'])), 'f64(S(%s), %s)' % (shp(ws['c']), lit(ws['c']))]
        else:
            if kind == 'gru':
                c = 'ops.GRUCell(%s, %s, %s, %s, %s, %s)' % (arg('x'), arg('h'), arg('w'), arg('r'), arg('b'), 'true' if lbr else 'false')
            else:
                c = 'ops.RNNCell(%s, %s, %s, %s, %s)' % (arg('x'), arg('h'), arg('w'), arg('r'), arg('b'))
            callgo = 'return ops.RNNOutputs{YH: %s}' % c
            wl = ['val{}', 'f64(S(%s), %s)' % (shp(ws['h']), lit(ws['h'])), 'val{}']
        out.append('\taddRNNForward("%sCell/%s", []val{\n\t\t%s},\n\t\tfunc(in []*graph.Node) ops.RNNOutputs {\n\t\t\t%s\n\t\t},\n\t\t%s)' % (
            Go[kind], name, ',\n\t\t'.join(vals), callgo, ',\n\t\t'.join(wl)))
    print('\n'.join(out))

    base = '/usr/share/libonnx-testdata/data/node/'
    def lit2(a): return ', '.join(repr(float(v)) for v in np.asarray(a).flatten())
    def shp2(a): return ', '.join(str(d) for d in np.asarray(a).shape)
    Go = {'RNN': 'RNN', 'GRU': 'GRU', 'LSTM': 'LSTM'}
    for name in ['test_lstm_with_peepholes', 'test_gru_seq_length', 'test_simple_rnn_batchwise', 'test_gru_with_initial_bias', 'test_lstm_batchwise']:
        m = onnx.load(base + name + '/model.onnx'); n = m.graph.node[0]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        vals = []
        for f in sorted(glob.glob(base + name + '/test_data_set_0/input_*.pb')):
            t = onnx.TensorProto(); t.ParseFromString(open(f, 'rb').read()); vals.append(numpy_helper.to_array(t))
        outs = []
        for f in sorted(glob.glob(base + name + '/test_data_set_0/output_*.pb')):
            t = onnx.TensorProto(); t.ParseFromString(open(f, 'rb').read()); outs.append(numpy_helper.to_array(t))
        keys = ['x', 'w', 'r', 'b', 'lens', 'h0', 'c0', 'p']
        idx = {}; ins = []
        for k, v in zip(keys, vals):
            idx[k] = len(ins)
            ins.append('val{graph.Int32, S(%s), []float64{%s}}' % (shp(v), ', '.join(str(int(a)) for a in v)) if k == 'lens' else 'f64(S(%s), %s)' % (shp(v), lit(v)))
        arg = lambda k: 'in[%d]' % idx[k] if k in idx else 'nil'
        opts = []
        if attrs.get('layout', 0): opts.append('Layout: 1')
        if 'lens' in idx: opts.append('SequenceLens: in[%d]' % idx['lens'])
        o = 'ops.RNNOptions{%s}' % ', '.join(opts)
        if n.op_type == 'LSTM':
            call = 'ops.LSTM(%s, %s, %s, %s, %s, %s, %s, %s)' % (arg('x'), arg('w'), arg('r'), arg('b'), arg('h0'), arg('c0'), arg('p'), o)
        else:
            call = 'ops.%s(%s, %s, %s, %s, %s, %s)' % (n.op_type, arg('x'), arg('w'), arg('r'), arg('b'), arg('h0'), o)
        ws = {}
        k = 0
        for i, on in enumerate(n.output):
            if on == '': continue
            ws[['Y', 'Y_h', 'Y_c'][i]] = outs[k]; k += 1
        wl = ['f64(S(%s), %s)' % (shp(ws[key]), lit(ws[key])) if key in ws else 'val{}' for key in ['Y', 'Y_h', 'Y_c']]
        print('\taddONNXRNNForward("%s/onnx_%s", []val{\n\t\t%s},\n\t\tfunc(in []*graph.Node) ops.RNNOutputs {\n\t\t\treturn %s\n\t\t},\n\t\t%s)' % (
            n.op_type, name[5:], ',\n\t\t'.join(ins), call, ',\n\t\t'.join(wl)))


if __name__ == '__main__':
    if sys.argv[1:] == ['check']:
        check_onnx(); check_torch(); check_packed()
    elif sys.argv[1:] == ['cases']:
        cases()
    else:
        sys.exit(__doc__)
