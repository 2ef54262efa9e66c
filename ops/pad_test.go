package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		for _, mode := range []ops.PadMode{ops.PadConstant, ops.PadReflect, ops.PadEdge} {
			for _, c := range []struct {
				shape graph.Shape
				pads  []int
			}{
				{graph.Shape{3 + r.IntN(2)}, []int{2, 1}},
				{graph.Shape{3, 4}, []int{-1, 5, 2, -2}},        // crop and pad; reflect more than once
				{graph.Shape{2, 3, 4}, []int{0, 1, 0, 1, 2, 0}}, // the last axis folded into blocks
				{graph.Shape{2, 1, 3, 2}, []int{1, 0, -1, 1, 0, 2, 0, 0}},
				{graph.Shape{}, nil},
			} {
				name := fmt.Sprintf("%s_%s_%v", mode, c.shape, c.pads)
				cs = append(cs,
					vjpCase{name: "Pad/" + name, shapes: []graph.Shape{c.shape}, dom: []domain{anyReal},
						build: func(in []*graph.Node) *graph.Node { return sq(ops.Pad(in[0], c.pads, mode, 0.75)) }},
				)
				x := graph.New().Input("x", graph.Float64, c.shape...)
				gs := ops.Pad(x, c.pads, mode, 0).Shape()
				cs = append(cs, vjpCase{name: "PadGrad/" + name, shapes: []graph.Shape{gs}, dom: []domain{anyReal},
					build: func(in []*graph.Node) *graph.Node { return sq(ops.PadGrad(in[0], c.pads, mode)) }})
			}
		}
		return cs
	})

	for _, c := range []struct {
		name string
		mode ops.PadMode
	}{{"constant_pad", ops.PadConstant}, {"edge_pad", ops.PadEdge}, {"reflect_pad", ops.PadReflect}} {
		addForward(onnxCase("Pad", c.name, 1, 0, func(in []*graph.Node, at []val) *graph.Node {
			v := 0.0
			if len(at) > 1 {
				v = at[1].v[0]
			}
			return ops.Pad(in[0], ixInts(at[0]), c.mode, v)
		}))
	}
	// The expected values are NumPy's (np.pad; np.add.at for PadGrad);
	// with both negative and positive pads, np.pad of x cropped first.
	S := ixS
	x23 := f64(S(2, 3), 0, 1, 2, 3, 4, 5)
	pad := func(pads []int, mode ops.PadMode, v float64) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.Pad(in[0], pads, mode, v) }
	}
	padGrad := func(pads []int, mode ops.PadMode) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.PadGrad(in[0], pads, mode) }
	}
	g := func(n int, shape graph.Shape) val {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i + 1)
		}
		return f64(shape, v...)
	}
	addForward(
		forwardCase{name: "Pad/reflect_thrice", in: []val{f64(S(3), 1, 2, 3)}, build: pad([]int{5, 4}, ops.PadReflect, 0),
			want: f64(S(12), 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3)},
		forwardCase{name: "Pad/crop_constant", in: []val{f64(S(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}, build: pad([]int{-1, 1, 0, -2}, ops.PadConstant, 9),
			want: f64(S(2, 3), 9, 4, 5, 9, 8, 9)},
		forwardCase{name: "Pad/crop_edge", in: []val{i64(S(4), 1, 2, 3, 4)}, build: pad([]int{-1, 2}, ops.PadEdge, 0),
			want: i64(S(5), 2, 3, 4, 4, 4)},
		forwardCase{name: "Pad/crop_reflect", in: []val{ixI32(S(5), 1, 2, 3, 4, 5)}, build: pad([]int{2, -1}, ops.PadReflect, 0),
			want: ixI32(S(6), 3, 2, 1, 2, 3, 4)},
		forwardCase{name: "Pad/bool", in: []val{bools(S(2), true, false)}, build: pad([]int{1, 1}, ops.PadConstant, 1),
			want: bools(S(4), true, true, false, true)},
		forwardCase{name: "Pad/edge_2d", in: []val{x23}, build: pad([]int{1, 2, 2, 1}, ops.PadEdge, 0),
			want: f64(S(5, 6), 0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5, 3, 3, 3, 4, 5, 5, 3, 3, 3, 4, 5, 5)},
		forwardCase{name: "PadGrad/reflect", in: []val{f64(S(8), 1, 2, 4, 8, 16, 32, 64, 128)}, build: padGrad([]int{2, 3}, ops.PadReflect),
			want: f64(S(3), 68, 170, 17)},
		forwardCase{name: "PadGrad/edge_2d", in: []val{g(30, S(5, 6))}, build: padGrad([]int{1, 2, 2, 1}, ops.PadEdge),
			want: f64(S(2, 3), 30, 14, 34, 180, 66, 141)},
		forwardCase{name: "PadGrad/reflect_2d", in: []val{g(32, S(4, 8))}, build: padGrad([]int{1, 3, 1, 2}, ops.PadReflect),
			want: f64(S(2, 3), 88, 160, 80, 56, 96, 48)},
		forwardCase{name: "PadGrad/constant_crop", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: padGrad([]int{-1, 1, 0, -2}, ops.PadConstant),
			want: f64(S(3, 4), 0, 0, 0, 0, 2, 3, 0, 0, 5, 6, 0, 0)},
	)
}

func init() {
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "ix_pad_x", dt, anyReal, 3, 4, 5)
		pads := []int{1, 0, 2, 0, -1, 1}
		return []*graph.Node{ops.Pad(x, pads, ops.PadConstant, 0.5), ops.Pad(x, pads, ops.PadReflect, 0), ops.Pad(x, pads, ops.PadEdge, 0)}
	})
}

// TestPadRejectsBadArguments: every bad argument of Pad and PadGrad is a
// build error naming the node and the shapes.
func TestPadRejectsBadArguments(t *testing.T) {
	checkBadArguments(t, []badArgument{
		{func(x *graph.Node) { ops.Pad(x, []int{1, 1}, ops.PadConstant, 0) }, "Pad(x): shape 2x3 cannot be padded: 2 pads, want 2 per axis (4)"},
		{func(x *graph.Node) { ops.Pad(x, []int{0, -2, 0, -2}, ops.PadConstant, 0) }, "Pad(x): shape 2x3 cannot be padded: pads [0 -2 0 -2] crop more than the 3 elements of axis 1"},
		{func(x *graph.Node) { ops.Pad(x, []int{-2, 0, 1, 0}, ops.PadReflect, 0) }, "Pad(x): shape 2x3 cannot be padded: pads [-2 0 1 0] extend axis 0, which keeps no element, in reflect mode"},
		{func(x *graph.Node) { ops.Pad(x, []int{0, 0, 0, 0}, ops.PadMode(7), 0) }, "Pad(x): shape 2x3 cannot be padded: unknown mode 7"},
		{func(x *graph.Node) {
			ops.Pad(x.Graph().Input("n", graph.Int32, 2, 3), []int{0, 0, 0, 0}, ops.PadConstant, 0.5)
		}, "Pad(n): dtype int32 cannot be padded with 0.5"},
		{func(x *graph.Node) { ops.PadGrad(x, []int{2, 0, 1, 0}, ops.PadEdge) }, "PadGrad(x): shape 2x3 cannot be unpadded: pads [2 0 1 0] are longer than axis 0"},
		{func(x *graph.Node) {
			ops.PadGrad(x.Graph().Input("b", graph.Bool, 2, 3), []int{0, 0, 0, 0}, ops.PadEdge)
		}, "PadGrad(b): input 0 has dtype bool, want a number"},
	})
}
