package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// BenchmarkOutputLayer times the MNIST network's output layer ops on its
// 10 × 128 logits (float32): the softmax cross-entropy cost, its gradient
// (one fused node) and Softmax, each as a one-node program.
func BenchmarkOutputLayer(b *testing.B) {
	const rows, cols = 10, 128
	r := rand.New(rand.NewPCG(1, 2))
	z := randVals(r, rows*cols, domain{lo: -5, hi: 5})
	y := make([]float64, rows*cols)
	for c := 0; c < cols; c++ {
		y[r.IntN(rows)*cols+c] = 1
	}
	for _, tc := range []struct {
		name  string
		build func(z, y *graph.Node) *graph.Node
	}{
		{"SoftmaxCrossEntropy", ops.SoftmaxCrossEntropy},
		{"SoftmaxCrossEntropyGrad", func(z, y *graph.Node) *graph.Node {
			g, err := autodiff.Grad(ops.SoftmaxCrossEntropy(z, y), z)
			require.NoError(b, err)
			return g[0]
		}},
		{"Softmax", func(z, _ *graph.Node) *graph.Node { return ops.Softmax(z, 0) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := graph.New()
			zn, yn := g.Input("z", graph.Float32, rows, cols), g.Input("y", graph.Float32, rows, cols)
			require.NoError(b, zn.SetFloat64s(z))
			require.NoError(b, yn.SetFloat64s(y))
			out := tc.build(zn, yn)
			p, err := g.Compile(out)
			require.NoError(b, err)
			for b.Loop() {
				p.Run()
			}
		})
	}
}
