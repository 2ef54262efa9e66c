package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// The reductions of ONNX (ReduceSum, ReduceMean, …) share one op: a kind,
// the axes to reduce (none: all of them) and keepdims. The kernel walks x
// once with the output as a broadcast "input" whose strides are 0 along
// the reduced axes, combining each element into its slot.

type reduceKind uint8

const (
	rSum reduceKind = iota
	rMean
	rMax
	rMin
	rProd
	rL1
	rL2
	rLogSum
	rLogSumExp
	rSumSquare
)

var reduceNames = [...]string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
	"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}

// ints reports whether the kind is defined on integers too.
func (k reduceKind) ints() bool {
	return k == rSum || k == rMax || k == rMin || k == rProd || k == rL1 || k == rSumSquare
}

func init() {
	rs := "x's shape without the reduced axes (with them as 1 when keepDims)"
	ax := "axes (none: all; negative count from the end), keepDims"
	register(
		OpInfo{Go: "ReduceSum", Type: "ReduceSum", ONNX: "ReduceSum", Shape: rs, Attrs: ax, Formula: "Σx", VJP: "g broadcast to x", Differentiable: true},
		OpInfo{Go: "ReduceMean", Type: "ReduceMean", ONNX: "ReduceMean", Shape: rs, Attrs: ax, Formula: "Σx/n", VJP: "g/n broadcast to x", Differentiable: true},
		OpInfo{Go: "ReduceMax", Type: "ReduceMax", ONNX: "ReduceMax", Shape: rs, Attrs: ax, Formula: "max x", VJP: "g shared among the maxima", Differentiable: true},
		OpInfo{Go: "ReduceMin", Type: "ReduceMin", ONNX: "ReduceMin", Shape: rs, Attrs: ax, Formula: "min x", VJP: "g shared among the minima", Differentiable: true},
		OpInfo{Go: "ReduceProd", Type: "ReduceProd", ONNX: "ReduceProd", Shape: rs, Attrs: ax, Formula: "Πx", VJP: "g·y/x (x ≠ 0)", Differentiable: true},
		OpInfo{Go: "ReduceL1", Type: "ReduceL1", ONNX: "ReduceL1", Shape: rs, Attrs: ax, Formula: "Σ|x|", VJP: "g·sign(x)", Differentiable: true},
		OpInfo{Go: "ReduceL2", Type: "ReduceL2", ONNX: "ReduceL2", Shape: rs, Attrs: ax, Formula: "√Σx²", VJP: "g·x/y", Differentiable: true},
		OpInfo{Go: "ReduceLogSum", Type: "ReduceLogSum", ONNX: "ReduceLogSum", Shape: rs, Attrs: ax, Formula: "ln Σx", VJP: "g/eʸ", Differentiable: true},
		OpInfo{Go: "ReduceLogSumExp", Type: "ReduceLogSumExp", ONNX: "ReduceLogSumExp", Shape: rs, Attrs: ax, Formula: "ln Σeˣ, without overflow", VJP: "g·e^(x−y)", Differentiable: true},
		OpInfo{Go: "ReduceSumSquare", Type: "ReduceSumSquare", ONNX: "ReduceSumSquare", Shape: rs, Attrs: ax, Formula: "Σx²", VJP: "2x·g", Differentiable: true},
		OpInfo{Go: "Sum", ONNX: "ReduceSum", Shape: "a scalar", Formula: "Σx over every axis", VJP: "g broadcast to x", Differentiable: true},
		OpInfo{Go: "Mean", ONNX: "ReduceMean", Shape: "a scalar", Formula: "Σx/n over every axis", VJP: "g/n broadcast to x", Differentiable: true},
		OpInfo{Go: "SumAxis", ONNX: "ReduceSum", Shape: "x's shape with axis 1", Attrs: "axis", Formula: "Σx along axis", VJP: "g broadcast to x", Differentiable: true},
		OpInfo{Go: "MeanAxis", ONNX: "ReduceMean", Shape: "x's shape with axis 1", Attrs: "axis", Formula: "mean along axis", VJP: "g/n broadcast to x", Differentiable: true},
		OpInfo{Go: "Variance", Shape: rs, Attrs: ax, Formula: "mean of (x − mean x)², divided by n", VJP: "from its ops", Differentiable: true},
		OpInfo{Go: "ArgMax", Type: "ArgMax", ONNX: "ArgMax", Shape: rs + ", int64", Attrs: "axis, keepDims, selectLast", Formula: "index of the first (or last) maximum", VJP: "—"},
		OpInfo{Go: "ArgMin", Type: "ArgMin", ONNX: "ArgMin", Shape: rs + ", int64", Attrs: "axis, keepDims, selectLast", Formula: "index of the first (or last) minimum", VJP: "—"},
		OpInfo{Go: "CumSum", Type: "CumSum", ONNX: "CumSum", Shape: "x's shape", Attrs: "axis, exclusive, reverse", Formula: "running sums along axis",
			VJP: "CumSum(g) the other way", Differentiable: true},
	)
}

type reduceOp struct {
	kind reduceKind
	axes []int // as given: may be negative; none means every axis
	keep bool
}

func reduce(kind reduceKind, x *graph.Node, keep bool, axes []int) *graph.Node {
	return graph.ApplyOn(reduceOp{kind: kind, axes: append([]int(nil), axes...), keep: keep}, x)
}

// ReduceSum sums x over axes (every axis when none is given), keeping
// them with length 1 when keepDims is set (ONNX ReduceSum; ONNX's default
// is keepdims = 1).
func ReduceSum(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rSum, x, keepDims, axes)
}

// ReduceMean averages x over axes, like ReduceSum.
func ReduceMean(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rMean, x, keepDims, axes)
}

// ReduceMax takes the maximum over axes; where several elements tie for
// it, the gradient is shared among them equally.
func ReduceMax(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rMax, x, keepDims, axes)
}

// ReduceMin takes the minimum over axes, like ReduceMax.
func ReduceMin(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rMin, x, keepDims, axes)
}

// ReduceProd multiplies over axes. Its gradient, y/x·g, assumes no
// element is zero.
func ReduceProd(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rProd, x, keepDims, axes)
}

// ReduceL1 returns Σ|x| over axes.
func ReduceL1(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rL1, x, keepDims, axes)
}

// ReduceL2 returns √(Σx²) over axes.
func ReduceL2(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rL2, x, keepDims, axes)
}

// ReduceLogSum returns ln Σx over axes.
func ReduceLogSum(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rLogSum, x, keepDims, axes)
}

// ReduceLogSumExp returns ln Σeˣ over axes, computed without overflow.
func ReduceLogSumExp(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rLogSumExp, x, keepDims, axes)
}

// ReduceSumSquare returns Σx² over axes.
func ReduceSumSquare(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	return reduce(rSumSquare, x, keepDims, axes)
}

// Sum returns the sum of all elements of x, a scalar.
func Sum(x *graph.Node) *graph.Node { return reduce(rSum, x, false, nil) }

// SumAxis sums x along axis (negative counts from the end) and keeps that
// axis with length 1, so the result broadcasts back against x (PyTorch's
// keepdim=True): for a 3×4 x, SumAxis(x, 0) is 1×4 and SumAxis(x, −1) 3×1.
func SumAxis(x *graph.Node, axis int) *graph.Node { return reduce(rSum, x, true, []int{axis}) }

// Mean returns the mean of all elements of x, a scalar.
func Mean(x *graph.Node) *graph.Node { return reduce(rMean, x, false, nil) }

// MeanAxis averages x along axis, keeping it with length 1 like SumAxis.
func MeanAxis(x *graph.Node, axis int) *graph.Node { return reduce(rMean, x, true, []int{axis}) }

// Variance returns the population variance (divided by the count, as
// NumPy's and JAX's var) of x over axes, every axis when none is given.
func Variance(x *graph.Node, keepDims bool, axes ...int) *graph.Node {
	d := Sub(x, ReduceMean(x, true, axes...))
	return ReduceMean(Square(d), keepDims, axes...)
}

func (o reduceOp) Type() string { return reduceNames[o.kind] }

// reduced returns which axes of a rank-r value the op reduces.
func (o reduceOp) reduced(r int) (mask [graph.MaxRank]bool, err error) {
	if len(o.axes) == 0 {
		for i := 0; i < r; i++ {
			mask[i] = true
		}
		return mask, nil
	}
	for _, a := range o.axes {
		n, ok := graph.Axis(a, r)
		if !ok {
			return mask, fmt.Errorf("axis %d is out of range for rank %d", a, r)
		}
		if mask[n] {
			return mask, fmt.Errorf("axis %d is repeated", a)
		}
		mask[n] = true
	}
	return mask, nil
}

// keptShape returns x's shape with the reduced axes set to 1.
func keptShape(xs graph.Shape, mask *[graph.MaxRank]bool) graph.Shape {
	s := xs.Clone()
	for i := range s {
		if mask[i] {
			s[i] = 1
		}
	}
	return s
}

func (o reduceOp) Infer(in []graph.Meta) (graph.Meta, error) {
	dt := in[0].DType
	if !dt.IsFloat() && !(o.kind.ints() && dt.IsInt()) {
		return graph.Meta{}, graph.DTypesError(in, "is not float32 or float64")
	}
	mask, err := o.reduced(len(in[0].Shape))
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, "cannot be reduced: "+err.Error())
	}
	if o.keep {
		return graph.Meta{DType: dt, Shape: keptShape(in[0].Shape, &mask)}, nil
	}
	s := graph.Shape{}
	for i, d := range in[0].Shape {
		if !mask[i] {
			s = append(s, d)
		}
	}
	return graph.Meta{DType: dt, Shape: s}, nil
}

// Workspace: ReduceLogSumExp keeps the maxima while it sums.
func (o reduceOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	if o.kind != rLogSumExp {
		return graph.Meta{DType: out.DType, Shape: graph.Shape{0}}
	}
	return out
}

func (o reduceOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	mask, _ := o.reduced(len(x.Shape))
	var ks [graph.MaxRank]int // the kept shape, on the stack
	for i, d := range x.Shape {
		ks[i] = d
		if mask[i] {
			ks[i] = 1
		}
	}
	kept := graph.Shape(ks[:len(x.Shape)])
	switch out.DType() {
	case graph.Float32:
		reduceFloatK(o.kind, out.F32, x.F32, kept, x.Shape, out.Work)
	case graph.Float64:
		reduceFloatK(o.kind, out.F64, x.F64, kept, x.Shape, out.Work)
	case graph.Int32:
		reduceK(o.kind, out.I32, x.I32, kept, x.Shape)
	case graph.Int64:
		reduceK(o.kind, out.I64, x.I64, kept, x.Shape)
	}
}

// reduceFloatK finishes the kinds that need more than one sweep.
func reduceFloatK[T graph.Float](kind reduceKind, o, x []T, os, xs graph.Shape, work *graph.Value) {
	switch kind {
	case rSum:
		sumToK(o, x, os, xs)
	case rMean:
		sumToK(o, x, os, xs)
		if len(o) > 0 {
			inv := T(1 / float64(len(x)/len(o)))
			for i := range o {
				o[i] *= inv
			}
		}
	case rL2:
		reduceK(rSumSquare, o, x, os, xs)
		for i, v := range o {
			o[i] = sqrt(v)
		}
	case rLogSum:
		sumToK(o, x, os, xs)
		for i, v := range o {
			o[i] = log(v)
		}
	case rLogSumExp:
		m := graph.Data[T](work)
		reduceK(rMax, m, x, os, xs)
		l := newLoop(xs, os)
		n := l.inner()
		inner := l.st[0][l.rank-1]
		clear(o)
		c := l.at(0)
		for r, rows := 0, l.rows(); r < rows; r++ {
			xr := x[r*n : (r+1)*n]
			for i, v := range xr {
				j := c.off[0] + i*inner
				if mj := m[j]; !math.IsInf(float64(mj), 0) {
					o[j] += exp(v - mj)
				} else if v == mj {
					o[j]++ // every element is −∞ (or one is +∞)
				}
			}
			c.next()
		}
		for i, v := range o {
			o[i] = m[i] + log(v)
		}
	default:
		reduceK(kind, o, x, os, xs)
	}
}

// reduceK combines every element of x into its slot of o for the kinds
// that are one sweep: Sum, Max, Min, Prod, L1, SumSquare.
func reduceK[T graph.Number](kind reduceKind, o, x []T, os, xs graph.Shape) {
	var init T
	switch kind {
	case rMax:
		init = lowest[T]()
	case rMin:
		init = -lowest[T]()
	case rProd:
		init = 1
	}
	for i := range o {
		o[i] = init
	}
	l := newLoop(xs, os)
	n := l.inner()
	inner := l.st[0][l.rank-1]
	c := l.at(0)
	for r, rows := 0, l.rows(); r < rows; r++ {
		xr := x[r*n : (r+1)*n]
		off := c.off[0]
		for i, v := range xr {
			j := off + i*inner
			switch kind {
			case rSum:
				o[j] += v
			case rMax:
				o[j] = max(o[j], v)
			case rMin:
				o[j] = min(o[j], v)
			case rProd:
				o[j] *= v
			case rL1:
				if v < 0 {
					v = -v
				}
				o[j] += v
			case rSumSquare:
				o[j] += v * v
			}
		}
		c.next()
	}
}

// lowest returns −∞ for the floats and the smallest value of an integer
// type.
func lowest[T graph.Number]() T {
	var z T
	switch any(z).(type) {
	case int32:
		v := int64(math.MinInt32 + 1) // so that −lowest fits too
		return T(v)
	case int64:
		v := int64(math.MinInt64 + 1)
		return T(v)
	}
	inf := math.Inf(-1)
	return T(inf)
}

// VJP: g (of the output's shape) is first given back the reduced axes
// with length 1, so it broadcasts against x. Every length is read at run
// time (BroadcastLike, DivByCount), so the gradient is right for any batch
// size.
func (o reduceOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	r := x.Shape().Rank()
	mask, _ := o.reduced(r)
	// Without keepdims, g and y need their reduced axes back only when a
	// kept axis follows a reduced one; otherwise they already broadcast
	// against x, aligned from the right.
	var back []int
	if !o.keep && !leadingReduced(r, &mask) {
		for i := 0; i < r; i++ {
			if mask[i] {
				back = append(back, i)
			}
		}
	}
	gk, yk := g, n
	if back != nil {
		gk = Unsqueeze(g, back...)
		yk = nil // made when needed, below
	}
	y := func() *graph.Node {
		if yk == nil {
			yk = Unsqueeze(n, back...)
		}
		return yk
	}
	var d *graph.Node
	switch o.kind {
	case rSum:
		d = BroadcastLike(gk, x)
	case rMean:
		d = DivByCount(BroadcastLike(gk, x), x, o.axes...)
	case rMax, rMin:
		hit := Where(Equal(x, y()), scalarLike(x, 1), scalarLike(x, 0))
		ties := ReduceSum(hit, true, o.axes...)
		d = Mul(hit, Div(gk, ties))
	case rProd:
		d = Mul(gk, Div(y(), x))
	case rL1:
		d = Mul(gk, Sign(x))
	case rL2:
		d = Mul(gk, Div(x, y()))
	case rLogSum:
		d = Div(BroadcastLike(gk, x), Exp(y()))
	case rLogSumExp:
		d = Mul(gk, Exp(Sub(x, y())))
	case rSumSquare:
		d = Mul(gk, Scale(x, 2))
	}
	return []*graph.Node{d}
}

// leadingReduced reports whether the reduced axes all come before the
// kept ones: then the reduced value, without its reduced axes, still lines
// up with x from the right.
func leadingReduced(r int, mask *[graph.MaxRank]bool) bool {
	for i := 0; i < r; i++ {
		if mask[i] {
			continue
		}
		for j := i + 1; j < r; j++ {
			if mask[j] {
				return false
			}
		}
	}
	return true
}

// ArgMax returns the int64 indices of the largest elements along axis
// (ONNX ArgMax: axis 0, keepdims 1 and select_last_index 0 by default):
// the first of equal maxima, or the last with selectLast.
func ArgMax(x *graph.Node, axis int, keepDims, selectLast bool) *graph.Node {
	return graph.ApplyOn(argOp{axis: axis, keep: keepDims, last: selectLast}, x)
}

// ArgMin is ArgMax for the smallest elements.
func ArgMin(x *graph.Node, axis int, keepDims, selectLast bool) *graph.Node {
	return graph.ApplyOn(argOp{min: true, axis: axis, keep: keepDims, last: selectLast}, x)
}

type argOp struct {
	min, keep, last bool
	axis            int
}

func (o argOp) Type() string {
	if o.min {
		return "ArgMin"
	}
	return "ArgMax"
}

func (o argOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if in[0].DType == graph.Bool {
		return graph.Meta{}, graph.DTypesError(in, "is not a number")
	}
	a, err := axisOf(o.axis, len(in[0].Shape))
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has no axis %d", o.axis))
	}
	s := in[0].Shape.Clone()
	if o.keep {
		s[a] = 1
	} else {
		s = append(s[:a], s[a+1:]...)
	}
	return graph.Meta{DType: graph.Int64, Shape: s}, nil
}

func (o argOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	a, _ := graph.Axis(o.axis, len(x.Shape))
	switch x.DType() {
	case graph.Float32:
		argK(out.I64, x.F32, x.Shape, a, o.min, o.last)
	case graph.Float64:
		argK(out.I64, x.F64, x.Shape, a, o.min, o.last)
	case graph.Int32:
		argK(out.I64, x.I32, x.Shape, a, o.min, o.last)
	case graph.Int64:
		argK(out.I64, x.I64, x.Shape, a, o.min, o.last)
	}
}

func (argOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }

// argK finds, for each slice along axis a, the index of its extreme.
// Slices are [outer, length, inner] in row-major order.
func argK[T graph.Number](o []int64, x []T, xs graph.Shape, a int, isMin, last bool) {
	outer, length, inner := split3(xs, a)
	for p := 0; p < outer; p++ {
		for q := 0; q < inner; q++ {
			base := p*length*inner + q
			best, bi := x[base], 0
			for i := 1; i < length; i++ {
				v := x[base+i*inner]
				better := v > best
				if isMin {
					better = v < best
				}
				if better || (last && v == best) {
					best, bi = v, i
				}
			}
			o[p*inner+q] = int64(bi)
		}
	}
}

// split3 views shape s around axis a as outer × length × inner.
func split3(s graph.Shape, a int) (outer, length, inner int) {
	return graph.Shape(s[:a]).Size(), s[a], graph.Shape(s[a+1:]).Size()
}

// CumSum returns the cumulative sums of x along axis (ONNX CumSum): with
// exclusive, each sum leaves out its own element; with reverse, sums run
// from the end.
func CumSum(x *graph.Node, axis int, exclusive, reverse bool) *graph.Node {
	return graph.ApplyOn(cumSumOp{axis: axis, exclusive: exclusive, reverse: reverse}, x)
}

type cumSumOp struct {
	axis               int
	exclusive, reverse bool
}

func (cumSumOp) Type() string { return "CumSum" }

func (o cumSumOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if in[0].DType == graph.Bool {
		return graph.Meta{}, graph.DTypesError(in, "is not a number")
	}
	if _, err := axisOf(o.axis, len(in[0].Shape)); err != nil {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has no axis %d", o.axis))
	}
	return in[0], nil
}

func (o cumSumOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	a, _ := graph.Axis(o.axis, len(x.Shape))
	switch x.DType() {
	case graph.Float32:
		cumSumK(out.F32, x.F32, x.Shape, a, o.exclusive, o.reverse)
	case graph.Float64:
		cumSumK(out.F64, x.F64, x.Shape, a, o.exclusive, o.reverse)
	case graph.Int32:
		cumSumK(out.I32, x.I32, x.Shape, a, o.exclusive, o.reverse)
	case graph.Int64:
		cumSumK(out.I64, x.I64, x.Shape, a, o.exclusive, o.reverse)
	}
}

// VJP: the transpose of a running sum is the running sum the other way.
func (o cumSumOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{CumSum(g, o.axis, o.exclusive, !o.reverse)}
}

func cumSumK[T graph.Number](o, x []T, xs graph.Shape, a int, exclusive, reverse bool) {
	outer, length, inner := split3(xs, a)
	for p := 0; p < outer; p++ {
		for q := 0; q < inner; q++ {
			base := p*length*inner + q
			var s T
			for k := 0; k < length; k++ {
				i := k
				if reverse {
					i = length - 1 - k
				}
				v := x[base+i*inner]
				if exclusive {
					o[base+i*inner] = s
					s += v
				} else {
					s += v
					o[base+i*inner] = s
				}
			}
		}
	}
}
