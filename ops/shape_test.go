package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		s := randShape(r, 4, 3)
		n := s.Size()
		perm := r.Perm(4)
		add := func(name string, shape graph.Shape, f func(x *graph.Node) *graph.Node) {
			cs = append(cs, vjpCase{name: name + "/" + shape.String(), shapes: []graph.Shape{shape}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return f(in[0]) }})
		}
		add("Reshape", s, func(x *graph.Node) *graph.Node { return ops.Reshape(x, 0, -1) })
		add("Reshape", s, func(x *graph.Node) *graph.Node { return ops.Reshape(x, n) })
		add("Flatten", s, func(x *graph.Node) *graph.Node { return ops.Flatten(x, 2) })
		add("Flatten", s, func(x *graph.Node) *graph.Node { return ops.Flatten(x, -1) })
		add("Squeeze", graph.Shape{s[0], 1, s[1], 1}, func(x *graph.Node) *graph.Node { return ops.Squeeze(x, -1) })
		add("Squeeze", graph.Shape{1, s[1], 1}, func(x *graph.Node) *graph.Node { return ops.Squeeze(x) })
		add("Unsqueeze", graph.Shape{s[0], s[1]}, func(x *graph.Node) *graph.Node { return ops.Unsqueeze(x, 0, -1) })
		add("Transpose", s, func(x *graph.Node) *graph.Node { return ops.Transpose(x, perm...) })
		add("Transpose", graph.Shape{s[0], s[1]}, func(x *graph.Node) *graph.Node { return ops.Transpose(x) })
		add("Transpose", graph.Shape{s[0], s[1], s[2]}, func(x *graph.Node) *graph.Node { return ops.Transpose(x, 2, 0, 1) })
		add("Expand", graph.Shape{s[0], 1, s[2]}, func(x *graph.Node) *graph.Node { return ops.Expand(x, 1, s[1], 1) })
		add("Expand", graph.Shape{}, func(x *graph.Node) *graph.Node { return ops.Expand(x, s...) })
		add("BroadcastTo", graph.Shape{s[2], 1}, func(x *graph.Node) *graph.Node { return ops.BroadcastTo(x, s) })
		add("SumTo", s, func(x *graph.Node) *graph.Node { return ops.SumTo(x, graph.Shape{s[1], 1, s[3]}) })
		add("SumTo", s, func(x *graph.Node) *graph.Node { return ops.SumTo(x, graph.Shape{}) })
		return cs
	})

	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	x := f64(S(2, 3, 2), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
	addForward(
		forwardCase{name: "Reshape/zero_and_infer", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Reshape(in[0], 0, -1) },
			want: f64(S(2, 6), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
		forwardCase{name: "Reshape/int64", in: []val{i64(S(2, 2), 1, 2, 3, 4)}, build: func(in []*graph.Node) *graph.Node { return ops.Reshape(in[0], 4) },
			want: i64(S(4), 1, 2, 3, 4)},
		forwardCase{name: "Flatten/axis1", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Flatten(in[0], 1) },
			want: f64(S(2, 6), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
		forwardCase{name: "Flatten/axis0", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Flatten(in[0], 0) },
			want: f64(S(1, 12), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
		forwardCase{name: "Squeeze/all", in: []val{f64(S(1, 2, 1), 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.Squeeze(in[0]) },
			want: f64(S(2), 5, 6)},
		forwardCase{name: "Unsqueeze/axes", in: []val{f64(S(2), 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.Unsqueeze(in[0], 0, -1) },
			want: f64(S(1, 2, 1), 5, 6)},
		forwardCase{name: "Transpose/perm", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Transpose(in[0], 1, 2, 0) },
			want: f64(S(3, 2, 2), 1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12)},
		forwardCase{name: "Transpose/reverse", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Transpose(in[0]) },
			want: f64(S(2, 3, 2), 1, 7, 3, 9, 5, 11, 2, 8, 4, 10, 6, 12)},
		forwardCase{name: "Transpose/matrix", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.Transpose(in[0]) },
			want: f64(S(3, 2), 1, 4, 2, 5, 3, 6)},
		forwardCase{name: "Transpose/bool", in: []val{bools(S(1, 2), true, false)}, build: func(in []*graph.Node) *graph.Node { return ops.Transpose(in[0]) },
			want: bools(S(2, 1), true, false)},
		forwardCase{name: "Expand/onnx", in: []val{f64(S(3, 1), 1, 2, 3)}, build: func(in []*graph.Node) *graph.Node { return ops.Expand(in[0], 2, 1, 2) },
			want: f64(S(2, 3, 2), 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3)},
		forwardCase{name: "BroadcastTo/column", in: []val{f64(S(2, 1), 6, 15)}, build: func(in []*graph.Node) *graph.Node { return ops.BroadcastTo(in[0], S(2, 2)) },
			want: f64(S(2, 2), 6, 6, 15, 15)},
		forwardCase{name: "SumTo/column", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.SumTo(in[0], S(3, 1)) },
			want: f64(S(3, 1), 18, 26, 34)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "shape_x", dt, anyReal, 2, 3, 4)
		c := param(g, "shape_c", dt, anyReal, 3, 1)
		return []*graph.Node{ops.Reshape(x, 0, -1), ops.Flatten(x, 1), ops.Squeeze(ops.Unsqueeze(x, 1), 1),
			ops.Transpose(x, 2, 0, 1), ops.Transpose(x), ops.Expand(c, 2, 3, 4), ops.BroadcastTo(c, graph.Shape{3, 5}),
			ops.SumTo(x, graph.Shape{3, 1}), ops.Transpose(g.Const("shape_i", intTensor([]int64{1, 2, 3, 4, 5, 6}, 2, 3)))}
	})
}

// TestShapeOpsRejectBadArguments: every mistake is a build error naming
// the node and the shape, never a panic or a silent other shape.
func TestShapeOpsRejectBadArguments(t *testing.T) {
	for _, tt := range []struct {
		build func(x *graph.Node)
		want  string
	}{
		{func(x *graph.Node) { ops.Reshape(x, -2, -3) }, "Reshape(x): shape 2x3 cannot be reshaped to [-2 -3]: negative length -2"},
		{func(x *graph.Node) { ops.Reshape(x, -1, -1) }, "Reshape(x): shape 2x3 cannot be reshaped to [-1 -1]: more than one −1"},
		{func(x *graph.Node) { ops.Reshape(x, 4, -1) }, "Reshape(x): shape 2x3 cannot be reshaped to [4 -1]: 6 elements do not divide into it"},
		{func(x *graph.Node) { ops.Reshape(x, 4) }, "Reshape(x): shape 2x3 cannot be reshaped to 4"},
		{func(x *graph.Node) { ops.Reshape(x, 3, 0, 0) }, "Reshape(x): shape 2x3 cannot be reshaped to [3 0 0]: entry 2 is 0 but the input has no axis 2"},
		{func(x *graph.Node) { ops.Flatten(x, 3) }, "Flatten(x): shape 2x3 cannot be flattened at axis 3 (rank 2)"},
		{func(x *graph.Node) { ops.Squeeze(x, 0) }, "Squeeze(x): shape 2x3 cannot be squeezed at axis 0 of length 2"},
		{func(x *graph.Node) { ops.Unsqueeze(x, 3) }, "Unsqueeze(x): shape 2x3 cannot be unsqueezed: axis 3 is out of range for rank 3"},
		{func(x *graph.Node) { ops.Transpose(x, 0, 0) }, "Transpose(x): shape 2x3 cannot be transposed by [0 0]: axis 0 is repeated"},
		{func(x *graph.Node) { ops.Transpose(x, 1) }, "Transpose(x): shape 2x3 cannot be transposed by [1]: want 2 axes"},
		{func(x *graph.Node) { ops.Expand(x, 4, 3) }, "Expand(x): shape 2x3 cannot be broadcast to 4x3"},
		{func(x *graph.Node) { ops.SumTo(x, graph.Shape{3, 3}) }, "SumTo(x): shape 2x3 cannot be summed to 3x3"},
	} {
		g := graph.New()
		tt.build(g.Input("x", graph.Float64, 2, 3))
		assert.EqualError(t, g.Err(), tt.want)
	}
}
