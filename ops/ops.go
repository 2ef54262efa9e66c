// Package ops holds every operation of gradgraph. Each op lives in one
// place: its shape rule, its forward kernel (written once as a Go generic
// over float32 and float64, and over the integer types where the op takes
// them, working on the backing slices), and its vector-Jacobian product,
// expressed as new graph nodes built from ops so that gradients are
// themselves differentiable.
//
// Ops follow the ONNX operator specification (opset 17) wherever ONNX
// defines them: names, attributes and their defaults, broadcasting,
// negative axes, edge cases. Constructors are Go functions that take nodes
// and return a node; an op with many attributes takes an options struct
// whose zero value means ONNX's defaults. On a shape or dtype mismatch the
// error is recorded on the graph (graph.Graph.Err) and a failed node is
// returned, so a model is built without a check per line.
//
// Element-wise ops are rows of one table (see Catalog), sharing one
// broadcasting walker; reductions share one reducer; matrix products go to
// package blas. The lecture's MLP keeps its layout (one column per sample):
// its costs average over columns and its softmax runs along axis 0.
package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// wantFloat reports an error unless the inputs at idx (all inputs when idx
// is empty) are float32 or float64 and share one dtype.
func wantFloat(in []graph.Meta, idx ...int) error {
	if len(idx) == 0 {
		for i := range in {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		if !in[i].DType.IsFloat() {
			return fmt.Errorf("input %d has dtype %s, want float32 or float64", i, in[i].DType)
		}
	}
	return sameDType(in, idx...)
}

// sameDType reports an error unless the inputs at idx (all when empty)
// share one dtype.
func sameDType(in []graph.Meta, idx ...int) error {
	if len(idx) == 0 {
		for i := range in {
			idx = append(idx, i)
		}
	}
	for _, i := range idx[1:] {
		if in[i].DType != in[idx[0]].DType {
			sub := make([]graph.Meta, len(idx))
			for k, j := range idx {
				sub[k] = in[j]
			}
			return graph.DTypesError(sub, "differ")
		}
	}
	return nil
}

// wantInt reports an error unless input i is int32 or int64.
func wantInt(in []graph.Meta, i int) error {
	if !in[i].DType.IsInt() {
		return fmt.Errorf("input %d has dtype %s, want int32 or int64", i, in[i].DType)
	}
	return nil
}

// scalarLike returns a scalar constant with x's dtype.
func scalarLike(x *graph.Node, v float64) *graph.Node {
	return x.Graph().Scalar(v, x.DType())
}

// axisOf normalises a possibly negative axis of a value of rank r, or
// reports that it is out of range.
func axisOf(a, r int) (int, error) {
	n, ok := graph.Axis(a, r)
	if !ok {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", a, r)
	}
	return n, nil
}

func exp[T graph.Float](x T) T  { return T(math.Exp(float64(x))) }
func log[T graph.Float](x T) T  { return T(math.Log(float64(x))) }
func sqrt[T graph.Float](x T) T { return T(math.Sqrt(float64(x))) }

// sumSlice returns Σ x, eight or four lanes at a time where the CPU can.
func sumSlice[T graph.Float](x []T) T { return vec.Sum(x) }

// isZero reports whether n is a constant known to hold only zeros (built
// by ZerosLike or graph.Zeros): autodiff drops such contributions.
func isZero(n *graph.Node) bool {
	if n == nil {
		return false
	}
	if _, ok := n.Op().(zerosLikeOp); ok {
		return true
	}
	return false
}

// IsZero reports whether n is known, from how it was built, to hold only
// zeros: a ZerosLike node. Differentiation uses it to skip work.
func IsZero(n *graph.Node) bool { return isZero(n) }

// ZerosLike returns zeros of x's shape and dtype: the derivative of an op
// that is constant almost everywhere (Floor, Sign, a comparison).
func ZerosLike(x *graph.Node) *graph.Node { return graph.ApplyOn(zerosLikeOp{}, x) }

type zerosLikeOp struct{}

func (zerosLikeOp) Type() string { return "ZerosLike" }
func (zerosLikeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	return in[0], nil
}
func (zerosLikeOp) Forward(out *graph.Value, in []*graph.Value) {
	clear(out.F32)
	clear(out.F64)
	clear(out.I32)
	clear(out.I64)
	clear(out.B)
}
func (zerosLikeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{ZerosLike(n.Inputs()[0])}
}
