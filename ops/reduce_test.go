package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

type reduceRow struct {
	name string
	f    func(x *graph.Node, keep bool, axes ...int) *graph.Node
	dom  domain
}

var reduceRows = []reduceRow{
	{"ReduceSum", ops.ReduceSum, anyReal},
	{"ReduceMean", ops.ReduceMean, anyReal},
	{"ReduceMax", ops.ReduceMax, anyReal},
	{"ReduceMin", ops.ReduceMin, anyReal},
	{"ReduceProd", ops.ReduceProd, positive},
	{"ReduceL1", ops.ReduceL1, anyReal},
	{"ReduceL2", ops.ReduceL2, anyReal},
	{"ReduceLogSum", ops.ReduceLogSum, positive},
	{"ReduceLogSumExp", ops.ReduceLogSumExp, anyReal},
	{"ReduceSumSquare", ops.ReduceSumSquare, anyReal},
	{"Variance", ops.Variance, anyReal},
}

// randAxes returns a random non-empty subset of the axes of rank r, some
// of them written as negative numbers; or none (every axis).
func randAxes(r *rand.Rand, rank int) []int {
	if rank == 0 || r.IntN(4) == 0 {
		return nil
	}
	var axes []int
	for a := 0; a < rank; a++ {
		if r.IntN(2) == 0 {
			if r.IntN(2) == 0 {
				axes = append(axes, a-rank)
			} else {
				axes = append(axes, a)
			}
		}
	}
	if len(axes) == 0 {
		axes = []int{-1}
	}
	return axes
}

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		for _, row := range reduceRows {
			f := row.f
			for _, rank := range []int{r.IntN(3), 3, 4} {
				s := randShape(r, rank, 3)
				axes, keep := randAxes(r, rank), r.IntN(2) == 0
				cs = append(cs, vjpCase{name: fmt.Sprintf("%s/%s_axes%v_keep%v", row.name, s, axes, keep),
					shapes: []graph.Shape{s}, dom: []domain{row.dom},
					build: func(in []*graph.Node) *graph.Node { return f(in[0], keep, axes...) }})
			}
		}
		s := randShape(r, 2+r.IntN(3), 3)
		axis := r.IntN(len(s)) - len(s) // negative
		cs = append(cs,
			vjpCase{name: "Sum/" + s.String(), shapes: []graph.Shape{s}, dom: []domain{anyReal}, build: one(ops.Sum)},
			vjpCase{name: "Mean/" + s.String(), shapes: []graph.Shape{s}, dom: []domain{anyReal}, build: one(ops.Mean)},
			vjpCase{name: fmt.Sprintf("SumAxis/%s_%d", s, axis), shapes: []graph.Shape{s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.SumAxis(in[0], axis) }},
			vjpCase{name: fmt.Sprintf("MeanAxis/%s_%d", s, axis), shapes: []graph.Shape{s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.MeanAxis(in[0], axis) }},
		)
		for _, excl := range []bool{false, true} {
			for _, rev := range []bool{false, true} {
				cs = append(cs, vjpCase{name: fmt.Sprintf("CumSum/%s_%d_excl%v_rev%v", s, axis, excl, rev), shapes: []graph.Shape{s},
					dom: []domain{anyReal}, build: func(in []*graph.Node) *graph.Node { return ops.CumSum(in[0], axis, excl, rev) }})
			}
		}
		for _, sm := range []struct {
			name string
			f    func(*graph.Node, int) *graph.Node
		}{{"Softmax", ops.Softmax}, {"LogSoftmax", ops.LogSoftmax}, {"Hardmax", ops.Hardmax}} {
			f := sm.f
			for _, rank := range []int{1, 2, 4} {
				s := randShape(r, rank, 3)
				a := r.IntN(2*rank) - rank
				cs = append(cs, vjpCase{name: fmt.Sprintf("%s/%s_axis%d", sm.name, s, a), shapes: []graph.Shape{s},
					dom: []domain{anyReal}, build: func(in []*graph.Node) *graph.Node { return f(in[0], a) }})
			}
		}
		return cs
	})

	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	// x is 2×2×3; the expected values are NumPy's and PyTorch's (float64).
	x := f64(S(2, 2, 3), 1, -1, 6, 4, -2.5, 12, 7, -4, 18, 10, -5.5, 24)
	ax := func(x val) val {
		y := x
		y.v = make([]float64, len(x.v))
		for i, v := range x.v {
			y.v[i] = max(v, -v)
		}
		return y
	}
	red := func(f func(*graph.Node, bool, ...int) *graph.Node, keep bool, axes ...int) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return f(in[0], keep, axes...) }
	}
	addForward(
		forwardCase{name: "ReduceSum/axes0,2_keep", in: []val{x}, build: red(ops.ReduceSum, true, 0, 2), want: f64(S(1, 2, 1), 27, 42)},
		forwardCase{name: "ReduceMean/axis-1", in: []val{x}, build: red(ops.ReduceMean, false, -1), want: f64(S(2, 2), 2, 4.5, 7, 9.5)},
		forwardCase{name: "ReduceMax/axis1_keep", in: []val{x}, build: red(ops.ReduceMax, true, 1), want: f64(S(2, 1, 3), 4, -1, 12, 10, -4, 24)},
		forwardCase{name: "ReduceMin/all", in: []val{x}, build: red(ops.ReduceMin, false), want: f64(S(), -5.5)},
		forwardCase{name: "ReduceMin/all_keep", in: []val{x}, build: red(ops.ReduceMin, true), want: f64(S(1, 1, 1), -5.5)},
		forwardCase{name: "ReduceProd/axis0", in: []val{x}, build: red(ops.ReduceProd, false, 0), want: f64(S(2, 3), 7, 4, 108, 40, 13.75, 288)},
		forwardCase{name: "ReduceL1/axes1,2", in: []val{x}, build: red(ops.ReduceL1, false, 1, 2), want: f64(S(2), 26.5, 68.5)},
		forwardCase{name: "ReduceL2/axis-1_keep", in: []val{x}, build: red(ops.ReduceL2, true, -1),
			want: f64(S(2, 2, 1), 6.164414002968976, 12.893796958227627, 19.72308292331602, 26.575364531836623)},
		forwardCase{name: "ReduceLogSum/axis1", in: []val{ax(x)}, build: red(ops.ReduceLogSum, false, 1),
			want: f64(S(2, 3), 1.6094379124341003, 1.252762968495368, 2.8903717578961645, 2.833213344056216, 2.251291798606495, 3.737669618283368)},
		forwardCase{name: "ReduceLogSumExp/axes0,2", in: []val{x}, build: red(ops.ReduceLogSumExp, false, 0, 2),
			want: f64(S(2), 18.00002289293222, 24.000006977781133)},
		forwardCase{name: "ReduceLogSumExp/large", in: []val{f64(S(3), 1000, 1000, -1e308)}, build: red(ops.ReduceLogSumExp, false),
			want: f64(S(), 1000.6931471805599)}, // no overflow
		forwardCase{name: "ReduceSumSquare/axis0_keep", in: []val{x}, build: red(ops.ReduceSumSquare, true, 0),
			want: f64(S(1, 2, 3), 50, 17, 360, 116, 36.5, 720)},
		forwardCase{name: "ReduceSum/int64", in: []val{i64(S(2, 2), 1, 2, 3, 4)}, build: red(ops.ReduceSum, false, 0), want: i64(S(2), 4, 6)},
		forwardCase{name: "ReduceMax/int64", in: []val{i64(S(2, 2), 1, -2, -3, 4)}, build: red(ops.ReduceMax, true, 1), want: i64(S(2, 1), 1, 4)},
		forwardCase{name: "Variance/axis1", in: []val{x}, build: red(ops.Variance, false, 1), want: f64(S(2, 3), 2.25, 0.5625, 9, 2.25, 0.5625, 9)},
		forwardCase{name: "Sum/all", in: []val{x}, build: one(ops.Sum), want: f64(S(), 69)},
		forwardCase{name: "Mean/all", in: []val{x}, build: one(ops.Mean), want: f64(S(), 5.75)},
		forwardCase{name: "SumAxis/axis0", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.SumAxis(in[0], 0) },
			want: f64(S(1, 3), 5, 7, 9)},
		forwardCase{name: "SumAxis/axis-1", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.SumAxis(in[0], -1) },
			want: f64(S(2, 1), 6, 15)},
		// MeanAxis divides by the length of the axis it reduces: 2 for axis
		// 0 of a 2×3 matrix, 3 for axis −1.
		forwardCase{name: "MeanAxis/axis0", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.MeanAxis(in[0], 0) },
			want: f64(S(1, 3), 2.5, 3.5, 4.5)},
		forwardCase{name: "MeanAxis/axis-1", in: []val{f64(S(2, 3), 1, 2, 3, 4, 5, 6)}, build: func(in []*graph.Node) *graph.Node { return ops.MeanAxis(in[0], -1) },
			want: f64(S(2, 1), 2, 5)},
		forwardCase{name: "ArgMax/axis2", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.ArgMax(in[0], 2, false, false) },
			want: i64(S(2, 2), 2, 2, 2, 2)},
		forwardCase{name: "ArgMin/axis0_keep", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.ArgMin(in[0], 0, true, false) },
			want: i64(S(1, 2, 3), 0, 1, 0, 0, 1, 0)},
		forwardCase{name: "ArgMax/ties", in: []val{f64(S(4), 1, 3, 3, 0)}, build: func(in []*graph.Node) *graph.Node { return ops.ArgMax(in[0], -1, false, false) },
			want: i64(S(), 1)},
		forwardCase{name: "ArgMax/ties_last", in: []val{f64(S(4), 1, 3, 3, 0)}, build: func(in []*graph.Node) *graph.Node { return ops.ArgMax(in[0], -1, true, true) },
			want: i64(S(1), 2)},
		forwardCase{name: "CumSum/axis1", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.CumSum(in[0], 1, false, false) },
			want: f64(S(2, 2, 3), 1, -1, 6, 5, -3.5, 18, 7, -4, 18, 17, -9.5, 42)},
		forwardCase{name: "CumSum/axis-1_exclusive_reverse", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.CumSum(in[0], -1, true, true) },
			want: f64(S(2, 2, 3), 5, 6, 0, 9.5, 12, 0, 14, 18, 0, 18.5, 24, 0)},
		forwardCase{name: "Softmax/axis1", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.Softmax(in[0], 1) },
			want: f64(S(2, 2, 3), 0.04742587317756679, 0.8175744761936437, 0.0024726231566347748, 0.9525741268224334, 0.18242552380635632, 0.9975273768433653,
				0.04742587317756679, 0.8175744761936437, 0.0024726231566347748, 0.9525741268224334, 0.18242552380635632, 0.9975273768433653)},
		forwardCase{name: "LogSoftmax/axis-1", in: []val{x}, build: func(in []*graph.Node) *graph.Node { return ops.LogSoftmax(in[0], -1) },
			want: f64(S(2, 2, 3), -5.007620717394474, -7.007620717394474, -0.007620717394473863, -8.000335910551298, -14.500335910551298, -0.0003359105512982541,
				-11.000016701840261, -22.00001670184026, -1.670184026051104e-05, -14.000000831528528, -29.500000831528528, -8.315285275930059e-07)},
		forwardCase{name: "Softmax/columns", in: []val{f64(S(3, 2), 1, -1, 2, 0, 3, 0.5)}, build: func(in []*graph.Node) *graph.Node { return ops.Softmax(in[0], 0) },
			want: f64(S(3, 2), 0.09003057317038046, 0.12195165230972886, 0.24472847105479764, 0.33149896042409155, 0.6652409557748218, 0.5465493872661796)},
		forwardCase{name: "Hardmax/axis1", in: []val{f64(S(2, 3), 1, 5, 5, 2, 0, 1)}, build: func(in []*graph.Node) *graph.Node { return ops.Hardmax(in[0], 1) },
			want: f64(S(2, 3), 0, 1, 0, 1, 0, 0)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		var outs []*graph.Node
		for _, row := range reduceRows {
			x := param(g, "red_"+row.name, dt, row.dom, 2, 3, 4)
			outs = append(outs, row.f(x, false, 0, -1), row.f(x, true, 1))
		}
		x := param(g, "red_x", dt, anyReal, 3, 4)
		outs = append(outs, ops.Sum(x), ops.Mean(x), ops.SumAxis(x, 0), ops.MeanAxis(x, -1),
			ops.CumSum(x, 1, true, true), ops.Softmax(x, 1), ops.LogSoftmax(x, 0), ops.Hardmax(x, -1),
			ops.ArgMax(x, 1, true, false), ops.ArgMin(x, 0, false, true))
		xi := g.Const("red_int", intTensor([]int64{1, -2, 3, 4, 5, -6}, 2, 3))
		outs = append(outs, ops.ReduceSum(xi, false, 1), ops.ReduceMax(xi, true), ops.CumSum(xi, 0, false, false))
		return outs
	})
}

// TestReduceRejectsBadAxes: an axis out of range or repeated is a build
// error, never a silent other meaning or a panic.
func TestReduceRejectsBadAxes(t *testing.T) {
	for _, tt := range []struct {
		build func(x *graph.Node)
		want  string
	}{
		{func(x *graph.Node) { ops.SumAxis(x, 2) }, "ReduceSum(x): shape 2x3 cannot be reduced: axis 2 is out of range for rank 2"},
		{func(x *graph.Node) { ops.SumAxis(x, -3) }, "ReduceSum(x): shape 2x3 cannot be reduced: axis -3 is out of range for rank 2"},
		{func(x *graph.Node) { ops.MeanAxis(x, -3) }, "ReduceMean(x): shape 2x3 cannot be reduced: axis -3 is out of range for rank 2"},
		{func(x *graph.Node) { ops.ReduceMax(x, true, 0, -2) }, "ReduceMax(x): shape 2x3 cannot be reduced: axis -2 is repeated"},
		{func(x *graph.Node) { ops.Softmax(x, 2) }, "Softmax(x): shape 2x3 has no axis 2"},
		{func(x *graph.Node) { ops.ArgMax(x, -3, false, false) }, "ArgMax(x): shape 2x3 has no axis -3"},
		{func(x *graph.Node) { ops.CumSum(x, 5, false, false) }, "CumSum(x): shape 2x3 has no axis 5"},
	} {
		g := graph.New()
		tt.build(g.Input("x", graph.Float64, 2, 3))
		assert.EqualError(t, g.Err(), tt.want)
	}
}
