package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		add := func(name string, shapes []graph.Shape, f func(in []*graph.Node) *graph.Node) {
			cs = append(cs, vjpCase{name: name, shapes: shapes, dom: []domain{anyReal}, build: f})
		}
		one := func(s graph.Shape) []graph.Shape { return []graph.Shape{s} }
		big := func() int { return 3 + r.IntN(2) }

		// Slice: clamped, negative and stepped, at ranks 0 to 4.
		s3 := graph.Shape{big(), big(), big()}
		for _, sl := range []struct {
			shape                     graph.Shape
			starts, ends, axes, steps []int
		}{
			{s3, []int{1, -1}, []int{math.MaxInt, -100}, []int{0, -1}, []int{1, -1}},
			{s3, []int{-100}, []int{100}, []int{1}, []int{2}},
			{s3, []int{0, 1}, []int{2, -1}, nil, nil},
			{s3, []int{-1, 0, 2}, []int{0, 3, -1}, []int{2, 0, 1}, []int{-2, 2, 1}},
			{graph.Shape{big() + 3}, []int{-1}, []int{math.MinInt}, nil, []int{-2}},
			{graph.Shape{2, big(), 1, big()}, []int{1, 1}, []int{math.MaxInt, math.MaxInt}, []int{1, 3}, []int{2, 1}},
			{graph.Shape{}, nil, nil, nil, nil},
		} {
			name := fmt.Sprintf("Slice/%s_%v_%v_%v_%v", sl.shape, sl.starts, sl.ends, sl.axes, sl.steps)
			add(name, one(sl.shape), func(in []*graph.Node) *graph.Node { return sq(ops.Slice(in[0], sl.starts, sl.ends, sl.axes, sl.steps)) })
			x := graph.New().Input("x", graph.Float64, sl.shape...)
			gs := ops.Slice(x, sl.starts, sl.ends, sl.axes, sl.steps).Shape()
			add("SliceGrad/"+name[len("Slice/"):], one(gs), func(in []*graph.Node) *graph.Node {
				return sq(ops.SliceGrad(in[0], sl.shape, sl.starts, sl.ends, sl.axes, sl.steps))
			})
		}

		// Concat of two or three inputs at ranks 1 to 4, negative axes.
		for _, rank := range []int{1, 2, 3, 4} {
			s := randShape(r, rank, 3)
			a := r.IntN(rank)
			shapes := []graph.Shape{s.Clone(), s.Clone(), s.Clone()}
			shapes[1][a], shapes[2][a] = 1+r.IntN(3), 1+r.IntN(2)
			n := 2 + rank%2
			add(fmt.Sprintf("Concat/%v_axis%d", shapes[:n], a-rank), shapes[:n], func(in []*graph.Node) *graph.Node {
				return sq(ops.Concat(a-rank, in...))
			})
		}
		// A node given twice adds both adjoints.
		add("Concat/twice", one(graph.Shape{2, 3}), func(in []*graph.Node) *graph.Node { return sq(ops.Concat(0, in[0], in[0])) })

		// Split: parts multiplied, so that each part's adjoint reaches x.
		for _, rank := range []int{1, 3} {
			s := randShape(r, rank, 3)
			a := r.IntN(rank)
			s[a] = 6
			add(fmt.Sprintf("Split/%s_axis%d", s, a), one(s), func(in []*graph.Node) *graph.Node {
				p := ops.Split(in[0], a, 2, 1, 3)
				return ops.Mul(ops.Concat(a, p[0], p[1]), p[2])
			})
			add(fmt.Sprintf("SplitEqual/%s_axis%d", s, a-rank), one(s), func(in []*graph.Node) *graph.Node {
				p := ops.SplitEqual(in[0], a-rank, 3)
				return ops.Mul(ops.Mul(p[0], p[1]), p[2])
			})
		}

		// Tile, and a rank-9 one whose VJP sums one axis at a time.
		for _, rank := range []int{1, 2, 3, 4} {
			s := randShape(r, rank, 3)
			reps := make([]int, rank)
			for i := range reps {
				reps[i] = 1 + r.IntN(3)
			}
			add(fmt.Sprintf("Tile/%s_%v", s, reps), one(s), func(in []*graph.Node) *graph.Node { return sq(ops.Tile(in[0], reps...)) })
		}
		deep := graph.Shape{1, 2, 1, 1, 1, 1, 1, 2, 1}
		add("Tile/rank9", one(deep), func(in []*graph.Node) *graph.Node { return sq(ops.Tile(in[0], 2, 1, 2, 2, 2, 2, 2, 2, 2)) })

		// DepthToSpace in both modes, SpaceToDepth.
		b := 2 + r.IntN(2)
		d2s := graph.Shape{2, 2 * b * b, 1, 2}
		add(fmt.Sprintf("DepthToSpace/DCR_%s_b%d", d2s, b), one(d2s), func(in []*graph.Node) *graph.Node { return sq(ops.DepthToSpace(in[0], b, ops.DCR)) })
		add(fmt.Sprintf("DepthToSpace/CRD_%s_b%d", d2s, b), one(d2s), func(in []*graph.Node) *graph.Node { return sq(ops.DepthToSpace(in[0], b, ops.CRD)) })
		s2d := graph.Shape{1, 3, 2 * b, b}
		add(fmt.Sprintf("SpaceToDepth/%s_b%d", s2d, b), one(s2d), func(in []*graph.Node) *graph.Node { return sq(ops.SpaceToDepth(in[0], b)) })
		return cs
	})

	// Forward: ONNX's backend cases, then values worked out by hand.
	for _, name := range []string{"slice", "slice_default_axes", "slice_default_steps", "slice_end_out_of_bounds", "slice_neg",
		"slice_neg_steps", "slice_negative_axes", "slice_start_out_of_bounds"} {
		addForward(onnxCase("Slice", name, 1, 0, func(in []*graph.Node, at []val) *graph.Node {
			var axes, steps []int
			if len(at) > 2 {
				axes = ixInts(at[2])
			}
			if len(at) > 3 {
				steps = ixInts(at[3])
			}
			return ops.Slice(in[0], ixInts(at[0]), ixInts(at[1]), axes, steps)
		}))
	}
	for _, name := range []string{"1d_axis_0", "1d_axis_negative_1", "2d_axis_0", "2d_axis_1", "2d_axis_negative_1", "2d_axis_negative_2",
		"3d_axis_0", "3d_axis_1", "3d_axis_2", "3d_axis_negative_1", "3d_axis_negative_2", "3d_axis_negative_3"} {
		axis := map[string]int{"0": 0, "1": 1, "2": 2, "negative_1": -1, "negative_2": -2, "negative_3": -3}[name[len("1d_axis_"):]]
		addForward(onnxCase("Concat", "concat_"+name, 2, 0, func(in []*graph.Node, _ []val) *graph.Node { return ops.Concat(axis, in...) }))
	}
	for _, c := range []struct {
		name  string
		axis  int
		parts int
	}{{"1d", 0, 3}, {"2d", 1, 2}, {"default_axis", 0, 3}} {
		for k := 0; k < c.parts; k++ {
			addForward(onnxCase("SplitEqual", "split_equal_parts_"+c.name, 1, k, func(in []*graph.Node, _ []val) *graph.Node {
				return ops.SplitEqual(in[0], c.axis, c.parts)[k]
			}))
		}
	}
	for _, c := range []struct {
		name string
		axis int
	}{{"variable_parts_1d", 0}, {"variable_parts_2d", 1}, {"variable_parts_default_axis", 0}, {"zero_size_splits", 0}} {
		for k := range ixONNX["split_"+c.name].out {
			addForward(onnxCase("Split", "split_"+c.name, 1, k, func(in []*graph.Node, at []val) *graph.Node {
				return ops.Split(in[0], c.axis, ixInts(at[0])...)[k]
			}))
		}
	}
	addForward(onnxCase("Tile", "tile_precomputed", 1, 0, func(in []*graph.Node, at []val) *graph.Node { return ops.Tile(in[0], ixInts(at[0])...) }))
	for _, c := range []struct {
		name string
		mode ops.DepthToSpaceMode
	}{{"crd_mode", ops.CRD}, {"crd_mode_example", ops.CRD}, {"dcr_mode", ops.DCR}, {"example", ops.DCR}} {
		addForward(onnxCase("DepthToSpace", "depthtospace_"+c.name, 1, 0, func(in []*graph.Node, _ []val) *graph.Node {
			return ops.DepthToSpace(in[0], 2, c.mode)
		}))
	}
	for _, name := range []string{"spacetodepth", "spacetodepth_example"} {
		addForward(onnxCase("SpaceToDepth", name, 1, 0, func(in []*graph.Node, _ []val) *graph.Node { return ops.SpaceToDepth(in[0], 2) }))
	}

	S := ixS
	x34 := f64(S(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	addForward(
		forwardCase{name: "Slice/reverse_int64", in: []val{i64(S(5), 1, 2, 3, 4, 5)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Slice(in[0], []int{-1}, []int{math.MinInt}, nil, []int{-2})
			},
			want: i64(S(3), 5, 3, 1)},
		forwardCase{name: "Slice/rows_reversed", in: []val{x34},
			build: func(in []*graph.Node) *graph.Node {
				return ops.Slice(in[0], []int{1, -1}, []int{math.MaxInt, -5}, []int{0, 1}, []int{1, -1})
			},
			want: f64(S(2, 4), 7, 6, 5, 4, 11, 10, 9, 8)},
		forwardCase{name: "Slice/bool_scalar", in: []val{bools(S(), true)},
			build: func(in []*graph.Node) *graph.Node { return ops.Slice(in[0], nil, nil, nil, nil) }, want: bools(S(), true)},
		forwardCase{name: "SliceGrad/backward_step", in: []val{f64(S(2), 10, 20)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.SliceGrad(in[0], S(5), []int{3}, []int{0}, nil, []int{-2})
			},
			want: f64(S(5), 0, 20, 0, 10, 0)},
		forwardCase{name: "SliceGrad/columns", in: []val{f64(S(2, 2), 1, 2, 3, 4)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.SliceGrad(in[0], S(3, 4), []int{1, 1}, []int{3, 4}, []int{0, 1}, []int{1, 2})
			},
			want: f64(S(3, 4), 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4)},
		forwardCase{name: "Concat/three_int32", in: []val{ixI32(S(2, 1), 1, 2), ixI32(S(2, 2), 3, 4, 5, 6), ixI32(S(2, 1), 7, 8)},
			build: func(in []*graph.Node) *graph.Node { return ops.Concat(-1, in...) },
			want:  ixI32(S(2, 4), 1, 3, 4, 7, 2, 5, 6, 8)},
		forwardCase{name: "Concat/bool", in: []val{bools(S(1), true), bools(S(2), false, true)},
			build: func(in []*graph.Node) *graph.Node { return ops.Concat(0, in...) }, want: bools(S(3), true, false, true)},
		forwardCase{name: "Split/middle_int64", in: []val{i64(S(2, 3), 1, 2, 3, 4, 5, 6)},
			build: func(in []*graph.Node) *graph.Node { return ops.Split(in[0], -1, 1, 2)[1] }, want: i64(S(2, 2), 2, 3, 5, 6)},
		// NumPy: np.tile(np.arange(6).reshape(1, 2, 3), (2, 1, 2)).
		forwardCase{name: "Tile/rank3", in: []val{f64(S(1, 2, 3), 0, 1, 2, 3, 4, 5)},
			build: func(in []*graph.Node) *graph.Node { return ops.Tile(in[0], 2, 1, 2) },
			want:  f64(S(2, 2, 6), 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5)},
		forwardCase{name: "Tile/int64", in: []val{i64(S(1, 3), 1, 2, 3)},
			build: func(in []*graph.Node) *graph.Node { return ops.Tile(in[0], 2, 2) },
			want:  i64(S(2, 6), 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3)},
		forwardCase{name: "Tile/zero", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)},
			build: func(in []*graph.Node) *graph.Node { return ops.Tile(in[0], 0, 1) }, want: f64(S(0, 3))},
		forwardCase{name: "SpaceToDepth/int32", in: []val{ixI32(S(1, 1, 2, 2), 1, 2, 3, 4)},
			build: func(in []*graph.Node) *graph.Node { return ops.SpaceToDepth(in[0], 2) }, want: ixI32(S(1, 4, 1, 1), 1, 2, 3, 4)},
		forwardCase{name: "DepthToSpace/bool", in: []val{bools(S(1, 4, 1, 1), true, false, false, true)},
			build: func(in []*graph.Node) *graph.Node { return ops.DepthToSpace(in[0], 2, ops.CRD) },
			want:  bools(S(1, 1, 2, 2), true, false, false, true)},
	)
}

func init() {
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "ix_slice_x", dt, anyReal, 3, 4, 5)
		y := param(g, "ix_slice_y", dt, anyReal, 3, 2, 5)
		img := param(g, "ix_slice_img", dt, anyReal, 2, 8, 2, 3)
		ints := g.Const("ix_slice_ints", intTensor([]int64{1, 2, 3, 4, 5, 6}, 2, 3))
		parts := ops.Split(x, 1, 1, 3)
		halves := ops.SplitEqual(x, 1, 2)
		return []*graph.Node{
			ops.Slice(x, []int{-1, 0}, []int{math.MinInt, 4}, []int{0, 2}, []int{-1, 2}),
			ops.Concat(1, x, y), parts[0], parts[1], halves[1], ops.Tile(y, 2, 1, 3),
			ops.DepthToSpace(img, 2, ops.DCR), ops.SpaceToDepth(ops.DepthToSpace(img, 2, ops.CRD), 2),
			ops.Concat(0, ops.Slice(ints, []int{1}, []int{2}, nil, nil), ints), ops.Tile(ints, 1, 2),
		}
	})
}

// TestSliceOpsRejectBadArguments: every bad argument of Slice, SliceGrad,
// Concat, Split, Tile, DepthToSpace and SpaceToDepth is a build error
// naming the node and the shapes, never a panic or a silent other result.
func TestSliceOpsRejectBadArguments(t *testing.T) {
	checkBadArguments(t, []badArgument{
		{func(x *graph.Node) { ops.Slice(x, []int{0}, nil, nil, nil) }, "Slice(x): shape 2x3 cannot be sliced: 1 starts and 0 ends"},
		{func(x *graph.Node) { ops.Slice(x, []int{0}, []int{1}, []int{0, 1}, nil) }, "Slice(x): shape 2x3 cannot be sliced: 1 starts and 2 axes"},
		{func(x *graph.Node) { ops.Slice(x, []int{0}, []int{1}, nil, []int{}) }, "Slice(x): shape 2x3 cannot be sliced: 1 starts and 0 steps"},
		{func(x *graph.Node) { ops.Slice(x, []int{0}, []int{1}, []int{2}, nil) }, "Slice(x): shape 2x3 cannot be sliced: axis 2 is out of range for rank 2"},
		{func(x *graph.Node) { ops.Slice(x, []int{0, 0}, []int{1, 1}, []int{1, -1}, nil) }, "Slice(x): shape 2x3 cannot be sliced: axis -1 is repeated"},
		{func(x *graph.Node) { ops.Slice(x, []int{0}, []int{1}, nil, []int{0}) }, "Slice(x): shape 2x3 cannot be sliced: step 0 along axis 0"},
		{func(x *graph.Node) { ops.SliceGrad(x, ixS(4, 3), []int{0}, []int{3}, nil, nil) }, "SliceGrad(x): shape 2x3 is not the shape of the slice of 4x3, 3x3"},
		{func(x *graph.Node) { ops.Concat(0, x, x.Graph().Input("y", graph.Float64, 2, 4)) }, "Concat(x, y): shapes 2x3 and 2x4 differ along axis 1, not only along the joined axis 0"},
		{func(x *graph.Node) { ops.Concat(0, x, x.Graph().Input("y", graph.Float64, 6)) }, "Concat(x, y): shapes 2x3 and 6 differ in rank"},
		{func(x *graph.Node) { ops.Concat(2, x, x) }, "Concat(x, x): shapes 2x3 and 2x3 cannot be joined along axis 2"},
		{func(x *graph.Node) { ops.Concat(0, x, x.Graph().Input("y", graph.Float32, 2, 3)) }, "Concat(x, y): dtypes float64 and float32 differ"},
		{func(x *graph.Node) { ops.Split(x, 1, 1, 1) }, "Split(x): shape 2x3 cannot be split along axis 1 into parts [1 1] summing to 2, not 3"},
		{func(x *graph.Node) { ops.Split(x, 1, 4, -1) }, "Split(x): shape 2x3 cannot be split along axis 1 into parts [4 -1]: negative length"},
		{func(x *graph.Node) { ops.Split(x, 1) }, "Split(x): shape 2x3 cannot be split into no parts"},
		{func(x *graph.Node) { ops.Split(x, -3, 2) }, "Split(x): shape 2x3 cannot be split along axis -3"},
		{func(x *graph.Node) { ops.SplitEqual(x, 1, 2) }, "Split(x): shape 2x3 cannot be split along axis 1 into 2 equal parts"},
		{func(x *graph.Node) { ops.SplitEqual(x, 1, 0) }, "Split(x): shape 2x3 cannot be split into no parts"},
		{func(x *graph.Node) { ops.Tile(x, 2) }, "Tile(x): shape 2x3 cannot be tiled by [2]: want 2 repeats"},
		{func(x *graph.Node) { ops.Tile(x, 2, -1) }, "Tile(x): shape 2x3 cannot be tiled by [2 -1]: negative repeat"},
		{func(x *graph.Node) { ops.Tile(x, 1<<40, 1) }, "Tile(x): shape 2x3 cannot be tiled by [1099511627776 1]: too many elements"},
		{func(x *graph.Node) { ops.DepthToSpace(x, 2, ops.DCR) }, "DepthToSpace(x): shape 2x3 is not N×C×H×W"},
		{func(x *graph.Node) { ops.DepthToSpace(ops.Reshape(x, 1, 6, 1, 1), 2, ops.DCR) }, "DepthToSpace(Reshape#1): shape 1x6x1x1 has 6 channels, not a multiple of the block size 2 squared"},
		{func(x *graph.Node) { ops.SpaceToDepth(ops.Reshape(x, 1, 1, 2, 3), 2) }, "SpaceToDepth(Reshape#1): shape 1x1x2x3 has a height or width that is not a multiple of the block size 2"},
		{func(x *graph.Node) { ops.SpaceToDepth(ops.Reshape(x, 1, 1, 2, 3), 0) }, "SpaceToDepth(Reshape#1): shape 1x1x2x3 cannot be rearranged in blocks of 0"},
	})
}

// TestConcatOfNothingPanics: Concat of no node has no graph to record an
// error on, so it panics, as SumOf does.
func TestConcatOfNothingPanics(t *testing.T) {
	assert.PanicsWithValue(t, "ops: Concat of no inputs", func() { ops.Concat(0) })
}
