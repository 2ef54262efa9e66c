package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

type binRow struct {
	name string
	f    func(a, b *graph.Node) *graph.Node
	dom  []domain
	ref  func(a, b float64) float64
}

var binaryRows = []binRow{
	{"Add", ops.Add, []domain{anyReal}, func(a, b float64) float64 { return a + b }},
	{"Sub", ops.Sub, []domain{anyReal}, func(a, b float64) float64 { return a - b }},
	{"Mul", ops.Mul, []domain{anyReal}, func(a, b float64) float64 { return a * b }},
	{"Div", ops.Div, []domain{anyReal, awayZero}, func(a, b float64) float64 { return a / b }},
	{"Pow", ops.Pow, []domain{positive, anyReal}, math.Pow},
	// |a|/|b| stays within (2, 3), where trunc(a/b) is constant.
	{"Mod", func(a, b *graph.Node) *graph.Node { return ops.Mod(a, b, true) },
		[]domain{{lo: 2.1, hi: 2.4, signed: true}, {lo: 0.85, hi: 1, signed: true}}, math.Mod},
	{"MaxOf", func(a, b *graph.Node) *graph.Node { return ops.MaxOf(a, b) }, []domain{anyReal}, math.Max},
	{"MinOf", func(a, b *graph.Node) *graph.Node { return ops.MinOf(a, b) }, []domain{anyReal}, math.Min},
	{"SumOf", func(a, b *graph.Node) *graph.Node { return ops.SumOf(a, b) }, []domain{anyReal}, func(a, b float64) float64 { return a + b }},
	{"MeanOf", func(a, b *graph.Node) *graph.Node { return ops.MeanOf(a, b) }, []domain{anyReal}, func(a, b float64) float64 { return (a + b) / 2 }},
}

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		for _, p := range broadcastPairs(r) {
			for _, b := range binaryRows {
				f := b.f
				cs = append(cs, vjpCase{name: fmt.Sprintf("%s/%s_%s", b.name, p[0], p[1]),
					shapes: []graph.Shape{p[0], p[1]}, dom: b.dom,
					build: func(in []*graph.Node) *graph.Node { return f(in[0], in[1]) }})
			}
			// Where, with a random condition broadcast against both.
			cond := tensor.New(tensor.WithShape([]int(p[1])...), tensor.WithBacking(randCond(r, p[1])))
			cs = append(cs, vjpCase{name: fmt.Sprintf("Where/%s_%s", p[0], p[1]),
				shapes: []graph.Shape{p[0], p[1]}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					c := in[0].Graph().Const("", cond)
					return ops.Where(c, in[0], in[1])
				}})
		}
		s := randShape(r, r.IntN(5), 3)
		cs = append(cs,
			vjpCase{name: "PowConst/" + s.String(), shapes: []graph.Shape{s}, dom: []domain{positive},
				build: func(in []*graph.Node) *graph.Node { return ops.PowConst(in[0], -1.5) }},
			vjpCase{name: "MaxOf/three/" + s.String(), shapes: []graph.Shape{s, s, s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.MaxOf(in...) }},
			vjpCase{name: "MeanOf/three/" + s.String(), shapes: []graph.Shape{s, {}, s}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.MeanOf(in...) }},
		)
		return cs
	})

	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	nan := math.NaN()
	addForward(
		forwardCase{name: "Add/rank3_column", in: []val{f64(S(2, 2, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), f64(S(2, 1), 100, 200)},
			build: two(ops.Add), want: f64(S(2, 2, 3), 101, 102, 103, 204, 205, 206, 107, 108, 109, 210, 211, 212)},
		forwardCase{name: "Sub/rank4_alternating", in: []val{f64(S(2, 1, 2, 1), 10, 20, 30, 40), f64(S(1, 2, 1, 2), 1, 2, 3, 4)},
			build: two(ops.Sub), want: f64(S(2, 2, 2, 2), 9, 8, 19, 18, 7, 6, 17, 16, 29, 28, 39, 38, 27, 26, 37, 36)},
		forwardCase{name: "Mul/scalar", in: []val{f64(S(), 3), f64(S(2), 1.5, -2)}, build: two(ops.Mul), want: f64(S(2), 4.5, -6)},
		forwardCase{name: "Div/row", in: []val{f64(S(2, 2), 1, 2, 3, 4), f64(S(2), 2, 4)}, build: two(ops.Div), want: f64(S(2, 2), 0.5, 0.5, 1.5, 1)},
		forwardCase{name: "Div/int64", in: []val{i64(S(4), 7, -7, 7, 5), i64(S(4), 2, 2, -2, 0)}, build: two(ops.Div),
			want: i64(S(4), 3, -3, -3, 0)}, // truncated, and 0 for a division by zero
		forwardCase{name: "Pow/vector", in: []val{f64(S(3), 2, 9, 4), f64(S(3), 3, 0.5, -1)}, build: two(ops.Pow), want: f64(S(3), 8, 3, 0.25)},
		forwardCase{name: "PowConst/vector", in: []val{f64(S(2), 4, 9)}, build: func(in []*graph.Node) *graph.Node { return ops.PowConst(in[0], 1.5) },
			want: f64(S(2), 8, 27)},
		forwardCase{name: "Mod/int64", in: []val{i64(S(4), 7, -7, 7, -7), i64(S(4), 3, 3, -3, -3)},
			build: func(in []*graph.Node) *graph.Node { return ops.Mod(in[0], in[1], false) }, want: i64(S(4), 1, 2, -2, -1)},
		forwardCase{name: "Mod/fmod_int64", in: []val{i64(S(4), 7, -7, 7, -7), i64(S(4), 3, 3, -3, -3)},
			build: func(in []*graph.Node) *graph.Node { return ops.Mod(in[0], in[1], true) }, want: i64(S(4), 1, -1, 1, -1)},
		forwardCase{name: "Mod/fmod_float", in: []val{f64(S(3), 5.5, -5.5, 5.5), f64(S(3), 2, 2, -2)},
			build: func(in []*graph.Node) *graph.Node { return ops.Mod(in[0], in[1], true) }, want: f64(S(3), 1.5, -1.5, 1.5)},
		forwardCase{name: "MaxOf/three", in: []val{f64(S(3), 1, 5, nan), f64(S(), 2), f64(S(3), 0, 7, 1)},
			build: func(in []*graph.Node) *graph.Node { return ops.MaxOf(in...) }, want: f64(S(3), 2, 7, nan)},
		forwardCase{name: "MinOf/two", in: []val{f64(S(3), 1, 5, -3), f64(S(), 2)}, build: func(in []*graph.Node) *graph.Node { return ops.MinOf(in...) },
			want: f64(S(3), 1, 2, -3)},
		forwardCase{name: "SumOf/three", in: []val{f64(S(2), 1, 2), f64(S(2), 10, 20), f64(S(), 100)},
			build: func(in []*graph.Node) *graph.Node { return ops.SumOf(in...) }, want: f64(S(2), 111, 122)},
		forwardCase{name: "MeanOf/three", in: []val{f64(S(2), 1, 2), f64(S(2), 10, 20), f64(S(), 100)},
			build: func(in []*graph.Node) *graph.Node { return ops.MeanOf(in...) }, want: f64(S(2), 37, 122.0/3)},
		forwardCase{name: "Greater/broadcast", in: []val{f64(S(2, 2), 1, 2, 3, 4), f64(S(2), 2, 2)}, build: two(ops.Greater),
			want: bools(S(2, 2), false, false, true, true)},
		forwardCase{name: "Less/int64", in: []val{i64(S(3), 1, 2, 3), i64(S(), 2)}, build: two(ops.Less), want: bools(S(3), true, false, false)},
		forwardCase{name: "Equal/vector", in: []val{f64(S(3), 1, nan, 3), f64(S(3), 1, nan, 2)}, build: two(ops.Equal), want: bools(S(3), true, false, false)},
		forwardCase{name: "Equal/bool", in: []val{bools(S(2), true, false), bools(S(2), true, true)}, build: two(ops.Equal), want: bools(S(2), true, false)},
		forwardCase{name: "GreaterOrEqual/vector", in: []val{f64(S(3), 1, 2, 3), f64(S(), 2)}, build: two(ops.GreaterOrEqual), want: bools(S(3), false, true, true)},
		forwardCase{name: "LessOrEqual/vector", in: []val{f64(S(3), 1, 2, 3), f64(S(), 2)}, build: two(ops.LessOrEqual), want: bools(S(3), true, true, false)},
		forwardCase{name: "And/outer", in: []val{bools(S(2, 1), true, false), bools(S(2), true, false)}, build: two(ops.And),
			want: bools(S(2, 2), true, false, false, false)},
		forwardCase{name: "Or/outer", in: []val{bools(S(2, 1), true, false), bools(S(2), true, false)}, build: two(ops.Or),
			want: bools(S(2, 2), true, true, true, false)},
		forwardCase{name: "Xor/outer", in: []val{bools(S(2, 1), true, false), bools(S(2), true, false)}, build: two(ops.Xor),
			want: bools(S(2, 2), false, true, true, false)},
		forwardCase{name: "Not/vector", in: []val{bools(S(2), true, false)}, build: one(ops.Not), want: bools(S(2), false, true)},
		forwardCase{name: "Where/broadcast", in: []val{bools(S(2, 1), true, false), f64(S(2), 1, 2), f64(S(), -1)},
			build: func(in []*graph.Node) *graph.Node { return ops.Where(in[0], in[1], in[2]) }, want: f64(S(2, 2), 1, 2, -1, -1)},
		forwardCase{name: "Where/int64", in: []val{bools(S(3), true, false, true), i64(S(3), 1, 2, 3), i64(S(3), -1, -2, -3)},
			build: func(in []*graph.Node) *graph.Node { return ops.Where(in[0], in[1], in[2]) }, want: i64(S(3), 1, -2, 3)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		var outs []*graph.Node
		for _, b := range binaryRows {
			x := param(g, "bin_a_"+b.name, dt, b.dom[0], 2, 3, 4)
			y := param(g, "bin_b_"+b.name, dt, b.dom[len(b.dom)-1], 3, 1)
			outs = append(outs, b.f(x, y))
		}
		x, y := param(g, "bin_x", dt, anyReal, 4, 3), param(g, "bin_y", dt, anyReal, 3)
		c := ops.Greater(x, y)
		outs = append(outs, ops.Where(c, x, y), ops.Where(ops.Not(ops.Xor(c, ops.LessOrEqual(x, y))), x, y),
			ops.Where(ops.Or(ops.And(ops.Less(x, y), ops.Equal(x, y)), ops.GreaterOrEqual(x, y)), x, y),
			ops.PowConst(ops.Exp(x), 0.5))
		a := g.Const("bin_ia", intTensor([]int64{7, -7, 7, -7}, 4))
		b := g.Const("bin_ib", intTensor([]int64{3, 3, -3, 0}, 4))
		for _, f := range []func(a, b *graph.Node) *graph.Node{ops.Add, ops.Sub, ops.Mul, ops.Div,
			func(a, b *graph.Node) *graph.Node { return ops.Mod(a, b, false) },
			func(a, b *graph.Node) *graph.Node { return ops.MaxOf(a, b) }} {
			outs = append(outs, f(a, b))
		}
		return outs
	})
}

func two(f func(a, b *graph.Node) *graph.Node) func([]*graph.Node) *graph.Node {
	return func(in []*graph.Node) *graph.Node { return f(in[0], in[1]) }
}

// randCond returns a random bool tensor of shape s.
func randCond(r *rand.Rand, s graph.Shape) []bool {
	c := make([]bool, s.Size())
	for i := range c {
		c[i] = r.IntN(2) == 0
	}
	return c
}

// bcastAt returns the element of v (shape s) that broadcasts to index idx
// of a value of rank len(idx): NumPy's rule written out directly.
func bcastAt(v []float64, s graph.Shape, idx []int) float64 {
	off, stride := 0, 1
	for i := len(s) - 1; i >= 0; i-- {
		j := idx[len(idx)-len(s)+i]
		if s[i] == 1 {
			j = 0
		}
		off += j * stride
		stride *= s[i]
	}
	return v[off]
}

// TestBinaryForwardMatchesReference runs every arithmetic row on every
// broadcasting pattern of ranks 0–4 in both dtypes against the scalar
// reference with the broadcast indices computed independently.
func TestBinaryForwardMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, b := range binaryRows {
		for _, p := range broadcastPairs(r) {
			for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
				t.Run(fmt.Sprintf("%s/%s_%s/%s", b.name, p[0], p[1], dt), func(t *testing.T) {
					av := randVals(r, p[0].Size(), b.dom[0])
					bv := randVals(r, p[1].Size(), b.dom[len(b.dom)-1])
					g := graph.New()
					x, y := g.Input("a", dt, p[0]...), g.Input("b", dt, p[1]...)
					require.NoError(t, x.SetFloat64s(av))
					require.NoError(t, y.SetFloat64s(bv))
					out := b.f(x, y)
					prog, err := g.Compile(out)
					require.NoError(t, err)
					prog.Run()
					want, ok := ops.BroadcastShape(p[0], p[1])
					require.True(t, ok)
					require.Equal(t, want, out.Shape())
					if dt == graph.Float32 {
						for i := range av {
							av[i] = float64(float32(av[i]))
						}
						for i := range bv {
							bv[i] = float64(float32(bv[i]))
						}
					}
					tol := 1e-15
					if dt == graph.Float32 {
						tol = 1e-6
					}
					idx := make([]int, len(want))
					for k := 0; k < want.Size(); k++ {
						rem := k
						for i := len(want) - 1; i >= 0; i-- {
							idx[i] = rem % want[i]
							rem /= want[i]
						}
						w := b.ref(bcastAt(av, p[0], idx), bcastAt(bv, p[1], idx))
						assert.InDelta(t, w, out.Storage().At(k), tol*max(1, math.Abs(w)), "element %d", k)
					}
				})
			}
		}
	}
}

// TestBinaryRejectsBadDTypes: float-only and bool-only ops name the dtype.
func TestBinaryRejectsBadDTypes(t *testing.T) {
	for _, tt := range []struct {
		build func(g *graph.Graph)
		want  string
	}{
		{func(g *graph.Graph) { ops.Pow(g.Input("i", graph.Int64, 2), g.Input("j", graph.Int64, 2)) }, "Pow(i, j): dtypes int64 and int64 are not float32 or float64"},
		{func(g *graph.Graph) { ops.And(g.Input("a", graph.Float64, 2), g.Input("b", graph.Float64, 2)) }, "And(a, b): dtypes float64 and float64 are not bool"},
		{func(g *graph.Graph) { ops.Mod(g.Input("a", graph.Float64, 2), g.Input("b", graph.Float64, 2), false) }, "Mod(a, b): dtypes float64 and float64 are not integers (Mod of floats needs fmod)"},
		{func(g *graph.Graph) { ops.Add(g.Input("a", graph.Bool, 2), g.Input("b", graph.Bool, 2)) }, "Add(a, b): dtypes bool and bool are not numbers"},
		{func(g *graph.Graph) { ops.Add(g.Input("a", graph.Int64, 2), g.Input("b", graph.Float64, 2)) }, "Add(a, b): dtypes int64 and float64 differ"},
		{func(g *graph.Graph) { ops.Exp(g.Input("idx", graph.Int64, 2)) }, "Exp(idx): dtype int64 is not float32 or float64"},
		{func(g *graph.Graph) {
			ops.Where(g.Input("c", graph.Float64, 2), g.Input("a", graph.Float64, 2), g.Input("b", graph.Float64, 2))
		}, "Where(c, a, b): dtype float64 of the condition is not bool"},
		{func(g *graph.Graph) { ops.Add(g.Input("a", graph.Float64, 2, 3, 4), g.Input("b", graph.Float64, 3, 3)) }, "Add(a, b): shapes 2x3x4 and 3x3 do not broadcast"},
	} {
		g := graph.New()
		tt.build(g)
		assert.EqualError(t, g.Err(), tt.want)
	}
}
