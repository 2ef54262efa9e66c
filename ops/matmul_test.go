package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		R, C, K, B := 1+r.IntN(4), 1+r.IntN(4), 1+r.IntN(4), 2+r.IntN(2)
		var cs []vjpCase
		for _, mm := range []struct {
			flags  int
			sa, sb graph.Shape
		}{
			{0, graph.Shape{R, K}, graph.Shape{K, C}},
			{ops.TransA, graph.Shape{K, R}, graph.Shape{K, C}},
			{ops.TransB, graph.Shape{R, K}, graph.Shape{C, K}},
			{ops.TransA | ops.TransB, graph.Shape{K, R}, graph.Shape{C, K}},
			{0, graph.Shape{B, R, K}, graph.Shape{K, C}},                // batch folded into rows
			{ops.TransA, graph.Shape{B, K, R}, graph.Shape{K, C}},       // batch, transposed a
			{0, graph.Shape{R, K}, graph.Shape{B, K, C}},                // a broadcast over b's batch
			{ops.TransB, graph.Shape{2, 1, R, K}, graph.Shape{B, C, K}}, // batch axes broadcast both ways
			{ops.TransA | ops.TransB, graph.Shape{B, K, R}, graph.Shape{B, C, K}},
			{0, graph.Shape{K}, graph.Shape{K, C}},    // vector · matrix
			{0, graph.Shape{R, K}, graph.Shape{K}},    // matrix · vector
			{0, graph.Shape{K}, graph.Shape{K}},       // dot product
			{0, graph.Shape{B, R, K}, graph.Shape{K}}, // batch · vector
			{0, graph.Shape{K}, graph.Shape{B, K, C}}, // vector · batch
		} {
			flags := mm.flags
			cs = append(cs, vjpCase{name: fmt.Sprintf("MatMul/flags%d_%s_%s", flags, mm.sa, mm.sb),
				shapes: []graph.Shape{mm.sa, mm.sb}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.MatMul(in[0], in[1], flags) }})
		}
		cs = append(cs, vjpCase{name: fmt.Sprintf("Gemm/%dx%dx%d", R, K, C), shapes: []graph.Shape{{K, R}, {K, C}, {C}}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.Gemm(in[0], in[1], in[2], 0.5, -2, ops.TransA) }})
		return cs
	})

	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	a := []float64{1, 2, 3, 4, 5, 6} // [[1 2 3] [4 5 6]]
	aT := []float64{1, 4, 2, 5, 3, 6}
	b := []float64{1, 0, 0, 1, 1, 1} // [[1 0] [0 1] [1 1]]
	bT := []float64{1, 0, 1, 0, 1, 1}
	want := f64(S(2, 2), 4, 5, 10, 11)
	mm := func(flags int) func([]*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.MatMul(in[0], in[1], flags) }
	}
	seq := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i+1) * scale
		}
		return v
	}
	addForward(
		forwardCase{name: "MatMul/plain", in: []val{f64(S(2, 3), a...), f64(S(3, 2), b...)}, build: mm(0), want: want},
		forwardCase{name: "MatMul/transA", in: []val{f64(S(3, 2), aT...), f64(S(3, 2), b...)}, build: mm(ops.TransA), want: want},
		forwardCase{name: "MatMul/transB", in: []val{f64(S(2, 3), a...), f64(S(2, 3), bT...)}, build: mm(ops.TransB), want: want},
		forwardCase{name: "MatMul/transAB", in: []val{f64(S(3, 2), aT...), f64(S(2, 3), bT...)}, build: mm(ops.TransA | ops.TransB), want: want},
		// NumPy's matmul in float64.
		forwardCase{name: "MatMul/batch_by_matrix", in: []val{f64(S(2, 2, 3), seq(12, 1)...), f64(S(3, 2), 1, 0, 0, 1, 1, -1)}, build: mm(0),
			want: f64(S(2, 2, 2), 4, -1, 10, -1, 16, -1, 22, -1)},
		forwardCase{name: "MatMul/broadcast_batches", in: []val{f64(S(2, 1, 2, 3), seq(12, 1)...), f64(S(3, 3, 2), seq(18, 0.5)...)}, build: mm(0),
			want: f64(S(2, 3, 2, 2), 11, 14, 24.5, 32, 29, 32, 69.5, 77, 47, 50, 114.5, 122, 38, 50, 51.5, 68, 110, 122, 150.5, 167, 182, 194, 249.5, 266)},
		forwardCase{name: "MatMul/vector_matrix", in: []val{f64(S(3), 1, -1, 2), f64(S(3, 2), seq(6, 0.5)...)}, build: mm(0), want: f64(S(2), 4, 5)},
		forwardCase{name: "MatMul/matrix_vector", in: []val{f64(S(2, 3), a...), f64(S(3), 1, -1, 2)}, build: mm(0), want: f64(S(2), 5, 11)},
		forwardCase{name: "MatMul/dot", in: []val{f64(S(3), 1, -1, 2), f64(S(3), 1, -1, 2)}, build: mm(0), want: f64(S(), 6)},
		forwardCase{name: "MatMul/batch_vector", in: []val{f64(S(2, 1, 2, 3), seq(12, 1)...), f64(S(3), 1, -1, 2)}, build: mm(0),
			want: f64(S(2, 1, 2), 5, 11, 17, 23)},
		forwardCase{name: "Gemm/transA_bias", in: []val{f64(S(3, 2), aT...), f64(S(3, 2), b...), f64(S(2), 1, -1)},
			build: func(in []*graph.Node) *graph.Node { return ops.Gemm(in[0], in[1], in[2], 2, 3, ops.TransA) },
			want:  f64(S(2, 2), 11, 7, 23, 19)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		a := param(g, "mm_a", dt, anyReal, 2, 3, 4)
		b := param(g, "mm_b", dt, anyReal, 4, 5)
		c := param(g, "mm_c", dt, anyReal, 3, 1, 5, 4)
		v := param(g, "mm_v", dt, anyReal, 4)
		return []*graph.Node{ops.MatMul(a, b, 0), ops.MatMul(a, c, ops.TransB), ops.MatMul(a, v, 0), ops.MatMul(v, b, 0),
			ops.Gemm(param(g, "mm_m", dt, anyReal, 4, 3), b, v.Graph().Scalar(1, dt), 1, 2, ops.TransA)}
	})
}

func TestMatMulRejectsBadShapes(t *testing.T) {
	for _, tt := range []struct {
		sa, sb graph.Shape
		flags  int
		want   string
	}{
		{graph.Shape{3, 4}, graph.Shape{5, 2}, ops.TransA, "MatMul(a, b): shapes 3x4 and 5x2 do not multiply as aᵀ·b (inner dimensions 3 and 5)"},
		{graph.Shape{2, 3, 4}, graph.Shape{3, 4, 2}, 0, "MatMul(a, b): shapes 2x3x4 and 3x4x2 have batch axes that do not broadcast"},
		{graph.Shape{}, graph.Shape{3}, 0, "MatMul(a, b): shapes () and 3 are not matrices or vectors"},
		{graph.Shape{3}, graph.Shape{3, 2}, ops.TransA, "MatMul(a, b): shapes 3 and 3x2 cannot transpose the vector a"},
	} {
		g := graph.New()
		ops.MatMul(g.Input("a", graph.Float64, tt.sa...), g.Input("b", graph.Float64, tt.sb...), tt.flags)
		assert.EqualError(t, g.Err(), tt.want)
	}
}
