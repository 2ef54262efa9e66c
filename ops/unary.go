package ops

import (
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Neg returns −x.
func Neg(x *graph.Node) *graph.Node { return graph.ApplyOn(negOp{}, x) }

type negOp struct{}

func (negOp) Type() string                                { return "Neg" }
func (negOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (negOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], negK[float64], negK[float32])
}
func (negOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Neg(g)}
}
func negK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = -v
	}
}

// Scale returns c·x for a constant c.
func Scale(x *graph.Node, c float64) *graph.Node { return graph.ApplyOn(scaleOp{c}, x) }

type scaleOp struct{ c float64 }

func (scaleOp) Type() string                                { return "Scale" }
func (scaleOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (s scaleOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		scaleK(out.F64, in[0].F64, s.c)
	} else {
		scaleK(out.F32, in[0].F32, float32(s.c))
	}
}
func (s scaleOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Scale(g, s.c)}
}
func scaleK[T Float](o, x []T, c T) {
	for i, v := range x {
		o[i] = c * v
	}
}

// Exp returns eˣ element-wise.
func Exp(x *graph.Node) *graph.Node { return graph.ApplyOn(expOp{}, x) }

type expOp struct{}

func (expOp) Type() string                                { return "Exp" }
func (expOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (expOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], expK[float64], expK[float32])
}
func (expOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Mul(g, n)} // d eˣ = eˣ dx
}
func expK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = exp(v)
	}
}

// Log returns the natural logarithm element-wise.
func Log(x *graph.Node) *graph.Node { return graph.ApplyOn(logOp{}, x) }

type logOp struct{}

func (logOp) Type() string                                { return "Log" }
func (logOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (logOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], logK[float64], logK[float32])
}
func (logOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Div(g, n.Inputs()[0])} // d ln x = dx / x
}
func logK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = log(v)
	}
}

// Square returns x² element-wise.
func Square(x *graph.Node) *graph.Node { return graph.ApplyOn(squareOp{}, x) }

type squareOp struct{}

func (squareOp) Type() string                                { return "Square" }
func (squareOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (squareOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], squareK[float64], squareK[float32])
}
func (squareOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Mul(g, Scale(n.Inputs()[0], 2))} // d x² = 2x dx
}
func squareK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = v * v
	}
}

// Sqrt returns √x element-wise.
func Sqrt(x *graph.Node) *graph.Node { return graph.ApplyOn(sqrtOp{}, x) }

type sqrtOp struct{}

func (sqrtOp) Type() string                                { return "Sqrt" }
func (sqrtOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (sqrtOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], sqrtK[float64], sqrtK[float32])
}
func (sqrtOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Div(g, Scale(n, 2))} // d √x = dx / (2√x)
}
func sqrtK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = sqrt(v)
	}
}

// Sigmoid returns the logistic function 1/(1+e⁻ˣ) element-wise.
func Sigmoid(x *graph.Node) *graph.Node { return graph.ApplyOn(sigmoidOp{}, x) }

type sigmoidOp struct{}

func (sigmoidOp) Type() string                                { return "Sigmoid" }
func (sigmoidOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (sigmoidOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], sigmoidK[float64], sigmoidK[float32])
}
func (sigmoidOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	// σ' = σ(1 − σ)
	return []*graph.Node{Mul(g, Mul(n, Sub(scalarLike(n, 1), n)))}
}
func sigmoidK[T Float](o, x []T) {
	for i, v := range x {
		// Both branches avoid overflow of e^|x|.
		if v >= 0 {
			o[i] = 1 / (1 + exp(-v))
		} else {
			e := exp(v)
			o[i] = e / (1 + e)
		}
	}
}

// Tanh returns the hyperbolic tangent element-wise.
func Tanh(x *graph.Node) *graph.Node { return graph.ApplyOn(tanhOp{}, x) }

type tanhOp struct{}

func (tanhOp) Type() string                                { return "Tanh" }
func (tanhOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (tanhOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], tanhK[float64], tanhK[float32])
}
func (tanhOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Mul(g, Sub(scalarLike(n, 1), Square(n)))} // tanh' = 1 − tanh²
}
func tanhK[T Float](o, x []T) {
	for i, v := range x {
		o[i] = T(math.Tanh(float64(v)))
	}
}

// ReLU returns max(x, 0) element-wise; its derivative at 0 is taken as 0.
func ReLU(x *graph.Node) *graph.Node { return graph.ApplyOn(reluOp{}, x) }

type reluOp struct{}

func (reluOp) Type() string                                { return "ReLU" }
func (reluOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (reluOp) Forward(out *graph.Value, in []*graph.Value) {
	rows, cols := out.Shape.Matrix()
	if out.F64 != nil {
		if !parallelRows(ewRelu, 0, out.F64, in[0].F64, nil, nil, nil, nil, rows, cols) {
			reluK(out.F64, in[0].F64)
		}
	} else if !parallelRows(ewRelu, 0, out.F32, in[0].F32, nil, nil, nil, nil, rows, cols) {
		reluK(out.F32, in[0].F32)
	}
}
func (reluOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{PassWhere(g, n.Inputs()[0])} // g ⊙ H(x) in one pass
}

// reluK sets o = max(x, 0) (as Go's max computes it: ReLU(NaN) stays NaN
// for the guard to see), 8 or 4 lanes at a time where the CPU can.
func reluK[T Float](o, x []T) { vec.Relu(o, x) }

// PassWhere returns g where x > 0 and 0 elsewhere, that is g ⊙ H(x) with H
// the Heaviside step: the backward pass of ReLU in one sweep instead of a
// Heaviside and a Mul. g and x have the same shape. The gradient flows to g
// only (H' = 0 almost everywhere).
func PassWhere(g, x *graph.Node) *graph.Node { return graph.ApplyOn(passWhereOp{}, g, x) }

type passWhereOp struct{}

func (passWhereOp) Type() string { return "PassWhere" }
func (o passWhereOp) Shape(in []*graph.Node) (graph.Shape, error) {
	if !in[0].Shape().Equal(in[1].Shape()) {
		return nil, graph.ShapeError(o, in, "differ")
	}
	return in[0].Shape(), nil
}
func (passWhereOp) Forward(out *graph.Value, in []*graph.Value) {
	rows, cols := out.Shape.Matrix()
	if out.F64 != nil {
		if !parallelRows(ewPassWhere, 0, out.F64, in[0].F64, in[1].F64, nil, nil, nil, rows, cols) {
			passWhereK(out.F64, in[0].F64, in[1].F64)
		}
	} else if !parallelRows(ewPassWhere, 0, out.F32, in[0].F32, in[1].F32, nil, nil, nil, rows, cols) {
		passWhereK(out.F32, in[0].F32, in[1].F32)
	}
}
func (passWhereOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	var dg *graph.Node
	if need[0] {
		dg = PassWhere(g, n.Inputs()[1])
	}
	return []*graph.Node{dg, nil}
}

// passWhereK sets o = g where x > 0 and 0 elsewhere, as a mask: no branch
// to mispredict on activations that are positive half the time.
func passWhereK[T Float](o, g, x []T) { vec.PassWhere(o, g, x) }

// Heaviside returns 1 where x > 0 and 0 elsewhere: the derivative of ReLU.
// Its own derivative is zero almost everywhere, so it passes no gradient.
func Heaviside(x *graph.Node) *graph.Node { return graph.ApplyOn(heavisideOp{}, x) }

type heavisideOp struct{}

func (heavisideOp) Type() string                                { return "Heaviside" }
func (heavisideOp) Shape(in []*graph.Node) (graph.Shape, error) { return same(in) }
func (heavisideOp) Forward(out *graph.Value, in []*graph.Value) {
	unary(out, in[0], heavisideK[float64], heavisideK[float32])
}
func (heavisideOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }
func heavisideK[T Float](o, x []T) {
	for i, v := range x {
		if v > 0 {
			o[i] = 1
		} else {
			o[i] = 0
		}
	}
}
