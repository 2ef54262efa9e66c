package ops_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// BenchmarkBatchedMatMul times batched products of float32 operands as
// attention makes them (B·H matrices of T×D by D×T, and T×T by T×D) and a
// batch broadcast against one matrix (a dense layer over B×T tokens),
// forward alone and forward with both gradients; it reports GFLOP/s.
func BenchmarkBatchedMatMul(b *testing.B) {
	for _, c := range []struct {
		name   string
		sa, sb graph.Shape
		flags  int
	}{
		{"scores_QKt_32x4x64x32", graph.Shape{32, 4, 64, 32}, graph.Shape{32, 4, 64, 32}, ops.TransB},
		{"mix_AV_32x4x64x64", graph.Shape{32, 4, 64, 64}, graph.Shape{32, 4, 64, 32}, 0},
		{"dense_32x64x128_by_128x128", graph.Shape{32, 64, 128}, graph.Shape{128, 128}, 0},
	} {
		for _, backward := range []bool{false, true} {
			name := c.name + "/forward"
			if backward {
				name = c.name + "/forward+backward"
			}
			b.Run(name, func(b *testing.B) {
				g := graph.New()
				x := param(g, "a", graph.Float32, anyReal, c.sa...)
				w := param(g, "b", graph.Float32, anyReal, c.sb...)
				y := ops.MatMul(x, w, c.flags)
				outs := []*graph.Node{y}
				if backward {
					cost := ops.Sum(ops.Mul(y, param(g, "R", graph.Float32, anyReal, y.Shape()...)))
					grads, err := autodiff.Grad(cost, x, w)
					require.NoError(b, err)
					outs = append(outs, grads...)
				}
				p, err := g.Compile(outs...)
				require.NoError(b, err)
				s := y.Shape()
				flops := 2 * float64(s.Size()) * float64(x.Shape()[len(x.Shape())-1-btoi(c.flags&ops.TransA != 0)])
				if backward {
					flops *= 3
				}
				b.ResetTimer()
				for b.Loop() {
					p.Run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}
