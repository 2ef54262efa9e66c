package mlp_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

const gradcheckDir = "../../testdata/gradcheck"

// expected is the part of a `gradgraph gradcheck --json` document the
// closed-form and numeric gradients are checked against.
type expected struct {
	Cost   float64 `json:"cost"`
	Layers []struct {
		GradWeights struct {
			Manual  [][]float64 `json:"manual"`
			Numeric [][]float64 `json:"numeric"`
		} `json:"grad_weights"`
		GradBias struct {
			Manual  []float64 `json:"manual"`
			Numeric []float64 `json:"numeric"`
		} `json:"grad_bias"`
		B struct {
			Manual [][]float64 `json:"manual"`
		} `json:"B"`
		P struct {
			Manual [][]float64 `json:"manual"`
		} `json:"P"`
	} `json:"layers"`
}

// requireClose asserts the README's tolerance over a whole field:
// max|got − want| ≤ tol·(1 + max|want|).
func requireClose(t *testing.T, field string, got, want []float64, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), field)
	var maxDiff, maxWant float64
	for i := range want {
		maxDiff = math.Max(maxDiff, math.Abs(got[i]-want[i]))
		maxWant = math.Max(maxWant, math.Abs(want[i]))
	}
	require.LessOrEqualf(t, maxDiff, tol*(1+maxWant), "%s: max|got-want| = %g\ngot  %v\nwant %v", field, maxDiff, got, want)
}

func flatten(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestGradcheckSamples(t *testing.T) {
	specs, err := filepath.Glob(filepath.Join(gradcheckDir, "*.spec.json"))
	require.NoError(t, err)
	require.Len(t, specs, 3)
	for _, path := range specs {
		name := strings.TrimSuffix(filepath.Base(path), ".spec.json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			spec, err := mlp.ParseSpec(data, tensor.Float64)
			require.NoError(t, err)
			data, err = os.ReadFile(filepath.Join(gradcheckDir, name+".expected.json"))
			require.NoError(t, err)
			var want expected
			require.NoError(t, json.Unmarshal(data, &want))

			got, err := mlp.Backprop(spec.Network, spec.Inputs, spec.Targets)
			require.NoError(t, err)
			num, err := mlp.NumericGradients(spec.Network, spec.Inputs, spec.Targets, 1e-6)
			require.NoError(t, err)

			requireClose(t, "cost", []float64{got.Cost}, []float64{want.Cost}, 1e-9)
			direct, err := spec.Network.BatchCost(spec.Inputs, spec.Targets)
			require.NoError(t, err)
			requireClose(t, "BatchCost", []float64{direct}, []float64{want.Cost}, 1e-9)
			require.Len(t, got.GradWeights, len(want.Layers))
			for j, wl := range want.Layers {
				requireClose(t, "grad_weights.manual", mlp.Float64s(got.GradWeights[j]), flatten(wl.GradWeights.Manual), 1e-9)
				requireClose(t, "grad_bias.manual", mlp.Float64s(got.GradBias[j]), wl.GradBias.Manual, 1e-9)
				requireClose(t, "B.manual", mlp.Float64s(got.B[j]), flatten(wl.B.Manual), 1e-9)
				requireClose(t, "P.manual", mlp.Float64s(got.P[j]), flatten(wl.P.Manual), 1e-9)
				require.Equal(t, len(wl.B.Manual), got.B[j].Shape()[0], "B rows")
				require.Equal(t, len(wl.P.Manual), got.P[j].Shape()[0], "P rows")
				requireClose(t, "grad_weights.numeric", mlp.Float64s(num.Weights[j]), flatten(wl.GradWeights.Numeric), 1e-5)
				requireClose(t, "grad_bias.numeric", mlp.Float64s(num.Bias[j]), wl.GradBias.Numeric, 1e-5)
			}
		})
	}
}

// A 2-2-1 network with explicit weights on a mini-batch of two samples.
func ExampleBackprop() {
	net, err := mlp.FromWeights(mlp.Quadratic,
		[]mlp.Activation{mlp.Sigmoid, mlp.Identity},
		[][][]float64{
			{{0.5, -0.5}, {0.25, 1}}, // Ω¹, 2×2
			{{1}, {-1}},              // Ω², 2×1
		},
		[][]float64{{0, 0.1}, {0.2}}, // β¹, β²
		tensor.Float64)
	if err != nil {
		panic(err)
	}
	x, _ := mlp.FromRows([][]float64{{1, -1}, {0.5, 2}}, tensor.Float64) // α⁰: one column per sample
	y, _ := mlp.FromRows([][]float64{{1, 0}}, tensor.Float64)            // ρ
	m, err := mlp.Backprop(net, x, y)
	if err != nil {
		panic(err)
	}
	fmt.Printf("cost %.6f\n", m.Cost)
	fmt.Printf("B̄² %.6f\n", mlp.Rows(m.B[1]))
	fmt.Printf("Gradient(Ω²) %.6f\n", mlp.Rows(m.GradWeights[1]))
	fmt.Printf("Gradient(β¹) %.6f\n", mlp.Float64s(m.GradBias[0]))
	// Output:
	// cost 0.126767
	// B̄² [[-0.673624 -0.230862]]
	// Gradient(Ω²) [[-0.277100] [-0.284269]]
	// Gradient(β¹) [-0.105345 0.091422]
}

// ReLU'(0) = 0 in the closed form: a ReLU layer whose net input ζ is
// exactly 0 for every sample passes nothing back, so its own gradients
// and everything below it are 0 (with ReLU'(0) = 1 they would not be).
// The graph's ReLU agrees.
func TestReLUDerivativeAtZeroIsZero(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		net, err := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.ReLU, mlp.Identity},
			[][][]float64{{{0, 0}, {0, 0}}, {{0.7}, {-0.4}}}, [][]float64{{0, 0}, {0.3}}, dt)
		require.NoError(t, err)
		x, err := mlp.FromRows([][]float64{{1, -2, 0.5}, {3, 0.25, -1}}, dt)
		require.NoError(t, err)
		y, err := mlp.FromRows([][]float64{{1, 0, -1}}, dt)
		require.NoError(t, err)
		man, err := mlp.Backprop(net, x, y)
		require.NoError(t, err)
		for _, v := range [][]float64{mlp.Float64s(man.B[0]), mlp.Float64s(man.GradWeights[0]), mlp.Float64s(man.GradBias[0]), mlp.Float64s(man.P[0])} {
			for _, x := range v {
				assert.Zero(t, x, dt)
			}
		}
		// The output layer still learns: its gradient is not 0.
		assert.NotZero(t, mlp.Float64s(man.GradBias[1])[0])
		c, err := mlp.Compare(net, x, y, 1e-6)
		require.NoError(t, err)
		assert.Zero(t, c.Layers[0].ManualVsAutodiff.MaxAbs, "closed form and graph agree at ζ = 0")
	}
}
