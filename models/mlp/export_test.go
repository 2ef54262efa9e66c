package mlp_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
)

// TestSafetensorsLayout reads the file back by the format's definition: an
// 8-byte little-endian header length, a JSON header, then the raw data.
func TestSafetensorsLayout(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			net, err := mlp.FromWeights(mlp.CrossEntropy, []mlp.Activation{mlp.ReLU, mlp.Softmax},
				[][][]float64{{{1, 2}, {3, 4}, {5, 6}}, {{0.5}, {-0.25}}}, [][]float64{{0.1, 0.2}, {-1}}, dt)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, mlp.WriteSafetensors(&buf, net))
			b := buf.Bytes()
			n := binary.LittleEndian.Uint64(b[:8])
			assert.Zero(t, (8+n)%8, "data is 8-byte aligned")
			var header map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(b[8:8+n], &header))
			data := b[8+n:]
			var meta map[string]string
			require.NoError(t, json.Unmarshal(header["__metadata__"], &meta))
			assert.Equal(t, "relu,softmax", meta["activations"])
			assert.Equal(t, "cross_entropy", meta["cost"])

			read := func(name string) ([]int, []float64) {
				var e struct {
					Dtype   string `json:"dtype"`
					Shape   []int  `json:"shape"`
					Offsets [2]int `json:"data_offsets"`
				}
				require.NoError(t, json.Unmarshal(header[name], &e), name)
				raw := data[e.Offsets[0]:e.Offsets[1]]
				var out []float64
				if dt == tensor.Float32 {
					assert.Equal(t, "F32", e.Dtype)
					for i := 0; i < len(raw); i += 4 {
						out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:]))))
					}
				} else {
					assert.Equal(t, "F64", e.Dtype)
					for i := 0; i < len(raw); i += 8 {
						out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(raw[i:])))
					}
				}
				return e.Shape, out
			}
			// nn.Linear(3, 2).weight is 2×3: Ω¹ᵀ.
			s, v := read("layers.0.weight")
			assert.Equal(t, []int{2, 3}, s)
			assert.Equal(t, []float64{1, 3, 5, 2, 4, 6}, v)
			s, v = read("layers.0.bias")
			assert.Equal(t, []int{2}, s)
			assert.InDeltaSlice(t, []float64{0.1, 0.2}, v, 1e-7)
			s, v = read("layers.1.weight")
			assert.Equal(t, []int{1, 2}, s)
			assert.Equal(t, []float64{0.5, -0.25}, v)
			_, v = read("layers.1.bias")
			assert.Equal(t, []float64{-1}, v)
		})
	}
}
