package ops_test

// Shared machinery of the shape and indexing ops' tests: slice_test.go,
// pad_test.go, gather_test.go and generate_test.go, each with its ops'
// VJP, forward and alloc cases and their bad arguments.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// ixS is a shape literal.
func ixS(d ...int) graph.Shape { return graph.Shape(d) }

// ixI32 is an int32 value.
func ixI32(shape graph.Shape, v ...float64) val { return val{graph.Int32, shape, v} }

// ixInts returns the values of v as ints: ONNX's starts, ends, pads, …
func ixInts(v val) []int {
	out := make([]int, len(v.v))
	for i, x := range v.v {
		out[i] = int(x)
	}
	return out
}

// sq squares a node: a linear op's VJP cases square its result, so that
// the gradient depends on x and the second-order check differentiates
// the op's adjoint (a Slice's SliceGrad, say) too.
func sq(n *graph.Node) *graph.Node { return ops.Mul(n, n) }

// onnxCase returns the forward case of ONNX's backend test name (without
// "test_"): the first nIn of the case's inputs are nodes, the others
// attributes handed to build; the expected value is output number out.
func onnxCase(goName, name string, nIn, out int, build func(in []*graph.Node, attrs []val) *graph.Node) forwardCase {
	c, ok := ixONNX[name]
	if !ok {
		panic("no ONNX case " + name)
	}
	attrs := c.in[nIn:]
	return forwardCase{
		name:  fmt.Sprintf("%s/onnx_%s_out%d", goName, name, out),
		in:    c.in[:nIn],
		build: func(in []*graph.Node) *graph.Node { return build(in, attrs) },
		want:  c.out[out],
	}
}

// badArgument is a mistake made on x, a float64 2×3 input, and the build
// error it must record.
type badArgument struct {
	build func(x *graph.Node)
	want  string
}

// checkBadArguments checks that every mistake is a build error naming the
// node and the shapes, never a panic or a silent other result.
func checkBadArguments(t *testing.T, cases []badArgument) {
	t.Helper()
	for _, tt := range cases {
		g := graph.New()
		require.NotPanics(t, func() { tt.build(g.Input("x", graph.Float64, 2, 3)) }, tt.want)
		assert.EqualError(t, g.Err(), tt.want)
	}
}

// TestIndexOpsOnEmptyValues: results and parts with no element (a repeat
// of 0, an empty slice, part or crop, no index) run, and their gradients
// are zero; a Pad of an empty axis is all border.
func TestIndexOpsOnEmptyValues(t *testing.T) {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6})))
	empty := g.Input("empty", graph.Float64, 2, 0)
	none := g.Input("none", graph.Int64, 0)
	outs := []*graph.Node{
		ops.Tile(x, 0, 1), ops.Slice(x, []int{2}, []int{1}, nil, nil), ops.Gather(x, none, 1), ops.Split(x, 1, 0, 3)[0],
		ops.Pad(x, []int{0, -3, 0, 0}, ops.PadConstant, 0), ops.Concat(1, x, empty, x), ops.Pad(x, []int{0, -3, 0, 2}, ops.PadConstant, 7),
	}
	require.NoError(t, g.Err())
	cost := ops.Sum(x)
	for _, o := range outs {
		cost = ops.Add(cost, ops.Sum(ops.Mul(o, o)))
	}
	grads, err := autodiff.Grad(cost, x)
	require.NoError(t, err)
	p, err := g.Compile(append(append([]*graph.Node{cost}, outs...), grads...)...)
	require.NoError(t, err)
	p.Run()
	require.NoError(t, p.Err())
	for _, o := range outs[:5] {
		assert.Zero(t, o.Shape().Size(), o.Name())
	}
	assert.Equal(t, []float64{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, outs[5].Float64s())
	assert.Equal(t, []float64{7, 7, 7, 7}, outs[6].Float64s())
	assert.Equal(t, 21+2*91+4*49.0, cost.Scalar())                        // Σx + 2Σx² (the Concat) + 4·7²
	assert.Equal(t, []float64{5, 9, 13, 17, 21, 25}, grads[0].Float64s()) // 1 + 4x
}
