package mlp_test

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/peer"
	"github.com/gradgraph/gradgraph/models/mlp"
)

func maxAbs(t *tensor.Dense) float64 {
	var m float64
	for _, v := range mlp.Float64s(t) {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// TestClosedFormEqualsAutodiff: over hundreds of random networks (depths 1
// to 5, every activation, every cost), the lecture's closed-form
// backpropagation and reverse-mode autodiff on the op graph give the same
// gradients, B̄^j and P̄^j to 1e-12 relative (they differ only in the order
// of float64 roundings), and both agree with central differences (see
// propTol for that tolerance).
func TestClosedFormEqualsAutodiff(t *testing.T) {
	for _, c := range drawSafeCases(11, 300) {
		t.Run(c.name, func(t *testing.T) {
			cmp, err := mlp.Compare(c.net, c.x, c.y, propEps)
			require.NoError(t, err)
			assert.InDelta(t, cmp.ManualCost, cmp.Cost, 1e-12*(1+math.Abs(cmp.Cost)))
			for j, l := range cmp.Layers {
				assert.LessOrEqualf(t, l.ManualVsAutodiff.MaxRel, 1e-12, "layer %d manual vs autodiff", j+1)
				for _, w := range []mlp.Witnesses{l.GradWeights, l.GradBias} {
					var d float64
					for i, v := range mlp.Float64s(w.Numeric) {
						d = math.Max(d, math.Abs(v-mlp.Float64s(w.Autodiff)[i]))
					}
					assert.LessOrEqualf(t, d, propTol*(1+maxAbs(w.Numeric)), "layer %d autodiff vs numeric", j+1)
				}
			}
		})
	}
}

// TestBuildAgainstGorgonia builds the same networks in gorgonia and checks
// cost and gradients to 1e-12.
func TestBuildAgainstGorgonia(t *testing.T) {
	for _, c := range drawSafeCases(12, 40) {
		t.Run(c.name, func(t *testing.T) {
			var layers []peer.Layer
			for _, l := range c.net.Layers {
				layers = append(layers, peer.Layer{Activation: string(l.Activation), Weights: l.Weights, Bias: l.Bias})
			}
			their, err := peer.NewMLP(layers, string(c.net.Cost), c.x, c.y)
			require.NoError(t, err)
			require.NoError(t, their.Run())

			mg, err := mlp.Build(c.net, c.m)
			require.NoError(t, err)
			require.NoError(t, mg.Input.Set(c.x))
			require.NoError(t, mg.Target.Set(c.y))
			p, err := mg.TrainProgram()
			require.NoError(t, err)
			p.Run()
			assert.InDelta(t, their.Cost.Value().Data().(float64), mg.Cost.Scalar(), 1e-12)
			for j := range layers {
				assert.InDeltaSlice(t, their.GradWeights[j].Value().Data().([]float64), mg.GradWeights[j].Float64s(), 1e-12)
				assert.InDeltaSlice(t, their.GradBiases[j].Value().Data().([]float64), mg.GradBiases[j].Float64s(), 1e-12)
			}
		})
	}
}

func TestGraphUsesLectureNames(t *testing.T) {
	net, err := mlp.New([]int{3, 4, 2}, []mlp.Activation{mlp.Sigmoid, mlp.Softmax}, mlp.CrossEntropy, tensor.Float64, 1)
	require.NoError(t, err)
	mg, err := mlp.Build(net, 5)
	require.NoError(t, err)
	for _, name := range []string{"alpha0", "Omega1", "beta1", "zeta1", "alpha1", "Omega2", "beta2", "zeta2", "alpha2", "rho", "cost", "dC/dOmega1", "dC/dbeta2", "dC/dzeta2"} {
		assert.NotNil(t, mg.G.Node(name), name)
	}
	assert.Equal(t, "4x1", mg.Biases[0].Shape().String())
	var buf bytes.Buffer
	require.NoError(t, mg.G.WriteDOT(&buf, mg.Cost))
	assert.Contains(t, buf.String(), `label="zeta2\nAdd\n2x5"`)
	assert.NotContains(t, buf.String(), "dC/d", "only the forward graph is drawn when asked for the cost")
}

func TestNetworkRoundTripsThroughGraph(t *testing.T) {
	net, err := mlp.New([]int{3, 4, 2}, []mlp.Activation{mlp.Tanh, mlp.Identity}, mlp.Quadratic, tensor.Float32, 9)
	require.NoError(t, err)
	mg, err := mlp.Build(net, 2)
	require.NoError(t, err)
	back := mg.Network()
	for j := range net.Layers {
		assert.Equal(t, net.Layers[j].Weights.Data(), back.Layers[j].Weights.Data())
		assert.Equal(t, net.Layers[j].Bias.Data(), back.Layers[j].Bias.Data())
		assert.Equal(t, net.Layers[j].Bias.Shape(), back.Layers[j].Bias.Shape())
		assert.Equal(t, net.Layers[j].Activation, back.Layers[j].Activation)
	}
}

func TestBuildRejectsBadNetworks(t *testing.T) {
	net, err := mlp.New([]int{3, 2}, []mlp.Activation{mlp.Sigmoid}, mlp.Quadratic, tensor.Float64, 1)
	require.NoError(t, err)
	_, err = mlp.Build(net, 0)
	assert.EqualError(t, err, "mlp: batch size 0, want > 0")
}

// A two-layer network: the lecture's closed-form backpropagation and
// reverse-mode autodiff on the graph give the same gradients.
func ExampleCompare() {
	net, _ := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.Sigmoid, mlp.Identity},
		[][][]float64{{{-0.489, 0.04}, {-0.722, -0.914}, {0.365, -0.271}}, {{-1.515}, {-0.298}}},
		[][]float64{{0.356, 0.112}, {-0.333}}, tensor.Float64)
	x, _ := mlp.FromRows([][]float64{{-0.36, 0.09}, {0.79, -1.53}, {-1.28, -0.52}}, tensor.Float64)
	y, _ := mlp.FromRows([][]float64{{-1.23, -1.03}}, tensor.Float64)
	c, _ := mlp.Compare(net, x, y, 1e-6)
	fmt.Printf("cost %.6f\n", c.Cost)
	fmt.Printf("grad Ω² manual   %.6f\n", mlp.Rows(c.Layers[1].GradWeights.Manual))
	fmt.Printf("grad Ω² autodiff %.6f\n", mlp.Rows(c.Layers[1].GradWeights.Autodiff))
	fmt.Printf("max |manual − autodiff| = %.12f\n", c.ManualVsAutodiff)
	fmt.Printf("autodiff ≈ numeric to 1e-9: %v\n", c.AutodiffVsNumeric < 1e-9)
	// Output:
	// cost 0.141148
	// grad Ω² manual   [[-0.242838] [-0.261417]]
	// grad Ω² autodiff [[-0.242838] [-0.261417]]
	// max |manual − autodiff| = 0.000000000000
	// autodiff ≈ numeric to 1e-9: true
}

func TestResizedSharesParameters(t *testing.T) {
	net, err := mlp.New([]int{3, 4, 2}, []mlp.Activation{mlp.ReLU, mlp.Softmax}, mlp.CrossEntropy, tensor.Float64, 3)
	require.NoError(t, err)
	big, err := mlp.Build(net, 8)
	require.NoError(t, err)
	small, err := big.Resized(3)
	require.NoError(t, err)
	assert.Equal(t, "3x3", small.Input.Shape().String())
	big.Weights[1].Float64s()[0] = 42
	assert.Equal(t, 42.0, small.Weights[1].Float64s()[0])
	small.Biases[0].Float64s()[2] = -7
	assert.Equal(t, -7.0, big.Biases[0].Float64s()[2])
}

// A value that is not finite makes the agreement of its pair NaN, never 0
// (math.Max(x, NaN) once hid it), and NonFinite names it.
func TestCompareReportsValuesThatAreNotFinite(t *testing.T) {
	// A weight of 1e30 on an input of 1e308: ζ overflows to +Inf.
	spec, err := mlp.ParseSpec([]byte(`{"cost":"binary_cross_entropy","layers":[{"activation":"sigmoid","weights":[[1e30],[1e30]],"bias":[0.1]}],"inputs":[[1e308,-2],[0.5,3]],"targets":[[1,0]]}`), tensor.Float64)
	require.NoError(t, err)
	c, err := mlp.Compare(spec.Network, spec.Inputs, spec.Targets, 1e-6)
	require.NoError(t, err)
	path, _ := c.NonFinite()
	require.NotEmpty(t, path)

	// A saturated sigmoid (σ = 1 exactly in float64) under binary
	// cross-entropy: the graph's cost and gradients are those of the
	// closed form, 15.05…, not 0·ln 0 = NaN.
	spec, err = mlp.ParseSpec([]byte(`{"cost":"binary_cross_entropy","layers":[{"activation":"sigmoid","weights":[[30],[30]],"bias":[0.1]}],"inputs":[[1,-2],[0.5,3]],"targets":[[1,0]]}`), tensor.Float64)
	require.NoError(t, err)
	c, err = mlp.Compare(spec.Network, spec.Inputs, spec.Targets, 1e-6)
	require.NoError(t, err)
	assert.InDelta(t, 15.050427, c.Cost, 1e-6)
	assert.Equal(t, 0.0, c.ManualVsAutodiff, "the graph agrees with the closed form")

	// A finite comparison, then one NaN and one Inf deep inside it.
	net, x, y := tiny(t, tensor.Float64)
	c, err = mlp.Compare(net, x, y, 1e-6)
	require.NoError(t, err)
	path, _ = c.NonFinite()
	require.Empty(t, path)
	c.Layers[1].P.Autodiff.Float64s()[1] = math.Inf(-1)
	path, v := c.NonFinite()
	assert.Equal(t, "layers[1].P.autodiff[0][1]", path)
	assert.Equal(t, math.Inf(-1), v)
	c.Layers[0].GradBias.Numeric.Float64s()[1] = math.NaN()
	path, _ = c.NonFinite()
	assert.Equal(t, "layers[0].grad_bias.numeric[1]", path)
}
