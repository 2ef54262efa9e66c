package autodiff_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/peer"
	"github.com/gradgraph/gradgraph/ops"
)

func randDense(r *rand.Rand, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = 2*r.Float64() - 1
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

func run(t *testing.T, outs ...*graph.Node) {
	t.Helper()
	p, err := outs[0].Graph().Compile(outs...)
	require.NoError(t, err)
	p.Run()
}

func TestFanOutSumsContributions(t *testing.T) {
	// f(x) = x·x + 3x: x feeds Mul twice and Scale once; f'(x) = 2x + 3.
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{-1, 0.5, 2})))
	f := ops.Sum(ops.Add(ops.Mul(x, x), ops.Scale(x, 3)))
	grads, err := autodiff.Grad(f, x)
	require.NoError(t, err)
	run(t, f, grads[0])
	assert.InDeltaSlice(t, []float64{1, 4, 7}, grads[0].Float64s(), 1e-15)
}

func TestAdjointOfIntermediateNodes(t *testing.T) {
	// c = Σ (2·u)², u = x + 1: ∂c/∂u = 8u, ∂c/∂x = 8u too.
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, -3})))
	u := ops.Add(x, g.Scalar(1, graph.Float64)).Named("u")
	c := ops.Sum(ops.Square(ops.Scale(u, 2)))
	grads, err := autodiff.Grad(c, u, x)
	require.NoError(t, err)
	run(t, c, grads[0], grads[1])
	assert.InDeltaSlice(t, []float64{16, -16}, grads[0].Float64s(), 1e-15)
	assert.InDeltaSlice(t, []float64{16, -16}, grads[1].Float64s(), 1e-15)
	assert.Equal(t, u, grads[0].AdjointOf())
}

func TestUnrelatedNodeGetsZero(t *testing.T) {
	g := graph.New()
	x := g.Param("x", randDense(rand.New(rand.NewPCG(1, 1)), 2, 2))
	y := g.Param("y", randDense(rand.New(rand.NewPCG(1, 2)), 3))
	c := ops.Sum(ops.Exp(x))
	grads, err := autodiff.Grad(c, y)
	require.NoError(t, err)
	run(t, c, grads[0])
	assert.Equal(t, graph.Shape{3}, grads[0].Shape())
	assert.Equal(t, []float64{0, 0, 0}, grads[0].Float64s())
}

func TestGradRejectsNonScalarCost(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	_, err := autodiff.Grad(ops.Exp(x).Named("ex"), x)
	assert.EqualError(t, err, "autodiff: grad: cost ex has shape 2, want a scalar")
}

func TestSecondDerivativeOfCube(t *testing.T) {
	// f = Σ x³ built as x·x²: f' = 3x², f'' = 6x.
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{-2, 0.5, 3})))
	f := ops.Sum(ops.Mul(x, ops.Square(x)))
	d1, err := autodiff.Grad(f, x)
	require.NoError(t, err)
	d2, err := autodiff.Grad(ops.Sum(d1[0]), x) // Σ_i ∂f/∂x_i, whose gradient is diag(f'') = 6x
	require.NoError(t, err)
	run(t, d1[0], d2[0])
	assert.InDeltaSlice(t, []float64{12, 0.75, 27}, d1[0].Float64s(), 1e-14)
	assert.InDeltaSlice(t, []float64{-12, 3, 18}, d2[0].Float64s(), 1e-14)
}

// TestHessianVectorProduct checks Hv = ∇(∇f·v), obtained by Grad of Grad,
// against central differences of the gradient, (∇f(x+εv) − ∇f(x−εv))/(2ε),
// on two functions with dense, non-trivial Hessians. With ε = 1e-5 the
// truncation error is ε²·|∇⁴f|/6 ≈ 1e-11 and the rounding error about
// ulp(∇f)/ε ≈ 1e-11; tolerance 1e-7 leaves ample margin.
func TestHessianVectorProduct(t *testing.T) {
	const epsHV, tolHV = 1e-5, 1e-7
	r := rand.New(rand.NewPCG(7, 7))
	tests := []struct {
		name  string
		shape []int
		f     func(g *graph.Graph, x *graph.Node) *graph.Node
	}{
		{"log-sum-of-squares of Ax", []int{4, 1}, func(g *graph.Graph, x *graph.Node) *graph.Node {
			a := g.Const("A", randDense(r, 5, 4))
			ax := ops.MatMul(a, x, 0)
			return ops.Sum(ops.Log(ops.Add(g.Scalar(1, graph.Float64), ops.Square(ax))))
		}},
		{"softmax cross-entropy of a tanh layer, in W", []int{3, 4}, func(g *graph.Graph, w *graph.Node) *graph.Node {
			x := g.Const("alpha0", randDense(r, 3, 5))
			w2 := g.Const("Omega2", randDense(r, 4, 3))
			y := tensor.New(tensor.WithShape(3, 5), tensor.WithBacking([]float64{1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}))
			h := ops.Tanh(ops.MatMul(w, x, ops.TransA))
			return ops.SoftmaxCrossEntropy(ops.MatMul(w2, h, ops.TransA), g.Const("rho", y))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := graph.New()
			x := g.Param("x", randDense(r, tt.shape...))
			v := g.Const("v", randDense(r, tt.shape...))
			f := tt.f(g, x)
			grad, err := autodiff.Grad(f, x)
			require.NoError(t, err)
			hv, err := autodiff.Grad(ops.Sum(ops.Mul(grad[0], v)), x)
			require.NoError(t, err)
			p, err := g.Compile(grad[0], hv[0])
			require.NoError(t, err)

			x0 := append([]float64(nil), x.Float64s()...)
			gradAt := func(step float64) []float64 {
				for i := range x0 {
					x.Float64s()[i] = x0[i] + step*v.Float64s()[i]
				}
				p.Run()
				return append([]float64(nil), grad[0].Float64s()...)
			}
			hi, lo := gradAt(epsHV), gradAt(-epsHV)
			gradAt(0)
			for i := range hi {
				want := (hi[i] - lo[i]) / (2 * epsHV)
				assert.InDelta(t, want, hv[0].Float64s()[i], tolHV*max(1, math.Abs(want)), "component %d", i)
			}
		})
	}
}

// TestAgainstGorgonia builds the same 3-layer network in gorgonia and in
// gradgraph and compares cost and every gradient to 1e-12.
func TestAgainstGorgonia(t *testing.T) {
	tests := []struct {
		acts  []string
		cost  string
		sizes []int
	}{
		{[]string{"sigmoid", "tanh", "softmax"}, "cross_entropy", []int{5, 4, 6, 3}},
		{[]string{"tanh", "relu", "identity"}, "quadratic", []int{3, 6, 5, 2}},
		{[]string{"relu", "sigmoid", "sigmoid"}, "binary_cross_entropy", []int{4, 3, 3, 4}},
	}
	for i, tt := range tests {
		t.Run(tt.cost, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 3))
			const m = 6
			x := randDense(r, tt.sizes[0], m)
			nL := tt.sizes[len(tt.sizes)-1]
			yv := make([]float64, nL*m)
			for k := 0; k < m; k++ {
				if tt.cost == "quadratic" {
					for j := 0; j < nL; j++ {
						yv[j*m+k] = r.Float64()
					}
				} else {
					yv[(k%nL)*m+k] = 1
				}
			}
			y := tensor.New(tensor.WithShape(nL, m), tensor.WithBacking(yv))
			var layers []peer.Layer
			for j := 1; j < len(tt.sizes); j++ {
				layers = append(layers, peer.Layer{Activation: tt.acts[j-1],
					Weights: randDense(r, tt.sizes[j-1], tt.sizes[j]), Bias: randDense(r, tt.sizes[j])})
			}
			their, err := peer.NewMLP(layers, tt.cost, x, y)
			require.NoError(t, err)
			require.NoError(t, their.Run())

			g := graph.New()
			a := g.Const("alpha0", x)
			var params []*graph.Node
			for j, l := range layers {
				w := g.Param(fmt.Sprintf("Omega%d", j+1), l.Weights)
				bias := l.Bias.Clone().(*tensor.Dense)
				require.NoError(t, bias.Reshape(bias.Shape()[0], 1))
				b := g.Param(fmt.Sprintf("beta%d", j+1), bias)
				params = append(params, w, b)
				z := ops.Add(ops.MatMul(w, a, ops.TransA), b)
				switch l.Activation {
				case "sigmoid":
					a = ops.Sigmoid(z)
				case "tanh":
					a = ops.Tanh(z)
				case "relu":
					a = ops.ReLU(z)
				case "softmax":
					a = ops.Softmax(z, 0)
				default:
					a = z
				}
			}
			rho := g.Const("rho", y)
			var cost *graph.Node
			switch tt.cost {
			case "quadratic":
				cost = ops.QuadraticCost(a, rho)
			case "binary_cross_entropy":
				cost = ops.BinaryCrossEntropy(a, rho)
			default:
				cost = ops.CrossEntropy(a, rho)
			}
			grads, err := autodiff.Grad(cost, params...)
			require.NoError(t, err)
			run(t, append([]*graph.Node{cost}, grads...)...)

			assert.InDelta(t, their.Cost.Value().Data().(float64), cost.Scalar(), 1e-12)
			for j := range layers {
				gw := their.GradWeights[j].Value().Data().([]float64)
				gb := their.GradBiases[j].Value().Data().([]float64)
				assert.InDeltaSlice(t, gw, grads[2*j].Float64s(), 1e-12, "Omega%d", j+1)
				assert.InDeltaSlice(t, gb, grads[2*j+1].Float64s(), 1e-12, "beta%d", j+1)
			}
		})
	}
}

func TestNumericGradRejectsOpNodes(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	e := ops.Exp(x).Named("ex")
	_, err := autodiff.NumericGrad(ops.Sum(e), []*graph.Node{e}, 1e-6)
	assert.EqualError(t, err, "autodiff: numeric grad: ex is computed by Exp; perturb an input, param or const")
}

// The gradient of a node with respect to itself is 1 (a mutation that
// returned 0 survived the suite before this test).
func TestGradOfCostWithRespectToItself(t *testing.T) {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	c := ops.Sum(ops.Square(x))
	grads, err := autodiff.Grad(c, c)
	require.NoError(t, err)
	run(t, c, grads[0])
	assert.Equal(t, 1.0, grads[0].Scalar())
}

// A VJP whose contribution has the wrong shape is an error naming the op
// and both shapes, not a silent broadcast; a nil contribution for an input
// that needs one is an error, not a zero.
type badVJP struct{ nilGrad bool }

func (badVJP) Type() string                                { return "BadVJP" }
func (badVJP) Infer(in []graph.Meta) (graph.Meta, error)   { return in[0], nil }
func (badVJP) Forward(out *graph.Value, in []*graph.Value) { copy(out.F64, in[0].F64) }
func (b badVJP) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	if b.nilGrad {
		return []*graph.Node{nil}
	}
	return []*graph.Node{ops.Sum(g)}
}

func TestGradChecksEachContribution(t *testing.T) {
	for _, tt := range []struct {
		op   badVJP
		want string
	}{
		{badVJP{}, "autodiff: vjp of BadVJP#1 (BadVJP) for its input 0, x: contribution is float64 (), want float64 3"},
		{badVJP{nilGrad: true}, "autodiff: BadVJP#1 (BadVJP) is not differentiable with respect to its input 0, x"},
	} {
		g := graph.New()
		x := g.Param("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3})))
		y := g.Apply(tt.op, x)
		_, err := autodiff.Grad(ops.Sum(y), x)
		assert.EqualError(t, err, tt.want)
	}
}

// Integers carry no gradient: Grad refuses them as wrt, and an op with an
// integer input (Where's condition) needs no gradient for it.
func TestIntegersAreNotDifferentiated(t *testing.T) {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{-1, 2, 3})))
	idx := g.Input("idx", graph.Int64, 3)
	_, err := autodiff.Grad(ops.Sum(x), idx)
	assert.EqualError(t, err, "autodiff: grad: idx has dtype int64: only float nodes have gradients")
	y := ops.Where(ops.Greater(x, g.Scalar(0, graph.Float64)), x, ops.Neg(x)) // |x|
	grads, err := autodiff.Grad(ops.Sum(y), x)
	require.NoError(t, err)
	run(t, grads[0])
	assert.Equal(t, []float64{-1, 1, 1}, grads[0].Float64s())
	_, err = autodiff.Grad(ops.ArgMax(x, 0, false, false), x)
	assert.EqualError(t, err, "autodiff: grad: cost ArgMax#15 has dtype int64, want float32 or float64")
}
