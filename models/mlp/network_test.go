package mlp_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

func TestNamesValid(t *testing.T) {
	for _, a := range mlp.Activations() {
		require.True(t, a.Valid(), a)
	}
	for _, c := range mlp.Costs() {
		require.True(t, c.Valid(), c)
	}
	for _, bad := range []string{"", "Sigmoid", "softplus", "quadratic"} {
		require.False(t, mlp.Activation(bad).Valid(), bad)
	}
	for _, bad := range []string{"", "Quadratic", "hinge", "relu"} {
		require.False(t, mlp.Cost(bad).Valid(), bad)
	}
	// The lists are copies: a caller cannot change what the next one sees.
	mlp.Activations()[0], mlp.Costs()[0] = "softplus", "hinge"
	require.Equal(t, mlp.Identity, mlp.Activations()[0])
	require.Equal(t, mlp.Quadratic, mlp.Costs()[0])
}

// tiny is the 3-2-1 network of baseSpec with its batch.
func tiny(t *testing.T, dt tensor.Dtype) (*mlp.Network, *tensor.Dense, *tensor.Dense) {
	t.Helper()
	spec, err := mlp.ParseSpec([]byte(baseSpec), dt)
	require.NoError(t, err)
	return spec.Network, spec.Inputs, spec.Targets
}

func TestNetworkBasics(t *testing.T) {
	net, _, _ := tiny(t, tensor.Float64)
	require.Equal(t, []int{3, 2, 1}, net.Sizes())
	require.Equal(t, tensor.Float64, net.Dtype())
	require.Nil(t, (&mlp.Network{}).Sizes())

	c := net.Clone()
	requireSameNetwork(t, net, c)
	c.Layers[0].Weights.Float64s()[0] = 42
	c.Layers[1].Bias.Float64s()[0] = 42
	require.Equal(t, 0.1, net.Layers[0].Weights.Float64s()[0], "Clone is deep")
	require.Equal(t, 0.03, net.Layers[1].Bias.Float64s()[0], "Clone is deep")

	n32, err := net.Convert(tensor.Float32)
	require.NoError(t, err)
	require.Equal(t, tensor.Float32, n32.Dtype())
	require.Equal(t, float32(0.1), n32.Layers[0].Weights.Float32s()[0])
	require.NoError(t, n32.Validate())
}

func TestForwardAndBatchCost(t *testing.T) {
	net, x, y := tiny(t, tensor.Float64)
	out, err := net.Forward(x)
	require.NoError(t, err)
	require.Equal(t, tensor.Shape{1, 2}, out.Shape())

	// By hand: α¹ = σ([Ω¹]ᵀα⁰ + β¹), α² = [Ω²]ᵀα¹ + β².
	w1 := [][]float64{{0.1, -0.2}, {0.3, 0.4}, {0.5, -0.6}}
	b1 := []float64{0.01, -0.02}
	w2 := []float64{0.7, -0.8}
	xs := [][]float64{{1, 0.5}, {-1, 2}, {0, 1}}
	ys := []float64{0.25, -0.5}
	var cost float64
	for k := range 2 {
		a2 := 0.03
		for j := range 2 {
			z := b1[j]
			for i := range 3 {
				z += w1[i][j] * xs[i][k]
			}
			a2 += w2[j] / (1 + math.Exp(-z))
		}
		require.InDelta(t, a2, out.Float64s()[k], 1e-15)
		cost += (a2 - ys[k]) * (a2 - ys[k]) / 2 / 2
	}
	got, err := net.BatchCost(x, y)
	require.NoError(t, err)
	require.InDelta(t, cost, got, 1e-15)

	m, err := mlp.Backprop(net, x, y)
	require.NoError(t, err)
	require.Equal(t, mlp.Float64s(out), mlp.Float64s(m.Alpha[2]))
	require.Equal(t, mlp.Float64s(x), mlp.Float64s(m.Alpha[0]))
	require.Len(t, m.Alpha, 3)
	require.Len(t, m.Zeta, 2)

	// A transposed view is read in its logical order.
	xt, err := mlp.FromRows([][]float64{{1, -1, 0}, {0.5, 2, 1}}, tensor.Float64)
	require.NoError(t, err)
	require.NoError(t, xt.T())
	require.Equal(t, tensor.Shape{3, 2}, xt.Shape())
	outT, err := net.Forward(xt)
	require.NoError(t, err)
	require.Equal(t, mlp.Float64s(out), mlp.Float64s(outT))
}

func TestBatchErrors(t *testing.T) {
	net, x, y := tiny(t, tensor.Float64)
	x2, _ := mlp.FromRows([][]float64{{1, 2}, {3, 4}}, tensor.Float64)
	y3, _ := mlp.FromRows([][]float64{{1, 2, 3}}, tensor.Float64)
	x32, _ := mlp.ConvertDense(x, tensor.Float32)
	vec, _ := mlp.FromVector([]float64{1, 2, 3}, tensor.Float64)

	_, err := net.Forward(x2)
	require.EqualError(t, err, "inputs: got 2 rows, want 3")
	_, err = net.Forward(x32)
	require.EqualError(t, err, "inputs: got dtype float32, want float64 like the rest of the network")
	_, err = net.Forward(vec)
	require.EqualError(t, err, "inputs: got shape (3), want a matrix")
	_, err = net.Forward(nil)
	require.EqualError(t, err, "inputs: missing")
	_, err = net.BatchCost(x, y3)
	require.EqualError(t, err, "targets: got 3 columns, want 2")
	_, err = mlp.Backprop(net, x, x)
	require.EqualError(t, err, "targets: got 3 rows, want 1")
	_, err = mlp.NumericGradients(net, x, y, 0)
	require.EqualError(t, err, "mlp: epsilon 0: want a positive finite number")
}

func TestValidate(t *testing.T) {
	f32, _ := mlp.FromRows([][]float64{{1}, {2}}, tensor.Float32)
	tests := []struct {
		name   string
		mutate func(n *mlp.Network)
		want   string
	}{
		{"cost", func(n *mlp.Network) { n.Cost = "hinge" }, `cost: unknown cost "hinge" (want quadratic, binary_cross_entropy or cross_entropy)`},
		{"no layers", func(n *mlp.Network) { n.Layers = nil }, "layers: empty, want at least one layer"},
		{"activation", func(n *mlp.Network) { n.Layers[1].Activation = "" }, `layers[1].activation: unknown activation "" (want identity, sigmoid, tanh, relu or softmax)`},
		{"nil weights", func(n *mlp.Network) { n.Layers[1].Weights = nil }, "layers[1].weights: missing"},
		{"nil bias", func(n *mlp.Network) { n.Layers[0].Bias = nil }, "layers[0].bias: missing"},
		{"mixed dtypes", func(n *mlp.Network) { n.Layers[1].Weights = f32 }, "layers[1].weights: got dtype float32, want float64 like the rest of the network"},
		{"chain", func(n *mlp.Network) { n.Layers[1].Weights = n.Layers[0].Weights }, "layers[1].weights: got 3x2, want 2x2"},
		{"bias size", func(n *mlp.Network) { n.Layers[1].Bias = n.Layers[0].Bias }, "layers[1].bias: got 2 entries, want 1"},
		{"weights not a matrix", func(n *mlp.Network) { n.Layers[1].Weights = n.Layers[0].Bias }, "layers[1].weights: got shape (2), want a matrix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net, _, _ := tiny(t, tensor.Float64)
			tc.mutate(net)
			require.EqualError(t, net.Validate(), tc.want)
		})
	}
	var nilNet *mlp.Network
	require.EqualError(t, nilNet.Validate(), "network: nil")
}

// Exactly saturated outputs with 0/1 targets give finite costs and
// gradients: x·ln x terms with x = 0 count as 0.
func TestSaturatedOutputs(t *testing.T) {
	for _, tc := range []struct {
		act  mlp.Activation
		cost mlp.Cost
	}{{mlp.Sigmoid, mlp.BinaryCrossEntropy}, {mlp.Softmax, mlp.CrossEntropy}, {mlp.Sigmoid, mlp.CrossEntropy}, {mlp.Softmax, mlp.BinaryCrossEntropy}} {
		net, err := mlp.FromWeights(tc.cost, []mlp.Activation{tc.act}, [][][]float64{{{100, -100}}}, [][]float64{{0, 0}}, tensor.Float64)
		require.NoError(t, err)
		x, _ := mlp.FromRows([][]float64{{1}}, tensor.Float64)
		y, _ := mlp.FromRows([][]float64{{1}, {0}}, tensor.Float64)
		m, err := mlp.Backprop(net, x, y)
		require.NoError(t, err)
		require.False(t, math.IsNaN(m.Cost) || math.IsInf(m.Cost, 0), "%s/%s cost %v", tc.act, tc.cost, m.Cost)
		for _, v := range mlp.Float64s(m.GradWeights[0]) {
			require.False(t, math.IsNaN(v), "%s/%s gradient", tc.act, tc.cost)
		}
	}
}

// New and Build refuse sizes beyond MaxParams and MaxBatchValues before
// they allocate anything (a 784 × 10⁹ weight matrix would need 3 TB).
func TestSizeLimits(t *testing.T) {
	acts := []mlp.Activation{mlp.ReLU, mlp.Softmax}
	_, err := mlp.New([]int{784, 1_000_000_000, 10}, acts, mlp.CrossEntropy, tensor.Float32, 1)
	require.EqualError(t, err, "mlp: 784-1000000000-10 has 7.95e+11 parameters, more than the 268435456 (2^28) allowed")
	_, err = mlp.New([]int{1 << 62, 1 << 62, 10}, acts, mlp.CrossEntropy, tensor.Float32, 1)
	require.ErrorContains(t, err, "parameters, more than", "no overflow of the count")
	net, err := mlp.New([]int{784, 256, 10}, acts, mlp.CrossEntropy, tensor.Float32, 1)
	require.NoError(t, err)
	assert.Equal(t, 784*256+256+256*10+10, net.NumParams())
	_, err = mlp.Build(net, 1_000_000_000)
	require.EqualError(t, err, "mlp: a batch of 1000000000 through 784-256-10 holds 1.05e+12 values, more than the 134217728 (2^27) allowed")
	_, err = mlp.Build(net, mlp.MaxBatchValues/(784+256+10))
	require.NoError(t, err)
	require.NoError(t, mlp.CheckSizes([]int{784, 256, 10}, 0))
}
