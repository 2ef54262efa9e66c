package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// BenchmarkIndexOps runs the shape and indexing ops at sizes met in
// training (an embedding's rows, a convolution's padding, a pixel
// shuffle); bytes per op are the result's (GatherGrad's: the rows
// written).
func BenchmarkIndexOps(b *testing.B) {
	type c struct {
		name  string
		build func(g *graph.Graph) *graph.Node
		bytes int
		bound int // the indices' range, for the input called "i"
	}
	for _, tc := range []c{
		{"Concat_256x512x2_axis1", func(g *graph.Graph) *graph.Node {
			return ops.Concat(1, g.Input("a", graph.Float32, 256, 512), g.Input("b", graph.Float32, 256, 512))
		}, 256 * 1024 * 4, 0},
		{"Gather_rows_10000x128_by512", func(g *graph.Graph) *graph.Node {
			return ops.Gather(g.Input("a", graph.Float32, 10000, 128), g.Input("i", graph.Int64, 512), 0)
		}, 512 * 128 * 4, 10000},
		{"GatherGrad_rows_10000x128_by512", func(g *graph.Graph) *graph.Node {
			return ops.GatherGrad(g.Input("a", graph.Float32, 512, 128), g.Input("i", graph.Int64, 512), graph.Shape{10000, 128}, 0)
		}, 512 * 128 * 4, 10000},
		{"Slice_step2_256x1024", func(g *graph.Graph) *graph.Node {
			return ops.Slice(g.Input("a", graph.Float32, 256, 1024), []int{0}, []int{1024}, []int{1}, []int{2})
		}, 256 * 512 * 4, 0},
		{"Pad_NCHW_32x16x32x32_1", func(g *graph.Graph) *graph.Node {
			return ops.Pad(g.Input("a", graph.Float32, 32, 16, 32, 32), []int{0, 0, 1, 1, 0, 0, 1, 1}, ops.PadConstant, 0)
		}, 32 * 16 * 34 * 34 * 4, 0},
		{"PadReflect_NCHW_32x16x32x32_1", func(g *graph.Graph) *graph.Node {
			return ops.Pad(g.Input("a", graph.Float32, 32, 16, 32, 32), []int{0, 0, 1, 1, 0, 0, 1, 1}, ops.PadReflect, 0)
		}, 32 * 16 * 34 * 34 * 4, 0},
		{"PadGrad_reflect_NCHW_32x16x32x32_1", func(g *graph.Graph) *graph.Node {
			return ops.PadGrad(g.Input("a", graph.Float32, 32, 16, 34, 34), []int{0, 0, 1, 1, 0, 0, 1, 1}, ops.PadReflect)
		}, 32 * 16 * 34 * 34 * 4, 0},
		{"Tile_64x64_by_4x4", func(g *graph.Graph) *graph.Node {
			return ops.Tile(g.Input("a", graph.Float32, 64, 64), 4, 4)
		}, 256 * 256 * 4, 0},
		{"DepthToSpace_32x64x16x16", func(g *graph.Graph) *graph.Node {
			return ops.DepthToSpace(g.Input("a", graph.Float32, 32, 64, 16, 16), 2, ops.DCR)
		}, 32 * 64 * 256 * 4, 0},
		{"GatherElements_256x512_axis1", func(g *graph.Graph) *graph.Node {
			return ops.GatherElements(g.Input("a", graph.Float32, 256, 512), g.Input("i", graph.Int64, 256, 512), 1)
		}, 256 * 512 * 4, 512},
		{"ScatterElementsAdd_256x512_axis1", func(g *graph.Graph) *graph.Node {
			return ops.ScatterElements(g.Input("a", graph.Float32, 256, 512), g.Input("i", graph.Int64, 256, 512), g.Input("u", graph.Float32, 256, 512), 1, ops.ScatterAdd)
		}, 256 * 512 * 4, 512},
		{"OneHot_4096_by_1000", func(g *graph.Graph) *graph.Node {
			return ops.OneHot(g.Input("i", graph.Int64, 4096), 1000, 0, 1, graph.Float32, -1)
		}, 4096 * 1000 * 4, 1000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := graph.New()
			y := tc.build(g)
			if err := g.Err(); err != nil {
				b.Fatal(err)
			}
			p, err := g.Compile(y)
			if err != nil {
				b.Fatal(err)
			}
			if i := g.Node("i"); i != nil {
				r := rand.New(rand.NewPCG(1, 2))
				for k := range i.Int64s() {
					i.Int64s()[k] = int64(r.IntN(tc.bound))
				}
			}
			b.SetBytes(int64(tc.bytes))
			for b.Loop() {
				p.Run()
			}
		})
	}
}
