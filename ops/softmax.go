package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Softmax normalises x along axis: exp(x_i − max) / Σ exp(x_j − max). In the
// lecture's layout (one column per sample) the output layer uses axis 0.
func Softmax(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(softmaxOp{axis: axis}, x)
}

// LogSoftmax returns log(Softmax(x, axis)) computed stably as
// x − max − log Σ exp(x − max).
func LogSoftmax(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(softmaxOp{axis: axis, log: true}, x)
}

type softmaxOp struct {
	axis int
	log  bool
}

func (o softmaxOp) Type() string {
	if o.log {
		return "LogSoftmax"
	}
	return "Softmax"
}

func (o softmaxOp) Shape(in []*graph.Node) (graph.Shape, error) {
	s := in[0].Shape()
	if o.axis < 0 || o.axis >= len(s) {
		return nil, graph.ShapeError(o, in, fmt.Sprintf("has no axis %d", o.axis))
	}
	return s, nil
}

func (o softmaxOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		softmaxK(out.F64, in[0].F64, in[0].Shape, o.axis, o.log)
	} else {
		softmaxK(out.F32, in[0].F32, in[0].Shape, o.axis, o.log)
	}
}

// VJP. For s = softmax(x): ∂x = s ⊙ (g − Σ_axis g⊙s), the Jacobian
// diag(s) − s sᵀ applied to each slice. For l = log softmax(x):
// ∂x = g − softmax(x) ⊙ Σ_axis g.
func (o softmaxOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	if o.log {
		return []*graph.Node{Sub(g, Mul(Exp(n), SumAxis(g, o.axis)))}
	}
	return []*graph.Node{Mul(n, Sub(g, SumAxis(Mul(g, n), o.axis)))}
}

// softmaxK normalises each slice along axis. The slices of axis 0 are the
// columns: element i of column c sits at i·stride + c. It subtracts each
// slice's maximum, takes every exponential in one vectorised pass over o,
// then sums and scales each slice (in float64).
func softmaxK[T Float](o, x []T, xs graph.Shape, axis int, logOut bool) {
	var count, length, stride, step int // count slices of length elements
	if len(xs) == 1 {
		count, length, stride, step = 1, xs[0], 1, 0
	} else if axis == 0 {
		count, length, stride, step = xs[1], xs[0], xs[1], 1
	} else {
		count, length, stride, step = xs[0], xs[1], 1, xs[1]
	}
	sliceMax := func(base int) T {
		m := T(math.Inf(-1))
		for i := 0; i < length; i++ {
			m = max(m, x[base+i*stride])
		}
		return m
	}
	for c := 0; c < count; c++ {
		base := c * step
		m := sliceMax(base)
		for i := 0; i < length; i++ {
			o[base+i*stride] = x[base+i*stride] - m
		}
	}
	vec.Exp(o, o)
	for c := 0; c < count; c++ {
		base := c * step
		var s float64
		for i := 0; i < length; i++ {
			s += float64(o[base+i*stride])
		}
		if logOut {
			lse := sliceMax(base) + T(math.Log(s))
			for i := 0; i < length; i++ {
				o[base+i*stride] = x[base+i*stride] - lse
			}
			continue
		}
		inv := T(1 / s)
		for i := 0; i < length; i++ {
			o[base+i*stride] *= inv
		}
	}
}
