package mlp_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

// baseSpec is a 3-2-1 network (sigmoid, identity, quadratic cost) with M = 2.
const baseSpec = `{"cost": "quadratic", "layers": [` +
	`{"activation": "sigmoid", "weights": [[0.1, -0.2], [0.3, 0.4], [0.5, -0.6]], "bias": [0.01, -0.02]}, ` +
	`{"activation": "identity", "weights": [[0.7], [-0.8]], "bias": [0.03]}], ` +
	`"inputs": [[1.0, 0.5], [-1.0, 2.0], [0.0, 1.0]], "targets": [[0.25, -0.5]]}`

// edit returns baseSpec with the first old replaced by new, failing loudly
// if old is not there.
func edit(old, new string) string {
	if !strings.Contains(baseSpec, old) {
		panic("edit: " + old + " not in baseSpec")
	}
	return strings.Replace(baseSpec, old, new, 1)
}

func TestParseSpecValid(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		spec, err := mlp.ParseSpec([]byte(baseSpec), dt)
		require.NoError(t, err)
		require.Equal(t, []int{3, 2, 1}, spec.Network.Sizes())
		require.Equal(t, dt, spec.Network.Dtype())
		require.Equal(t, mlp.Quadratic, spec.Network.Cost)
		require.Equal(t, mlp.Sigmoid, spec.Network.Layers[0].Activation)
		require.Equal(t, tensor.Shape{3, 2}, spec.Network.Layers[0].Weights.Shape())
		require.Equal(t, tensor.Shape{2}, spec.Network.Layers[0].Bias.Shape())
		require.Equal(t, tensor.Shape{3, 2}, spec.Inputs.Shape())
		require.Equal(t, tensor.Shape{1, 2}, spec.Targets.Shape())
		require.Equal(t, dt, spec.Inputs.Dtype())
		require.InDeltaSlice(t, []float64{0.7, -0.8}, mlp.Float64s(spec.Network.Layers[1].Weights), 1e-7)
		require.NoError(t, spec.Network.Validate())
	}
}

func TestParseSpecErrors(t *testing.T) {
	f64, f32 := tensor.Float64, tensor.Float32
	tests := []struct {
		name string
		in   string
		dt   tensor.Dtype
		want string
	}{
		{"unknown top-level field", edit(`"cost"`, `"costs": 1, "cost"`), f64,
			`costs: unknown field`},
		{"unknown layer field", edit(`"activation": "sigmoid"`, `"activaton": "sigmoid"`), f64,
			`layers[0].activaton: unknown field`},
		{"unknown field with odd characters", edit(`"cost"`, "\"a\\nb c\": 1, \"cost\""), f64,
			`"a\nb c": unknown field`},
		{"duplicate field", edit(`"cost": "quadratic"`, `"cost": "quadratic", "cost": "quadratic"`), f64,
			`cost: duplicate field`},
		{"missing top-level field", edit(`, "targets": [[0.25, -0.5]]`, ``), f64,
			`targets: missing field`},
		{"missing layer field", edit(`, "bias": [0.03]`, ``), f64,
			`layers[1].bias: missing field`},
		{"unknown activation", edit(`"sigmoid"`, `"foo"`), f64,
			`layers[0].activation: unknown activation "foo" (want identity, sigmoid, tanh, relu or softmax)`},
		{"unknown cost", edit(`"quadratic"`, `"hinge"`), f64,
			`cost: unknown cost "hinge" (want quadratic, binary_cross_entropy or cross_entropy)`},
		{"activation not a string", edit(`"sigmoid"`, `3`), f64,
			`layers[0].activation: got number, want a string`},
		{"cost not a string", edit(`"quadratic"`, `null`), f64,
			`cost: got null, want a string`},
		{"ragged inputs", edit(`[0.0, 1.0]]`, `[0.0, 1.0, 2.0]]`), f64,
			`inputs[2]: got 3 columns, want 2`},
		{"ragged weights", edit(`[0.3, 0.4]`, `[0.3]`), f64,
			`layers[0].weights[1]: got 1 columns, want 2`},
		{"empty matrix", edit(`"inputs": [[1.0, 0.5], [-1.0, 2.0], [0.0, 1.0]]`, `"inputs": []`), f64,
			`inputs: empty matrix`},
		{"empty row", edit(`[[0.7], [-0.8]]`, `[[], []]`), f64,
			`layers[1].weights[0]: empty row`},
		{"empty bias", edit(`[0.03]`, `[]`), f64,
			`layers[1].bias: empty vector`},
		{"no layers", `{"cost": "quadratic", "layers": [], "inputs": [[1]], "targets": [[1]]}`, f64,
			`layers: empty, want at least one layer`},
		{"shapes do not chain", edit(`[[0.7], [-0.8]]`, `[[0.7], [-0.8], [0.9]]`), f64,
			`layers[1].weights: got 3x1, want 2x1`},
		{"bias does not fit", edit(`[0.01, -0.02]`, `[0.01, -0.02, 0.03]`), f64,
			`layers[0].bias: got 3 entries, want 2 (the columns of layers[0].weights)`},
		{"inputs rows", edit(`, [0.0, 1.0]]`, `]`), f64,
			`inputs: got 2 rows, want 3 (the rows of layers[0].weights)`},
		{"targets rows", edit(`[[0.25, -0.5]]`, `[[0.25, -0.5], [1, 2]]`), f64,
			`targets: got 2 rows, want 1 (the columns of layers[1].weights)`},
		{"targets columns", edit(`[[0.25, -0.5]]`, `[[0.25, -0.5, 1]]`), f64,
			`targets: got 3 columns, want 2 (one per column of inputs)`},
		{"huge number", edit(`0.3, 0.4`, `1e400, 0.4`), f64,
			`layers[0].weights[1][0]: not a finite number`},
		{"huge negative number", edit(`[0.25, -0.5]`, `[0.25, -1e999]`), f64,
			`targets[0][1]: not a finite number`},
		{"beyond float32", edit(`0.3, 0.4`, `1e39, 0.4`), f32,
			`layers[0].weights[1][0]: out of float32 range`},
		{"fine in float64", edit(`0.3, 0.4`, `1e39, 0.4`), f64,
			``},
		{"string for a number", edit(`0.3, 0.4`, `"0.3", 0.4`), f64,
			`layers[0].weights[1][0]: got string, want a number`},
		{"null for a number", edit(`[0.03]`, `[null]`), f64,
			`layers[1].bias[0]: got null, want a number`},
		{"boolean for a number", edit(`[1.0, 0.5]`, `[true, 0.5]`), f64,
			`inputs[0][0]: got boolean, want a number`},
		{"row not an array", edit(`[-1.0, 2.0]`, `-1.0`), f64,
			`inputs[1]: got number, want an array of numbers`},
		{"matrix not an array", edit(`[[0.7], [-0.8]]`, `{"a": 1}`), f64,
			`layers[1].weights: got object, want an array of rows`},
		{"bias not an array", edit(`[0.03]`, `0.03`), f64,
			`layers[1].bias: got number, want an array of numbers`},
		{"layers not an array", `{"cost": "quadratic", "layers": {}, "inputs": [[1]], "targets": [[1]]}`, f64,
			`layers: got object, want an array of layers`},
		{"layer not an object", edit(`{"activation": "identity", "weights": [[0.7], [-0.8]], "bias": [0.03]}`, `[]`), f64,
			`layers[1]: got array, want an object`},
		{"not an object", `[1, 2]`, f64,
			`spec: got array, want an object`},
		{"empty file", ``, f64,
			`spec: unexpected end of JSON input`},
		{"blank file", " \n\t", f64,
			`spec: unexpected end of JSON input`},
		{"truncated", baseSpec[:len(baseSpec)/2], f64,
			`spec: unexpected end of JSON input`},
		{"trailing garbage", baseSpec + "\n  x", f64,
			`spec: line 2, column 3: invalid character 'x' after top-level value`},
		{"second document", baseSpec + " {}", f64,
			`spec: line 1, column 284: invalid character '{' after top-level value`},
		{"syntax error", "{\"cost\": \"quadratic\",\n\"layers\": [}", f64,
			`spec: line 2, column 12: invalid character '}' looking for beginning of value`},
		{"newline in a name", edit(`"sigmoid"`, `"sig\nmoid"`), f64,
			`layers[0].activation: unknown activation "sig\nmoid" (want identity, sigmoid, tanh, relu or softmax)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mlp.ParseSpec([]byte(tc.in), tc.dt)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
			require.NotContains(t, err.Error(), "\n")
			var fe *mlp.FieldError
			require.True(t, errors.As(err, &fe), "a *FieldError")
		})
	}
}

func TestParseNetwork(t *testing.T) {
	const net = `{"cost": "cross_entropy", "layers": [{"activation": "softmax", "weights": [[1, 2]], "bias": [0, 0]}]}`
	n, err := mlp.ParseNetwork([]byte(net), tensor.Float64)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, n.Sizes())

	_, err = mlp.ParseNetwork([]byte(baseSpec), tensor.Float64)
	require.EqualError(t, err, `inputs: unknown field`)
	_, err = mlp.ParseNetwork([]byte(`{"cost": "quadratic"}`), tensor.Float64)
	require.EqualError(t, err, `layers: missing field`)
	_, err = mlp.ParseNetwork([]byte(net), tensor.Int)
	require.EqualError(t, err, `mlp: unsupported dtype int, want float32 or float64`)
}

func TestMarshalNetworkRoundTrip(t *testing.T) {
	specs, err := filepath.Glob(filepath.Join(gradcheckDir, "*.spec.json"))
	require.NoError(t, err)
	for _, path := range specs {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			spec, err := mlp.ParseSpec(data, dt)
			require.NoError(t, err)
			out, err := mlp.MarshalNetwork(spec.Network)
			require.NoError(t, err)
			back, err := mlp.ParseNetwork(out, dt)
			require.NoError(t, err, string(out))
			requireSameNetwork(t, spec.Network, back)

			full, err := mlp.MarshalSpec(spec)
			require.NoError(t, err)
			again, err := mlp.ParseSpec(full, dt)
			require.NoError(t, err, string(full))
			requireSameNetwork(t, spec.Network, again.Network)
			requireSameBits(t, spec.Inputs, again.Inputs)
			requireSameBits(t, spec.Targets, again.Targets)
		}
	}
}

func TestMarshalNetworkFormat(t *testing.T) {
	net, err := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.Tanh},
		[][][]float64{{{0.1, 1.0 / 3}, {-2e-300, 1e21}}}, [][]float64{{0, -0.5}}, tensor.Float64)
	require.NoError(t, err)
	out, err := mlp.MarshalNetwork(net)
	require.NoError(t, err)
	require.Equal(t, `{
  "cost": "quadratic",
  "layers": [
    {
      "activation": "tanh",
      "weights": [
        [0.1, 0.3333333333333333],
        [-2e-300, 1e+21]
      ],
      "bias": [0, -0.5]
    }
  ]
}
`, string(out))

	n32, err := net.Convert(tensor.Float32)
	require.NoError(t, err)
	out, err = mlp.MarshalNetwork(n32)
	require.NoError(t, err)
	require.Contains(t, string(out), `[0.1, 0.33333334]`, "shortest float32 form")
	require.Contains(t, string(out), `[-0, 1e+21]`, "-2e-300 underflows to -0 in float32")

	net.Layers[0].Weights.Float64s()[0] = math.NaN()
	_, err = mlp.MarshalNetwork(net)
	require.EqualError(t, err, `layers[0].weights[0][0]: not a finite number`)
}

func requireSameNetwork(t *testing.T, want, got *mlp.Network) {
	t.Helper()
	require.Equal(t, want.Cost, got.Cost)
	require.Len(t, got.Layers, len(want.Layers))
	for j := range want.Layers {
		require.Equal(t, want.Layers[j].Activation, got.Layers[j].Activation)
		requireSameBits(t, want.Layers[j].Weights, got.Layers[j].Weights)
		requireSameBits(t, want.Layers[j].Bias, got.Layers[j].Bias)
	}
}

// requireSameBits asserts equal dtype, shape and bit-identical values.
func requireSameBits(t *testing.T, want, got *tensor.Dense) {
	t.Helper()
	require.Equal(t, want.Dtype(), got.Dtype())
	require.Equal(t, want.Shape(), got.Shape())
	w, g := mlp.Float64s(want), mlp.Float64s(got)
	for i := range w {
		require.Equal(t, math.Float64bits(w[i]), math.Float64bits(g[i]), "value %d: got %v, want %v", i, g[i], w[i])
	}
}

func FuzzParseSpec(f *testing.F) {
	specs, err := filepath.Glob(filepath.Join(gradcheckDir, "*.spec.json"))
	require.NoError(f, err)
	for _, path := range specs {
		data, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(data, false)
		f.Add(data, true)
		f.Add(data[:len(data)/2], false)
	}
	for _, s := range []string{
		baseSpec,
		edit(`0.3, 0.4`, `1e400, 0.4`),
		edit(`0.3, 0.4`, `1e39, 0.4`),
		edit(`0.3, 0.4`, `-0, 4.9e-324`),
		edit(`0.3, 0.4`, `1.4e-45, 3.4028235e38`),
		edit(`[[0.7], [-0.8]]`, `[[0.7], [-0.8], [0.9]]`),
		edit(`[0.0, 1.0]]`, `[0.0]]`),
		edit(`"sigmoid"`, `"foo"`),
		edit(`"cost"`, `"extra": null, "cost"`),
		baseSpec + " x",
		"", "null", "[]", "{}", `{"cost": "quadratic", "layers": []}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, f32 bool) {
		dt := tensor.Float64
		if f32 {
			dt = tensor.Float32
		}
		spec, err := mlp.ParseSpec(data, dt)
		if err != nil {
			require.NotContains(t, err.Error(), "\n", "one-line error")
			require.NotContains(t, err.Error(), "\r", "one-line error")
			require.Nil(t, spec)
			return
		}
		require.NoError(t, spec.Network.Validate())
		out, err := mlp.MarshalNetwork(spec.Network)
		require.NoError(t, err)
		back, err := mlp.ParseNetwork(out, dt)
		require.NoError(t, err, string(out))
		requireSameNetwork(t, spec.Network, back)

		full, err := mlp.MarshalSpec(spec)
		require.NoError(t, err)
		again, err := mlp.ParseSpec(full, dt)
		require.NoError(t, err, string(full))
		requireSameNetwork(t, spec.Network, again.Network)
		requireSameBits(t, spec.Inputs, again.Inputs)
		requireSameBits(t, spec.Targets, again.Targets)
	})
}

// TestParseNetworkAllocatesLittle: a large model is read straight from its
// bytes, not through a json.RawMessage per number (which cost 19 bytes of
// allocation per byte of input, 5.5 GB for a 100 MB model): now a few
// bytes per byte of input, the numbers' float64s and float32s included.
func TestParseNetworkAllocatesLittle(t *testing.T) {
	net, err := mlp.New([]int{300, 400, 10}, []mlp.Activation{mlp.ReLU, mlp.Softmax}, mlp.CrossEntropy, tensor.Float32, 3)
	require.NoError(t, err)
	data, err := mlp.MarshalNetwork(net)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := mlp.ParseNetwork(data, tensor.Float32)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, net.Layers[0].Weights.Float32s(), got.Layers[0].Weights.Float32s())
	perByte := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(data))
	assert.Less(t, perByte, 6.0, "%d bytes of JSON", len(data))
}
