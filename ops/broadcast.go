package ops

import (
	"github.com/gradgraph/gradgraph/graph"
)

// Broadcasting follows NumPy and ONNX at every rank: shapes are aligned
// from the right, and an axis of length 1 (or a missing one) stretches to
// match the other. A vector of n entries is a row 1×n; a column n×1 is
// added to every column of an n×M matrix, which is how the bias β^j joins
// ζ^j = [Ω^j]ᵀα^{j-1} + β^j.

// BroadcastShape returns the shape of a result combining values of the
// given shapes element-wise, and whether they broadcast at all.
func BroadcastShape(shapes ...graph.Shape) (graph.Shape, bool) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make(graph.Shape, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		for i := 1; i <= len(s); i++ {
			d, o := s[len(s)-i], out[r-i]
			switch {
			case d == o, d == 1:
			case o == 1:
				out[r-i] = d
			default:
				return nil, false
			}
		}
	}
	return out, true
}

func init() {
	register(
		OpInfo{Go: "Expand", Type: "Expand", ONNX: "Expand", Shape: "the broadcast of x's shape and the given one", Attrs: "shape",
			Formula: "x stretched", VJP: "g summed to x's shape", Differentiable: true},
		OpInfo{Go: "BroadcastTo", Type: "BroadcastTo", Shape: "exactly the given shape", Attrs: "shape",
			Formula: "x stretched", VJP: "g summed to x's shape", Differentiable: true},
		OpInfo{Go: "SumTo", Type: "SumTo", Shape: "the given shape, which broadcasts to x's", Attrs: "shape",
			Formula: "x summed over the axes it was broadcast along", VJP: "g broadcast to x's shape", Differentiable: true},
	)
}

// maxLoopInputs is how many inputs a loop reads: Where has three.
const maxLoopInputs = 3

// loop is an element-wise walk over a contiguous output, reading up to
// three inputs through strides that are 0 along the axes where an input is
// broadcast. Adjacent axes are merged wherever every input allows it, and
// axes of length 1 dropped, so a same-shape op is one axis, the bias add
// of an MLP layer two and a per-channel bias of a convolution three. The
// last axis is the inner one: kernels process it as a row, with each
// input's inner stride 1 (a slice) or 0 (one value).
type loop struct {
	rank int
	dims [graph.MaxRank]int
	st   [maxLoopInputs][graph.MaxRank]int
	n    int // inputs
}

// newLoop plans the walk over out for inputs of shapes ins, which must
// broadcast to out. It allocates nothing.
func newLoop(out graph.Shape, ins ...graph.Shape) loop {
	var l loop
	l.n = len(ins)
	r := len(out)
	// Full-rank strides, innermost axis last.
	var st [maxLoopInputs][graph.MaxRank]int
	for k, s := range ins {
		n := 1
		for i := 1; i <= len(s); i++ {
			if d := s[len(s)-i]; d != 1 {
				st[k][r-i] = n
				n *= d
			}
		}
	}
	// Merge from the inside out, dropping axes of length 1.
	rank := 0
	var dims [graph.MaxRank]int
	var ms [maxLoopInputs][graph.MaxRank]int // merged, innermost first
	for i := r - 1; i >= 0; i-- {
		d := out[i]
		if d == 1 {
			continue
		}
		if rank > 0 {
			merge := true
			for k := 0; k < l.n; k++ {
				if st[k][i] != ms[k][rank-1]*dims[rank-1] {
					merge = false
					break
				}
			}
			if merge {
				dims[rank-1] *= d
				continue
			}
		}
		dims[rank] = d
		for k := 0; k < l.n; k++ {
			ms[k][rank] = st[k][i]
		}
		rank++
	}
	if rank == 0 { // a scalar, or every axis of length 1
		rank, dims[0] = 1, 1
	}
	l.rank = rank
	for i := 0; i < rank; i++ {
		l.dims[i] = dims[rank-1-i]
		for k := 0; k < l.n; k++ {
			l.st[k][i] = ms[k][rank-1-i]
		}
	}
	return l
}

// inner returns the length of a row and each input's stride along it.
func (l *loop) inner() int { return l.dims[l.rank-1] }

// rows returns how many rows the walk has.
func (l *loop) rows() int {
	n := 1
	for i := 0; i < l.rank-1; i++ {
		n *= l.dims[i]
	}
	return n
}

// cursor walks the rows of a loop, keeping each input's offset.
type cursor struct {
	l   *loop
	idx [graph.MaxRank]int
	off [maxLoopInputs]int
}

// at returns a cursor at row r.
func (l *loop) at(r int) cursor {
	c := cursor{l: l}
	for i := l.rank - 2; i >= 0; i-- {
		d := l.dims[i]
		if d == 0 {
			return c // an empty walk has no row to be at
		}
		c.idx[i] = r % d
		r /= d
		for k := 0; k < l.n; k++ {
			c.off[k] += c.idx[i] * l.st[k][i]
		}
	}
	return c
}

// next moves c to the following row.
func (c *cursor) next() {
	l := c.l
	for i := l.rank - 2; i >= 0; i-- {
		c.idx[i]++
		for k := 0; k < l.n; k++ {
			c.off[k] += l.st[k][i]
		}
		if c.idx[i] < l.dims[i] {
			return
		}
		for k := 0; k < l.n; k++ {
			c.off[k] -= l.st[k][i] * l.dims[i]
		}
		c.idx[i] = 0
	}
}

// Expand stretches x to shape s by the broadcasting rules (ONNX Expand):
// s and x's shape broadcast together, so an axis of s may also be 1 where
// x's is longer (the result then keeps x's length).
func Expand(x *graph.Node, s ...int) *graph.Node {
	return graph.ApplyOn(expandOp{to: graph.Shape(s).Clone()}, x)
}

// BroadcastTo stretches x to exactly shape s by the broadcasting rules.
func BroadcastTo(x *graph.Node, s graph.Shape) *graph.Node {
	return graph.ApplyOn(expandOp{to: s.Clone(), exact: true}, x)
}

type expandOp struct {
	to    graph.Shape
	exact bool
}

func (o expandOp) Type() string {
	if o.exact {
		return "BroadcastTo"
	}
	return "Expand"
}

func (o expandOp) Infer(in []graph.Meta) (graph.Meta, error) {
	s, ok := BroadcastShape(in[0].Shape, o.to)
	if !ok || (o.exact && !s.Equal(o.to)) {
		return graph.Meta{}, graph.ShapesError(in, "cannot be broadcast to "+o.to.String())
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (expandOp) Forward(out *graph.Value, in []*graph.Value) { broadcastValue(out, in[0]) }

func (expandOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{reduceLike(g, n.Inputs()[0])}
}

// broadcastValue copies x into out, stretched to out's shape.
func broadcastValue(out, x *graph.Value) {
	switch out.DType() {
	case graph.Float32:
		broadcastK(out.F32, x.F32, out.Shape, x.Shape)
	case graph.Float64:
		broadcastK(out.F64, x.F64, out.Shape, x.Shape)
	case graph.Int32:
		broadcastK(out.I32, x.I32, out.Shape, x.Shape)
	case graph.Int64:
		broadcastK(out.I64, x.I64, out.Shape, x.Shape)
	case graph.Bool:
		broadcastK(out.B, x.B, out.Shape, x.Shape)
	}
}

func broadcastK[T any](o, x []T, os, xs graph.Shape) {
	l := newLoop(os, xs)
	n, rows := l.inner(), l.rows()
	c := l.at(0)
	for r := 0; r < rows; r++ {
		or := o[r*n : (r+1)*n]
		if l.st[0][l.rank-1] == 1 {
			copy(or, x[c.off[0]:c.off[0]+n])
		} else {
			v := x[c.off[0]]
			for i := range or {
				or[i] = v
			}
		}
		c.next()
	}
}

// SumTo sums x down to shape s, which must broadcast to x's shape: the
// adjoint of a broadcast.
func SumTo(x *graph.Node, s graph.Shape) *graph.Node {
	return graph.ApplyOn(sumToOp{s.Clone()}, x)
}

type sumToOp struct{ to graph.Shape }

func (sumToOp) Type() string { return "SumTo" }

func (o sumToOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in, 0); err != nil {
		return graph.Meta{}, err
	}
	if s, ok := BroadcastShape(o.to, in[0].Shape); !ok || !s.Equal(in[0].Shape) {
		return graph.Meta{}, graph.ShapesError(in, "cannot be summed to "+o.to.String())
	}
	return graph.Meta{DType: in[0].DType, Shape: o.to}, nil
}

func (o sumToOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		sumToK(out.F64, in[0].F64, out.Shape, in[0].Shape)
	} else {
		sumToK(out.F32, in[0].F32, out.Shape, in[0].Shape)
	}
}

func (o sumToOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{BroadcastLike(g, n.Inputs()[0])}
}

// sumToK sums x into o, whose shape os broadcasts to x's: a walk over x
// in which o is the broadcast "input", its strides 0 along the summed axes.
func sumToK[T graph.Float](o, x []T, os, xs graph.Shape) {
	l := newLoop(xs, os)
	if !parallelSum(o, x, &l) {
		sumRows(o, x, &l, 0, l.rows(), true)
	}
}

// sumRows adds rows [r0, r1) of the walk l over x into o. With clearAll,
// all of o is cleared first; otherwise the part those rows write to (the
// rows of o, when o is not summed over rows).
func sumRows[T graph.Float](o, x []T, l *loop, r0, r1 int, clearAll bool) {
	n := l.inner()
	if clearAll {
		clear(o)
	}
	c := l.at(r0)
	inner := l.st[0][l.rank-1]
	if !clearAll && r1 > r0 {
		// o's rows r0 … r1−1 are contiguous when o is not summed over
		// rows (see parallelSum): a row each, or an element each when the
		// rows themselves are summed.
		w := 1
		if inner == 1 {
			w = n
		}
		clear(o[c.off[0] : c.off[0]+(r1-r0)*w])
	}
	for r := r0; r < r1; r++ {
		xr := x[r*n : (r+1)*n]
		if inner == 1 {
			or := o[c.off[0] : c.off[0]+n]
			for i, v := range xr {
				or[i] += v
			}
		} else {
			o[c.off[0]] += sumSlice(xr)
		}
		c.next()
	}
}
