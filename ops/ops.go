// Package ops holds every operation of gradgraph. Each op lives in one
// place: its shape rule, its forward kernel (written once as a Go generic
// over float32 and float64, working on the backing slices), and its
// vector-Jacobian product, expressed as new graph nodes built from ops so
// that gradients are themselves differentiable.
//
// Constructors take nodes and return a node; on a shape or dtype mismatch
// the error is recorded on the graph (graph.Graph.Err) and a failed node is
// returned, so a network is built without a check per line.
//
// Matrices follow the lecture's layout where it matters: a mini-batch has
// one column per sample, so the costs average over columns and Softmax over
// axis 0 normalises each sample.
package ops

import (
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// Float is the set of element types a kernel works on.
type Float interface{ ~float32 | ~float64 }

// unary runs the float64 or float32 instance of a one-input kernel.
func unary(out, x *graph.Value, f64 func(o, x []float64), f32 func(o, x []float32)) {
	if out.F64 != nil {
		f64(out.F64, x.F64)
	} else {
		f32(out.F32, x.F32)
	}
}

// scalarLike returns a scalar constant with x's dtype.
func scalarLike(x *graph.Node, v float64) *graph.Node {
	return x.Graph().Scalar(v, x.DType())
}

func exp[T Float](x T) T  { return T(math.Exp(float64(x))) }
func log[T Float](x T) T  { return T(math.Log(float64(x))) }
func sqrt[T Float](x T) T { return T(math.Sqrt(float64(x))) }

// same is the shape rule of element-wise ops: the result has x's shape.
func same(in []*graph.Node) (graph.Shape, error) { return in[0].Shape(), nil }

// need1 reports whether the only input needs a gradient.
func need1(need []bool) bool { return len(need) > 0 && need[0] }
