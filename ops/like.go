package ops

import (
	"github.com/gradgraph/gradgraph/graph"
)

// The "like" ops take a shape from a reference node at run time instead of
// from a constant: SumLike(g, x) sums g down to x's shape, whatever batch
// size x has in this run. The VJPs of this package are written with them,
// so a graph compiled once serves every batch size (graph.Input's batch
// axis) without a baked-in length giving a wrong gradient. The reference
// is a shape-only input (graph.ShapeOnly): never differentiated, its value
// never read.

func init() {
	register(
		OpInfo{Go: "SumLike", Type: "SumLike", Shape: "ref's shape, which broadcasts to x's", Formula: "x summed over the axes along which ref's shape was broadcast",
			VJP: "BroadcastLike(g, x) to x", Differentiable: true},
		OpInfo{Go: "BroadcastLike", Type: "BroadcastLike", Shape: "ref's shape", Formula: "x stretched to ref's shape",
			VJP: "SumLike(g, x) to x", Differentiable: true},
		OpInfo{Go: "ReshapeLike", Type: "ReshapeLike", Shape: "ref's shape (the same size as x's)", Formula: "x's elements under ref's shape",
			VJP: "ReshapeLike(g, x) to x", Differentiable: true},
		OpInfo{Go: "DivByCount", Type: "DivByCount", Shape: "x's shape", Attrs: "axes (none: all)",
			Formula: "x divided by the number of elements of ref along axes, counted at run time", VJP: "DivByCount(g, ref) to x", Differentiable: true},
	)
}

type likeKind uint8

const (
	likeSum likeKind = iota
	likeBroadcast
	likeReshape
)

type likeOp struct{ kind likeKind }

// SumLike sums x down to the shape of ref, which must broadcast to x's.
func SumLike(x, ref *graph.Node) *graph.Node { return graph.ApplyOn(likeOp{likeSum}, x, ref) }

// BroadcastLike stretches x to the shape of ref by the broadcasting rules.
func BroadcastLike(x, ref *graph.Node) *graph.Node {
	return graph.ApplyOn(likeOp{likeBroadcast}, x, ref)
}

// ReshapeLike gives x's elements, in row-major order, the shape of ref,
// which must have x's size.
func ReshapeLike(x, ref *graph.Node) *graph.Node {
	return graph.ApplyOn(likeOp{likeReshape}, x, ref)
}

func (o likeOp) Type() string {
	return [...]string{"SumLike", "BroadcastLike", "ReshapeLike"}[o.kind]
}

// ShapeOnly implements graph.ShapeOnly: ref gives its shape only.
func (likeOp) ShapeOnly(i int) bool { return i == 1 }

// IsView implements graph.Viewer: ReshapeLike's result is a view of x.
func (o likeOp) IsView() bool { return o.kind == likeReshape }

func (o likeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	x, ref := in[0].Shape, in[1].Shape
	out := graph.Meta{DType: in[0].DType, Shape: ref}
	switch o.kind {
	case likeSum:
		if err := wantFloat(in, 0); err != nil {
			return graph.Meta{}, err
		}
		if s, ok := BroadcastShape(ref, x); !ok || !s.Equal(x) {
			return graph.Meta{}, graph.ShapesError(in, "do not sum: the second does not broadcast to the first")
		}
	case likeBroadcast:
		if s, ok := BroadcastShape(x, ref); !ok || !s.Equal(ref) {
			return graph.Meta{}, graph.ShapesError(in, "do not broadcast: the first does not stretch to the second")
		}
	case likeReshape:
		if x.Size() != ref.Size() {
			return graph.Meta{}, graph.ShapesError(in, "differ in size")
		}
	}
	return out, nil
}

func (o likeOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	switch o.kind {
	case likeSum:
		if out.F64 != nil {
			sumToK(out.F64, x.F64, out.Shape, x.Shape)
		} else {
			sumToK(out.F32, x.F32, out.Shape, x.Shape)
		}
	case likeBroadcast:
		broadcastValue(out, x)
	case likeReshape:
		copyValue(out, x)
	}
}

func (o likeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	switch o.kind {
	case likeSum:
		return []*graph.Node{BroadcastLike(g, x), nil}
	case likeBroadcast:
		return []*graph.Node{reduceLike(g, x), nil}
	}
	return []*graph.Node{ReshapeLike(g, x), nil}
}

// reduceLike sums x over the axes along which ref was broadcast to x's
// shape; nil stays nil, and nothing is added when the shapes are equal.
func reduceLike(x, ref *graph.Node) *graph.Node {
	if x == nil || x.Shape().Equal(ref.Shape()) {
		return x
	}
	return SumLike(x, ref)
}

// DivByCount divides x by the number of elements of ref along axes (all
// of them when none is given), counted from ref's shape at run time: the
// 1/n of a mean, correct for whatever batch size the run has.
func DivByCount(x, ref *graph.Node, axes ...int) *graph.Node {
	return graph.ApplyOn(divByCountOp{append([]int(nil), axes...)}, x, ref)
}

type divByCountOp struct{ axes []int }

func (divByCountOp) Type() string         { return "DivByCount" }
func (divByCountOp) InPlace(i int) bool   { return i == 0 }
func (divByCountOp) ShapeOnly(i int) bool { return i == 1 }

func (o divByCountOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in, 0); err != nil {
		return graph.Meta{}, err
	}
	if _, err := (reduceOp{axes: o.axes}).reduced(len(in[1].Shape)); err != nil {
		return graph.Meta{}, graph.ShapesError(in[1:], err.Error())
	}
	return in[0], nil
}

func (o divByCountOp) count(ref graph.Shape) int {
	mask, _ := (reduceOp{axes: o.axes}).reduced(len(ref))
	n := 1
	for i, d := range ref {
		if mask[i] {
			n *= d
		}
	}
	return n
}

func (o divByCountOp) Forward(out *graph.Value, in []*graph.Value) {
	n := o.count(in[1].Shape)
	if out.F64 != nil {
		scaleK(out.F64, in[0].F64, 1/float64(n), 0)
	} else {
		scaleK(out.F32, in[0].F32, 1/float64(n), 0)
	}
}

func (o divByCountOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{DivByCount(g, n.Inputs()[1], o.axes...), nil}
}

// perCount divides k, a value of m's shape, by the number of elements of
// x that each element of m stands for: m is x reduced (with kept axes)
// over the axes where it has length 1, and the count is read from x's
// shape at run time.
func perCount(k, x, m *graph.Node) *graph.Node {
	var axes []int
	for i, d := range m.Shape() {
		if d == 1 && i < x.Shape().Rank() {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return k
	}
	return DivByCount(k, x, axes...)
}

// reshapeExact gives x the shape s, read literally (no 0 or −1 rules): for
// values of a fixed shape, such as a layer's per-channel scale. A shape
// that follows the batch takes Reshape with 0 and −1, or ReshapeLike.
func reshapeExact(x *graph.Node, s graph.Shape) *graph.Node {
	if x.Failed() || x.Shape().Equal(s) {
		return x
	}
	return graph.ApplyOn(reshapeOp{kind: rsExact, shape: s.Clone()}, x)
}
