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
	if len(xs) == 2 && axis == 0 {
		softmaxColumns(o, x, xs[0], xs[1], logOut)
		return
	}
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

// colBlock is how many columns the column-wise kernels (softmax and the
// softmax cross-entropy along axis 0) keep per-column maxima and sums for
// at a time, in arrays on the stack: the MNIST output layer's 128 columns
// are one block.
const colBlock = 256

// softmaxColumns is softmaxK along axis 0 of a rows × cols matrix: it
// walks the rows, keeping per-column maxima and sums for colBlock columns
// at a time, so every loop reads memory in order (walking each column
// reads every cols-th element). Each column's sum adds its rows in order,
// as softmaxK's loop over a slice does.
func softmaxColumns[T Float](o, x []T, rows, cols int, logOut bool) {
	var ms [colBlock]T
	var ss [colBlock]float64
	for c0 := 0; c0 < cols; c0 += colBlock {
		c1 := min(cols, c0+colBlock)
		m, s := ms[:c1-c0], ss[:c1-c0]
		copy(m, x[c0:c1])
		for r := 1; r < rows; r++ {
			for c, v := range x[r*cols+c0 : r*cols+c1] {
				m[c] = max(m[c], v)
			}
		}
		for r := 0; r < rows; r++ {
			or, xr := o[r*cols+c0:r*cols+c1], x[r*cols+c0:r*cols+c1]
			for c, v := range xr {
				or[c] = v - m[c]
			}
			if c1-c0 < cols { // else one call for the whole matrix below
				vec.Exp(or, or)
			}
		}
		if c1-c0 == cols {
			vec.Exp(o[:rows*cols], o[:rows*cols])
		}
		clear(s)
		for r := 0; r < rows; r++ {
			for c, v := range o[r*cols+c0 : r*cols+c1] {
				s[c] += float64(v)
			}
		}
		if logOut {
			for c := range m {
				m[c] += T(math.Log(s[c])) // m becomes lse
			}
			for r := 0; r < rows; r++ {
				or, xr := o[r*cols+c0:r*cols+c1], x[r*cols+c0:r*cols+c1]
				for c, v := range xr {
					or[c] = v - m[c]
				}
			}
			continue
		}
		inv := m // m is no longer needed: it becomes 1/Σ
		for c := range s {
			inv[c] = T(1 / s[c])
		}
		for r := 0; r < rows; r++ {
			or := o[r*cols+c0 : r*cols+c1]
			for c := range or {
				or[c] *= inv[c]
			}
		}
	}
}
