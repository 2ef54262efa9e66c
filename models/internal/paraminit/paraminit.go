// Package paraminit draws the initial params of the models under models/
// from one seeded stream: in float64 (a float32 model rounds the same
// draws), so that one seed gives the same model on every platform and in
// both dtypes, and in the order the model asks for them.
package paraminit

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Init hands out initial params of one dtype from a seeded stream.
type Init struct {
	r  *rand.Rand
	dt graph.DType
}

// New returns the stream of the given seed; stream tells apart the models
// that use one seed (its bits feed the generator's second word).
func New(seed, stream uint64, dt graph.DType) *Init {
	return &Init{r: rand.New(rand.NewPCG(seed, stream)), dt: dt}
}

// He draws a weight of the given shape, output axis first, from
// N(0, 2/fan_in), fan_in the size of the other axes: He initialisation,
// for a layer followed by a ReLU.
func (in *Init) He(shape ...int) *tensor.Dense {
	return in.Normal(math.Sqrt(2/float64(fanIn(shape))), shape...)
}

// Lecun draws from N(0, 1/fan_in): for a layer followed by no ReLU (the
// logits, a GELU block).
func (in *Init) Lecun(shape ...int) *tensor.Dense {
	return in.Normal(math.Sqrt(1/float64(fanIn(shape))), shape...)
}

// Normal draws every element from N(0, std²).
func (in *Init) Normal(std float64, shape ...int) *tensor.Dense {
	v := make([]float64, graph.Shape(shape).Size())
	for i := range v {
		v[i] = std * in.r.NormFloat64()
	}
	return in.Dense(v, shape...)
}

// Uniform draws every element from U(−bound, bound), as (2u − 1)·bound
// of a uniform u in [0, 1).
func (in *Init) Uniform(bound float64, shape ...int) *tensor.Dense {
	v := make([]float64, graph.Shape(shape).Size())
	for i := range v {
		v[i] = (2*in.r.Float64() - 1) * bound
	}
	return in.Dense(v, shape...)
}

// Zeros returns zeros of the given shape.
func (in *Init) Zeros(shape ...int) *tensor.Dense {
	return in.Full(0, shape...)
}

// Full returns a tensor of the given shape with every element x.
func (in *Init) Full(x float64, shape ...int) *tensor.Dense {
	v := make([]float64, graph.Shape(shape).Size())
	for i := range v {
		v[i] = x
	}
	return in.Dense(v, shape...)
}

// Dense returns v, of the given shape, in the stream's dtype.
func (in *Init) Dense(v []float64, shape ...int) *tensor.Dense {
	if len(v) != graph.Shape(shape).Size() {
		panic(fmt.Sprintf("paraminit: %d values for shape %v", len(v), shape))
	}
	if in.dt == graph.Float64 {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
}

func fanIn(shape []int) int {
	if len(shape) < 2 {
		return 1
	}
	return graph.Shape(shape[1:]).Size()
}
