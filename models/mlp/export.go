package mlp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"gorgonia.org/tensor"
)

// WriteSafetensors writes net's parameters in the safetensors format
// (https://huggingface.co/docs/safetensors), which PyTorch loads with
// safetensors.torch.load_file. Tensors follow PyTorch's nn.Linear
// convention, so that layer j (from 0) maps onto an nn.Linear(n_j, n_{j+1}):
//
//	layers.{j}.weight  [Ω^{j+1}]ᵀ, shape (n_{j+1}, n_j)
//	layers.{j}.bias    β^{j+1}, shape (n_{j+1})
//
// The metadata records the activations (comma-separated) and the cost. The
// dtype is F32 or F64, as the network's.
func WriteSafetensors(w io.Writer, net *Network) error {
	if err := net.Validate(); err != nil {
		return err
	}
	type entry struct {
		Dtype   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets [2]int `json:"data_offsets"`
	}
	dt, size := "F64", 8
	if net.Dtype() == tensor.Float32 {
		dt, size = "F32", 4
	}
	header := map[string]any{}
	var data []byte
	var acts []string
	for j, l := range net.Layers {
		acts = append(acts, string(l.Activation))
		s := l.Weights.Shape()
		w := Float64s(l.Weights)
		wt := make([]float64, len(w))
		for r := 0; r < s[0]; r++ {
			for c := 0; c < s[1]; c++ {
				wt[c*s[0]+r] = w[r*s[1]+c]
			}
		}
		for _, t := range []struct {
			name  string
			shape []int
			vals  []float64
		}{
			{fmt.Sprintf("layers.%d.weight", j), []int{s[1], s[0]}, wt},
			{fmt.Sprintf("layers.%d.bias", j), []int{s[1]}, Float64s(l.Bias)},
		} {
			start := len(data)
			for _, v := range t.vals {
				if size == 4 {
					data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
				} else {
					data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
				}
			}
			header[t.name] = entry{dt, t.shape, [2]int{start, len(data)}}
		}
	}
	header["__metadata__"] = map[string]string{
		"format":      "pt",
		"activations": strings.Join(acts, ","),
		"cost":        string(net.Cost),
		"producer":    "gradgraph",
	}
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// Pad the header with spaces so the data starts 8-byte aligned.
	for (8+len(h))%8 != 0 {
		h = append(h, ' ')
	}
	if err := binary.Write(w, binary.LittleEndian, uint64(len(h))); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
