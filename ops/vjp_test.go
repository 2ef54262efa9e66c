package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Tolerance for the VJP checks. Central differences with step eps = 1e-6 in
// float64 err by about eps²·|f”'|/6 ≈ 1e-12 (truncation) plus
// ulp(cost)/eps ≈ 2e-16·|cost|/1e-6 ≈ 1e-9 for the O(1)–O(10) costs built
// here (rounding). Inputs stay away from the singularities of Log, Sqrt, Div
// and the kinks of ReLU, so f”' is O(1). 1e-7, relative to max(1, |g|),
// leaves two orders of margin over those estimates yet is far below any
// real mistake (a wrong factor, sign or transpose shows up at 1e-2 or more).
const (
	eps = 1e-6
	tol = 1e-7
)

// domain is the interval input values are drawn from.
type domain struct{ lo, hi float64 }

var (
	anyReal  = domain{-2, 2}
	positive = domain{0.5, 2}
	prob     = domain{0.1, 0.9}
)

type vjpCase struct {
	name   string
	shapes []graph.Shape
	dom    []domain // per input; the last entry repeats
	build  func(in []*graph.Node) *graph.Node
	// noSecond skips the second-order check (ops whose first derivative
	// has kinks at the sampled points).
	noSecond bool
}

func randTensor(r *rand.Rand, s graph.Shape, d domain) *tensor.Dense {
	v := make([]float64, s.Size())
	for i := range v {
		v[i] = d.lo + (d.hi-d.lo)*r.Float64()
		// Keep values away from 0 where the domain straddles it, so ReLU
		// and Heaviside are differentiated away from their kink.
		if d.lo < 0 && d.hi > 0 && v[i] > -0.05 && v[i] < 0.05 {
			v[i] += 0.1
		}
	}
	return tensor.New(tensor.WithShape([]int(s)...), tensor.WithBacking(v))
}

// broadcastPatterns returns pairs of shapes that broadcast, built from a
// random R×C so every seed tries other sizes.
func broadcastPatterns(R, C int) [][2]graph.Shape {
	return [][2]graph.Shape{
		{{R, C}, {R, C}}, // same shape
		{{R, C}, {C}},    // vector as a row
		{{R, C}, {1, C}}, // explicit row
		{{R, C}, {R, 1}}, // column: the bias of ζ = Ωᵀα + β
		{{R, C}, {}},     // scalar
		{{R, C}, {1, 1}}, // 1×1
		{{C}, {R, C}},    // broadcast on the left
		{{R, 1}, {R, C}}, // column on the left
		{{R, 1}, {1, C}}, // outer: both stretch
		{{C}, {C}},       // vectors
		{{C}, {}},        // vector and scalar
		{{}, {}},         // scalars
		{{1, C}, {R, 1}}, // row and column
	}
}

func cases(r *rand.Rand) []vjpCase {
	R, C, K := 1+r.IntN(4), 1+r.IntN(4), 1+r.IntN(4)
	var cs []vjpCase
	for _, p := range broadcastPatterns(R, C) {
		p := p
		for _, b := range []struct {
			name string
			f    func(a, b *graph.Node) *graph.Node
			dom  []domain
		}{
			{"Add", ops.Add, []domain{anyReal}},
			{"Sub", ops.Sub, []domain{anyReal}},
			{"Mul", ops.Mul, []domain{anyReal}},
			{"Div", ops.Div, []domain{anyReal, positive}},
		} {
			f := b.f
			cs = append(cs, vjpCase{
				name:   fmt.Sprintf("%s/%s_%s", b.name, p[0], p[1]),
				shapes: []graph.Shape{p[0], p[1]},
				dom:    b.dom,
				build:  func(in []*graph.Node) *graph.Node { return f(in[0], in[1]) },
			})
		}
	}
	m := graph.Shape{R, C}
	unary := []struct {
		name     string
		f        func(*graph.Node) *graph.Node
		dom      domain
		noSecond bool
	}{
		{"Neg", ops.Neg, anyReal, false},
		{"Scale", func(x *graph.Node) *graph.Node { return ops.Scale(x, -1.75) }, anyReal, false},
		{"Exp", ops.Exp, anyReal, false},
		{"Log", ops.Log, positive, false},
		{"Square", ops.Square, anyReal, false},
		{"Sqrt", ops.Sqrt, positive, false},
		{"Sigmoid", ops.Sigmoid, anyReal, false},
		{"Tanh", ops.Tanh, anyReal, false},
		{"ReLU", ops.ReLU, anyReal, false},
		{"PassWhere", func(x *graph.Node) *graph.Node { return ops.PassWhere(ops.Exp(x), x) }, anyReal, false},
		{"Softmax0", func(x *graph.Node) *graph.Node { return ops.Softmax(x, 0) }, anyReal, false},
		{"Softmax1", func(x *graph.Node) *graph.Node { return ops.Softmax(x, 1) }, anyReal, false},
		{"LogSoftmax0", func(x *graph.Node) *graph.Node { return ops.LogSoftmax(x, 0) }, anyReal, false},
		{"LogSoftmax1", func(x *graph.Node) *graph.Node { return ops.LogSoftmax(x, 1) }, anyReal, false},
		{"Sum", ops.Sum, anyReal, false},
		{"SumAxis0", func(x *graph.Node) *graph.Node { return ops.SumAxis(x, 0) }, anyReal, false},
		{"SumAxis1", func(x *graph.Node) *graph.Node { return ops.SumAxis(x, 1) }, anyReal, false},
		{"Mean", ops.Mean, anyReal, false},
		{"MeanAxis0", func(x *graph.Node) *graph.Node { return ops.MeanAxis(x, 0) }, anyReal, false},
		{"MeanAxis1", func(x *graph.Node) *graph.Node { return ops.MeanAxis(x, 1) }, anyReal, false},
		{"Transpose", ops.Transpose, anyReal, false},
		{"Reshape", func(x *graph.Node) *graph.Node { return ops.Reshape(x, C, R) }, anyReal, false},
		{"ReshapeVector", func(x *graph.Node) *graph.Node { return ops.Reshape(x, R*C) }, anyReal, false},
		{"SumToColumn", func(x *graph.Node) *graph.Node { return ops.SumTo(x, graph.Shape{R, 1}) }, anyReal, false},
		{"SumToRow", func(x *graph.Node) *graph.Node { return ops.SumTo(x, graph.Shape{C}) }, anyReal, false},
		{"SumToScalar", func(x *graph.Node) *graph.Node { return ops.SumTo(x, graph.Shape{}) }, anyReal, false},
	}
	for _, u := range unary {
		f := u.f
		cs = append(cs, vjpCase{name: u.name + "/" + m.String(), shapes: []graph.Shape{m}, dom: []domain{u.dom},
			build: func(in []*graph.Node) *graph.Node { return f(in[0]) }, noSecond: u.noSecond})
	}
	cs = append(cs,
		vjpCase{name: "BroadcastToMatrix", shapes: []graph.Shape{{R, 1}}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.BroadcastTo(in[0], graph.Shape{R, C}) }},
		vjpCase{name: "BroadcastToFromScalar", shapes: []graph.Shape{{}}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.BroadcastTo(in[0], graph.Shape{R, C}) }},
		vjpCase{name: "SoftmaxVector", shapes: []graph.Shape{{C}}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.Softmax(in[0], 0) }},
	)
	for _, mm := range []struct {
		flags  int
		sa, sb graph.Shape
	}{
		{0, graph.Shape{R, K}, graph.Shape{K, C}},
		{ops.TransA, graph.Shape{K, R}, graph.Shape{K, C}},
		{ops.TransB, graph.Shape{R, K}, graph.Shape{C, K}},
		{ops.TransA | ops.TransB, graph.Shape{K, R}, graph.Shape{C, K}},
	} {
		flags := mm.flags
		cs = append(cs, vjpCase{name: fmt.Sprintf("MatMul/flags%d_%s_%s", flags, mm.sa, mm.sb),
			shapes: []graph.Shape{mm.sa, mm.sb}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.MatMul(in[0], in[1], flags) }})
	}
	for _, c := range []struct {
		name string
		f    func(a, y *graph.Node) *graph.Node
		dom  []domain
	}{
		{"QuadraticCost", ops.QuadraticCost, []domain{anyReal}},
		{"BinaryCrossEntropy", ops.BinaryCrossEntropy, []domain{prob}},
		{"CrossEntropy", ops.CrossEntropy, []domain{prob}},
		{"SoftmaxCrossEntropy", ops.SoftmaxCrossEntropy, []domain{anyReal, prob}},
	} {
		f := c.f
		cs = append(cs, vjpCase{name: c.name + "/" + m.String(), shapes: []graph.Shape{m, m}, dom: c.dom,
			build: func(in []*graph.Node) *graph.Node { return f(in[0], in[1]) }})
	}
	// A cost times a parameter w: the cost's adjoint then depends on w, so
	// the second order also checks the derivative of the fused softmax
	// cross-entropy gradient with respect to that adjoint.
	cs = append(cs, vjpCase{name: "SoftmaxCrossEntropy/scaled/" + m.String(), shapes: []graph.Shape{m, m, {}},
		dom:   []domain{anyReal, prob, anyReal},
		build: func(in []*graph.Node) *graph.Node { return ops.Mul(in[2], ops.SoftmaxCrossEntropy(in[0], in[1])) }})
	return cs
}

// TestVJPAgainstFiniteDifferences checks, for every op, every broadcasting
// pattern and several seeds, that the adjoints autodiff builds from the
// op's VJP equal central finite differences, to first and second order.
// The op's output is contracted with a random tensor R, so the adjoint fed
// into the VJP is R and not a special all-ones direction.
func TestVJPAgainstFiniteDifferences(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		r := rand.New(rand.NewPCG(seed, 99))
		for _, c := range cases(r) {
			t.Run(fmt.Sprintf("seed%d/%s", seed, c.name), func(t *testing.T) {
				g := graph.New()
				in := make([]*graph.Node, len(c.shapes))
				for i, s := range c.shapes {
					d := c.dom[min(i, len(c.dom)-1)]
					in[i] = g.Param(fmt.Sprintf("x%d", i), randTensor(r, s, d))
				}
				out := c.build(in)
				require.NoError(t, g.Err())
				weights := g.Const("R", randTensor(r, out.Shape(), anyReal))
				cost := ops.Sum(ops.Mul(out, weights))

				diffs, err := autodiff.Check(cost, in, eps)
				require.NoError(t, err)
				for _, d := range diffs {
					require.LessOrEqualf(t, d.MaxRel, tol, "first order, d/d%s: max abs diff %g", d.Node.Name(), d.MaxAbs)
				}
				if c.noSecond {
					return
				}
				// Second order: contract the gradients with another random
				// tensor and differentiate again (Hessian-vector products).
				grads, err := autodiff.Grad(cost, in...)
				require.NoError(t, err)
				var cost2 *graph.Node
				for i, gr := range grads {
					v := g.Const(fmt.Sprintf("V%d", i), randTensor(r, gr.Shape(), anyReal))
					term := ops.Sum(ops.Mul(gr, v))
					if cost2 == nil {
						cost2 = term
					} else {
						cost2 = ops.Add(cost2, term)
					}
				}
				diffs, err = autodiff.Check(cost2, in, eps)
				require.NoError(t, err)
				for _, d := range diffs {
					require.LessOrEqualf(t, d.MaxRel, tol, "second order, d/d%s: max abs diff %g", d.Node.Name(), d.MaxAbs)
				}
			})
		}
	}
}
