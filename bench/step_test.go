package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/peer"
	"github.com/gradgraph/gradgraph/ops"
)

var sizes = []int{784, 256, 128, 10}

const batch = 128

func randDense(r *rand.Rand, dt tensor.Dtype, scale float64, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if dt == tensor.Float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(scale * r.NormFloat64())
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

func oneHot(dt tensor.Dtype, classes, m int) *tensor.Dense {
	t := tensor.New(tensor.WithShape(classes, m), tensor.Of(dt))
	for k := 0; k < m; k++ {
		_ = t.SetAt(oneOf(dt), k%classes, k)
	}
	return t
}

func oneOf(dt tensor.Dtype) any {
	if dt == tensor.Float32 {
		return float32(1)
	}
	return 1.0
}

func layers(r *rand.Rand, dt tensor.Dtype) []peer.Layer {
	var ls []peer.Layer
	for j := 1; j < len(sizes); j++ {
		act := "relu"
		if j == len(sizes)-1 {
			act = "softmax"
		}
		ls = append(ls, peer.Layer{Activation: act,
			Weights: randDense(r, dt, 0.05, sizes[j-1], sizes[j]), Bias: randDense(r, dt, 0.01, sizes[j])})
	}
	return ls
}

// ourStep compiles the forward and backward pass of the MNIST MLP.
func ourStep(tb testing.TB, dt tensor.Dtype) *graph.Program {
	r := rand.New(rand.NewPCG(1, 2))
	g := graph.New()
	a := g.Input("alpha0", dtypeOf(dt), sizes[0], batch)
	require.NoError(tb, a.Set(randDense(r, dt, 1, sizes[0], batch)))
	y := g.Const("rho", oneHot(dt, sizes[len(sizes)-1], batch))
	var params []*graph.Node
	var z *graph.Node
	for j, l := range layers(r, dt) {
		w := g.Param(fmt.Sprintf("Omega%d", j+1), l.Weights)
		b := l.Bias.Clone().(*tensor.Dense)
		require.NoError(tb, b.Reshape(b.Shape()[0], 1))
		bn := g.Param(fmt.Sprintf("beta%d", j+1), b)
		params = append(params, w, bn)
		z = ops.Add(ops.MatMul(w, a, ops.TransA), bn)
		a = ops.ReLU(z)
	}
	cost := ops.SoftmaxCrossEntropy(z, y)
	grads, err := autodiff.Grad(cost, params...)
	require.NoError(tb, err)
	p, err := g.Compile(append([]*graph.Node{cost}, grads...)...)
	require.NoError(tb, err)
	return p
}

func dtypeOf(dt tensor.Dtype) graph.DType {
	if dt == tensor.Float32 {
		return graph.Float32
	}
	return graph.Float64
}

// BenchmarkForwardBackward times one forward and backward pass of the MLP
// 784-256-128-10 (ReLU, softmax cross-entropy, batch 128) in gradgraph and
// in gorgonia, side by side in the same run.
func BenchmarkForwardBackward(b *testing.B) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		b.Run("gradgraph/"+dt.String(), func(b *testing.B) {
			p := ourStep(b, dt)
			p.Run()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p.Run()
			}
		})
		b.Run("gorgonia/"+dt.String(), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			m, err := peer.NewMLP(layers(r, dt), "cross_entropy", randDense(r, dt, 1, sizes[0], batch), oneHot(dt, sizes[len(sizes)-1], batch))
			require.NoError(b, err)
			require.NoError(b, m.Run())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := m.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestStepsAgree makes sure the two benchmarked programs compute the same
// cost, so the benchmark compares like with like.
func TestStepsAgree(t *testing.T) {
	p := ourStep(t, tensor.Float64)
	p.Run()
	r := rand.New(rand.NewPCG(1, 2))
	x := randDense(r, tensor.Float64, 1, sizes[0], batch)
	m, err := peer.NewMLP(layers(r, tensor.Float64), "cross_entropy", x, oneHot(tensor.Float64, sizes[len(sizes)-1], batch))
	require.NoError(t, err)
	require.NoError(t, m.Run())
	require.InDelta(t, m.Cost.Value().Data().(float64), p.Outputs()[0].Scalar(), 1e-10)
}
