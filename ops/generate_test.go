package ops_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		s := randShape(r, 3, 3)
		return []vjpCase{{name: "Cast/float64_" + s.String(), shapes: []graph.Shape{s}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return sq(ops.Cast(in[0], graph.Float64)) }}}
	})

	S := ixS
	dummy := f64(S(1), 0) // an input whose graph and dtype (that of the run) the ops take
	// Range has no input: the ONNX cases' start, limit and delta are
	// attributes here.
	rangeONNX := func(name string, start, limit, delta float64, dt graph.DType) forwardCase {
		return forwardCase{name: "Range/onnx_" + name, in: []val{dummy}, want: ixONNX[name].out[0],
			build: func(in []*graph.Node) *graph.Node {
				d := dt
				if d == 0 {
					d = in[0].DType()
				}
				return ops.Range(in[0].Graph(), start, limit, delta, d)
			}}
	}
	addForward(
		rangeONNX("range_float_type_positive_delta", 1, 5, 2, 0),
		rangeONNX("range_int32_type_negative_delta", 10, 6, -3, graph.Int32),
	)
	rng := func(start, limit, delta float64, dt graph.DType) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node {
			d := dt
			if d == 0 {
				d = in[0].DType()
			}
			return ops.Range(in[0].Graph(), start, limit, delta, d)
		}
	}
	addForward(
		forwardCase{name: "Range/quarters", in: []val{dummy}, build: rng(0, 1, 0.25, 0), want: f64(S(4), 0, 0.25, 0.5, 0.75)},
		forwardCase{name: "Range/int64_down", in: []val{dummy}, build: rng(5, -5, -3, graph.Int64), want: i64(S(4), 5, 2, -1, -4)},
		forwardCase{name: "Range/empty", in: []val{dummy}, build: rng(3, 1, 1, 0), want: f64(S(0))},
	)

	for _, c := range []struct {
		name  string
		value float64
		dt    graph.DType
	}{{"float_ones", 1, graph.Float64}, {"int_shape_zero", 0, graph.Int32}, {"int_zeros", 0, graph.Int32}} {
		name := "constantofshape_" + c.name
		shape := ixInts(ixONNX[name].in[0])
		fc := onnxCase("ConstantOfShape", name, 1, 0, func(in []*graph.Node, _ []val) *graph.Node {
			return ops.ConstantOfShape(in[0].Graph(), shape, c.value, c.dt)
		})
		fc.only64 = true
		addForward(fc)
	}
	addForward(forwardCase{name: "ConstantOfShape/bool_scalar", in: []val{dummy},
		build: func(in []*graph.Node) *graph.Node { return ops.ConstantOfShape(in[0].Graph(), S(), 1, graph.Bool) }, want: bools(S(), true)})

	for _, c := range []struct {
		name       string
		start, end int
	}{{"shape", 0, math.MaxInt}, {"shape_example", 0, math.MaxInt}, {"shape_clip_end", 0, 10}, {"shape_clip_start", -10, math.MaxInt},
		{"shape_end_1", 0, 1}, {"shape_end_negative_1", 0, -1}, {"shape_start_1", 1, math.MaxInt}, {"shape_start_1_end_2", 1, 2},
		{"shape_start_1_end_negative_1", 1, -1}, {"shape_start_negative_1", -1, math.MaxInt}} {
		goName := "ShapeSlice"
		if c.start == 0 && c.end == math.MaxInt {
			goName = "Shape"
		}
		addForward(onnxCase(goName, c.name, 1, 0, func(in []*graph.Node, _ []val) *graph.Node {
			if goName == "Shape" {
				return ops.Shape(in[0])
			}
			return ops.ShapeSlice(in[0], c.start, c.end)
		}))
	}
	addForward(forwardCase{name: "ShapeSlice/empty", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)},
		build: func(in []*graph.Node) *graph.Node { return ops.ShapeSlice(in[0], 2, 1) }, want: i64(S(0))})
	for _, name := range []string{"size", "size_example"} {
		addForward(onnxCase("Size", name, 1, 0, func(in []*graph.Node, _ []val) *graph.Node { return ops.Size(in[0]) }))
	}

	cast := func(dt graph.DType) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node {
			d := dt
			if d == 0 {
				d = in[0].DType()
			}
			return ops.Cast(in[0], d)
		}
	}
	addForward(
		forwardCase{name: "Cast/float_to_int64", in: []val{f64(S(4), -1.7, 2.9, 0, -0.2)}, build: cast(graph.Int64), want: i64(S(4), -1, 2, 0, 0)},
		forwardCase{name: "Cast/float_to_int32", in: []val{f64(S(2), 7.99, -3.5)}, build: cast(graph.Int32), want: ixI32(S(2), 7, -3)},
		forwardCase{name: "Cast/float_to_bool", in: []val{f64(S(4), 0, -0.5, 3, math.NaN())}, build: cast(graph.Bool),
			want: bools(S(4), false, true, true, true)},
		forwardCase{name: "Cast/int64_wraps_to_int32", in: []val{i64(S(2), 1<<32+5, -1<<31-1)}, build: cast(graph.Int32), want: ixI32(S(2), 5, 1<<31-1)},
		forwardCase{name: "Cast/int32_to_int64", in: []val{ixI32(S(2), -7, 1<<31-1)}, build: cast(graph.Int64), want: i64(S(2), -7, 1<<31-1)},
		forwardCase{name: "Cast/bool_to_int32", in: []val{bools(S(2), true, false)}, build: cast(graph.Int32), want: ixI32(S(2), 1, 0)},
		forwardCase{name: "Cast/int_to_bool", in: []val{i64(S(3), 0, -2, 1)}, build: cast(graph.Bool), want: bools(S(3), false, true, true)},
		forwardCase{name: "Cast/int64_to_float64", in: []val{i64(S(2), 3, -4)}, build: cast(graph.Float64), want: f64(S(2), 3, -4), only64: true},
		forwardCase{name: "Cast/bool_to_float64", in: []val{bools(S(2), true, false)}, build: cast(graph.Float64), want: f64(S(2), 1, 0), only64: true},
		forwardCase{name: "Cast/same_float", in: []val{f64(S(2), 0.1, -2)}, build: cast(0), want: f64(S(2), 0.1, -2)},
	)
}

// TestCastMatchesONNX: ONNX's backend cases of Cast between float64 and
// float32, to the last bit.
func TestCastMatchesONNX(t *testing.T) {
	for _, c := range []struct {
		name     string
		from, to graph.DType
	}{{"cast_DOUBLE_to_FLOAT", graph.Float64, graph.Float32}, {"cast_FLOAT_to_DOUBLE", graph.Float32, graph.Float64}} {
		t.Run(c.name, func(t *testing.T) {
			tc := ixONNX[c.name]
			g := graph.New()
			x := g.Input("x", c.from, tc.in[0].shape...)
			require.NoError(t, x.SetFloat64s(tc.in[0].v))
			y := ops.Cast(x, c.to)
			p, err := g.Compile(y)
			require.NoError(t, err)
			p.Run()
			for i, w := range tc.out[0].v {
				if c.to == graph.Float32 {
					assert.Equal(t, float32(w), y.Float32s()[i], "element %d", i)
				} else {
					assert.Equal(t, float64(float32(w)), y.Float64s()[i], "element %d", i)
				}
			}
		})
	}
}

// TestCastEveryPair: a cast between any two dtypes keeps the shape and
// converts each element as Cast documents; a cast to the same dtype
// copies.
func TestCastEveryPair(t *testing.T) {
	in := []float64{0, 1, -2, 3}
	dts := []graph.DType{graph.Float32, graph.Float64, graph.Int32, graph.Int64, graph.Bool}
	for _, from := range dts {
		for _, to := range dts {
			g := graph.New()
			x := g.Input("x", from, 2, 2)
			src := in
			if from == graph.Bool {
				src = []float64{0, 1, 1, 0}
			}
			require.NoError(t, x.SetFloat64s(src))
			y := ops.Cast(x, to)
			p, err := g.Compile(y)
			require.NoError(t, err)
			p.Run()
			require.Equal(t, to, y.DType())
			require.Equal(t, graph.Shape{2, 2}, y.Shape())
			for i, v := range src {
				want := v
				if to == graph.Bool && v != 0 {
					want = 1
				}
				assert.Equal(t, want, y.Storage().At(i), "%s to %s, element %d", from, to, i)
			}
		}
	}
}

func init() {
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "ix_gen_x", dt, anyReal, 3, 4, 5)
		return []*graph.Node{
			ops.Cast(ops.Cast(x, otherFloat(dt)), dt), ops.Cast(x, graph.Int32), ops.Cast(x, graph.Bool),
			ops.Range(g, 0, 10, 3, dt), ops.ConstantOfShape(g, ixS(2, 3), 1, graph.Int64),
			ops.Shape(x), ops.ShapeSlice(x, 1, -1), ops.Size(x),
		}
	})
}

// otherFloat returns the float dtype that is not dt.
func otherFloat(dt graph.DType) graph.DType {
	if dt == graph.Float32 {
		return graph.Float64
	}
	return graph.Float32
}

// TestCastAndGeneratorsRejectBadArguments: every bad argument of Cast,
// Range and ConstantOfShape is a build error naming the node.
func TestCastAndGeneratorsRejectBadArguments(t *testing.T) {
	checkBadArguments(t, []badArgument{
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, 10, 0, graph.Float64) }, "Range(): range from 0 to 10 by 0"},
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, 10, 0.5, graph.Int64) }, "Range(): range from 0 to 10 by 0.5: value 0.5 is not an int64"},
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, math.Inf(1), 1, graph.Float64) }, "Range(): range from 0 to +Inf by 1: not finite"},
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, 1e300, 1, graph.Float32) }, "Range(): range from 0 to 1e+300 by 1: 1e+300 is not a float32"},
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, 1e15, 1, graph.Float64) }, "Range(): range from 0 to 1e+15 by 1: more than 2^40 elements"},
		{func(x *graph.Node) { ops.Range(x.Graph(), 0, 3, 1, graph.Bool) }, "Range(): dtype bool is not float32, float64, int32 or int64"},
		{func(x *graph.Node) { ops.ConstantOfShape(x.Graph(), ixS(2, -1), 0, graph.Float64) }, "ConstantOfShape(): shape 2x-1 has a negative axis"},
		{func(x *graph.Node) { ops.ConstantOfShape(x.Graph(), ixS(2), 3e9, graph.Int32) }, "ConstantOfShape(): value 3e+09 is not an int32"},
		{func(x *graph.Node) { ops.Cast(x, graph.DType(9)) }, "Cast(x): cannot cast to dtype(9)"},
	})
}

// TestGradientDoesNotFlowThroughIntegers: a cost that reaches x only
// through a cast to an integer has a zero gradient with respect to x, and
// through a cast between floats the gradient is cast back exactly.
func TestGradientDoesNotFlowThroughIntegers(t *testing.T) {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1.25, -2.5, 3.1})))
	r := g.Const("r", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.1, 0.2, 0.3})))
	viaInt := ops.Sum(ops.Mul(ops.Cast(ops.Cast(x, graph.Int64), graph.Float64), r))
	via32 := ops.Sum(ops.Mul(ops.Cast(ops.Cast(x, graph.Float32), graph.Float64), r))
	grads, err := autodiff.Grad(ops.Add(viaInt, via32), x)
	require.NoError(t, err)
	p, err := g.Compile(grads[0])
	require.NoError(t, err)
	p.Run()
	want := make([]float64, 3)
	for i, v := range []float64{0.1, 0.2, 0.3} {
		want[i] = float64(float32(v)) // r, cast to float32 and back by the VJPs
	}
	assert.Equal(t, want, grads[0].Float64s())
}
