package ops

import (
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/graph"
)

// The recurrent ops of ONNX (RNN, GRU and LSTM, opset 14) are composites:
// the sequence, whose length is static, is unrolled into ordinary nodes, so
// their gradients — of any order — come from the VJPs of MatMul, Add, the
// activations and three small private ops (narrow, its adjoint, stack).
//
// Per direction, one MatMul multiplies every time step of X by Wᵀ at once
// (the input biases folded in); each step then adds H·Rᵀ, takes its gates
// apart with narrow, and applies the activations. The outputs are the
// steps' hidden states stacked.

func init() {
	seq := "Y: seq × dirs × batch × hidden (layout 1: batch × seq × dirs × hidden); Y_h"
	attrs := "HiddenSize, Direction (forward), Activations, ActivationAlpha/Beta, Clip (none), Layout 0, SequenceLens"
	register(
		OpInfo{Go: "RNN", ONNX: "RNN", Shape: seq + ": dirs × batch × hidden", Attrs: attrs,
			Formula: "Hₜ = f(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb), f = Tanh", VJP: "from its ops, unrolled over the sequence", Differentiable: true},
		OpInfo{Go: "GRU", ONNX: "GRU", Shape: seq + ": dirs × batch × hidden", Attrs: attrs + ", LinearBeforeReset",
			Formula: "gates z, r, h; Hₜ = (1 − z)⊙h + z⊙Hₜ₋₁; f = Sigmoid, g = Tanh", VJP: "from its ops, unrolled over the sequence", Differentiable: true},
		OpInfo{Go: "LSTM", ONNX: "LSTM", Shape: seq + ", Y_c: dirs × batch × hidden", Attrs: attrs + ", InputForget; peepholes P",
			Formula: "gates i, o, f, c; Cₜ = f⊙Cₜ₋₁ + i⊙c, Hₜ = o⊙h(Cₜ); f = Sigmoid, g = h = Tanh", VJP: "from its ops, unrolled over the sequence", Differentiable: true},
		OpInfo{Go: "RNNCell", Shape: "batch × hidden", Formula: "one step of RNN: tanh(x·Wᵀ + h·Rᵀ + Wb + Rb)", VJP: "from its ops", Differentiable: true},
		OpInfo{Go: "GRUCell", Shape: "batch × hidden", Attrs: "linearBeforeReset", Formula: "one step of GRU", VJP: "from its ops", Differentiable: true},
		OpInfo{Go: "LSTMCell", Shape: "h, c: batch × hidden", Formula: "one step of LSTM (no peepholes)", VJP: "from its ops", Differentiable: true},
	)
}

// RNNDirection says which way a recurrent op runs along the sequence.
type RNNDirection uint8

// The directions of ONNX's recurrent ops.
const (
	// RNNForward runs from the first time step to the last (ONNX's
	// default, "forward").
	RNNForward RNNDirection = iota
	// RNNReverse runs from the last step to the first ("reverse").
	RNNReverse
	// RNNBidirectional runs both ways, with a weight set each; the outputs
	// have a direction axis of length 2 ("bidirectional").
	RNNBidirectional
)

// String returns ONNX's name of the direction.
func (d RNNDirection) String() string {
	switch d {
	case RNNForward:
		return "forward"
	case RNNReverse:
		return "reverse"
	case RNNBidirectional:
		return "bidirectional"
	}
	return fmt.Sprintf("RNNDirection(%d)", uint8(d))
}

// RNNOptions holds the attributes of RNN, GRU and LSTM. Its zero value means
// ONNX's defaults.
type RNNOptions struct {
	// HiddenSize is the number of hidden units; 0 takes it from R, whose
	// last axis it is. When set it must agree with R.
	HiddenSize int
	// Direction is forward (the zero value), reverse or bidirectional.
	Direction RNNDirection
	// Activations names the activation functions, as ONNX's activations
	// attribute: per direction, f for RNN; f, g for GRU; f, g, h for
	// LSTM (twice as many when bidirectional, the forward direction's
	// first). None means the defaults: Tanh; Sigmoid, Tanh; Sigmoid, Tanh,
	// Tanh. The names are ONNX's: Relu, Tanh, Sigmoid, Affine, LeakyRelu,
	// ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus.
	Activations []string
	// ActivationAlpha and ActivationBeta are consumed in order by the
	// activations that take an alpha (Affine, LeakyRelu, ThresholdedRelu,
	// ScaledTanh, HardSigmoid, Elu) or a beta (Affine, ScaledTanh,
	// HardSigmoid); an activation the lists run out for takes its ONNX
	// op's default (LeakyRelu 0.01, ThresholdedRelu 1, HardSigmoid 0.2 and
	// 0.5, Elu 1; Affine 1 and 0 and ScaledTanh 1 and 1, the identity and
	// Tanh). Values left over are ignored, as onnxruntime does.
	ActivationAlpha, ActivationBeta []float64
	// Clip, when positive, bounds every gate's input to its activation to
	// [−Clip, Clip] (LSTM's cell state, the input of h, is not clipped, as
	// in onnxruntime); 0 means no clipping (ONNX's default).
	Clip float64
	// Layout is 0 for X of shape seq × batch × input and states of shape
	// dirs × batch × hidden (ONNX's default), 1 for batch-first X (batch ×
	// seq × input) and states (batch × dirs × hidden).
	Layout int
	// LinearBeforeReset (GRU) applies the hidden gate's recurrence weights
	// before the reset gate multiplies: r⊙(H·Rhᵀ + Rbh) instead of
	// (r⊙H)·Rhᵀ + Rbh. PyTorch's and cuDNN's GRU are linear before reset.
	LinearBeforeReset bool
	// InputForget (LSTM) couples the forget gate to the input gate:
	// f = 1 − i.
	InputForget bool
	// SequenceLens, when not nil, is an int32 or int64 vector of each
	// sequence's length (batch entries, each in [0, seq]): a sequence
	// stops at its length, its Y is zero after it and its Y_h (Y_c) is
	// its state there, the initial state for a length of 0 (onnxruntime
	// gives zeros); in reverse it runs from its own last step, as
	// PyTorch's packed sequences do. A length outside [0, seq] fails the
	// run.
	SequenceLens *graph.Node
}

// RNNOutputs are the results of a recurrent op: Y, every step's hidden
// state; YH, the last hidden state of each direction; YC, LSTM's last cell
// state (nil for RNN and GRU).
type RNNOutputs struct {
	Y, YH, YC *graph.Node
}

type rnnKind uint8

const (
	kindRNN rnnKind = iota
	kindGRU
	kindLSTM
)

var rnnNames = [...]string{"RNN", "GRU", "LSTM"}

// gates returns the number of gates, the height of W and R in hidden
// units.
func (k rnnKind) gates() int { return [...]int{1, 3, 4}[k] }

// activations returns how many activation functions a direction takes.
func (k rnnKind) activations() int { return [...]int{1, 2, 3}[k] }

func (k rnnKind) defaults() []string {
	return [...][]string{{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}}[k]
}

// RNN is ONNX's simple recurrent network (opset 14): for each direction
// and time step, Hₜ = f(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb).
//
// x is seq × batch × input (batch × seq × input with Layout 1); w is dirs
// × hidden × input; r is dirs × hidden × hidden; b, dirs × 2·hidden
// (Wb then Rb), may be nil for zeros; h0, dirs × batch × hidden (batch ×
// dirs × hidden with Layout 1), may be nil for zeros. Y is seq × dirs ×
// batch × hidden (batch × seq × dirs × hidden with Layout 1), YH dirs ×
// batch × hidden (batch × dirs × hidden).
func RNN(x, w, r, b, h0 *graph.Node, o RNNOptions) RNNOutputs {
	return recurrent(kindRNN, x, w, r, b, h0, nil, nil, o)
}

// GRU is ONNX's gated recurrent unit (opset 14). The gates are stacked in
// ONNX's order z (update), r (reset), h (hidden) along the second axis of
// w (dirs × 3·hidden × input) and r (dirs × 3·hidden × hidden), and b is
// dirs × 6·hidden ([Wb_zrh, Rb_zrh]). Per step:
//
//	z = f(Xₜ·Wzᵀ + Hₜ₋₁·Rzᵀ + Wbz + Rbz)
//	r = f(Xₜ·Wrᵀ + Hₜ₋₁·Rrᵀ + Wbr + Rbr)
//	h = g(Xₜ·Whᵀ + (r⊙Hₜ₋₁)·Rhᵀ + Rbh + Wbh)   (LinearBeforeReset: g(Xₜ·Whᵀ + r⊙(Hₜ₋₁·Rhᵀ + Rbh) + Wbh))
//	Hₜ = (1 − z)⊙h + z⊙Hₜ₋₁
//
// The shapes of x, h0 and the outputs are RNN's.
func GRU(x, w, r, b, h0 *graph.Node, o RNNOptions) RNNOutputs {
	return recurrent(kindGRU, x, w, r, b, h0, nil, nil, o)
}

// LSTM is ONNX's long short-term memory (opset 14). The gates are stacked
// in ONNX's order i (input), o (output), f (forget), c (cell) along the
// second axis of w (dirs × 4·hidden × input) and r (dirs × 4·hidden ×
// hidden); b is dirs × 8·hidden ([Wb_iofc, Rb_iofc]); c0 is shaped like
// h0; p, dirs × 3·hidden, holds the peephole weights [Pi, Po, Pf]. b, h0,
// c0 and p may be nil for zeros. Per step:
//
//	i = f(Xₜ·Wiᵀ + Hₜ₋₁·Riᵀ + Pi⊙Cₜ₋₁ + Wbi + Rbi)
//	f = f(Xₜ·Wfᵀ + Hₜ₋₁·Rfᵀ + Pf⊙Cₜ₋₁ + Wbf + Rbf)   (InputForget: 1 − i)
//	c = g(Xₜ·Wcᵀ + Hₜ₋₁·Rcᵀ + Wbc + Rbc)
//	Cₜ = f⊙Cₜ₋₁ + i⊙c
//	o = f(Xₜ·Woᵀ + Hₜ₋₁·Roᵀ + Po⊙Cₜ + Wbo + Rbo)
//	Hₜ = o⊙h(Cₜ)
//
// YC, the last cell state, is shaped like YH.
func LSTM(x, w, r, b, h0, c0, p *graph.Node, o RNNOptions) RNNOutputs {
	return recurrent(kindLSTM, x, w, r, b, h0, c0, p, o)
}

// activation is one activation function with its alpha and beta.
type activation struct {
	name        string // ONNX's spelling
	alpha, beta float64
}

// rnnActivations lists the activation functions of the recurrent ops:
// whether each takes an alpha and a beta, and their defaults.
var rnnActivations = []struct {
	name                string
	usesAlpha, usesBeta bool
	alpha, beta         float64
}{
	{"Relu", false, false, 0, 0},
	{"Tanh", false, false, 0, 0},
	{"Sigmoid", false, false, 0, 0},
	{"Affine", true, true, 1, 0},
	{"LeakyRelu", true, false, 0.01, 0},
	{"ThresholdedRelu", true, false, 1, 0},
	{"ScaledTanh", true, true, 1, 1},
	{"HardSigmoid", true, true, 0.2, 0.5},
	{"Elu", true, false, 1, 0},
	{"Softsign", false, false, 0, 0},
	{"Softplus", false, false, 0, 0},
}

// resolveActivations returns the activation functions of every direction
// with their alphas and betas.
func resolveActivations(k rnnKind, dirs int, o *RNNOptions) ([]activation, error) {
	names := o.Activations
	if len(names) == 0 {
		for d := 0; d < dirs; d++ {
			names = append(names, k.defaults()...)
		}
	}
	if len(names) != k.activations()*dirs {
		return nil, fmt.Errorf("%d activations given, want %d (%d a direction)", len(names), k.activations()*dirs, k.activations())
	}
	alphas, betas := o.ActivationAlpha, o.ActivationBeta
	out := make([]activation, len(names))
	for i, n := range names {
		found := false
		for _, a := range rnnActivations {
			if !strings.EqualFold(n, a.name) {
				continue
			}
			found = true
			out[i] = activation{name: a.name, alpha: a.alpha, beta: a.beta}
			if a.usesAlpha && len(alphas) > 0 {
				out[i].alpha, alphas = alphas[0], alphas[1:]
			}
			if a.usesBeta && len(betas) > 0 {
				out[i].beta, betas = betas[0], betas[1:]
			}
		}
		if !found {
			return nil, fmt.Errorf("activation %q is not one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus", n)
		}
	}
	return out, nil
}

// apply returns the activation of x.
func (a activation) apply(x *graph.Node) *graph.Node {
	switch a.name {
	case "Relu":
		return ReLU(x)
	case "Tanh":
		return Tanh(x)
	case "Sigmoid":
		return Sigmoid(x)
	case "Affine":
		return Add(Scale(x, a.alpha), scalarLike(x, a.beta))
	case "LeakyRelu":
		return LeakyReLU(x, a.alpha)
	case "ThresholdedRelu": // x ≥ α, as the recurrent ops define it
		return Where(GreaterOrEqual(x, scalarLike(x, a.alpha)), x, scalarLike(x, 0))
	case "ScaledTanh":
		return Scale(Tanh(Scale(x, a.beta)), a.alpha)
	case "HardSigmoid":
		return HardSigmoid(x, a.alpha, a.beta)
	case "Elu":
		return ELU(x, a.alpha)
	case "Softsign":
		return Softsign(x)
	}
	return Softplus(x)
}

// rnnShape is what the arguments of a recurrent op fix: sequence length,
// batch, input and hidden sizes, directions, and the axes of time and
// direction in x and the states.
type rnnShape struct {
	seq, batch, input, hidden, dirs int
	timeAxis, dirAxis               int
}

// checkRecurrent returns the sizes the arguments fix, or why they do not
// fit the op.
func checkRecurrent(k rnnKind, x, w, r, b, h0, c0, p *graph.Node, o *RNNOptions) (rnnShape, error) {
	var s rnnShape
	for _, n := range []*graph.Node{x, w, r, b, h0, c0, p} {
		if n != nil && !n.DType().IsFloat() {
			return s, graph.DTypesError(metas(x, w, r, b, h0, c0, p), "are not all float32 or float64")
		}
	}
	if err := sameDType(metas(x, w, r, b, h0, c0, p)); err != nil {
		return s, err
	}
	if o.Direction > RNNBidirectional {
		return s, fmt.Errorf("direction %d is not forward, reverse or bidirectional", o.Direction)
	}
	if o.Layout != 0 && o.Layout != 1 {
		return s, fmt.Errorf("layout %d is not 0 or 1", o.Layout)
	}
	if o.Clip < 0 {
		return s, fmt.Errorf("clip %g is negative", o.Clip)
	}
	if k != kindGRU && o.LinearBeforeReset {
		return s, fmt.Errorf("LinearBeforeReset is an attribute of GRU only")
	}
	if k != kindLSTM && o.InputForget {
		return s, fmt.Errorf("InputForget is an attribute of LSTM only")
	}
	s.dirs = 1
	if o.Direction == RNNBidirectional {
		s.dirs = 2
	}
	bad := func(reason string) error { return graph.ShapesError(metas(x, w, r, b, h0, c0, p), reason) }
	xs, rs := x.Shape(), r.Shape()
	if len(xs) != 3 {
		return s, bad("do not fit: x must have rank 3")
	}
	s.timeAxis = o.Layout
	s.seq, s.batch, s.input = xs[s.timeAxis], xs[1-s.timeAxis], xs[2]
	if len(rs) != 3 || rs[0] != s.dirs {
		return s, bad(fmt.Sprintf("do not fit: r must be %d × %d·hidden × hidden", s.dirs, k.gates()))
	}
	s.hidden = rs[2]
	if o.HiddenSize != 0 && o.HiddenSize != s.hidden {
		return s, bad(fmt.Sprintf("do not fit hidden size %d", o.HiddenSize))
	}
	gh := k.gates() * s.hidden
	if s.seq == 0 {
		return s, bad("do not fit: the sequence is empty")
	}
	want := func(n *graph.Node, name string, shape graph.Shape) error {
		if n != nil && !n.Shape().Equal(shape) {
			return bad(fmt.Sprintf("do not fit: %s must be %s", name, shape))
		}
		return nil
	}
	state := graph.Shape{s.dirs, s.batch, s.hidden}
	if o.Layout == 1 {
		state = graph.Shape{s.batch, s.dirs, s.hidden}
		s.dirAxis = 1
	}
	for _, c := range []struct {
		n     *graph.Node
		name  string
		shape graph.Shape
	}{
		{w, "w", graph.Shape{s.dirs, gh, s.input}},
		{r, "r", graph.Shape{s.dirs, gh, s.hidden}},
		{b, "b", graph.Shape{s.dirs, 2 * gh}},
		{h0, "h0", state},
		{c0, "c0", state},
		{p, "p", graph.Shape{s.dirs, 3 * s.hidden}},
	} {
		if err := want(c.n, c.name, c.shape); err != nil {
			return s, err
		}
	}
	if l := o.SequenceLens; l != nil {
		if !l.DType().IsInt() {
			return s, graph.DTypesError(metas(l), "of the sequence lengths is not int32 or int64")
		}
		if !l.Shape().Equal(graph.Shape{s.batch}) {
			return s, graph.ShapesError(metas(x, l), fmt.Sprintf("do not fit: the sequence lengths must be %d", s.batch))
		}
	}
	return s, nil
}

func recurrent(k rnnKind, x, w, r, b, h0, c0, p *graph.Node, o RNNOptions) RNNOutputs {
	fail := func(n *graph.Node) RNNOutputs {
		out := RNNOutputs{Y: n, YH: n}
		if k == kindLSTM {
			out.YC = n
		}
		return out
	}
	if f := anyFailed(x, w, r, b, h0, c0, p, o.SequenceLens); f != nil {
		return fail(f)
	}
	if x == nil || w == nil || r == nil {
		return fail(invalid(rnnNames[k], fmt.Errorf("x, w and r are required"), x, w, r, b, h0, c0, p))
	}
	s, err := checkRecurrent(k, x, w, r, b, h0, c0, p, &o)
	var acts []activation
	if err == nil {
		acts, err = resolveActivations(k, s.dirs, &o)
	}
	if err != nil {
		return fail(invalid(rnnNames[k], err, x, w, r, b, h0, c0, p, o.SequenceLens))
	}

	g := x.Graph()
	H := s.hidden
	// masks[t] is batch × 1: whether step t lies within each sequence.
	var masks []*graph.Node
	if o.SequenceLens != nil {
		masks = make([]*graph.Node, s.seq)
		for t := range masks {
			masks[t] = graph.ApplyOn(seqMaskOp{t: t, seq: s.seq}, o.SequenceLens)
		}
	}
	ys := make([]*graph.Node, s.seq*s.dirs) // step t of direction d at t·dirs + d
	hs := make([]*graph.Node, s.dirs)
	cs := make([]*graph.Node, s.dirs)
	for d := 0; d < s.dirs; d++ {
		c := cell{kind: k, hidden: H, clip: o.Clip, acts: acts[d*k.activations() : (d+1)*k.activations()],
			inputForget: o.InputForget, lbr: o.LinearBeforeReset}
		c.setWeights(narrow(r, 0, d, 1, true))
		var bd *graph.Node
		if b != nil {
			bd = narrow(b, 0, d, 1, true)
		}
		if p != nil {
			pd := narrow(p, 0, d, 1, true)
			c.pi, c.po, c.pf = narrow(pd, 0, 0, H, false), narrow(pd, 0, H, H, false), narrow(pd, 0, 2*H, H, false)
		}
		// Every step's input product at once: seq × batch × gates·hidden
		// (batch × seq × … with layout 1), its biases folded in.
		xw := c.addBias(MatMul(x, narrow(w, 0, d, 1, true), TransB), bd)
		var h, cc *graph.Node // nil: zeros
		if h0 != nil {
			h = narrow(h0, s.dirAxis, d, 1, true)
		}
		if c0 != nil {
			cc = narrow(c0, s.dirAxis, d, 1, true)
		}
		zeros := func() *graph.Node { return g.Zeros(x.DType(), graph.Shape{s.batch, H}) }
		for i := 0; i < s.seq; i++ {
			t := i
			if o.Direction == RNNReverse || d == 1 {
				t = s.seq - 1 - i
			}
			h2, c2 := c.step(narrow(xw, s.timeAxis, t, 1, true), h, cc)
			y := h2
			if masks != nil {
				if h == nil {
					h = zeros()
				}
				y = Where(masks[t], h2, scalarLike(h2, 0))
				h2 = Where(masks[t], h2, h)
				if k == kindLSTM {
					if cc == nil {
						cc = zeros()
					}
					c2 = Where(masks[t], c2, cc)
				}
			}
			h, cc = h2, c2
			ys[t*s.dirs+d] = y
		}
		hs[d], cs[d] = h, cc
	}
	// Layout 0 stacks the steps into seq·dirs × batch × hidden, layout 1
	// into batch × seq·dirs × hidden; a reshape splits seq and dirs.
	// The batch is read at run time (0 copies it, −1 infers it), so one
	// program serves every batch.
	ax := o.Layout
	var y *graph.Node
	if o.Layout == 1 {
		y = Reshape(stack(ax, ys...), 0, s.seq, s.dirs, H)
	} else {
		y = Reshape(stack(ax, ys...), s.seq, s.dirs, -1, H)
	}
	out := RNNOutputs{Y: y, YH: stack(ax, hs...)}
	if k == kindLSTM {
		out.YC = stack(ax, cs...)
	}
	return out
}

// cell is one direction of a recurrent op: its recurrence weights, the
// activations and attributes, and the step that maps an input product and
// the states to the next states.
type cell struct {
	kind        rnnKind
	hidden      int
	clip        float64
	acts        []activation
	inputForget bool
	lbr         bool
	r           *graph.Node // gates·hidden × hidden
	rzr, rh     *graph.Node // GRU not linear before reset: R's z and r rows, h rows
	rbh         *graph.Node // GRU linear before reset: the hidden gate's recurrence bias
	pi, po, pf  *graph.Node // LSTM peepholes, or nil
}

// setWeights sets the recurrence weights r (gates·hidden × hidden).
func (c *cell) setWeights(r *graph.Node) {
	c.r = r
	if c.kind == kindGRU && !c.lbr {
		c.rzr, c.rh = narrow(r, 0, 0, 2*c.hidden, false), narrow(r, 0, 2*c.hidden, c.hidden, false)
	}
}

// addBias adds to xw (…× gates·hidden) the biases b (2·gates·hidden: Wb
// then Rb, or nil) that do not depend on the step: all of them, except
// GRU's Rbh when linear before reset, which the cell keeps to add inside
// the reset gate's product.
func (c *cell) addBias(xw, b *graph.Node) *graph.Node {
	if b == nil {
		return xw
	}
	gh := c.kind.gates() * c.hidden
	wb, rb := narrow(b, 0, 0, gh, false), narrow(b, 0, gh, gh, false)
	if c.kind == kindGRU && c.lbr {
		c.rbh = narrow(rb, 0, 2*c.hidden, c.hidden, false)
		rb = narrowGrad(narrow(rb, 0, 0, 2*c.hidden, false), rb, 0, 0, false)
	}
	return Add(xw, Add(wb, rb))
}

// act applies activation k to a gate's input, clipped first when the op
// clips.
func (c *cell) act(k int, x *graph.Node) *graph.Node {
	if c.clip > 0 {
		x = Clip(x, -c.clip, c.clip)
	}
	return c.acts[k].apply(x)
}

// gate returns gate k (hidden columns from k·hidden) of a batch ×
// gates·hidden matrix.
func (c *cell) gate(m *graph.Node, k int) *graph.Node {
	return narrow(m, 1, k*c.hidden, c.hidden, false)
}

// step returns the states after one time step, given xw (batch ×
// gates·hidden: the step's input times Wᵀ plus the biases addBias
// folded in) and the states h and cs before it (nil for zeros).
func (c *cell) step(xw, h, cs *graph.Node) (h2, c2 *graph.Node) {
	switch c.kind {
	case kindRNN:
		pre := xw
		if h != nil {
			pre = Add(xw, MatMul(h, c.r, TransB))
		}
		return c.act(0, pre), nil
	case kindGRU:
		return c.gruStep(xw, h), nil
	}
	return c.lstmStep(xw, h, cs)
}

func (c *cell) gruStep(xw, h *graph.Node) *graph.Node {
	var z, r, hh *graph.Node
	switch {
	case h == nil: // every product with h is zero, and so is z⊙h
		z, r = c.act(0, c.gate(xw, 0)), c.act(0, c.gate(xw, 1))
		xh := c.gate(xw, 2)
		if c.lbr && c.rbh != nil {
			xh = Add(xh, Mul(r, c.rbh)) // r⊙(0·Rhᵀ + Rbh)
		}
		hh = c.act(1, xh)
		return Sub(hh, Mul(z, hh)) // (1 − z)⊙h
	case c.lbr:
		hr := MatMul(h, c.r, TransB)
		zr := Add(narrow(xw, 1, 0, 2*c.hidden, false), narrow(hr, 1, 0, 2*c.hidden, false))
		z, r = c.act(0, c.gate(zr, 0)), c.act(0, c.gate(zr, 1))
		rh := c.gate(hr, 2)
		if c.rbh != nil {
			rh = Add(rh, c.rbh)
		}
		hh = c.act(1, Add(c.gate(xw, 2), Mul(r, rh)))
	default:
		zr := Add(narrow(xw, 1, 0, 2*c.hidden, false), MatMul(h, c.rzr, TransB))
		z, r = c.act(0, c.gate(zr, 0)), c.act(0, c.gate(zr, 1))
		hh = c.act(1, Add(c.gate(xw, 2), MatMul(Mul(r, h), c.rh, TransB)))
	}
	// Hₜ = (1 − z)⊙h + z⊙Hₜ₋₁ = h + z⊙(Hₜ₋₁ − h)
	return Add(hh, Mul(z, Sub(h, hh)))
}

func (c *cell) lstmStep(xw, h, cs *graph.Node) (h2, c2 *graph.Node) {
	pre := xw
	if h != nil {
		pre = Add(xw, MatMul(h, c.r, TransB))
	}
	peep := func(x, p, s *graph.Node) *graph.Node {
		if p == nil || s == nil {
			return x
		}
		return Add(x, Mul(p, s))
	}
	i := c.act(0, peep(c.gate(pre, 0), c.pi, cs))
	cc := c.act(1, c.gate(pre, 3))
	c2 = Mul(i, cc)
	if cs != nil {
		var f *graph.Node
		if c.inputForget {
			f = Sub(scalarLike(i, 1), i)
		} else {
			f = c.act(0, peep(c.gate(pre, 2), c.pf, cs))
		}
		c2 = Add(Mul(f, cs), c2)
	}
	o := c.act(0, peep(c.gate(pre, 1), c.po, c2))
	return Mul(o, c.act(2, c2)), c2
}

// RNNCell is one step of RNN with its default activation: tanh(x·wᵀ +
// h·rᵀ + Wb + Rb), for x batch × input, h batch × hidden (nil: zeros), w
// hidden × input, r hidden × hidden and b 2·hidden ([Wb, Rb]; nil: zeros).
// It returns the next hidden state, batch × hidden.
func RNNCell(x, h, w, r, b *graph.Node) *graph.Node {
	h2, _ := singleStep(kindRNN, false, x, h, nil, w, r, b)
	return h2
}

// GRUCell is one step of GRU with its default activations, for x, h, w, r
// and b as in RNNCell but with the three gates z, r, h stacked in w (3·hidden
// × input), r (3·hidden × hidden) and b (6·hidden). linearBeforeReset is
// GRU's attribute (PyTorch's GRUCell has it set). It returns the next
// hidden state.
func GRUCell(x, h, w, r, b *graph.Node, linearBeforeReset bool) *graph.Node {
	h2, _ := singleStep(kindGRU, linearBeforeReset, x, h, nil, w, r, b)
	return h2
}

// LSTMCell is one step of LSTM with its default activations and no
// peepholes, for x batch × input, h and c batch × hidden (nil: zeros), the
// four gates i, o, f, c stacked in w (4·hidden × input), r (4·hidden ×
// hidden) and b (8·hidden). It returns the next hidden and cell states.
func LSTMCell(x, h, c, w, r, b *graph.Node) (hNext, cNext *graph.Node) {
	return singleStep(kindLSTM, false, x, h, c, w, r, b)
}

func singleStep(k rnnKind, lbr bool, x, h, cs, w, r, b *graph.Node) (h2, c2 *graph.Node) {
	typ := rnnNames[k] + "Cell"
	if f := anyFailed(x, h, cs, w, r, b); f != nil {
		return f, f
	}
	if x == nil || w == nil || r == nil {
		f := invalid(typ, fmt.Errorf("x, w and r are required"), x, h, cs, w, r, b)
		return f, f
	}
	if err := checkCell(k, x, h, cs, w, r, b); err != nil {
		f := invalid(typ, err, x, h, cs, w, r, b)
		return f, f
	}
	hidden := r.Shape()[1]
	c := cell{kind: k, hidden: hidden, lbr: lbr}
	for _, name := range k.defaults() {
		c.acts = append(c.acts, activation{name: name})
	}
	c.setWeights(r)
	xw := c.addBias(MatMul(x, w, TransB), b)
	return c.step(xw, h, cs)
}

func checkCell(k rnnKind, x, h, cs, w, r, b *graph.Node) error {
	in := metas(x, h, cs, w, r, b)
	for _, m := range in {
		if !m.DType.IsFloat() {
			return graph.DTypesError(in, "are not all float32 or float64")
		}
	}
	if err := sameDType(in); err != nil {
		return err
	}
	xs, rs := x.Shape(), r.Shape()
	if len(xs) != 2 || len(rs) != 2 {
		return graph.ShapesError(in, "do not fit: x and r must be matrices")
	}
	batch, input, hidden := xs[0], xs[1], rs[1]
	gh := k.gates() * hidden
	for _, c := range []struct {
		n     *graph.Node
		name  string
		shape graph.Shape
	}{
		{h, "h", graph.Shape{batch, hidden}},
		{cs, "c", graph.Shape{batch, hidden}},
		{w, "w", graph.Shape{gh, input}},
		{r, "r", graph.Shape{gh, hidden}},
		{b, "b", graph.Shape{2 * gh}},
	} {
		if c.n != nil && !c.n.Shape().Equal(c.shape) {
			return graph.ShapesError(in, fmt.Sprintf("do not fit: %s must be %s", c.name, c.shape))
		}
	}
	return nil
}

// seqMaskOp turns the sequence lengths (int, batch) into the mask of time
// step t (bool, batch × 1): t < length. A length outside [0, seq] fails
// the run.
type seqMaskOp struct{ t, seq int }

func (seqMaskOp) Type() string { return "SequenceMask" }

func (o seqMaskOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantInt(in, 0); err != nil {
		return graph.Meta{}, err
	}
	if len(in[0].Shape) != 1 {
		return graph.Meta{}, graph.ShapesError(in, "is not a vector of lengths")
	}
	return graph.Meta{DType: graph.Bool, Shape: graph.Shape{in[0].Shape[0], 1}}, nil
}

func (o seqMaskOp) Forward(out *graph.Value, in []*graph.Value) {
	if in[0].I64 != nil {
		seqMaskK(out, in[0].I64, o.t, o.seq)
	} else {
		seqMaskK(out, in[0].I32, o.t, o.seq)
	}
}

func seqMaskK[T int32 | int64](out *graph.Value, lens []T, t, seq int) {
	for b, l := range lens {
		if l < 0 || int64(l) > int64(seq) {
			out.Fail(fmt.Errorf("sequence length %d of batch entry %d is outside [0, %d]", l, b, seq))
			return
		}
		out.B[b] = int64(t) < int64(l)
	}
}

func (seqMaskOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }
