package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// The normalisation layers (BatchNormalization, InstanceNormalization,
// LayerNormalization, GroupNormalization) share two kernels. Each layer
// picks the axes its statistics run over; a statistic has x's shape with
// those axes set to 1 (the "kept" shape, which broadcasts against x):
//
//	m = ReduceMean(x) over the axes                one sweep
//	r = invStd(x, m) = 1/√(mean((x − m)²) + ε)       one sweep
//	y = shiftScale(x, m, a, s, b) = (x − m)·a·s + b  one sweep
//
// where a is r, or r times the layer's scale when the scale is constant
// over the axes (one per channel, or per group, the bias b then likewise
// one per slot, and s absent); LayerNormalization's scale s and bias b
// vary along the normalised axes instead.
// Three passes over x, as a fused kernel would make, and each of the three
// has a VJP built from ops, so second derivatives come from the same
// nodes. The variance is the population one (divided by the count), as
// ONNX defines it, and is summed in float64 for float32 inputs too.

func init() {
	register(
		OpInfo{Go: "LayerNormalization", ONNX: "LayerNormalization", Shape: "x's shape",
			Attrs:   "axis (ONNX: −1), epsilon (ONNX: 1e-5); scale and bias optional (nil), broadcast to x",
			Formula: "(x − mean)/√(var + ε)·scale + bias, mean and var over the axes from axis on",
			VJP:     "from ReduceMean and two fused kernels whose VJPs are ops", Differentiable: true},
		OpInfo{Go: "InstanceNormalization", ONNX: "InstanceNormalization", Shape: "x's shape (N×C×D1…, rank ≥ 3); scale and bias C",
			Attrs: "epsilon (ONNX: 1e-5)", Formula: "(x − mean)/√(var + ε)·scale_c + bias_c, mean and var over D1… per sample and channel",
			VJP: "from ReduceMean and two fused kernels whose VJPs are ops", Differentiable: true},
		OpInfo{Go: "GroupNormalization", ONNX: "GroupNormalization", Shape: "x's shape (N×C×…, rank ≥ 2); scale and bias G (opset 18: per group)",
			Attrs:   "numGroups (dividing C), epsilon (ONNX: 1e-5)",
			Formula: "(x − mean)/√(var + ε)·scale_g + bias_g, mean and var per sample over each group of C/G channels",
			VJP:     "from Reshape, ReduceMean and two fused kernels whose VJPs are ops", Differentiable: true},
	)
}

// LayerNormalization normalises x over its axes from axis on (ONNX
// LayerNormalization, opset 17; axis may be negative, ONNX's default is
// −1): with mean and var the mean and population variance of each slice
// over those axes,
//
//	y = (x − mean)/√(var + epsilon)·scale + bias
//
// scale and bias are optional (nil: 1 and 0); when given they broadcast
// to x's shape, typically having the shape of the normalised axes. ONNX's
// default epsilon is 1e-5. The computation runs in x's dtype with float64
// sums (ONNX's stash_type, float32 by default, is not followed for
// float64, which it would only make less precise), and the optional Mean
// and InvStdDev outputs of ONNX are not produced.
func LayerNormalization(x, scale, bias *graph.Node, axis int, epsilon float64) *graph.Node {
	check := func(in []graph.Meta) error {
		if err := wantFloat(in); err != nil {
			return err
		}
		xs := in[0].Shape
		if _, err := axisOf(axis, len(xs)); err != nil {
			return graph.ShapesError(in[:1], fmt.Sprintf("has no axis %d", axis))
		}
		for i, m := range in[1:] {
			if s, ok := BroadcastShape(m.Shape, xs); !ok || !s.Equal(xs) {
				what := "scale"
				if scale == nil || i == 1 {
					what = "bias"
				}
				return graph.ShapesError(in, fmt.Sprintf("do not fit: %s %s does not broadcast to x's shape", what, m.Shape))
			}
		}
		return checkEpsilon(epsilon)
	}
	if bad := vet("LayerNormalization", check, x, scale, bias); bad != nil {
		return bad
	}
	a, _ := axisOf(axis, x.Shape().Rank())
	axes := make([]int, 0, x.Shape().Rank()-a)
	for i := a; i < x.Shape().Rank(); i++ {
		axes = append(axes, i)
	}
	m := ReduceMean(x, true, axes...)
	return shiftScale(x, m, invStd(x, m, epsilon), scale, bias)
}

// InstanceNormalization normalises each channel of each sample of x, an
// N×C×D1×… value of rank 3 or more, over its spatial axes D1… (ONNX
// InstanceNormalization):
//
//	y = (x − mean)/√(var + epsilon)·scale_c + bias_c
//
// with scale and bias of C elements. ONNX's default epsilon is 1e-5.
func InstanceNormalization(x, scale, bias *graph.Node, epsilon float64) *graph.Node {
	check := func(in []graph.Meta) error {
		if err := normInputs(in, 3, "N×C×D1… (rank 3 or more)"); err != nil {
			return err
		}
		xs := in[0].Shape
		if err := perChannel(in, xs[1], "C"); err != nil {
			return err
		}
		return checkEpsilon(epsilon)
	}
	if bad := vet("InstanceNormalization", check, x, scale, bias); bad != nil {
		return bad
	}
	xs := x.Shape()
	axes := make([]int, 0, len(xs)-2)
	for i := 2; i < len(xs); i++ {
		axes = append(axes, i)
	}
	m := ReduceMean(x, true, axes...)
	cs := channelShape(xs[1], len(xs)-1) // C×1×…: per channel, against N×C×1×…
	a := Mul(invStd(x, m, epsilon), reshapeExact(scale, cs))
	b := BroadcastLike(reshapeExact(bias, cs), m)
	return shiftScale(x, m, a, nil, b)
}

// normInputs checks the inputs of a normalisation with scale and bias:
// float x, scale and bias, x of rank minRank or more (form says which).
func normInputs(in []graph.Meta, minRank int, form string) error {
	if err := wantFloat(in); err != nil {
		return err
	}
	if len(in) != 3 {
		return fmt.Errorf("needs scale and bias")
	}
	if len(in[0].Shape) < minRank {
		return graph.ShapesError(in, "do not fit: x must be "+form)
	}
	return nil
}

// GroupNormalization normalises x, an N×C×… value, over groups of C/G
// consecutive channels (with their other axes) per sample, G = numGroups
// dividing C (ONNX GroupNormalization, opset 18):
//
//	y = (x − mean)/√(var + epsilon)·scale_g + bias_g
//
// As opset 18 defines it, scale and bias hold one value per group (G
// elements); opset 21 changed them to one per channel, which is
// GroupNormalization followed by a per-channel Mul and Add. ONNX's default
// epsilon is 1e-5.
func GroupNormalization(x, scale, bias *graph.Node, numGroups int, epsilon float64) *graph.Node {
	check := func(in []graph.Meta) error {
		if err := normInputs(in, 2, "N×C×… (rank 2 or more)"); err != nil {
			return err
		}
		xs := in[0].Shape
		if numGroups < 1 || xs[1]%numGroups != 0 {
			return graph.ShapesError(in, fmt.Sprintf("do not fit: %d groups do not divide C = %d channels", numGroups, xs[1]))
		}
		if err := perChannel(in, numGroups, "G"); err != nil {
			return err
		}
		return checkEpsilon(epsilon)
	}
	if bad := vet("GroupNormalization", check, x, scale, bias); bad != nil {
		return bad
	}
	xs := x.Shape()
	n, gr := xs[0], numGroups
	xg := x
	if v := (graph.Shape{n, gr, xs.Size() / max(1, n*gr)}); !v.Equal(xs) {
		rest := xs[1:].Size() / gr
		if rest > 0 {
			xg = Reshape(x, 0, gr, rest) // N×G×(the rest), for any batch N
		} else {
			xg = reshapeExact(x, v)
		}
	}
	m := ReduceMean(xg, true, 2)
	gs := graph.Shape{gr, 1}
	a := Mul(invStd(xg, m, epsilon), reshapeExact(scale, gs))
	b := BroadcastLike(reshapeExact(bias, gs), m)
	y := shiftScale(xg, m, a, nil, b)
	if y.Failed() || y.Shape().Equal(xs) {
		return y
	}
	return ReshapeLike(y, x)
}

// channelShape returns c followed by rank−1 ones: a per-channel value
// that broadcasts against N×C×… values.
func channelShape(c, rank int) graph.Shape {
	s := make(graph.Shape, rank)
	for i := range s {
		s[i] = 1
	}
	if rank > 0 {
		s[0] = c
	}
	return s
}

// perChannel reports an error unless in[1:] (a layer's scale and bias,
// or its running statistics) are vectors of n elements.
func perChannel(in []graph.Meta, n int, what string) error {
	names := [...]string{"scale", "bias", "mean", "var"}
	for i, m := range in[1:] {
		if len(m.Shape) != 1 || m.Shape[0] != n {
			return graph.ShapesError(in, fmt.Sprintf("do not fit: %s must have %s = %d elements", names[i], what, n))
		}
	}
	return nil
}

func checkEpsilon(eps float64) error {
	if !(eps >= 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("epsilon %g is not a finite number ≥ 0", eps)
	}
	return nil
}

// vet checks the arguments of a layer built from several ops before any
// node is added: it returns nil when check accepts the inputs' dtypes and
// shapes (nil inputs, the optional ones left out, are skipped), and
// otherwise a failed node whose error names the layer and its inputs, as
// any op's would ("LayerNormalization(x, s): …"). A failed input makes a
// failed node without a new error.
func vet(typ string, check func(in []graph.Meta) error, inputs ...*graph.Node) *graph.Node {
	nodes := make([]*graph.Node, 0, len(inputs))
	for _, n := range inputs {
		if n != nil {
			nodes = append(nodes, n)
		}
	}
	metas := make([]graph.Meta, len(nodes))
	for i, n := range nodes {
		if n.Failed() {
			return graph.ApplyOn(badOp{typ: typ}, nodes...)
		}
		metas[i] = graph.Meta{DType: n.DType(), Shape: n.Shape()}
	}
	if err := check(metas); err != nil {
		return graph.ApplyOn(badOp{typ: typ, err: err}, nodes...)
	}
	return nil
}

// badOp is what vet applies to arguments it refuses: its Infer reports
// the reason, so the node fails as soon as it is built.
type badOp struct {
	typ string
	err error
}

func (o badOp) Type() string { return o.typ }
func (o badOp) Infer([]graph.Meta) (graph.Meta, error) {
	if o.err == nil {
		return graph.Meta{}, fmt.Errorf("an input failed")
	}
	return graph.Meta{}, o.err
}
func (badOp) Forward(*graph.Value, []*graph.Value) {}
func (badOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return make([]*graph.Node, len(n.Inputs()))
}

// invStd returns 1/√(mean((x − m)²) + eps), the mean taken over the axes
// along which m (of the kept shape) is broadcast to x; m must be x's mean
// over those axes (see the VJP).
func invStd(x, m *graph.Node, eps float64) *graph.Node {
	return graph.ApplyOn(invStdOp{eps: eps}, x, m)
}

type invStdOp struct{ eps float64 }

func (invStdOp) Type() string { return "InvStdDev" }

// keptInfer checks that in[1:] are float values of in[0]'s dtype with one
// shape that broadcasts to in[0]'s.
func keptInfer(in []graph.Meta) error {
	if err := wantFloat(in); err != nil {
		return err
	}
	for _, m := range in[1:] {
		if !m.Shape.Equal(in[1].Shape) {
			return graph.ShapesError(in, "differ where the statistics must share a shape")
		}
	}
	if s, ok := BroadcastShape(in[1].Shape, in[0].Shape); !ok || !s.Equal(in[0].Shape) {
		return graph.ShapesError(in, "do not fit: the statistics do not broadcast to x")
	}
	return nil
}

func (invStdOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := keptInfer(in); err != nil {
		return graph.Meta{}, err
	}
	return in[1], nil
}

// Workspace: the float64 sums of squares.
func (invStdOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	return graph.Meta{DType: graph.Float64, Shape: out.Shape}
}

func (o invStdOp) Forward(out *graph.Value, in []*graph.Value) {
	x, m := in[0], in[1]
	// The workspace has the shape of the largest batch: a smaller one (of
	// a batched program) uses its start.
	acc := out.Work.F64[:out.Len()]
	if out.F64 != nil {
		sumSquaredDev(acc, x.F64, m.F64, x.Shape, m.Shape)
		finishInvStd(out.F64, acc, len(x.F64), o.eps)
	} else {
		sumSquaredDev(acc, x.F32, m.F32, x.Shape, m.Shape)
		finishInvStd(out.F32, acc, len(x.F32), o.eps)
	}
}

// VJP. m is x's mean over the axes, passed in so as not to be computed
// twice: the op is r(x) = (v + ε)^(−½) with v = mean((x − mean x)²) over n
// elements, and ∂r/∂x_i = −r³(x_i − m)/n (the terms from the mean's own
// dependence on x sum to r³·mean(x − m) = 0). As a function of two inputs
// its derivative in m would be r³·mean(x − m), which is zero at every x
// once m is x's mean, so are all its derivatives: nothing flows to m.
func (o invStdOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	k := Mul(g, Mul(Square(n), n)) // g·r³
	return invStdVJP(n.Inputs()[0], n.Inputs()[1], k, need)
}

// invStdVJP returns the contributions to x and m of invStd(x, m) given
// k = g·r³ (of m's shape).
func invStdVJP(x, m, k *graph.Node, need []bool) []*graph.Node {
	out := make([]*graph.Node, len(need))
	if need[0] {
		out[0] = shiftScale(x, m, Neg(perCount(k, x, m)), nil, nil) // −(x − m)·k/n in one sweep
	}
	if need[1] {
		out[1] = ZerosLike(m)
	}
	return out
}

// sumSquaredDev sets acc to Σ(x − m)² over the axes along which m (of
// shape ms) is broadcast to x (of shape xs), in float64.
func sumSquaredDev[T graph.Float](acc []float64, x, m []T, xs, ms graph.Shape) {
	clear(acc)
	if len(acc) == 0 {
		return
	}
	l := newLoop(xs, ms)
	if !parallelSquaredDev(acc, x, m, &l) {
		squaredDevRows(acc, x, m, &l, 0, l.rows())
	}
}

// squaredDevRows adds Σ(x − m)² of rows [r0, r1) of the walk l into acc.
func squaredDevRows[T graph.Float](acc []float64, x, m []T, l *loop, r0, r1 int) {
	n := l.inner()
	c := l.at(r0)
	if l.st[0][l.rank-1] == 0 { // each row of x shares one statistic
		for r := r0; r < r1; r++ {
			mv, s := m[c.off[0]], 0.0
			for _, v := range x[r*n : (r+1)*n] {
				d := float64(v - mv)
				s += d * d
			}
			acc[c.off[0]] += s
			c.next()
		}
		return
	}
	for r := r0; r < r1; r++ {
		off := c.off[0]
		mr, ar := m[off:off+n], acc[off:off+n]
		for i, v := range x[r*n : (r+1)*n] {
			d := float64(v - mr[i])
			ar[i] += d * d
		}
		c.next()
	}
}

// finishInvStd sets o = 1/√(acc/cnt + eps), cnt = size/len(o).
func finishInvStd[T graph.Float](o []T, acc []float64, size int, eps float64) {
	if len(o) == 0 {
		return
	}
	cnt := float64(size / len(o))
	for i, s := range acc {
		o[i] = T(1 / math.Sqrt(s/cnt+eps))
	}
}

// shiftScale returns (x − m)·a·s + b: m and a are statistics of one
// shape (a slot per slice of x), s and b (either may be nil: 1 and 0) any
// shapes, each broadcasting to x's. BatchNormalization, Instance- and
// GroupNormalization fold their scale into a and their bias into b;
// LayerNormalization's scale and bias vary along the normalised axes.
func shiftScale(x, m, a, s, b *graph.Node) *graph.Node {
	in := []*graph.Node{x, m, a}
	if s != nil {
		in = append(in, s)
	}
	if b != nil {
		in = append(in, b)
	}
	return graph.ApplyOn(shiftScaleOp{scale: s != nil, bias: b != nil}, in...)
}

// shiftScaleOp's inputs are x, m, a, then s and b when present.
type shiftScaleOp struct{ scale, bias bool }

func (shiftScaleOp) Type() string { return "ShiftScale" }

func (o shiftScaleOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := keptInfer(in[:3]); err != nil {
		return graph.Meta{}, err
	}
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	for _, p := range in[3:] {
		if s, ok := BroadcastShape(p.Shape, in[0].Shape); !ok || !s.Equal(in[0].Shape) {
			return graph.Meta{}, graph.ShapesError(in, "do not fit: the scale or bias does not broadcast to x")
		}
	}
	return in[0], nil
}

// args returns the values of s and b, nil when absent.
func (o shiftScaleOp) args(in []*graph.Value) (s, b *graph.Value) {
	k := 3
	if o.scale {
		s, k = in[k], k+1
	}
	if o.bias {
		b = in[k]
	}
	return s, b
}

func (o shiftScaleOp) Forward(out *graph.Value, in []*graph.Value) {
	x, m, a := in[0], in[1], in[2]
	s, b := o.args(in)
	var shapes [3]graph.Shape
	ns := 0
	for _, v := range [...]*graph.Value{m, s, b} {
		if v != nil {
			shapes[ns] = v.Shape
			ns++
		}
	}
	l := newLoop(x.Shape, shapes[:ns]...)
	if out.F64 != nil {
		shiftScaleK(out.F64, x.F64, m.F64, a.F64, data[float64](s), data[float64](b), &l)
	} else {
		shiftScaleK(out.F32, x.F32, m.F32, a.F32, data[float32](s), data[float32](b), &l)
	}
}

// data returns v's slice, nil for a nil v.
func data[T graph.Float](v *graph.Value) []T {
	if v == nil {
		return nil
	}
	return graph.Data[T](v)
}

// VJP of (x − m)·a·s + b: g·a·s to x, its negative summed to m,
// g·s·(x − m) summed to a, g·(x − m)·a summed to s, g summed to b. Without
// s, a is constant along the summed axes, so m's share is −a·Σg, and Σg
// is b's share too when b has m's shape (one sum for both).
func (o shiftScaleOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	in := n.Inputs()
	x, m, a := in[0], in[1], in[2]
	var s, b *graph.Node
	k := 3
	if o.scale {
		s, k = in[3], 4
	}
	if o.bias {
		b = in[k]
	}
	out := make([]*graph.Node, len(in))
	gs := g
	if s != nil && (need[0] || need[1] || need[2]) {
		gs = Mul(g, s)
	}
	if need[0] {
		out[0] = Mul(gs, a)
	}
	var sumG *graph.Node // Σg over the summed axes, when s is absent
	if need[1] {
		if s == nil {
			sumG = reduceLike(g, m)
			out[1] = Neg(Mul(sumG, a))
		} else {
			out[1] = Neg(reduceLike(Mul(gs, a), m))
		}
	}
	if need[2] {
		out[2] = reduceLike(Mul(gs, Sub(x, m)), a)
	}
	if s != nil && need[3] {
		out[3] = reduceLike(Mul(g, shiftScale(x, m, a, nil, nil)), s)
	}
	if b != nil && need[k] {
		if sumG != nil && b.Shape().Equal(m.Shape()) {
			out[k] = sumG
		} else {
			out[k] = reduceLike(g, b)
		}
	}
	return out
}

// shiftScaleK sets o = (x − m)·a·s + b over the walk l of x, whose inputs
// are m (a shares its offsets), then s and b when they are not nil.
func shiftScaleK[T graph.Float](o, x, m, a, s, b []T, l *loop) {
	if len(o) == 0 {
		return
	}
	if !parallelShiftScale(o, x, m, a, s, b, l) {
		shiftScaleRows(o, x, m, a, s, b, l, 0, l.rows())
	}
}

// shiftScaleRows computes rows [r0, r1) of shiftScaleK.
func shiftScaleRows[T graph.Float](o, x, m, a, s, b []T, l *loop, r0, r1 int) {
	n, last := l.inner(), l.rank-1
	k := 1
	ss, sb := -1, -1 // the strides of s and b along a row; −1: absent
	if s != nil {
		ss, k = l.st[k][last], k+1
	}
	if b != nil {
		sb = l.st[k][last]
	}
	c := l.at(r0)
	for r := r0; r < r1; r++ {
		or, xr := o[r*n:(r+1)*n], x[r*n:(r+1)*n]
		om := c.off[0]
		var sr, br []T
		k := 1
		if s != nil {
			sr, k = s[c.off[k]:], k+1
		}
		if b != nil {
			br = b[c.off[k]:]
		}
		if l.st[0][last] == 0 {
			shiftScaleRow(or, xr, m[om], a[om], sr, ss, br, sb)
		} else {
			shiftScaleSlots(or, xr, m[om:om+n], a[om:om+n], sr, ss, br, sb)
		}
		c.next()
	}
}

// shiftScaleRow computes a row that shares one m and a: the layers' hot
// loop. s and b are read with stride 1 (a slice), 0 (one value) or not at
// all (−1).
func shiftScaleRow[T graph.Float](o, x []T, mv, av T, s []T, ss int, b []T, sb int) {
	switch {
	case ss < 0 && sb < 0:
		for i, v := range x {
			o[i] = (v - mv) * av
		}
	case ss < 0 && sb == 0:
		bv := b[0]
		for i, v := range x {
			o[i] = (v-mv)*av + bv
		}
	case ss == 1 && sb == 1: // LayerNormalization's scale and bias
		s, b = s[:len(x)], b[:len(x)]
		for i, v := range x {
			o[i] = (v-mv)*av*s[i] + b[i]
		}
	default:
		shiftScaleStrided(o, x, mv, av, s, ss, b, sb)
	}
}

// shiftScaleSlots computes a row in which m and a vary.
func shiftScaleSlots[T graph.Float](o, x, m, a, s []T, ss int, b []T, sb int) {
	if ss < 0 && sb < 0 {
		for i, v := range x {
			o[i] = (v - m[i]) * a[i]
		}
		return
	}
	for i, v := range x {
		y := (v - m[i]) * a[i]
		if ss >= 0 {
			y *= s[i*ss]
		}
		if sb >= 0 {
			y += b[i*sb]
		}
		o[i] = y
	}
}

// shiftScaleStrided is the general row of shiftScaleRow.
func shiftScaleStrided[T graph.Float](o, x []T, mv, av T, s []T, ss int, b []T, sb int) {
	for i, v := range x {
		y := (v - mv) * av
		if ss >= 0 {
			y *= s[i*ss]
		}
		if sb >= 0 {
			y += b[i*sb]
		}
		o[i] = y
	}
}
