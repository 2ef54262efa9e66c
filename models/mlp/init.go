package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gorgonia.org/tensor"
)

// New returns a network with layer sizes n₀, …, n_L (sizes), activations
// Φ₁, …, Φ_L (acts, one per layer), the given cost and dtype (float32 or
// float64), initialised from seed:
//
//   - relu layers get He initialisation, each weight drawn from a normal
//     distribution with mean 0 and standard deviation √(2/n_{j-1});
//   - other layers get Glorot (Xavier) uniform initialisation, each weight
//     drawn uniformly from [−r, r) with r = √(6/(n_{j-1} + n_j));
//   - every bias is 0.
//
// The draws come from math/rand/v2's PCG seeded with (seed, 0), layer by
// layer and each weight matrix in row-major order, in float64 (float32
// networks round the same draws), so one seed gives the same weights on
// every platform and for both dtypes.
func New(sizes []int, acts []Activation, cost Cost, dtype tensor.Dtype, seed uint64) (*Network, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("mlp: got %d sizes, want at least 2 (n₀ and n₁)", len(sizes))
	}
	if len(acts) != len(sizes)-1 {
		return nil, fmt.Errorf("mlp: got %d activations, want %d (one per layer)", len(acts), len(sizes)-1)
	}
	for j, n := range sizes {
		if n <= 0 {
			return nil, fmt.Errorf("mlp: sizes[%d]: got %d, want a positive layer size", j, n)
		}
	}
	if dtype != tensor.Float64 && dtype != tensor.Float32 {
		return nil, fmt.Errorf("mlp: unsupported dtype %v, want float32 or float64", dtype)
	}
	if err := CheckSizes(sizes, 0); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	net := &Network{Cost: cost, Layers: make([]Layer, len(acts))}
	for j, act := range acts {
		nin, nout := sizes[j], sizes[j+1]
		// Each weight is drawn in float64 and stored in the network's
		// dtype at once: no float64 copy of a large layer is made.
		draw := func() float64 {
			r := math.Sqrt(6 / float64(nin+nout))
			return (2*rng.Float64() - 1) * r
		}
		if act == ReLU {
			std := math.Sqrt(2 / float64(nin))
			draw = func() float64 { return rng.NormFloat64() * std }
		}
		var wt *tensor.Dense
		if dtype == tensor.Float32 {
			w := make([]float32, nin*nout)
			for i := range w {
				w[i] = float32(draw())
			}
			wt = tensor.New(tensor.WithShape(nin, nout), tensor.WithBacking(w))
		} else {
			w := make([]float64, nin*nout)
			for i := range w {
				w[i] = draw()
			}
			wt = tensor.New(tensor.WithShape(nin, nout), tensor.WithBacking(w))
		}
		bt, err := ConvertDense(tensor.New(tensor.WithShape(nout), tensor.WithBacking(make([]float64, nout))), dtype)
		if err != nil {
			return nil, err
		}
		net.Layers[j] = Layer{Activation: act, Weights: wt, Bias: bt}
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}

// FromWeights returns a network of dtype dt (float32 or float64) with
// explicit parameters: weights[j-1] holds the rows of Ω^j (n_{j-1} × n_j)
// and biases[j-1] the entries of β^j, one per layer as acts. The shapes
// must chain; errors name the offending field as ParseSpec does.
func FromWeights(cost Cost, acts []Activation, weights [][][]float64, biases [][]float64, dt tensor.Dtype) (*Network, error) {
	if len(weights) != len(acts) || len(biases) != len(acts) {
		return nil, fmt.Errorf("mlp: got %d activations, %d weight matrices and %d biases, want as many of each", len(acts), len(weights), len(biases))
	}
	net := &Network{Cost: cost, Layers: make([]Layer, len(acts))}
	for j := range acts {
		w, err := FromRows(weights[j], dt)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("layers[%d].weights", j), "%s", strings.TrimPrefix(err.Error(), "mlp: "))
		}
		b, err := FromVector(biases[j], dt)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("layers[%d].bias", j), "%s", strings.TrimPrefix(err.Error(), "mlp: "))
		}
		net.Layers[j] = Layer{Activation: acts[j], Weights: w, Bias: b}
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	return net, nil
}
