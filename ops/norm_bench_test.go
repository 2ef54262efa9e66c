package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// BenchmarkNorm times the normalisation layers, LRN and Dropout on a
// 32×64×16×16 float32 batch (2 M elements, 8 MB): the forward pass alone
// ("fwd") and with the gradients of Σy·R with respect to x and the
// layer's parameters ("fwdbwd").
func BenchmarkNorm(b *testing.B) {
	const n, c, h, w = 32, 64, 16, 16
	for _, tc := range []struct {
		name  string
		build func(g *graph.Graph, x *graph.Node) *graph.Node
	}{
		{"BatchNormalization/training", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.BatchNormalization("bn", x, benchParam(g, "s", c), benchParam(g, "b", c), ops.NewMode(true), 1e-5, 0.9)
		}},
		{"BatchNormalization/inference", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.BatchNormalization("bn", x, benchParam(g, "s", c), benchParam(g, "b", c), nil, 1e-5, 0.9)
		}},
		{"InstanceNormalization", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.InstanceNormalization(x, benchParam(g, "s", c), benchParam(g, "b", c), 1e-5)
		}},
		{"LayerNormalization", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.LayerNormalization(x, benchParam(g, "s", w), benchParam(g, "b", w), -1, 1e-5)
		}},
		{"GroupNormalization", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.GroupNormalization(x, benchParam(g, "s", 8), benchParam(g, "b", 8), 8, 1e-5)
		}},
		{"LRN", func(g *graph.Graph, x *graph.Node) *graph.Node { return ops.LRN(x, 5, 1e-4, 0.75, 1) }},
		{"Dropout", func(g *graph.Graph, x *graph.Node) *graph.Node {
			return ops.Dropout(x, 0.5, ops.NewMode(true), ops.NewRNG(1))
		}},
	} {
		for _, bwd := range []bool{false, true} {
			name := tc.name + "/fwd"
			if bwd {
				name += "bwd"
			}
			b.Run(name, func(b *testing.B) {
				g := graph.New()
				x := g.Param("x", randTensor32(rand.New(rand.NewPCG(1, 2)), graph.Shape{n, c, h, w}))
				y := tc.build(g, x)
				outs := []*graph.Node{y}
				if bwd {
					r := g.Const("R", randTensor32(rand.New(rand.NewPCG(3, 4)), y.Shape()))
					var params []*graph.Node
					for _, p := range g.Nodes() {
						if p.Kind() == graph.KindParam {
							params = append(params, p)
						}
					}
					grads, err := autodiff.Grad(ops.Sum(ops.Mul(y, r)), params...)
					require.NoError(b, err)
					outs = grads
				}
				p, err := g.Compile(outs...)
				require.NoError(b, err)
				b.SetBytes(int64(4 * x.Shape().Size()))
				for b.Loop() {
					p.Run()
				}
			})
		}
	}
}

func benchParam(g *graph.Graph, name string, n int) *graph.Node {
	return g.Param(name, randTensor32(rand.New(rand.NewPCG(uint64(n), 5)), graph.Shape{n}))
}

// randTensor32 returns a float32 tensor of shape s with values in [−2, 2].
func randTensor32(r *rand.Rand, s graph.Shape) *tensor.Dense {
	v := make([]float32, s.Size())
	for i := range v {
		v[i] = float32(4*r.Float64() - 2)
	}
	return tensor.New(tensor.WithShape([]int(s)...), tensor.WithBacking(v))
}
