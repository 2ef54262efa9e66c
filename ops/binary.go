package ops

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Broadcasting follows NumPy for rank ≤ 2: shapes are aligned from the
// right, and an axis of length 1 (or a missing one) stretches to match. A
// vector of n entries is a row 1×n; a column n×1 is added to every column
// of an n×M matrix, which is how the bias β^j joins ζ^j = [Ω^j]ᵀα^{j-1} + β^j.

// BroadcastShape returns the shape of a result combining a and b
// element-wise, and whether they broadcast at all.
func BroadcastShape(a, b graph.Shape) (graph.Shape, bool) {
	r := max(len(a), len(b))
	out := make(graph.Shape, r)
	for i := 1; i <= r; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db, db == 1:
			out[r-i] = da
		case da == 1:
			out[r-i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// strides returns how element (r, c) of an output of shape out is found in
// a value of shape s that broadcasts to it: at r·rs + c·cs.
func strides(s, out graph.Shape) (rs, cs int) {
	rows, cols := s.Matrix()
	orows, ocols := out.Matrix()
	if cols == ocols && cols != 1 {
		cs = 1
	}
	if rows == orows && rows != 1 {
		rs = cols
	}
	return rs, cs
}

type binCode uint8

const (
	opAdd binCode = iota
	opSub
	opMul
	opDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

type binaryOp struct{ code binCode }

// Add returns a + b with broadcasting.
func Add(a, b *graph.Node) *graph.Node { return graph.ApplyOn(binaryOp{opAdd}, a, b) }

// Sub returns a − b with broadcasting.
func Sub(a, b *graph.Node) *graph.Node { return graph.ApplyOn(binaryOp{opSub}, a, b) }

// Mul returns the element-wise (Hadamard) product a ⊙ b with broadcasting.
func Mul(a, b *graph.Node) *graph.Node { return graph.ApplyOn(binaryOp{opMul}, a, b) }

// Div returns the element-wise quotient a / b with broadcasting.
func Div(a, b *graph.Node) *graph.Node { return graph.ApplyOn(binaryOp{opDiv}, a, b) }

func (o binaryOp) Type() string { return binNames[o.code] }

func (o binaryOp) Shape(in []*graph.Node) (graph.Shape, error) {
	s, ok := BroadcastShape(in[0].Shape(), in[1].Shape())
	if !ok {
		return nil, graph.ShapeError(o, in, "do not broadcast")
	}
	return s, nil
}

func (o binaryOp) Forward(out *graph.Value, in []*graph.Value) {
	a, b := in[0], in[1]
	if out.F64 != nil {
		binaryK(o.code, out.F64, a.F64, b.F64, out.Shape, a.Shape, b.Shape)
	} else {
		binaryK(o.code, out.F32, a.F32, b.F32, out.Shape, a.Shape, b.Shape)
	}
}

// VJP: for out = a ∘ b, the adjoint g flows back as ∂out/∂a ⊙ g, summed
// over the axes along which a was broadcast.
func (o binaryOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	a, b := n.Inputs()[0], n.Inputs()[1]
	var da, db *graph.Node
	switch o.code {
	case opAdd:
		da, db = pick(need[0], g), pick(need[1], g)
	case opSub:
		da = pick(need[0], g)
		if need[1] {
			db = Neg(g)
		}
	case opMul:
		if need[0] {
			da = Mul(g, b)
		}
		if need[1] {
			db = Mul(g, a)
		}
	case opDiv:
		if need[0] {
			da = Div(g, b)
		}
		if need[1] {
			db = Neg(Div(Mul(g, n), b)) // d(a/b)/db = −a/b² = −(a/b)/b
		}
	}
	return []*graph.Node{reduceTo(da, a.Shape()), reduceTo(db, b.Shape())}
}

func pick(ok bool, g *graph.Node) *graph.Node {
	if ok {
		return g
	}
	return nil
}

// reduceTo sums x over the axes along which a value of shape s was
// broadcast to x's shape; nil stays nil.
func reduceTo(x *graph.Node, s graph.Shape) *graph.Node {
	if x == nil || x.Shape().Equal(s) {
		return x
	}
	return SumTo(x, s)
}

func binaryK[T Float](code binCode, o, a, b []T, os, as, bs graph.Shape) {
	rows, cols := os.Matrix()
	if !parallelRows(ewBinary, code, o, a, b, os, as, bs, rows, cols) {
		binaryRows(code, o, a, b, os, as, bs, 0, rows)
	}
}

// binaryRows computes rows [r0, r1) of binaryK's output.
func binaryRows[T Float](code binCode, o, a, b []T, os, as, bs graph.Shape, r0, r1 int) {
	_, cols := os.Matrix()
	if as.Equal(os) && bs.Equal(os) {
		rowVV(code, o[r0*cols:r1*cols], a[r0*cols:r1*cols], b[r0*cols:r1*cols])
		return
	}
	ars, acs := strides(as, os)
	brs, bcs := strides(bs, os)
	for r := r0; r < r1; r++ {
		or := o[r*cols : (r+1)*cols]
		ai, bi := r*ars, r*brs
		switch {
		case acs == 1 && bcs == 1:
			rowVV(code, or, a[ai:ai+cols], b[bi:bi+cols])
		case acs == 1:
			rowVS(code, or, a[ai:ai+cols], b[bi])
		case bcs == 1:
			rowSV(code, or, a[ai], b[bi:bi+cols])
		default:
			rowVS(code, or, a[ai:ai+1], b[bi])
			for c := 1; c < cols; c++ {
				or[c] = or[0]
			}
		}
	}
}

func rowVV[T Float](code binCode, o, a, b []T) {
	a, b = a[:len(o)], b[:len(o)]
	switch code {
	case opAdd:
		for i := range o {
			o[i] = a[i] + b[i]
		}
	case opSub:
		for i := range o {
			o[i] = a[i] - b[i]
		}
	case opMul:
		for i := range o {
			o[i] = a[i] * b[i]
		}
	case opDiv:
		for i := range o {
			o[i] = a[i] / b[i]
		}
	}
}

func rowVS[T Float](code binCode, o, a []T, b T) {
	a = a[:len(o)]
	switch code {
	case opAdd:
		vec.AddConst(o, a, b) // the bias add of every layer
	case opSub:
		vec.AddConst(o, a, -b) // a − b is a + (−b) exactly
	case opMul:
		for i := range o {
			o[i] = a[i] * b
		}
	case opDiv:
		for i := range o {
			o[i] = a[i] / b
		}
	}
}

func rowSV[T Float](code binCode, o []T, a T, b []T) {
	b = b[:len(o)]
	switch code {
	case opAdd:
		for i := range o {
			o[i] = a + b[i]
		}
	case opSub:
		for i := range o {
			o[i] = a - b[i]
		}
	case opMul:
		for i := range o {
			o[i] = a * b[i]
		}
	case opDiv:
		for i := range o {
			o[i] = a / b[i]
		}
	}
}

// SumTo sums x down to shape s, which must broadcast to x's shape: the
// adjoint of a broadcast.
func SumTo(x *graph.Node, s graph.Shape) *graph.Node {
	return graph.ApplyOn(sumToOp{s.Clone()}, x)
}

type sumToOp struct{ to graph.Shape }

func (sumToOp) Type() string { return "SumTo" }
func (o sumToOp) Shape(in []*graph.Node) (graph.Shape, error) {
	if s, ok := BroadcastShape(o.to, in[0].Shape()); !ok || !s.Equal(in[0].Shape()) {
		return nil, graph.ShapeError(o, in, "cannot be summed to "+o.to.String())
	}
	return o.to, nil
}
func (o sumToOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		sumToK(out.F64, in[0].F64, out.Shape, in[0].Shape)
	} else {
		sumToK(out.F32, in[0].F32, out.Shape, in[0].Shape)
	}
}
func (o sumToOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{BroadcastTo(g, n.Inputs()[0].Shape())}
}
func sumToK[T Float](o, x []T, os, xs graph.Shape) {
	rows, cols := xs.Matrix()
	if rs, _ := strides(os, xs); rs == 0 || !parallelRows(ewSumTo, 0, o, x, nil, os, xs, nil, rows, cols) {
		sumToRows(o, x, os, xs, 0, rows)
	}
}

// sumToRows computes the sums of rows [r0, r1) of x into o, which it
// clears first: all of o when x's rows are summed together (then r0 = 0
// and r1 is the last row), else rows [r0, r1) of o.
func sumToRows[T Float](o, x []T, os, xs graph.Shape, r0, r1 int) {
	_, cols := xs.Matrix()
	rs, cs := strides(os, xs)
	if rs == 0 {
		clear(o)
	} else {
		clear(o[r0*rs : r1*rs])
	}
	for r := r0; r < r1; r++ {
		xr := x[r*cols : (r+1)*cols]
		if cs == 1 {
			or := o[r*rs : r*rs+cols]
			for c, v := range xr {
				or[c] += v
			}
			continue
		}
		o[r*rs] += vec.Sum(xr) // the bias gradient of every layer
	}
}

// BroadcastTo stretches x to shape s by NumPy's rules.
func BroadcastTo(x *graph.Node, s graph.Shape) *graph.Node {
	return graph.ApplyOn(broadcastToOp{s.Clone()}, x)
}

type broadcastToOp struct{ to graph.Shape }

func (broadcastToOp) Type() string { return "BroadcastTo" }
func (o broadcastToOp) Shape(in []*graph.Node) (graph.Shape, error) {
	if s, ok := BroadcastShape(in[0].Shape(), o.to); !ok || !s.Equal(o.to) {
		return nil, graph.ShapeError(o, in, "cannot be broadcast to "+o.to.String())
	}
	return o.to, nil
}
func (o broadcastToOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		broadcastK(out.F64, in[0].F64, out.Shape, in[0].Shape)
	} else {
		broadcastK(out.F32, in[0].F32, out.Shape, in[0].Shape)
	}
}
func (o broadcastToOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{reduceTo(g, n.Inputs()[0].Shape())}
}
func broadcastK[T Float](o, x []T, os, xs graph.Shape) {
	rows, cols := os.Matrix()
	rs, cs := strides(xs, os)
	for r := 0; r < rows; r++ {
		or := o[r*cols : (r+1)*cols]
		if cs == 1 {
			copy(or, x[r*rs:r*rs+cols])
			continue
		}
		v := x[r*rs]
		for c := range or {
			or[c] = v
		}
	}
}
