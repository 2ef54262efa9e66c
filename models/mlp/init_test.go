package mlp_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

func TestNewIsSeeded(t *testing.T) {
	sizes := []int{4, 5, 3}
	acts := []mlp.Activation{mlp.ReLU, mlp.Softmax}
	a, err := mlp.New(sizes, acts, mlp.CrossEntropy, tensor.Float64, 1)
	require.NoError(t, err)
	b, err := mlp.New(sizes, acts, mlp.CrossEntropy, tensor.Float64, 1)
	require.NoError(t, err)
	c, err := mlp.New(sizes, acts, mlp.CrossEntropy, tensor.Float64, 2)
	require.NoError(t, err)
	requireSameNetwork(t, a, b)
	require.NotEqual(t, mlp.Float64s(a.Layers[0].Weights), mlp.Float64s(c.Layers[0].Weights))

	require.Equal(t, sizes, a.Sizes())
	require.Equal(t, mlp.CrossEntropy, a.Cost)
	for j, l := range a.Layers {
		require.Equal(t, acts[j], l.Activation)
		require.Equal(t, tensor.Shape{sizes[j], sizes[j+1]}, l.Weights.Shape())
		require.Equal(t, tensor.Shape{sizes[j+1]}, l.Bias.Shape())
		require.Equal(t, make([]float64, sizes[j+1]), mlp.Float64s(l.Bias))
	}

	// float32 rounds the very same draws.
	a32, err := mlp.New(sizes, acts, mlp.CrossEntropy, tensor.Float32, 1)
	require.NoError(t, err)
	require.Equal(t, tensor.Float32, a32.Dtype())
	for j := range a.Layers {
		w64, w32 := mlp.Float64s(a.Layers[j].Weights), mlp.Float64s(a32.Layers[j].Weights)
		for i := range w64 {
			require.Equal(t, float64(float32(w64[i])), w32[i])
		}
	}
}

// The exact weights of one seed, so that a change of generator or of draw
// order (which would silently change every seeded run) fails here.
func TestNewGolden(t *testing.T) {
	net, err := mlp.New([]int{2, 3, 1}, []mlp.Activation{mlp.ReLU, mlp.Sigmoid}, mlp.Quadratic, tensor.Float64, 42)
	require.NoError(t, err)
	require.Equal(t, []float64{-0.7006293919496842, 1.1840344308841066, -0.6305519418768617,
		-0.06602979328731627, 0.6247590565443559, 1.0318464816185249}, mlp.Float64s(net.Layers[0].Weights))
	require.Equal(t, []float64{0.7275023249943429, -1.125086234402238, -0.41131513875098275},
		mlp.Float64s(net.Layers[1].Weights))
}

func TestNewDistributions(t *testing.T) {
	const nin, nout = 400, 300
	net, err := mlp.New([]int{nin, nout, nout}, []mlp.Activation{mlp.ReLU, mlp.Tanh}, mlp.Quadratic, tensor.Float64, 3)
	require.NoError(t, err)

	// He: normal, mean 0, standard deviation √(2/n_in). With 120000 draws
	// the sample mean and standard deviation are within 1% of the
	// standard deviation with overwhelming probability.
	mean, std := moments(mlp.Float64s(net.Layers[0].Weights))
	he := math.Sqrt(2.0 / nin)
	require.InDelta(t, 0, mean, 0.01*he)
	require.InDelta(t, he, std, 0.01*he)

	// Glorot uniform on [−r, r): standard deviation r/√3.
	r := math.Sqrt(6.0 / (nout + nout))
	w := mlp.Float64s(net.Layers[1].Weights)
	for _, x := range w {
		require.True(t, -r <= x && x < r, "%v outside [-%v, %v)", x, r, r)
	}
	mean, std = moments(w)
	require.InDelta(t, 0, mean, 0.01*r)
	require.InDelta(t, r/math.Sqrt(3), std, 0.01*r)
}

func moments(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

func TestNewErrors(t *testing.T) {
	sig := []mlp.Activation{mlp.Sigmoid}
	tests := []struct {
		name  string
		sizes []int
		acts  []mlp.Activation
		cost  mlp.Cost
		dt    tensor.Dtype
		want  string
	}{
		{"one size", []int{3}, nil, mlp.Quadratic, tensor.Float64, "mlp: got 1 sizes, want at least 2 (n₀ and n₁)"},
		{"activations", []int{3, 2}, []mlp.Activation{mlp.Sigmoid, mlp.Tanh}, mlp.Quadratic, tensor.Float64, "mlp: got 2 activations, want 1 (one per layer)"},
		{"zero size", []int{3, 0}, sig, mlp.Quadratic, tensor.Float64, "mlp: sizes[1]: got 0, want a positive layer size"},
		{"dtype", []int{3, 2}, sig, mlp.Quadratic, tensor.Int, "mlp: unsupported dtype int, want float32 or float64"},
		{"activation name", []int{3, 2}, []mlp.Activation{"swish"}, mlp.Quadratic, tensor.Float64, `layers[0].activation: unknown activation "swish" (want identity, sigmoid, tanh, relu or softmax)`},
		{"cost name", []int{3, 2}, sig, "hinge", tensor.Float64, `cost: unknown cost "hinge" (want quadratic, binary_cross_entropy or cross_entropy)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mlp.New(tc.sizes, tc.acts, tc.cost, tc.dt, 0)
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestFromWeightsErrors(t *testing.T) {
	acts := []mlp.Activation{mlp.Tanh, mlp.Identity}
	_, err := mlp.FromWeights(mlp.Quadratic, acts, [][][]float64{{{1, 2}}, {{1}, {2}, {3}}}, [][]float64{{0, 0}, {0}}, tensor.Float64)
	require.EqualError(t, err, "layers[1].weights: got 3x1, want 2x1")
	_, err = mlp.FromWeights(mlp.Quadratic, acts, [][][]float64{{{1, 2}, {3}}, {{1}, {2}}}, [][]float64{{0, 0}, {0}}, tensor.Float64)
	require.EqualError(t, err, "layers[0].weights: row 1: got 1 columns, want 2")
	_, err = mlp.FromWeights(mlp.Quadratic, acts, [][][]float64{{{1, 2}}, {{1}, {2}}}, [][]float64{{0, 0}, {}}, tensor.Float64)
	require.EqualError(t, err, "layers[1].bias: empty vector")
	_, err = mlp.FromWeights(mlp.Quadratic, acts, [][][]float64{{{1, 2}}}, [][]float64{{0, 0}, {0}}, tensor.Float64)
	require.EqualError(t, err, "mlp: got 2 activations, 1 weight matrices and 2 biases, want as many of each")
}
