package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Three small private ops that the composite ops (RNN, GRU, LSTM, Einsum,
// the losses) are built from, closed under differentiation:
//
//   - narrow takes the range [start, start+n) of one axis (PyTorch's
//     narrow), dropping the axis when asked (n = 1): one time step of a
//     sequence, one gate of a fused gate matrix;
//   - narrowGrad, its adjoint, puts a narrowed value back into zeros of
//     the full shape, read at run time from a reference node (so that a
//     batched graph's gradients follow the batch); its own adjoint is
//     narrow again;
//   - stack joins values of one shape along a new axis; its adjoint
//     narrows each back out.
//
// They are not exported: the ONNX indexing ops (Slice, Concat, Pad, …) are
// the public face of the same operations.

// narrow returns x[…, start:start+n, …] along axis; with drop (n must be
// 1) the axis is removed.
func narrow(x *graph.Node, axis, start, n int, drop bool) *graph.Node {
	return graph.ApplyOn(narrowOp{axis: axis, start: start, n: n, drop: drop}, x)
}

// narrowGrad returns zeros of ref's shape with g placed at [start,
// start+n) along axis (n is g's length there, 1 when drop says g lacks
// the axis). ref gives only its shape, read at run time (graph.ShapeOnly):
// the placement follows the batch of a batched graph.
func narrowGrad(g, ref *graph.Node, axis, start int, drop bool) *graph.Node {
	return graph.ApplyOn(narrowGradOp{axis: axis, start: start, drop: drop}, g, ref)
}

// stack joins xs, all of one shape and dtype, along a new axis at axis.
func stack(axis int, xs ...*graph.Node) *graph.Node {
	return graph.ApplyOn(stackOp{axis: axis}, xs...)
}

type narrowOp struct {
	axis, start, n int
	drop           bool
}

func (narrowOp) Type() string { return "Narrow" }

func (o narrowOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := in[0].Shape
	a := o.axis
	if a < 0 || a >= len(xs) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has no axis %d", o.axis))
	}
	if o.start < 0 || o.n < 0 || o.start+o.n > xs[a] || (o.drop && o.n != 1) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be narrowed to [%d, %d) along axis %d", o.start, o.start+o.n, a))
	}
	s := make(graph.Shape, 0, len(xs))
	s = append(s, xs[:a]...)
	if !o.drop {
		s = append(s, o.n)
	}
	s = append(s, xs[a+1:]...)
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o narrowOp) Forward(out *graph.Value, in []*graph.Value) {
	outer, length, inner := split3(in[0].Shape, o.axis)
	switch out.DType() {
	case graph.Float32:
		narrowK(out.F32, in[0].F32, outer, length, inner, o.start, o.n)
	case graph.Float64:
		narrowK(out.F64, in[0].F64, outer, length, inner, o.start, o.n)
	case graph.Int32:
		narrowK(out.I32, in[0].I32, outer, length, inner, o.start, o.n)
	case graph.Int64:
		narrowK(out.I64, in[0].I64, outer, length, inner, o.start, o.n)
	case graph.Bool:
		narrowK(out.B, in[0].B, outer, length, inner, o.start, o.n)
	}
}

func (o narrowOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{narrowGrad(g, n.Inputs()[0], o.axis, o.start, o.drop)}
}

// narrowK copies, from each of the outer blocks of x (length × inner
// elements), the rows [start, start+n) into o: one contiguous copy a
// block.
func narrowK[T any](o, x []T, outer, length, inner, start, n int) {
	w := n * inner
	for p := 0; p < outer; p++ {
		src := (p*length + start) * inner
		copy(o[p*w:(p+1)*w], x[src:src+w])
	}
}

// narrowGradOp's inputs are g and the reference whose shape it fills.
type narrowGradOp struct {
	axis  int
	start int
	drop  bool
}

func (narrowGradOp) Type() string { return "NarrowGrad" }

// ShapeOnly implements graph.ShapeOnly: the reference gives its shape only.
func (narrowGradOp) ShapeOnly(i int) bool { return i == 1 }

// n returns the length along the axis that g covers.
func (o narrowGradOp) n(gs graph.Shape) int {
	if o.drop {
		return 1
	}
	return gs[o.axis]
}

func (o narrowGradOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := o.fits(in[0], in[1].Shape); err != nil {
		return graph.Meta{}, err
	}
	return graph.Meta{DType: in[0].DType, Shape: in[1].Shape.Clone()}, nil
}

// fits reports why g cannot be placed into a value of shape full, or nil.
func (o narrowGradOp) fits(g graph.Meta, full graph.Shape) error {
	gs, a := g.Shape, o.axis
	ok := a >= 0 && a < len(full)
	if ok {
		// The shape g must have: full's, with n or nothing at the axis.
		want := append(graph.Shape{}, full[:a]...)
		n := 1
		if !o.drop && a < len(gs) {
			n = gs[a]
			want = append(want, n)
		}
		want = append(want, full[a+1:]...)
		ok = want.Equal(gs) && o.start >= 0 && o.start+n <= full[a]
	}
	if !ok {
		return graph.ShapesError([]graph.Meta{g}, fmt.Sprintf("cannot be placed into %s at %d along axis %d", full, o.start, a))
	}
	return nil
}

func (o narrowGradOp) Forward(out *graph.Value, in []*graph.Value) {
	outer, length, inner := split3(out.Shape, o.axis)
	n := o.n(in[0].Shape)
	switch out.DType() {
	case graph.Float32:
		narrowGradK(out.F32, in[0].F32, outer, length, inner, o.start, n)
	case graph.Float64:
		narrowGradK(out.F64, in[0].F64, outer, length, inner, o.start, n)
	case graph.Int32:
		narrowGradK(out.I32, in[0].I32, outer, length, inner, o.start, n)
	case graph.Int64:
		narrowGradK(out.I64, in[0].I64, outer, length, inner, o.start, n)
	case graph.Bool:
		narrowGradK(out.B, in[0].B, outer, length, inner, o.start, n)
	}
}

func (o narrowGradOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{narrow(g, o.axis, o.start, o.n(n.Inputs()[0].Shape()), o.drop), nil}
}

// narrowGradK clears o and copies g into the rows [start, start+n) of each
// of its outer blocks.
func narrowGradK[T any](o, g []T, outer, length, inner, start, n int) {
	clear(o)
	w := n * inner
	for p := 0; p < outer; p++ {
		dst := (p*length + start) * inner
		copy(o[dst:dst+w], g[p*w:(p+1)*w])
	}
}

type stackOp struct{ axis int }

func (stackOp) Type() string { return "Stack" }

func (o stackOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := sameDType(in); err != nil {
		return graph.Meta{}, err
	}
	s0 := in[0].Shape
	for _, m := range in[1:] {
		if !m.Shape.Equal(s0) {
			return graph.Meta{}, graph.ShapesError(in, "differ")
		}
	}
	if o.axis < 0 || o.axis > len(s0) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be stacked along axis %d", o.axis))
	}
	s := make(graph.Shape, 0, len(s0)+1)
	s = append(append(append(s, s0[:o.axis]...), len(in)), s0[o.axis:]...)
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o stackOp) Forward(out *graph.Value, in []*graph.Value) {
	s := in[0].Shape
	outer, inner := graph.Shape(s[:o.axis]).Size(), graph.Shape(s[o.axis:]).Size()
	n := len(in)
	for i, x := range in {
		switch out.DType() {
		case graph.Float32:
			stackK(out.F32, x.F32, outer, inner, n, i)
		case graph.Float64:
			stackK(out.F64, x.F64, outer, inner, n, i)
		case graph.Int32:
			stackK(out.I32, x.I32, outer, inner, n, i)
		case graph.Int64:
			stackK(out.I64, x.I64, outer, inner, n, i)
		case graph.Bool:
			stackK(out.B, x.B, outer, inner, n, i)
		}
	}
}

func (o stackOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	d := make([]*graph.Node, len(need))
	for i, ok := range need {
		if ok {
			d[i] = narrow(g, o.axis, i, 1, true)
		}
	}
	return d
}

// stackK copies x, the i-th of n inputs, into its slot of each of the
// outer blocks of o.
func stackK[T any](o, x []T, outer, inner, n, i int) {
	for p := 0; p < outer; p++ {
		dst := (p*n + i) * inner
		copy(o[dst:dst+inner], x[p*inner:(p+1)*inner])
	}
}

// invalid records a composite op's build error on x's graph: it applies an
// op whose shape rule fails with err, so the error names typ and the
// inputs like any op's ("LSTM(x, w, r): shapes … reason"), and returns the
// failed node. Composite constructors check their arguments before they
// build anything and return this node for each of their results.
func invalid(typ string, err error, inputs ...*graph.Node) *graph.Node {
	var in []*graph.Node
	for _, x := range inputs {
		if x != nil {
			in = append(in, x)
		}
	}
	return graph.ApplyOn(invalidOp{typ: typ, err: err}, in...)
}

type invalidOp struct {
	typ string
	err error
}

func (o invalidOp) Type() string                           { return o.typ }
func (o invalidOp) Infer([]graph.Meta) (graph.Meta, error) { return graph.Meta{}, o.err }
func (invalidOp) Forward(*graph.Value, []*graph.Value)     {}
func (invalidOp) VJP(_, _ *graph.Node, need []bool) []*graph.Node {
	return make([]*graph.Node, len(need))
}

// metas returns the dtypes and shapes of the non-nil nodes of ns.
func metas(ns ...*graph.Node) []graph.Meta {
	var m []graph.Meta
	for _, n := range ns {
		if n != nil {
			m = append(m, graph.Meta{DType: n.DType(), Shape: n.Shape()})
		}
	}
	return m
}

// anyFailed reports whether one of the non-nil nodes ns failed to build:
// a composite then returns it, adding no error of its own.
func anyFailed(ns ...*graph.Node) *graph.Node {
	for _, n := range ns {
		if n != nil && n.Failed() {
			return n
		}
	}
	return nil
}
