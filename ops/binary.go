package ops

import (
	"math"
	"unsafe"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Binary element-wise ops broadcast their inputs (see BroadcastShape) and
// share one walker (loop): arithmetic on floats and integers, comparisons
// that return bool, logic on bools, and Where.

type binCode uint8

const (
	opAdd binCode = iota
	opSub
	opMul
	opDiv
	opPow
	opMod  // integer modulo with the divisor's sign (Python's %)
	opFmod // remainder with the dividend's sign (C's fmod)
	opMax
	opMin
	opGreater
	opLess
	opEqual
	opGreaterOrEqual
	opLessOrEqual
	opAnd
	opOr
	opXor
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Mod", "Mod", "Max", "Min",
	"Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor"}

func init() {
	bc := "the broadcast of a's and b's shapes"
	register(
		OpInfo{Go: "Add", Type: "Add", ONNX: "Add", Shape: bc, Formula: "a + b", VJP: "g to a, g to b, each summed to its shape", Differentiable: true},
		OpInfo{Go: "Sub", Type: "Sub", ONNX: "Sub", Shape: bc, Formula: "a − b", VJP: "g, −g", Differentiable: true},
		OpInfo{Go: "Mul", Type: "Mul", ONNX: "Mul", Shape: bc, Formula: "a ⊙ b", VJP: "g·b, g·a", Differentiable: true},
		OpInfo{Go: "Div", Type: "Div", ONNX: "Div", Shape: bc, Formula: "a / b (integers: truncated, 0 for a division by zero)", VJP: "g/b, −g·y/b", Differentiable: true},
		OpInfo{Go: "Pow", Type: "Pow", ONNX: "Pow", Shape: bc, Formula: "aᵇ", VJP: "g·b·a^(b−1), g·y·ln a (0 where a = 0)", Differentiable: true},
		OpInfo{Go: "PowConst", ONNX: "Pow", Shape: "x's shape", Attrs: "p", Formula: "xᵖ", VJP: "g·p·x^(p−1)", Differentiable: true},
		OpInfo{Go: "Mod", Type: "Mod", ONNX: "Mod", Shape: bc, Attrs: "fmod 0 (integers only) or 1",
			Formula: "a mod b: the divisor's sign (fmod 0) or the dividend's (fmod 1)", VJP: "g, −g·trunc(a/b) (fmod 1)", Differentiable: true},
		OpInfo{Go: "MaxOf", Type: "Max", ONNX: "Max", Shape: "the broadcast of all inputs' shapes", Formula: "element-wise maximum (NaN wins)",
			VJP: "g to the larger, g/2 to each of a tie", Differentiable: true},
		OpInfo{Go: "MinOf", Type: "Min", ONNX: "Min", Shape: "the broadcast of all inputs' shapes", Formula: "element-wise minimum",
			VJP: "g to the smaller, g/2 to each of a tie", Differentiable: true},
		OpInfo{Go: "SumOf", ONNX: "Sum", Shape: "the broadcast of all inputs' shapes", Formula: "element-wise sum", VJP: "g to each", Differentiable: true},
		OpInfo{Go: "MeanOf", ONNX: "Mean", Shape: "the broadcast of all inputs' shapes", Formula: "element-wise mean", VJP: "g/n to each", Differentiable: true},
		OpInfo{Go: "Greater", Type: "Greater", ONNX: "Greater", Shape: bc + ", bool", Formula: "a > b", VJP: "—"},
		OpInfo{Go: "Less", Type: "Less", ONNX: "Less", Shape: bc + ", bool", Formula: "a < b", VJP: "—"},
		OpInfo{Go: "Equal", Type: "Equal", ONNX: "Equal", Shape: bc + ", bool", Formula: "a = b", VJP: "—"},
		OpInfo{Go: "GreaterOrEqual", Type: "GreaterOrEqual", ONNX: "GreaterOrEqual", Shape: bc + ", bool", Formula: "a ≥ b", VJP: "—"},
		OpInfo{Go: "LessOrEqual", Type: "LessOrEqual", ONNX: "LessOrEqual", Shape: bc + ", bool", Formula: "a ≤ b", VJP: "—"},
		OpInfo{Go: "And", Type: "And", ONNX: "And", Shape: bc, Formula: "a ∧ b on bools", VJP: "—"},
		OpInfo{Go: "Or", Type: "Or", ONNX: "Or", Shape: bc, Formula: "a ∨ b on bools", VJP: "—"},
		OpInfo{Go: "Xor", Type: "Xor", ONNX: "Xor", Shape: bc, Formula: "a ⊕ b on bools", VJP: "—"},
		OpInfo{Go: "Not", Type: "Not", ONNX: "Not", Shape: "x's shape", Formula: "¬x on bools", VJP: "—"},
		OpInfo{Go: "Where", Type: "Where", ONNX: "Where", Shape: "the broadcast of cond's, x's and y's shapes",
			Formula: "x where cond, else y", VJP: "Where(cond, g, 0) to x, Where(cond, 0, g) to y, summed to their shapes", Differentiable: true},
	)
}

func (c binCode) compares() bool { return c >= opGreater && c <= opLessOrEqual }
func (c binCode) logical() bool  { return c >= opAnd }

type binaryOp struct{ code binCode }

func binary(code binCode, a, b *graph.Node) *graph.Node {
	return graph.ApplyOn(binaryOp{code}, a, b)
}

// Add returns a + b with broadcasting.
func Add(a, b *graph.Node) *graph.Node { return binary(opAdd, a, b) }

// Sub returns a − b with broadcasting.
func Sub(a, b *graph.Node) *graph.Node { return binary(opSub, a, b) }

// Mul returns the element-wise (Hadamard) product a ⊙ b with broadcasting.
func Mul(a, b *graph.Node) *graph.Node { return binary(opMul, a, b) }

// Div returns the element-wise quotient a / b with broadcasting. Integer
// division truncates toward zero, and an integer divided by zero gives 0
// (ONNX leaves it undefined; a crash would be worse).
func Div(a, b *graph.Node) *graph.Node { return binary(opDiv, a, b) }

// Pow returns a raised to the power b, element-wise with broadcasting
// (float inputs).
func Pow(a, b *graph.Node) *graph.Node { return binary(opPow, a, b) }

// PowConst returns x raised to the constant power p.
func PowConst(x *graph.Node, p float64) *graph.Node { return Pow(x, scalarLike(x, p)) }

// Mod returns the remainder of a / b (ONNX Mod). With fmod false it is the
// integer modulo whose sign follows the divisor, as Python's %; with fmod
// true the remainder whose sign follows the dividend, as C's fmod, which
// ONNX requires for floats. A remainder by zero is 0 for integers.
func Mod(a, b *graph.Node, fmod bool) *graph.Node {
	if fmod {
		return binary(opFmod, a, b)
	}
	return binary(opMod, a, b)
}

// Greater returns a > b element-wise, as bool.
func Greater(a, b *graph.Node) *graph.Node { return binary(opGreater, a, b) }

// Less returns a < b element-wise, as bool.
func Less(a, b *graph.Node) *graph.Node { return binary(opLess, a, b) }

// Equal returns a = b element-wise, as bool.
func Equal(a, b *graph.Node) *graph.Node { return binary(opEqual, a, b) }

// GreaterOrEqual returns a ≥ b element-wise, as bool.
func GreaterOrEqual(a, b *graph.Node) *graph.Node { return binary(opGreaterOrEqual, a, b) }

// LessOrEqual returns a ≤ b element-wise, as bool.
func LessOrEqual(a, b *graph.Node) *graph.Node { return binary(opLessOrEqual, a, b) }

// And returns the logical and of two bool tensors.
func And(a, b *graph.Node) *graph.Node { return binary(opAnd, a, b) }

// Or returns the logical or of two bool tensors.
func Or(a, b *graph.Node) *graph.Node { return binary(opOr, a, b) }

// Xor returns the logical exclusive or of two bool tensors.
func Xor(a, b *graph.Node) *graph.Node { return binary(opXor, a, b) }

// MaxOf returns the element-wise maximum of its inputs, with broadcasting
// (ONNX Max). A NaN wins. Where inputs tie, the gradient is shared.
func MaxOf(xs ...*graph.Node) *graph.Node { return chain(opMax, xs) }

// MinOf returns the element-wise minimum of its inputs (ONNX Min).
func MinOf(xs ...*graph.Node) *graph.Node { return chain(opMin, xs) }

// SumOf returns the element-wise sum of its inputs (ONNX Sum).
func SumOf(xs ...*graph.Node) *graph.Node { return chain(opAdd, xs) }

// MeanOf returns the element-wise mean of its inputs (ONNX Mean).
func MeanOf(xs ...*graph.Node) *graph.Node {
	s := SumOf(xs...)
	if len(xs) <= 1 || s.Failed() {
		return s
	}
	return Div(s, scalarLike(s, float64(len(xs))))
}

func chain(code binCode, xs []*graph.Node) *graph.Node {
	if len(xs) == 0 || xs[0] == nil {
		panic("ops: " + binNames[code] + " of no inputs")
	}
	if len(xs) == 1 {
		return Identity(xs[0])
	}
	acc := xs[0]
	for _, x := range xs[1:] {
		acc = binary(code, acc, x)
	}
	return acc
}

func (o binaryOp) Type() string { return binNames[o.code] }

func (o binaryOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := sameDType(in); err != nil {
		return graph.Meta{}, err
	}
	dt := in[0].DType
	switch {
	case o.code.logical():
		if dt != graph.Bool {
			return graph.Meta{}, graph.DTypesError(in, "are not bool")
		}
	case o.code == opPow || o.code == opFmod:
		if !dt.IsFloat() && !(o.code == opFmod && dt.IsInt()) {
			return graph.Meta{}, graph.DTypesError(in, "are not float32 or float64")
		}
	case o.code == opMod:
		if !dt.IsInt() {
			return graph.Meta{}, graph.DTypesError(in, "are not integers (Mod of floats needs fmod)")
		}
	case o.code == opEqual:
	default:
		if dt == graph.Bool {
			return graph.Meta{}, graph.DTypesError(in, "are not numbers")
		}
	}
	s, ok := BroadcastShape(in[0].Shape, in[1].Shape)
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, "do not broadcast")
	}
	if o.code.compares() || o.code.logical() {
		dt = graph.Bool
	}
	return graph.Meta{DType: dt, Shape: s}, nil
}

// InPlace implements graph.InPlacer: each output element is computed
// from the inputs' elements at its own position.
func (binaryOp) InPlace(i int) bool { return true }

func (o binaryOp) Forward(out *graph.Value, in []*graph.Value) {
	a, b := in[0], in[1]
	switch {
	case o.code.logical():
		l := newLoop(out.Shape, a.Shape, b.Shape)
		logicRows(o.code, out.B, a.B, b.B, &l)
	case o.code.compares():
		switch a.DType() {
		case graph.Float32:
			compareK(o.code, out, a.F32, b.F32, a.Shape, b.Shape)
		case graph.Float64:
			compareK(o.code, out, a.F64, b.F64, a.Shape, b.Shape)
		case graph.Int32:
			compareK(o.code, out, a.I32, b.I32, a.Shape, b.Shape)
		case graph.Int64:
			compareK(o.code, out, a.I64, b.I64, a.Shape, b.Shape)
		case graph.Bool:
			l := newLoop(out.Shape, a.Shape, b.Shape)
			logicRows(opXor, out.B, a.B, b.B, &l)
			for i, v := range out.B {
				out.B[i] = !v
			}
		}
	default:
		switch out.DType() {
		case graph.Float32:
			arithFloatK(o.code, out.F32, a.F32, b.F32, out.Shape, a.Shape, b.Shape)
		case graph.Float64:
			arithFloatK(o.code, out.F64, a.F64, b.F64, out.Shape, a.Shape, b.Shape)
		case graph.Int32:
			l := newLoop(out.Shape, a.Shape, b.Shape)
			arithRows(o.code, out.I32, a.I32, b.I32, &l, 0, l.rows())
		case graph.Int64:
			l := newLoop(out.Shape, a.Shape, b.Shape)
			arithRows(o.code, out.I64, a.I64, b.I64, &l, 0, l.rows())
		}
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
	case opPow:
		if need[0] { // b·a^(b−1)
			da = Mul(g, Mul(b, Pow(a, Sub(b, scalarLike(b, 1)))))
		}
		if need[1] { // aᵇ·ln a, taken as 0 where a = 0
			zero := scalarLike(a, 0)
			db = Mul(g, Where(Equal(a, zero), zero, Mul(n, Log(a))))
		}
	case opFmod: // a − trunc(a/b)·b
		da = pick(need[0], g)
		if need[1] {
			db = Neg(Mul(g, Div(Sub(a, n), b))) // trunc(a/b) = (a − out)/b
		}
	case opMax, opMin:
		// The winner takes g; where a and b tie, each takes g/2.
		win := Greater
		if o.code == opMin {
			win = Less
		}
		zero, half := scalarLike(g, 0), Scale(g, 0.5)
		if need[0] {
			da = Where(win(a, b), g, Where(Equal(a, b), half, zero))
		}
		if need[1] {
			db = Where(win(b, a), g, Where(Equal(a, b), half, zero))
		}
	default:
		return []*graph.Node{nil, nil} // comparisons, logic, integer Mod
	}
	return []*graph.Node{reduceLike(da, a), reduceLike(db, b)}
}

func pick(ok bool, g *graph.Node) *graph.Node {
	if ok {
		return g
	}
	return nil
}

// arithFloatK is arithRows over the whole output, split over the worker
// pool when the output is large.
func arithFloatK[T graph.Float](code binCode, o, a, b []T, os, as, bs graph.Shape) {
	l := newLoop(os, as, bs)
	if !parallelBinary(code, o, a, b, &l) {
		arithRows(code, o, a, b, &l, 0, l.rows())
	}
}

// arithRows computes rows [r0, r1) of the walk l.
func arithRows[T graph.Number](code binCode, o, a, b []T, l *loop, r0, r1 int) {
	n := l.inner()
	sa, sb := l.st[0][l.rank-1], l.st[1][l.rank-1]
	c := l.at(r0)
	for r := r0; r < r1; r++ {
		arithRow(code, o[r*n:(r+1)*n], a[c.off[0]:], sa, b[c.off[1]:], sb)
		c.next()
	}
}

// arithRow computes one row o from a and b, each read with stride 1 (a
// slice) or 0 (one value).
func arithRow[T graph.Number](code binCode, o, a []T, sa int, b []T, sb int) {
	n := len(o)
	switch {
	case sa == 1 && sb == 1:
		rowVV(code, o, a[:n], b[:n])
	case sa == 1:
		rowVS(code, o, a[:n], b[0])
	case sb == 1:
		rowSV(code, o, a[0], b[:n])
	default:
		v := arith(code, a[0], b[0])
		for i := range o {
			o[i] = v
		}
	}
}

// arith is one element of an arithmetic op.
func arith[T graph.Number](code binCode, a, b T) T {
	switch code {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		if isInt[T]() && b == 0 {
			return 0
		}
		return a / b
	case opPow:
		return T(math.Pow(float64(a), float64(b)))
	case opMod, opFmod:
		return mod(code, a, b)
	case opMax:
		return max(a, b)
	case opMin:
		return min(a, b)
	}
	return 0
}

func mod[T graph.Number](code binCode, a, b T) T {
	if !isInt[T]() {
		return T(math.Mod(float64(a), float64(b)))
	}
	if b == 0 {
		return 0
	}
	ai, bi := int64(a), int64(b)
	r := ai % bi // C's remainder: the dividend's sign
	if code == opMod && r != 0 && (r < 0) != (bi < 0) {
		r += bi
	}
	return T(r)
}

// isInt reports whether T is an integer type. It allocates nothing: the
// zero value's conversion to an interface is static.
func isInt[T graph.Number]() bool {
	var z T
	switch any(z).(type) {
	case int32, int64:
		return true
	}
	return false
}

// rowVV, rowVS and rowSV compute one row with both inputs varying, b
// fixed, or a fixed; the hot codes get loops of their own.
func rowVV[T graph.Number](code binCode, o, a, b []T) {
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
		if !isInt[T]() {
			for i := range o {
				o[i] = a[i] / b[i]
			}
			return
		}
		fallthrough
	default:
		for i := range o {
			o[i] = arith(code, a[i], b[i])
		}
	}
}

func rowVS[T graph.Number](code binCode, o, a []T, b T) {
	a = a[:len(o)]
	switch code {
	case opAdd:
		addConst(o, a, b) // the bias add of every layer
	case opSub:
		addConst(o, a, -b) // a − b is a + (−b) exactly
	case opMul:
		for i := range o {
			o[i] = a[i] * b
		}
	default:
		for i := range o {
			o[i] = arith(code, a[i], b)
		}
	}
}

func rowSV[T graph.Number](code binCode, o []T, a T, b []T) {
	b = b[:len(o)]
	switch code {
	case opAdd:
		addConst(o, b, a)
	case opMul:
		for i := range o {
			o[i] = a * b[i]
		}
	default:
		for i := range o {
			o[i] = arith(code, a, b[i])
		}
	}
}

// addConst sets o = a + c, with vec's vectorised loop for the floats.
func addConst[T graph.Number](o, a []T, c T) {
	var z T
	switch any(z).(type) {
	case float32:
		vec.AddConst(as[float32](o), as[float32](a), *(*float32)(unsafe.Pointer(&c)))
	case float64:
		vec.AddConst(as[float64](o), as[float64](a), *(*float64)(unsafe.Pointer(&c)))
	default:
		for i := range o {
			o[i] = a[i] + c
		}
	}
}

// as reinterprets a slice of T as a slice of U, which must be the same
// type: it lets a generic kernel call a kernel written for one type.
func as[U, T any](s []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func compareK[T graph.Number](code binCode, out *graph.Value, a, b []T, as, bs graph.Shape) {
	l := newLoop(out.Shape, as, bs)
	var f func(x, y T) bool
	switch code {
	case opGreater:
		f = func(x, y T) bool { return x > y }
	case opLess:
		f = func(x, y T) bool { return x < y }
	case opEqual:
		f = func(x, y T) bool { return x == y }
	case opGreaterOrEqual:
		f = func(x, y T) bool { return x >= y }
	default:
		f = func(x, y T) bool { return x <= y }
	}
	mapRows(out.B, a, b, &l, f)
}

func logicRows(code binCode, o, a, b []bool, l *loop) {
	var f func(x, y bool) bool
	switch code {
	case opAnd:
		f = func(x, y bool) bool { return x && y }
	case opOr:
		f = func(x, y bool) bool { return x || y }
	default:
		f = func(x, y bool) bool { return x != y }
	}
	mapRows(o, a, b, l, f)
}

// mapRows sets each element of o, the output of the walk l, to f of the
// elements of a and b it is computed from: the element-wise loop of the
// ops that are not arithmetic (comparisons, logic), whose speed matters
// less than one loop for all of them.
func mapRows[O, A, B any](o []O, a []A, b []B, l *loop, f func(x A, y B) O) {
	n, rows := l.inner(), l.rows()
	sa, sb := l.st[0][l.rank-1], l.st[1][l.rank-1]
	c := l.at(0)
	for r := 0; r < rows; r++ {
		or := o[r*n : (r+1)*n]
		ar, br := a[c.off[0]:], b[c.off[1]:]
		for i := range or {
			or[i] = f(ar[i*sa], br[i*sb])
		}
		c.next()
	}
}

// Not returns the logical negation of a bool tensor.
func Not(x *graph.Node) *graph.Node { return graph.ApplyOn(notOp{}, x) }

type notOp struct{}

func (notOp) Type() string { return "Not" }
func (notOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if in[0].DType != graph.Bool {
		return graph.Meta{}, graph.DTypesError(in, "is not bool")
	}
	return in[0], nil
}
func (notOp) Forward(out *graph.Value, in []*graph.Value) {
	for i, v := range in[0].B {
		out.B[i] = !v
	}
}
func (notOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }

// Where returns x where cond is true and y elsewhere, all three
// broadcast together (ONNX Where). cond is bool; x and y share a dtype.
func Where(cond, x, y *graph.Node) *graph.Node { return graph.ApplyOn(whereOp{}, cond, x, y) }

type whereOp struct{}

func (whereOp) Type() string { return "Where" }
func (whereOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if in[0].DType != graph.Bool {
		return graph.Meta{}, graph.DTypesError(in[:1], "of the condition is not bool")
	}
	if err := sameDType(in, 1, 2); err != nil {
		return graph.Meta{}, err
	}
	s, ok := BroadcastShape(in[0].Shape, in[1].Shape, in[2].Shape)
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, "do not broadcast")
	}
	return graph.Meta{DType: in[1].DType, Shape: s}, nil
}
func (whereOp) InPlace(i int) bool { return i > 0 }
func (whereOp) Forward(out *graph.Value, in []*graph.Value) {
	l := newLoop(out.Shape, in[0].Shape, in[1].Shape, in[2].Shape)
	c := in[0].B
	switch out.DType() {
	case graph.Float32:
		whereK(out.F32, c, in[1].F32, in[2].F32, &l)
	case graph.Float64:
		whereK(out.F64, c, in[1].F64, in[2].F64, &l)
	case graph.Int32:
		whereK(out.I32, c, in[1].I32, in[2].I32, &l)
	case graph.Int64:
		whereK(out.I64, c, in[1].I64, in[2].I64, &l)
	case graph.Bool:
		whereK(out.B, c, in[1].B, in[2].B, &l)
	}
}
func (whereOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	c, x, y := n.Inputs()[0], n.Inputs()[1], n.Inputs()[2]
	zero := scalarLike(g, 0)
	var dx, dy *graph.Node
	if need[1] {
		dx = reduceLike(Where(c, g, zero), x)
	}
	if need[2] {
		dy = reduceLike(Where(c, zero, g), y)
	}
	return []*graph.Node{nil, dx, dy}
}

func whereK[T any](o []T, cond []bool, x, y []T, l *loop) {
	n, rows := l.inner(), l.rows()
	sc, sx, sy := l.st[0][l.rank-1], l.st[1][l.rank-1], l.st[2][l.rank-1]
	c := l.at(0)
	for r := 0; r < rows; r++ {
		or := o[r*n : (r+1)*n]
		cr, xr, yr := cond[c.off[0]:], x[c.off[1]:], y[c.off[2]:]
		for i := range or {
			if cr[i*sc] {
				or[i] = xr[i*sx]
			} else {
				or[i] = yr[i*sy]
			}
		}
		c.next()
	}
}
