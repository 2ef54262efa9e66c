package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Sum returns the sum of all elements of x, a scalar.
func Sum(x *graph.Node) *graph.Node { return graph.ApplyOn(sumOp{axis: -1}, x) }

// SumAxis sums x along axis and keeps that axis with length 1, so the
// result broadcasts back against x (PyTorch's keepdim=True): for a 3×4 x,
// SumAxis(x, 0) is 1×4 and SumAxis(x, 1) is 3×1.
func SumAxis(x *graph.Node, axis int) *graph.Node { return graph.ApplyOn(sumOp{axis: axis}, x) }

// Mean returns the mean of all elements of x, a scalar.
func Mean(x *graph.Node) *graph.Node {
	return Scale(Sum(x), 1/float64(max(1, x.Shape().Size())))
}

// MeanAxis averages x along axis, keeping it with length 1 like SumAxis.
func MeanAxis(x *graph.Node, axis int) *graph.Node {
	s := SumAxis(x, axis)
	if s.Failed() {
		return s
	}
	return Scale(s, 1/float64(x.Shape()[axis]))
}

type sumOp struct{ axis int }

func (sumOp) Type() string { return "Sum" }

func (o sumOp) Shape(in []*graph.Node) (graph.Shape, error) {
	s := in[0].Shape()
	if o.axis < 0 {
		return graph.Shape{}, nil
	}
	if o.axis >= len(s) {
		return nil, graph.ShapeError(o, in, fmt.Sprintf("has no axis %d", o.axis))
	}
	out := s.Clone()
	out[o.axis] = 1
	return out, nil
}

func (o sumOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		sumK(out.F64, in[0].F64, in[0].Shape, o.axis)
	} else {
		sumK(out.F32, in[0].F32, in[0].Shape, o.axis)
	}
}

func (o sumOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{BroadcastTo(g, n.Inputs()[0].Shape())}
}

func sumK[T Float](o, x []T, xs graph.Shape, axis int) {
	if axis < 0 || len(xs) == 1 {
		var s T
		for _, v := range x {
			s += v
		}
		o[0] = s
		return
	}
	rows, cols := xs.Matrix()
	if axis == 1 {
		for r := 0; r < rows; r++ {
			var s T
			for _, v := range x[r*cols : (r+1)*cols] {
				s += v
			}
			o[r] = s
		}
		return
	}
	copy(o, x[:cols])
	for r := 1; r < rows; r++ {
		xr := x[r*cols : (r+1)*cols]
		for c, v := range xr {
			o[c] += v
		}
	}
}
