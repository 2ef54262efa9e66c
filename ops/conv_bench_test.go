package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// convBenchLayers are the layers BenchmarkConv times, in float32: the two
// convolutions of models/lenet at batch 128, and a 3×3 64 → 64 layer on 32×32 at
// batch 32 (a VGG or ResNet block).
var convBenchLayers = []struct {
	name   string
	x, w   graph.Shape
	o      ops.ConvOptions
	yShape graph.Shape
}{
	{"LeNet1_128x1x28x28_16x5x5", graph.Shape{128, 1, 28, 28}, graph.Shape{16, 1, 5, 5}, ops.ConvOptions{}, graph.Shape{128, 16, 24, 24}},
	{"LeNet2_128x16x12x12_32x5x5", graph.Shape{128, 16, 12, 12}, graph.Shape{32, 16, 5, 5}, ops.ConvOptions{}, graph.Shape{128, 32, 8, 8}},
	{"3x3_32x64x32x32_64", graph.Shape{32, 64, 32, 32}, graph.Shape{64, 64, 3, 3}, ops.ConvOptions{Pads: []int{1, 1, 1, 1}}, graph.Shape{32, 64, 32, 32}},
}

// BenchmarkConv times Conv with its bias (Forward), and with its three
// gradients given the output's adjoint g (ForwardBackward: y, then
// ConvGradInput(g, w), ConvGradWeight(x, g) and the bias's ReduceSum, as
// autodiff builds them), and reports GFLOP/s counting 2 flops a
// multiply-add: 2·N·M·(C/group)·K·P for each of the three products. It
// also reports the CPU time of a run (all goroutines), which on a machine
// shared with other work says more than the wall time.
func BenchmarkConv(b *testing.B) {
	for _, l := range convBenchLayers {
		for _, backward := range []bool{false, true} {
			name := l.name + "/Forward"
			if backward {
				name = l.name + "/ForwardBackward"
			}
			b.Run(name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				g := graph.New()
				set := func(n *graph.Node) *graph.Node {
					require.NoError(b, n.SetFloat64s(randVals(r, n.Shape().Size(), anyReal)))
					return n
				}
				x := set(g.Input("x", graph.Float32, l.x...))
				w := set(g.Input("w", graph.Float32, l.w...))
				bias := set(g.Input("b", graph.Float32, l.w[0]))
				y := ops.Conv(x, w, bias, l.o)
				outs := []*graph.Node{y}
				products := 1.0
				if backward {
					gy := set(g.Input("g", graph.Float32, l.yShape...))
					outs = append(outs, ops.ConvGradInput(gy, w, l.x, l.o), ops.ConvGradWeight(x, gy, l.w, l.o), ops.ReduceSum(gy, false, 0, 2, 3))
					products = 3
				}
				require.NoError(b, g.Err())
				p, err := g.Compile(outs...)
				require.NoError(b, err)
				p.Run()
				flops := products * 2 * float64(l.yShape.Size()) * float64(graph.Shape(l.w[1:]).Size())
				cpu0, ok := cpuTime()
				for b.Loop() {
					p.Run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu1, ok1 := cpuTime(); ok && ok1 {
					b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// BenchmarkPool times LeNet's first pooling layer, 2×2 with stride 2 on
// its 128 × 6 × 24 × 24 feature maps (float32): MaxPool, and MaxPool with
// its gradient MaxPoolGrad; AveragePool likewise.
func BenchmarkPool(b *testing.B) {
	xs := graph.Shape{128, 6, 24, 24}
	mo := ops.MaxPoolOptions{KernelShape: []int{2, 2}, Strides: []int{2, 2}}
	ao := ops.AveragePoolOptions{KernelShape: []int{2, 2}, Strides: []int{2, 2}}
	for _, c := range []struct {
		name  string
		build func(x, g *graph.Node) []*graph.Node
	}{
		{"MaxPool", func(x, g *graph.Node) []*graph.Node { return []*graph.Node{ops.MaxPool(x, mo)} }},
		{"MaxPool+Grad", func(x, g *graph.Node) []*graph.Node {
			return []*graph.Node{ops.MaxPool(x, mo), ops.MaxPoolGrad(x, g, mo)}
		}},
		{"AveragePool", func(x, g *graph.Node) []*graph.Node { return []*graph.Node{ops.AveragePool(x, ao)} }},
		{"AveragePool+Grad", func(x, g *graph.Node) []*graph.Node {
			return []*graph.Node{ops.AveragePool(x, ao), ops.AveragePoolGrad(g, xs, ao)}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			g := graph.New()
			x := g.Input("x", graph.Float32, xs...)
			gy := g.Input("g", graph.Float32, 128, 6, 12, 12)
			require.NoError(b, x.SetFloat64s(randVals(r, xs.Size(), anyReal)))
			require.NoError(b, gy.SetFloat64s(randVals(r, gy.Shape().Size(), anyReal)))
			p, err := g.Compile(c.build(x, gy)...)
			require.NoError(b, err)
			cpu0, ok := cpuTime()
			for b.Loop() {
				p.Run()
			}
			if cpu1, ok1 := cpuTime(); ok && ok1 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
