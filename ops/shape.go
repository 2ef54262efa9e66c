package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Transpose returns xᵀ for a matrix x (a copy: use MatMul's flags to
// multiply by a transpose without one).
func Transpose(x *graph.Node) *graph.Node { return graph.ApplyOn(transposeOp{}, x) }

type transposeOp struct{}

func (transposeOp) Type() string { return "Transpose" }
func (o transposeOp) Shape(in []*graph.Node) (graph.Shape, error) {
	s := in[0].Shape()
	if len(s) != 2 {
		return nil, graph.ShapeError(o, in, "is not a matrix")
	}
	return graph.Shape{s[1], s[0]}, nil
}
func (transposeOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		transposeK(out.F64, in[0].F64, in[0].Shape[0], in[0].Shape[1])
	} else {
		transposeK(out.F32, in[0].F32, in[0].Shape[0], in[0].Shape[1])
	}
}
func (transposeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Transpose(g)}
}
func transposeK[T Float](o, x []T, rows, cols int) {
	for r := 0; r < rows; r++ {
		for c, v := range x[r*cols : (r+1)*cols] {
			o[c*rows+r] = v
		}
	}
}

// Reshape returns x's elements, in row-major order, under a new shape of
// the same size.
func Reshape(x *graph.Node, shape ...int) *graph.Node {
	return graph.ApplyOn(reshapeOp{graph.Shape(shape).Clone()}, x)
}

type reshapeOp struct{ to graph.Shape }

func (reshapeOp) Type() string { return "Reshape" }
func (o reshapeOp) Shape(in []*graph.Node) (graph.Shape, error) {
	if len(o.to) > 2 || o.to.Size() != in[0].Shape().Size() {
		return nil, graph.ShapeError(o, in, fmt.Sprintf("cannot be reshaped to %s", o.to))
	}
	return o.to, nil
}
func (reshapeOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		copy(out.F64, in[0].F64)
	} else {
		copy(out.F32, in[0].F32)
	}
}
func (reshapeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Reshape(g, n.Inputs()[0].Shape()...)}
}
