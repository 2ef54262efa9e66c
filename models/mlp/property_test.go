package mlp_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

// Tolerance of the closed-form gradients against central differences.
//
// NumericGradients works in float64 with step eps = 1e-6. Its truncation
// error is eps²·|𝒞”'|/6 ≈ 1e-13 for the O(1) third derivatives of these
// networks (small weights, sigmoid/softmax outputs kept away from 0 and 1,
// ReLU inputs kept at least reluMargin from the kink), and its rounding
// error is about ulp(𝒞)/eps ≈ 2.2e-16·|𝒞|/1e-6 ≈ 2e-10·|𝒞|, i.e. up to
// ~2e-9 for the O(1)–O(10) costs drawn here. propTol = 1e-6 relative to
// (1 + max|want|) leaves more than two orders of margin over that, yet a
// real mistake (a missing 1/M, a wrong sign, transpose or derivative) is
// off by 1e-2 or more and fails.
const (
	propEps    = 1e-6
	propTol    = 1e-6
	reluMargin = 1e-3
	propCases  = 400
)

// randomCase draws a network, inputs and targets. Hidden layers cycle
// through every activation; the output activation suits the cost.
type randomCase struct {
	name    string
	net     *mlp.Network
	x, y    *tensor.Dense
	m       int
	hasReLU bool
}

func drawCase(rng *rand.Rand, i int) randomCase {
	depth := 1 + rng.IntN(5)
	sizes := make([]int, depth+1)
	for j := range sizes {
		sizes[j] = 1 + rng.IntN(6)
	}
	cost := mlp.Costs()[i%len(mlp.Costs())]
	acts := make([]mlp.Activation, depth)
	for j := range depth - 1 {
		acts[j] = mlp.Activations()[(i/3+j)%len(mlp.Activations())]
	}
	switch cost {
	case mlp.Quadratic:
		acts[depth-1] = mlp.Activations()[(i/3)%len(mlp.Activations())]
	case mlp.BinaryCrossEntropy:
		acts[depth-1] = mlp.Sigmoid
	case mlp.CrossEntropy:
		acts[depth-1] = mlp.Softmax
	}
	m := 1 + rng.IntN(5)
	weights := make([][][]float64, depth)
	biases := make([][]float64, depth)
	for j := range depth {
		weights[j] = randRows(rng, sizes[j], sizes[j+1], -1, 1)
		biases[j] = randRows(rng, 1, sizes[j+1], -0.5, 0.5)[0]
	}
	net, err := mlp.FromWeights(cost, acts, weights, biases, tensor.Float64)
	if err != nil {
		panic(err)
	}
	x, _ := mlp.FromRows(randRows(rng, sizes[0], m, -2, 2), tensor.Float64)
	var yRows [][]float64
	nL := sizes[depth]
	switch cost {
	case mlp.Quadratic:
		yRows = randRows(rng, nL, m, -1, 1)
	case mlp.BinaryCrossEntropy:
		yRows = randRows(rng, nL, m, 0, 1)
	case mlp.CrossEntropy:
		// Non-negative; every other case normalised to a distribution, so
		// that both forms of B̄^L = a·Σρ − ρ are exercised.
		yRows = randRows(rng, nL, m, 0, 1)
		if i%2 == 0 {
			for k := range m {
				var s float64
				for r := range nL {
					s += yRows[r][k]
				}
				for r := range nL {
					yRows[r][k] /= s
				}
			}
		}
	}
	y, _ := mlp.FromRows(yRows, tensor.Float64)
	hasReLU := false
	for _, a := range acts {
		hasReLU = hasReLU || a == mlp.ReLU
	}
	return randomCase{
		name: fmt.Sprintf("%d/%v/%v/%s/M=%d", i, sizes, acts, cost, m),
		net:  net, x: x, y: y, m: m, hasReLU: hasReLU,
	}
}

func randRows(rng *rand.Rand, r, c int, lo, hi float64) [][]float64 {
	rows := make([][]float64, r)
	for i := range rows {
		rows[i] = make([]float64, c)
		for k := range rows[i] {
			rows[i][k] = lo + (hi-lo)*rng.Float64()
		}
	}
	return rows
}

// reluSafe reports whether every ζ entering a ReLU is at least reluMargin
// away from the kink.
func reluSafe(net *mlp.Network, got *mlp.Manual) bool {
	for j, l := range net.Layers {
		if l.Activation != mlp.ReLU {
			continue
		}
		for _, z := range mlp.Float64s(got.Zeta[j]) {
			if math.Abs(z) < reluMargin {
				return false
			}
		}
	}
	return true
}

func drawSafeCases(seed uint64, n int) []randomCase {
	rng := rand.New(rand.NewPCG(seed, 1))
	var cases []randomCase
	for i := 0; len(cases) < n; i++ {
		c := drawCase(rng, len(cases))
		got, err := mlp.Backprop(c.net, c.x, c.y)
		if err != nil {
			panic(err)
		}
		if reluSafe(c.net, got) {
			cases = append(cases, c)
		}
	}
	return cases
}

func TestBackpropMatchesNumericOnRandomNetworks(t *testing.T) {
	worst := 0.0
	for _, c := range drawSafeCases(20240601, propCases) {
		got, err := mlp.Backprop(c.net, c.x, c.y)
		require.NoError(t, err, c.name)
		num, err := mlp.NumericGradients(c.net, c.x, c.y, propEps)
		require.NoError(t, err, c.name)
		cost, err := c.net.BatchCost(c.x, c.y)
		require.NoError(t, err, c.name)
		require.InDelta(t, cost, got.Cost, 1e-12*(1+math.Abs(cost)), c.name)
		for j := range c.net.Layers {
			for _, f := range []struct {
				name      string
				got, want []float64
			}{
				{"grad_weights", mlp.Float64s(got.GradWeights[j]), mlp.Float64s(num.Weights[j])},
				{"grad_bias", mlp.Float64s(got.GradBias[j]), mlp.Float64s(num.Bias[j])},
			} {
				requireClose(t, fmt.Sprintf("%s layers[%d].%s", c.name, j, f.name), f.got, f.want, propTol)
				worst = math.Max(worst, relErr(f.got, f.want))
			}
		}
		// P̄¹ is per sample: ∂𝒞/∂α⁰_(ik) = P_(ik)/M.
		requireClose(t, c.name+" P[0]", scale(mlp.Float64s(got.P[0]), 1/float64(c.m)), inputGradient(t, c), propTol)
	}
	t.Logf("largest max|closed − numeric|/(1 + max|numeric|) over %d networks: %.2g", propCases, worst)
}

func relErr(got, want []float64) float64 {
	var d, w float64
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		w = math.Max(w, math.Abs(want[i]))
	}
	return d / (1 + w)
}

func scale(xs []float64, s float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * s
	}
	return out
}

// inputGradient is ∂𝒞/∂α⁰ by central differences.
func inputGradient(t *testing.T, c randomCase) []float64 {
	x := mlp.Float64s(c.x)
	g := make([]float64, len(x))
	r := c.x.Shape()[0]
	for i, v := range x {
		cost := func(v float64) float64 {
			xs := append([]float64(nil), x...)
			xs[i] = v
			xt := tensor.New(tensor.WithShape(r, c.m), tensor.WithBacking(xs))
			cst, err := c.net.BatchCost(xt, c.y)
			require.NoError(t, err)
			return cst
		}
		g[i] = (cost(v+propEps) - cost(v-propEps)) / (2 * propEps)
	}
	return g
}

// float32 arithmetic has a unit roundoff of 6e-8; through at most five
// layers of O(1) weights the relative error of the gradients stays around
// 1e-6, so 1e-4 is a safe bound that still catches a wrong kernel.
func TestBackpropFloat32MatchesFloat64(t *testing.T) {
	for _, c := range drawSafeCases(7, 200) {
		n32, err := c.net.Convert(tensor.Float32)
		require.NoError(t, err)
		x32, err := mlp.ConvertDense(c.x, tensor.Float32)
		require.NoError(t, err)
		y32, err := mlp.ConvertDense(c.y, tensor.Float32)
		require.NoError(t, err)
		// Compare against float64 on the float32-rounded parameters, so the
		// only difference is the arithmetic.
		n64, err := n32.Convert(tensor.Float64)
		require.NoError(t, err)
		x64, _ := mlp.ConvertDense(x32, tensor.Float64)
		y64, _ := mlp.ConvertDense(y32, tensor.Float64)
		want, err := mlp.Backprop(n64, x64, y64)
		require.NoError(t, err)

		got, err := mlp.Backprop(n32, x32, y32)
		require.NoError(t, err)
		require.Equal(t, tensor.Float32, got.GradWeights[0].Dtype())
		requireClose(t, c.name+" cost", []float64{got.Cost}, []float64{want.Cost}, 1e-4)
		for j := range c.net.Layers {
			requireClose(t, c.name+" grad_weights", mlp.Float64s(got.GradWeights[j]), mlp.Float64s(want.GradWeights[j]), 1e-4)
			requireClose(t, c.name+" grad_bias", mlp.Float64s(got.GradBias[j]), mlp.Float64s(want.GradBias[j]), 1e-4)
			requireClose(t, c.name+" B", mlp.Float64s(got.B[j]), mlp.Float64s(want.B[j]), 1e-4)
			requireClose(t, c.name+" P", mlp.Float64s(got.P[j]), mlp.Float64s(want.P[j]), 1e-4)
		}
		// NumericGradients of a float32 network is computed in float64.
		num, err := mlp.NumericGradients(n32, x32, y32, propEps)
		require.NoError(t, err)
		require.Equal(t, tensor.Float64, num.Weights[0].Dtype())
		requireClose(t, c.name+" numeric", mlp.Float64s(num.Weights[0]), mlp.Float64s(want.GradWeights[0]), propTol)
	}
}
