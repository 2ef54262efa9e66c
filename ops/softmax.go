package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Softmax normalises x along axis (negative counts from the end; ONNX's
// default is −1): exp(x_i − max) / Σ exp(x_j − max). In the lecture's
// layout (one column per sample) the output layer uses axis 0.
func Softmax(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(softmaxOp{axis: axis, kind: smSoft}, x)
}

// LogSoftmax returns log(Softmax(x, axis)) computed stably as
// x − max − log Σ exp(x − max).
func LogSoftmax(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(softmaxOp{axis: axis, kind: smLog}, x)
}

// Hardmax returns 1 at the first maximum of each slice along axis and 0
// elsewhere (ONNX Hardmax). Its derivative is 0.
func Hardmax(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(softmaxOp{axis: axis, kind: smHard}, x)
}

func init() {
	register(
		OpInfo{Go: "Softmax", Type: "Softmax", ONNX: "Softmax", Shape: "x's shape", Attrs: "axis (ONNX: −1)", Formula: "e^(x−max)/Σe^(x−max) along axis",
			VJP: "y ⊙ (g − Σ g⊙y)", Differentiable: true},
		OpInfo{Go: "LogSoftmax", Type: "LogSoftmax", ONNX: "LogSoftmax", Shape: "x's shape", Attrs: "axis (ONNX: −1)", Formula: "x − max − ln Σe^(x−max)",
			VJP: "g − softmax(x)·Σg", Differentiable: true},
		OpInfo{Go: "Hardmax", Type: "Hardmax", ONNX: "Hardmax", Shape: "x's shape", Attrs: "axis (ONNX: −1)", Formula: "1 at the first maximum along axis, else 0",
			VJP: "0", Differentiable: true},
	)
}

const (
	smSoft = iota
	smLog
	smHard
)

type softmaxOp struct {
	axis int
	kind int
}

func (o softmaxOp) Type() string {
	return [...]string{"Softmax", "LogSoftmax", "Hardmax"}[o.kind]
}

func (o softmaxOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	if _, err := axisOf(o.axis, len(in[0].Shape)); err != nil {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has no axis %d", o.axis))
	}
	return in[0], nil
}

func (o softmaxOp) Forward(out *graph.Value, in []*graph.Value) {
	a, _ := graph.Axis(o.axis, len(in[0].Shape))
	if out.F64 != nil {
		softmaxK(out.F64, in[0].F64, in[0].Shape, a, o.kind)
	} else {
		softmaxK(out.F32, in[0].F32, in[0].Shape, a, o.kind)
	}
}

// VJP. For s = softmax(x): ∂x = s ⊙ (g − Σ_axis g⊙s), the Jacobian
// diag(s) − s sᵀ applied to each slice. For l = log softmax(x):
// ∂x = g − softmax(x) ⊙ Σ_axis g. Hardmax is piecewise constant.
func (o softmaxOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	switch o.kind {
	case smLog:
		return []*graph.Node{Sub(g, Mul(Exp(n), SumAxis(g, o.axis)))}
	case smHard:
		return []*graph.Node{ZerosLike(n)}
	}
	return []*graph.Node{Mul(n, Sub(g, SumAxis(Mul(g, n), o.axis)))}
}

// softmaxK normalises each slice along axis a. Around a, x is outer ×
// length × inner: each of the outer blocks is a length × inner matrix
// whose columns are the slices (softmaxColumns), or, when inner is 1, a
// row (softmaxRow).
func softmaxK[T graph.Float](o, x []T, xs graph.Shape, a int, kind int) {
	outer, length, inner := split3(xs, a)
	blk := length * inner
	for p := 0; p < outer; p++ {
		ob, xb := o[p*blk:(p+1)*blk], x[p*blk:(p+1)*blk]
		switch {
		case kind == smHard:
			hardmaxBlock(ob, xb, length, inner)
		case inner == 1:
			softmaxRow(ob, xb, kind == smLog)
		default:
			softmaxColumns(ob, xb, length, inner, kind == smLog)
		}
	}
}

// softmaxRow normalises one contiguous slice: it subtracts the maximum,
// takes every exponential in one vectorised pass, then sums (in float64)
// and scales.
func softmaxRow[T graph.Float](o, x []T, logOut bool) {
	if len(x) == 0 {
		return
	}
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	for i, v := range x {
		o[i] = v - m
	}
	vec.Exp(o, o)
	var s float64
	for _, v := range o {
		s += float64(v)
	}
	if logOut {
		lse := m + T(math.Log(s))
		for i, v := range x {
			o[i] = v - lse
		}
		return
	}
	inv := T(1 / s)
	for i := range o {
		o[i] *= inv
	}
}

// hardmaxBlock sets 1 at the first maximum of each column of a length ×
// inner block.
func hardmaxBlock[T graph.Float](o, x []T, length, inner int) {
	clear(o)
	for q := 0; q < inner; q++ {
		bi := 0
		for i := 1; i < length; i++ {
			if x[i*inner+q] > x[bi*inner+q] {
				bi = i
			}
		}
		if length > 0 {
			o[bi*inner+q] = 1
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
func softmaxColumns[T graph.Float](o, x []T, rows, cols int, logOut bool) {
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
