package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// randIndices returns n indices into an axis of length d, repeats and
// negative ones (counting from the end) included.
func randIndices(r *rand.Rand, n, d int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = r.IntN(d)
		if r.IntN(3) == 0 {
			v[i] -= d
		}
	}
	return v
}

// lineIndices returns indices of the given shape into an axis a of length
// d that never repeat along a line of axis a, some negative: where
// ScatterElements with no reduction writes each element once.
func lineIndices(r *rand.Rand, s graph.Shape, a, d int) []int {
	outer, m, inner := s[:a].Size(), s[a], s[a+1:].Size()
	v := make([]int, s.Size())
	for p := 0; p < outer; p++ {
		for q := 0; q < inner; q++ {
			for i, k := range r.Perm(d)[:m] {
				if r.IntN(3) == 0 {
					k -= d
				}
				v[(p*m+i)*inner+q] = k
			}
		}
	}
	return v
}

// tupleIndices returns n tuples of indices into axes of the given lengths
// (all different when distinct is set), flattened, some entries negative.
func tupleIndices(r *rand.Rand, n int, dims graph.Shape, distinct bool) []int {
	var v []int
	perm := r.Perm(dims.Size())
	for t := 0; t < n; t++ {
		pos := r.IntN(dims.Size())
		if distinct {
			pos = perm[t]
		}
		tuple := make([]int, len(dims))
		for j := len(dims) - 1; j >= 0; j-- {
			tuple[j] = pos % dims[j]
			pos /= dims[j]
			if r.IntN(3) == 0 {
				tuple[j] -= dims[j]
			}
		}
		v = append(v, tuple...)
	}
	return v
}

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		dts := []graph.DType{graph.Int64, graph.Int32}

		// Gather and GatherGrad: indices of rank 0 to 2.
		for rank := 1; rank <= 4; rank++ {
			s := randShape(r, rank, 3)
			a := r.IntN(rank)
			is := randShape(r, r.IntN(3), 3)
			iv := randIndices(r, is.Size(), s[a])
			dt := dts[rank%2]
			axis := a
			if rank%2 == 0 {
				axis -= rank
			}
			name := fmt.Sprintf("%s_axis%d_%s%v", s, axis, is, iv)
			cs = append(cs, vjpCase{name: "Gather/" + name, shapes: []graph.Shape{s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return sq(ops.Gather(in[0], ixIndices(in[0].Graph(), dt, is, iv...), axis))
				}})
			gs := append(append(s[:a:a], is...), s[a+1:]...)
			cs = append(cs, vjpCase{name: "GatherGrad/" + name, shapes: []graph.Shape{gs}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return sq(ops.GatherGrad(in[0], ixIndices(in[0].Graph(), dt, is, iv...), s, axis))
				}})
		}

		// GatherElements and ScatterElements: indices no longer than data.
		for rank := 1; rank <= 3; rank++ {
			s := randShape(r, rank, 3)
			for i := range s {
				s[i]++
			}
			a := r.IntN(rank)
			is := s.Clone()
			for i := range is {
				is[i] -= r.IntN(2)
			}
			dt := dts[rank%2]
			iv := randIndices(r, is.Size(), s[a])
			uniq := lineIndices(r, is, a, s[a])
			name := fmt.Sprintf("%s_axis%d_%s", s, a-rank, is)
			cs = append(cs, vjpCase{name: "GatherElements/" + name + fmt.Sprint(iv), shapes: []graph.Shape{s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return sq(ops.GatherElements(in[0], ixIndices(in[0].Graph(), dt, is, iv...), a-rank))
				}})
			for _, red := range []ops.ScatterReduction{ops.ScatterNone, ops.ScatterAdd, ops.ScatterMul} {
				idx := iv
				if red == ops.ScatterNone {
					idx = uniq
				}
				cs = append(cs, vjpCase{name: fmt.Sprintf("ScatterElements/%s_%s%v", red, name, idx), shapes: []graph.Shape{s, is},
					dom: []domain{anyReal, awayZero},
					build: func(in []*graph.Node) *graph.Node {
						return sq(ops.ScatterElements(in[0], ixIndices(in[0].Graph(), dt, is, idx...), in[1], a-rank, red))
					}})
			}
		}

		// GatherND (with batch axes) and ScatterND: whole and partial tuples.
		for _, c := range []struct {
			data    graph.Shape
			batch   int
			k       int
			tuples  graph.Shape
			reduced bool
		}{
			{graph.Shape{3, 4}, 0, 2, graph.Shape{5}, false},
			{graph.Shape{4, 3, 2}, 0, 1, graph.Shape{2, 2}, false},
			{graph.Shape{2, 3, 4}, 1, 1, graph.Shape{2, 3}, true},
			{graph.Shape{2, 3, 2, 2}, 2, 2, graph.Shape{2, 3, 2}, true},
		} {
			b, k := c.batch, c.k
			is := append(c.tuples.Clone(), k)
			n := c.tuples[b:].Size()
			var iv []int
			for t := 0; t < c.tuples[:b].Size(); t++ {
				iv = append(iv, tupleIndices(r, n, c.data[b:b+k], false)...)
			}
			name := fmt.Sprintf("%s_b%d_%s%v", c.data, b, is, iv)
			cs = append(cs, vjpCase{name: "GatherND/" + name, shapes: []graph.Shape{c.data}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					return sq(ops.GatherND(in[0], ixIndices(in[0].Graph(), graph.Int64, is, iv...), b))
				}})
			if b > 0 {
				continue
			}
			us := append(c.tuples.Clone(), c.data[k:]...)
			uniq := tupleIndices(r, n, c.data[:k], true)
			for _, red := range []ops.ScatterReduction{ops.ScatterNone, ops.ScatterAdd, ops.ScatterMul} {
				idx := iv
				if red == ops.ScatterNone {
					idx = uniq
				}
				cs = append(cs, vjpCase{name: fmt.Sprintf("ScatterND/%s_%s_%s%v", red, c.data, is, idx), shapes: []graph.Shape{c.data, us},
					dom: []domain{anyReal, awayZero},
					build: func(in []*graph.Node) *graph.Node {
						return sq(ops.ScatterND(in[0], ixIndices(in[0].Graph(), graph.Int64, is, idx...), in[1], red))
					}})
			}
		}
		return cs
	})

	for _, c := range []struct {
		name string
		axis int
	}{{"gather_0", 0}, {"gather_1", 1}, {"gather_2d_indices", 1}, {"gather_negative_indices", 0}} {
		addForward(onnxCase("Gather", c.name, 2, 0, func(in []*graph.Node, _ []val) *graph.Node { return ops.Gather(in[0], in[1], c.axis) }))
	}
	for _, c := range []struct {
		name string
		axis int
	}{{"gather_elements_0", 1}, {"gather_elements_1", 0}, {"gather_elements_negative_indices", 0}} {
		addForward(onnxCase("GatherElements", c.name, 2, 0, func(in []*graph.Node, _ []val) *graph.Node {
			return ops.GatherElements(in[0], in[1], c.axis)
		}))
	}
	for _, c := range []struct {
		name  string
		batch int
	}{{"gathernd_example_float32", 0}, {"gathernd_example_int32", 0}, {"gathernd_example_int32_batch_dim1", 1}} {
		addForward(onnxCase("GatherND", c.name, 2, 0, func(in []*graph.Node, _ []val) *graph.Node { return ops.GatherND(in[0], in[1], c.batch) }))
	}
	for _, c := range []struct {
		name string
		axis int
		red  ops.ScatterReduction
	}{{"scatter_elements_with_axis", 1, ops.ScatterNone}, {"scatter_elements_with_duplicate_indices", 1, ops.ScatterAdd},
		{"scatter_elements_with_negative_indices", 1, ops.ScatterNone}, {"scatter_elements_without_axis", 0, ops.ScatterNone}} {
		addForward(onnxCase("ScatterElements", c.name, 3, 0, func(in []*graph.Node, _ []val) *graph.Node {
			return ops.ScatterElements(in[0], in[1], in[2], c.axis, c.red)
		}))
	}
	for _, c := range []struct {
		name string
		red  ops.ScatterReduction
	}{{"scatternd", ops.ScatterNone}, {"scatternd_add", ops.ScatterAdd}, {"scatternd_multiply", ops.ScatterMul}} {
		addForward(onnxCase("ScatterND", c.name, 3, 0, func(in []*graph.Node, _ []val) *graph.Node {
			return ops.ScatterND(in[0], in[1], in[2], c.red)
		}))
	}
	for _, c := range []struct {
		name   string
		axis   int
		floatI bool
	}{{"onehot_negative_indices", 1, false}, {"onehot_with_axis", 1, true}, {"onehot_with_negative_axis", -2, true}, {"onehot_without_axis", -1, false}} {
		fc := onnxCase("OneHot", c.name, 1, 0, func(in []*graph.Node, at []val) *graph.Node {
			dt := at[1].dt // the values' dtype, in the float run's
			if dt.IsFloat() {
				dt = graph.Float64
				if c.floatI {
					dt = in[0].DType()
				}
			}
			return ops.OneHot(in[0], int(at[0].v[0]), at[1].v[0], at[1].v[1], dt, c.axis)
		})
		fc.only64 = !c.floatI
		addForward(fc)
	}

	S := ixS
	x23 := i64(S(2, 3), 1, 2, 3, 4, 5, 6)
	addForward(
		forwardCase{name: "Gather/bool_int32", in: []val{bools(S(3), true, false, true), ixI32(S(2, 2), 2, -2, 0, 0)},
			build: func(in []*graph.Node) *graph.Node { return ops.Gather(in[0], in[1], 0) },
			want:  bools(S(2, 2), true, false, true, true)},
		forwardCase{name: "Gather/scalar_index", in: []val{x23, i64(S(), 1)},
			build: func(in []*graph.Node) *graph.Node { return ops.Gather(in[0], in[1], -1) }, want: i64(S(2), 2, 5)},
		forwardCase{name: "GatherGrad/repeated", in: []val{f64(S(3, 2), 1, 2, 3, 4, 5, 6), i64(S(3), 1, -1, 1)},
			build: func(in []*graph.Node) *graph.Node { return ops.GatherGrad(in[0], in[1], S(4, 2), 0) },
			want:  f64(S(4, 2), 0, 0, 6, 8, 0, 0, 3, 4)},
		forwardCase{name: "GatherGrad/int32_axis1", in: []val{ixI32(S(2, 2), 1, 2, 3, 4), ixI32(S(2), 2, 2)},
			build: func(in []*graph.Node) *graph.Node { return ops.GatherGrad(in[0], in[1], S(2, 3), 1) },
			want:  ixI32(S(2, 3), 0, 0, 3, 0, 0, 7)},
		forwardCase{name: "GatherElements/int32", in: []val{x23, ixI32(S(2, 2), 2, 0, -1, 1)},
			build: func(in []*graph.Node) *graph.Node { return ops.GatherElements(in[0], in[1], 1) },
			want:  i64(S(2, 2), 3, 1, 6, 5)},
		forwardCase{name: "ScatterElements/mul_repeated", in: []val{f64(S(1, 5), 1, 2, 3, 4, 5), i64(S(1, 3), 1, 1, 3), f64(S(1, 3), 2, 3, 4)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ScatterElements(in[0], in[1], in[2], -1, ops.ScatterMul)
			},
			want: f64(S(1, 5), 1, 12, 3, 16, 5)},
		forwardCase{name: "ScatterElements/bool", in: []val{bools(S(3), false, false, false), ixI32(S(1), -1), bools(S(1), true)},
			build: func(in []*graph.Node) *graph.Node {
				return ops.ScatterElements(in[0], in[1], in[2], 0, ops.ScatterNone)
			},
			want: bools(S(3), false, false, true)},
		forwardCase{name: "ScatterND/add_int64", in: []val{i64(S(2, 2), 1, 2, 3, 4), ixI32(S(3, 2), 1, 0, 0, 1, -2, -1), i64(S(3), 10, 20, 30)},
			build: func(in []*graph.Node) *graph.Node { return ops.ScatterND(in[0], in[1], in[2], ops.ScatterAdd) },
			want:  i64(S(2, 2), 1, 52, 13, 4)},
		forwardCase{name: "OneHot/out_of_range", in: []val{i64(S(4), 0, 3, -4, 2)}, only64: true,
			build: func(in []*graph.Node) *graph.Node { return ops.OneHot(in[0], 3, 0, 1, graph.Float64, -1) },
			want:  f64(S(4, 3), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)},
		forwardCase{name: "OneHot/bool_axis0", in: []val{ixI32(S(2), 1, -1)},
			build: func(in []*graph.Node) *graph.Node { return ops.OneHot(in[0], 2, 0, 1, graph.Bool, 0) },
			want:  bools(S(2, 2), false, false, true, true)},
		forwardCase{name: "OneHot/truncated", in: []val{f64(S(3), 1.7, -0.5, -1.5)},
			build: func(in []*graph.Node) *graph.Node { return ops.OneHot(in[0], 3, -1, 2, graph.Int64, -1) },
			want:  i64(S(3, 3), -1, 2, -1, 2, -1, -1, -1, -1, 2)},
	)
}

// ixIndices adds a constant index tensor of dtype dt (int32 or int64).
func ixIndices(g *graph.Graph, dt graph.DType, shape graph.Shape, v ...int) *graph.Node {
	var backing any
	switch dt {
	case graph.Int32:
		b := make([]int32, len(v))
		for i, x := range v {
			b[i] = int32(x)
		}
		backing = b
	default:
		b := make([]int64, len(v))
		for i, x := range v {
			b[i] = int64(x)
		}
		backing = b
	}
	return g.Const("", tensor.New(tensor.WithShape([]int(shape)...), tensor.WithBacking(backing)))
}

func init() {
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "ix_gather_x", dt, anyReal, 3, 4, 5)
		u := param(g, "ix_gather_u", dt, awayZero, 2, 4, 5)
		v := param(g, "ix_gather_v", dt, awayZero, 2, 5)
		idx := ixIndices(g, graph.Int64, ixS(2, 3), 0, -1, 2, 1, 1, 0)
		idx32 := ixIndices(g, graph.Int32, ixS(2), 2, 0)
		el := ixIndices(g, graph.Int64, ixS(2, 4, 5), make([]int, 40)...)
		nd := ixIndices(g, graph.Int64, ixS(2, 2), 0, 1, 2, -1)
		return []*graph.Node{
			ops.Gather(x, idx, 1), ops.Gather(x, idx32, -1), ops.GatherElements(x, el, 0), ops.GatherND(x, nd, 0),
			ops.ScatterElements(x, el, u, 0, ops.ScatterNone), ops.ScatterElements(x, el, u, 0, ops.ScatterAdd),
			ops.ScatterElements(x, el, u, 0, ops.ScatterMul),
			ops.ScatterND(x, nd, v, ops.ScatterNone), ops.ScatterND(x, nd, v, ops.ScatterAdd), ops.ScatterND(x, nd, v, ops.ScatterMul),
			ops.OneHot(idx, 3, 0, 1, dt, -1),
		}
	})
}

// TestGatherOpsRejectBadArguments: every bad argument of the Gather and
// Scatter ops and OneHot is a build error naming the node and the shapes.
func TestGatherOpsRejectBadArguments(t *testing.T) {
	i64 := func(g *graph.Graph, shape graph.Shape, v ...int) *graph.Node {
		return ixIndices(g, graph.Int64, shape, v...).Named("i")
	}
	checkBadArguments(t, []badArgument{
		{func(x *graph.Node) { ops.Gather(x, x, 0) }, "Gather(x, x): indices (input 1) have dtype float64, want int32 or int64"},
		{func(x *graph.Node) { ops.Gather(x, i64(x.Graph(), ixS(1), 0), 2) }, "Gather(x, i): shapes 2x3 and 1 cannot be gathered along axis 2"},
		{func(x *graph.Node) { ops.GatherGrad(x, i64(x.Graph(), ixS(1), 0), ixS(5, 3), 0) }, "GatherGrad(x, i): shapes 2x3 and 1 are not gathered from 5x3 along axis 0 (that is 1x3)"},
		{func(x *graph.Node) { ops.GatherElements(x, i64(x.Graph(), ixS(2), 0, 0), 0) }, "GatherElements(x, i): shapes 2x3 and 2 differ in rank"},
		{func(x *graph.Node) { ops.GatherElements(x, i64(x.Graph(), ixS(1, 4), 0, 0, 0, 0), 0) }, "GatherElements(x, i): shapes 2x3 and 1x4 have indices longer than data along axis 1"},
		{func(x *graph.Node) { ops.GatherElements(x, i64(x.Graph(), ixS(1, 1), 0), -3) }, "GatherElements(x, i): shapes 2x3 and 1x1 have no axis -3"},
		{func(x *graph.Node) { ops.GatherND(x, i64(x.Graph(), ixS(1, 3), 0, 0, 0), 0) }, "GatherND(x, i): shapes 2x3 and 1x3 have index tuples of 3 entries, want 1 to 2"},
		{func(x *graph.Node) { ops.GatherND(x, i64(x.Graph(), ixS(3, 1), 0, 0, 0), 1) }, "GatherND(x, i): shapes 2x3 and 3x1 differ along batch axis 0"},
		{func(x *graph.Node) { ops.GatherND(x, i64(x.Graph(), ixS(2, 1), 0, 0), 2) }, "GatherND(x, i): shapes 2x3 and 2x1 cannot have 2 batch axes"},
		{func(x *graph.Node) { ops.GatherND(x, i64(x.Graph(), ixS(), 0), 0) }, "GatherND(x, i): shapes 2x3 and () have rank 0"},
		{func(x *graph.Node) {
			ops.ScatterElements(x, i64(x.Graph(), ixS(1, 2), 0, 0), x.Graph().Input("u", graph.Float64, 1, 3), 0, ops.ScatterNone)
		}, "ScatterElements(x, i, u): shapes 2x3, 1x2 and 1x3 have updates and indices of different shapes"},
		{func(x *graph.Node) {
			ops.ScatterElements(x, i64(x.Graph(), ixS(1, 2), 0, 0), x.Graph().Input("u", graph.Float32, 1, 2), 0, ops.ScatterNone)
		}, "ScatterElements(x, i, u): dtypes float64 and float32 differ"},
		{func(x *graph.Node) {
			g := x.Graph()
			ops.ScatterElements(g.Input("b", graph.Bool, 2, 3), i64(g, ixS(1, 2), 0, 0), g.Input("c", graph.Bool, 1, 2), 0, ops.ScatterAdd)
		}, "ScatterElements(b, i, c): cannot add bools"},
		{func(x *graph.Node) {
			ops.ScatterND(x, i64(x.Graph(), ixS(2, 1), 0, 1), x.Graph().Input("u", graph.Float64, 2, 2), ops.ScatterAdd)
		}, "ScatterND(x, i, u): shapes 2x3, 2x1 and 2x2 need updates of shape 2x3"},
		{func(x *graph.Node) {
			ops.ScatterND(x, i64(x.Graph(), ixS(2, 1), 0, 1), x, ops.ScatterReduction(9))
		}, "ScatterND(x, i, x): unknown reduction 9"},
		{func(x *graph.Node) { ops.OneHot(x, 0, 0, 1, graph.Float64, -1) }, "OneHot(x): shape 2x3 cannot be one-hot encoded with depth 0"},
		{func(x *graph.Node) { ops.OneHot(x, 3, 0, 1, graph.Float64, 3) }, "OneHot(x): shape 2x3 cannot take a one-hot axis at 3"},
		{func(x *graph.Node) { ops.OneHot(x, 3, 0, 2, graph.Bool, -1) }, "OneHot(x): cannot make bool one-hot values: value 2 is not a bool (0 or 1)"},
		{func(x *graph.Node) { ops.OneHot(x.Graph().Input("b", graph.Bool, 2), 3, 0, 1, graph.Int32, -1) }, "OneHot(b): dtype bool is not a number"},
	})
}

// TestGatherOpsFailRunsOnIndicesOutOfRange: an index outside [−n, n) stops
// the run with an error naming the node, the index, its axis and the
// axis's length; fixing the indices makes the next run succeed.
func TestGatherOpsFailRunsOnIndicesOutOfRange(t *testing.T) {
	for _, tt := range []struct {
		name  string
		idx   graph.Shape
		good  []int64
		bad   []int64
		build func(x, idx *graph.Node) *graph.Node
		want  string
	}{
		{"Gather", ixS(3), []int64{0, -4, 3}, []int64{0, 4, 1}, func(x, i *graph.Node) *graph.Node { return ops.Gather(x, i, 1) },
			"index 4 is out of range for axis 1 of length 4"},
		{"Gather", ixS(2), []int64{-3, 2}, []int64{-4, 0}, func(x, i *graph.Node) *graph.Node { return ops.Gather(x, i, 0) },
			"index -4 is out of range for axis 0 of length 3"},
		{"GatherGrad", ixS(2), []int64{1, -7}, []int64{1, 7}, func(x, i *graph.Node) *graph.Node {
			return ops.GatherGrad(ops.Slice(x, []int{0}, []int{2}, nil, nil), i, ixS(7, 4), 0)
		}, "index 7 is out of range for axis 0 of length 7"},
		{"GatherElements", ixS(3, 1), []int64{3, -4, 0}, []int64{0, 1, -5}, func(x, i *graph.Node) *graph.Node { return ops.GatherElements(x, i, 1) },
			"index -5 is out of range for axis 1 of length 4"},
		{"GatherElements", ixS(2, 2), []int64{3, -4, 0, 1}, []int64{0, 1, 4, 0}, func(x, i *graph.Node) *graph.Node { return ops.GatherElements(x, i, -1) },
			"index 4 is out of range for axis 1 of length 4"},
		{"ScatterElements", ixS(1, 4), []int64{2, 0, 1, -1}, []int64{2, 3, 1, 0}, func(x, i *graph.Node) *graph.Node {
			return ops.ScatterElements(x, i, ops.Slice(x, []int{0}, []int{1}, nil, nil), 0, ops.ScatterAdd)
		}, "index 3 is out of range for axis 0 of length 3"},
		{"ScatterElements", ixS(2, 1), []int64{-3, 2}, []int64{0, -4}, func(x, i *graph.Node) *graph.Node {
			return ops.ScatterElements(x, i, ops.Slice(x, []int{0, 0}, []int{2, 1}, nil, nil), 0, ops.ScatterMul)
		}, "index -4 is out of range for axis 0 of length 3"},
		{"ScatterElements", ixS(1, 2), []int64{0, 2}, []int64{-1, -5}, func(x, i *graph.Node) *graph.Node {
			return ops.ScatterElements(ops.Cast(x, graph.Bool), i, ops.Cast(ops.Slice(x, []int{0, 0}, []int{1, 2}, nil, nil), graph.Bool), 0, ops.ScatterNone)
		}, "index -5 is out of range for axis 0 of length 3"},
		{"GatherND", ixS(2, 2), []int64{2, 3, -3, -4}, []int64{2, 3, 0, 4}, func(x, i *graph.Node) *graph.Node { return ops.GatherND(x, i, 0) },
			"index 4 is out of range for axis 1 of length 4"},
		{"ScatterND", ixS(1, 1), []int64{-3}, []int64{-7}, func(x, i *graph.Node) *graph.Node {
			return ops.ScatterND(x, i, ops.Slice(x, []int{0}, []int{1}, nil, nil), ops.ScatterNone)
		}, "index -7 is out of range for axis 0 of length 3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := graph.New()
			x := g.Input("x", graph.Float64, 3, 4)
			idx := g.Input("idx", graph.Int64, tt.idx...)
			y := tt.build(x, idx)
			require.NoError(t, g.Err())
			p, err := g.Compile(y)
			require.NoError(t, err)
			require.NoError(t, idx.SetInt64s(tt.good))
			p.Run()
			require.NoError(t, p.Err())
			require.NoError(t, idx.SetInt64s(tt.bad))
			p.Run()
			var re *graph.RunError
			require.ErrorAs(t, p.Err(), &re)
			assert.Equal(t, y, re.Node)
			assert.EqualError(t, p.Err(), fmt.Sprintf("%s (%s): %s", y.Name(), y.Op().Type(), tt.want))
			require.NoError(t, idx.SetInt64s(tt.good))
			p.Run()
			assert.NoError(t, p.Err())
		})
	}
}
