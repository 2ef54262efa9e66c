package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// eval builds f on inputs of the given shapes and values, in dtype dt, and
// returns the output as float64s.
func eval(t *testing.T, dt graph.DType, shapes []graph.Shape, vals [][]float64, f func([]*graph.Node) *graph.Node) ([]float64, graph.Shape) {
	t.Helper()
	g := graph.New()
	in := make([]*graph.Node, len(shapes))
	for i, s := range shapes {
		in[i] = g.Input(fmt.Sprintf("x%d", i), dt, s...)
		require.NoError(t, in[i].SetFloat64s(vals[i]))
	}
	out := f(in)
	p, err := g.Compile(out)
	require.NoError(t, err)
	p.Run()
	res := make([]float64, out.Shape().Size())
	for i := range res {
		res[i] = out.Storage().At(i)
	}
	return res, out.Shape()
}

func TestSoftmaxAndCostsMatchFormulas(t *testing.T) {
	// Two samples (columns) of three units.
	z := []float64{1, -1, 2, 0, 3, 0.5}
	y := []float64{0, 1, 1, 0, 0, 0} // one-hot per column: sample 0 → unit 1, sample 1 → unit 0
	soft := make([]float64, 6)
	for c := 0; c < 2; c++ {
		var s float64
		for r := 0; r < 3; r++ {
			s += math.Exp(z[r*2+c])
		}
		for r := 0; r < 3; r++ {
			soft[r*2+c] = math.Exp(z[r*2+c]) / s
		}
	}
	got, _ := eval(t, graph.Float64, []graph.Shape{{3, 2}}, [][]float64{z}, func(in []*graph.Node) *graph.Node { return ops.Softmax(in[0], 0) })
	assert.InDeltaSlice(t, soft, got, 1e-15)
	got, _ = eval(t, graph.Float64, []graph.Shape{{3, 2}}, [][]float64{z}, func(in []*graph.Node) *graph.Node { return ops.LogSoftmax(in[0], 0) })
	for i := range soft {
		assert.InDelta(t, math.Log(soft[i]), got[i], 1e-15)
	}

	ce := -(math.Log(soft[2]) + math.Log(soft[1])) / 2
	var quad, bce float64
	a := []float64{0.2, 0.7, 0.4, 0.1, 0.9, 0.3}
	for i := range a {
		quad += 0.5 * (a[i] - y[i]) * (a[i] - y[i])
		bce -= y[i]*math.Log(a[i]) + (1-y[i])*math.Log(1-a[i])
	}
	quad, bce = quad/2, bce/2
	s := []graph.Shape{{3, 2}, {3, 2}}
	for _, tt := range []struct {
		name string
		f    func(a, y *graph.Node) *graph.Node
		in   []float64
		want float64
	}{
		{"SoftmaxCrossEntropy", ops.SoftmaxCrossEntropy, z, ce},
		{"CrossEntropy", ops.CrossEntropy, soft, ce},
		{"QuadraticCost", ops.QuadraticCost, a, quad},
		{"BinaryCrossEntropy", ops.BinaryCrossEntropy, a, bce},
	} {
		for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
			got, _ := eval(t, dt, s, [][]float64{tt.in, y}, func(in []*graph.Node) *graph.Node { return tt.f(in[0], in[1]) })
			tol := 1e-15
			if dt == graph.Float32 {
				tol = 1e-6
			}
			assert.InDelta(t, tt.want, got[0], tol*max(1, tt.want), "%s %s", tt.name, dt)
		}
	}
}

// The exponentials of Softmax and SoftmaxCrossEntropy run vectorised over
// many columns at once (or one long column in pieces): shapes that cross
// those boundaries against the formulas in float64.
func TestSoftmaxLargeShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, sh := range []graph.Shape{{10, 60}, {10, 128}, {10, 300}, {3, 600}, {300, 3}, {600, 2}, {1, 40}, {7, 5}} {
		rows, cols := sh[0], sh[1]
		z := randVals(r, rows*cols, domain{lo: -30, hi: 30})
		y := make([]float64, rows*cols)
		for c := 0; c < cols; c++ {
			y[r.IntN(rows)*cols+c] = 1
		}
		for _, axis := range []int{0, 1} {
			want := make([]float64, len(z))
			count, length, stride, step := cols, rows, cols, 1
			if axis == 1 {
				count, length, stride, step = rows, cols, 1, cols
			}
			var ce float64
			for c := 0; c < count; c++ {
				m := math.Inf(-1)
				for i := 0; i < length; i++ {
					m = max(m, z[c*step+i*stride])
				}
				var s float64
				for i := 0; i < length; i++ {
					s += math.Exp(z[c*step+i*stride] - m)
				}
				for i := 0; i < length; i++ {
					k := c*step + i*stride
					want[k] = math.Exp(z[k]-m) / s
					if axis == 0 {
						ce -= y[k] * (z[k] - m - math.Log(s))
					}
				}
			}
			for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
				tol := 1e-14
				if dt == graph.Float32 {
					tol = 1e-5
				}
				got, _ := eval(t, dt, []graph.Shape{sh}, [][]float64{z}, func(in []*graph.Node) *graph.Node { return ops.Softmax(in[0], axis) })
				for i := range want {
					require.InDelta(t, want[i], got[i], tol, "Softmax %v axis %d %s at %d", sh, axis, dt, i)
				}
				got, _ = eval(t, dt, []graph.Shape{sh}, [][]float64{z}, func(in []*graph.Node) *graph.Node { return ops.LogSoftmax(in[0], axis) })
				for i := range want {
					require.InDelta(t, math.Log(want[i]), got[i], tol*max(1, math.Abs(math.Log(want[i]))), "LogSoftmax %v axis %d %s at %d", sh, axis, dt, i)
				}
				if axis == 0 {
					got, _ = eval(t, dt, []graph.Shape{sh, sh}, [][]float64{z, y}, func(in []*graph.Node) *graph.Node { return ops.SoftmaxCrossEntropy(in[0], in[1]) })
					require.InDelta(t, ce/float64(cols), got[0], tol*max(1, ce/float64(cols)), "SoftmaxCrossEntropy %v %s", sh, dt)
					// Its gradient, one fused node: (softmax(z) − y)/M for one-hot y.
					got, _ = eval(t, dt, []graph.Shape{sh, sh}, [][]float64{z, y}, func(in []*graph.Node) *graph.Node {
						grads, err := autodiff.Grad(ops.SoftmaxCrossEntropy(in[0], in[1]), in[0])
						require.NoError(t, err)
						return grads[0]
					})
					for i := range want {
						require.InDelta(t, (want[i]-y[i])/float64(cols), got[i], tol/float64(cols), "SoftmaxCrossEntropy gradient %v %s at %d", sh, dt, i)
					}
				}
			}
		}
	}
}

func init() {
	// The lecture's costs: one column per sample, averaged over the M = 2
	// columns. a, y and the values are those of TestSoftmaxAndCostsMatchFormulas
	// worked out by hand: quadratic ½Σ(a−y)²/M, binary cross-entropy and
	// cross-entropy of softmax(z).
	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	y := f64(S(3, 2), 0, 1, 1, 0, 0, 0)
	a := f64(S(3, 2), 0.2, 0.7, 0.4, 0.1, 0.9, 0.3)
	addForward(
		forwardCase{name: "QuadraticCost/2samples", in: []val{a, y}, build: two(ops.QuadraticCost), want: f64(S(), (0.04+0.09+0.36+0.01+0.81+0.09)/4)},
		forwardCase{name: "BinaryCrossEntropy/2samples", in: []val{a, y}, build: two(ops.BinaryCrossEntropy),
			want: f64(S(), -(math.Log(0.8)+math.Log(0.7)+math.Log(0.4)+math.Log(0.9)+math.Log(0.1)+math.Log(0.7))/2)},
		// Saturated outputs: the terms of weight 0 are left out, so 0·ln 0
		// does not make the cost NaN.
		forwardCase{name: "BinaryCrossEntropy/saturated", in: []val{f64(S(1, 2), 1, 0), f64(S(1, 2), 1, 0)}, build: two(ops.BinaryCrossEntropy),
			want: f64(S(), 0)},
		forwardCase{name: "CrossEntropy/2samples", in: []val{a, y}, build: two(ops.CrossEntropy), want: f64(S(), -(math.Log(0.7)+math.Log(0.4))/2)},
		// softmax of the columns (1, 2, 3) and (−1, 0, 0.5); targets unit 1
		// and unit 0: −(ln softmax₁(col 0) + ln softmax₀(col 1))/2.
		forwardCase{name: "SoftmaxCrossEntropy/2samples", in: []val{f64(S(3, 2), 1, -1, 2, 0, 3, 0.5), y}, build: two(ops.SoftmaxCrossEntropy),
			want: f64(S(), (1.4076059644443801+2.1041306053367284)/2)},
	)
	addVJP(func(r *rand.Rand) []vjpCase {
		m := randShape(r, 2, 4)
		var cs []vjpCase
		for _, c := range []struct {
			name string
			f    func(a, y *graph.Node) *graph.Node
			dom  []domain
		}{
			{"QuadraticCost", ops.QuadraticCost, []domain{anyReal}},
			{"BinaryCrossEntropy", ops.BinaryCrossEntropy, []domain{prob}},
			{"CrossEntropy", ops.CrossEntropy, []domain{prob}},
			{"SoftmaxCrossEntropy", ops.SoftmaxCrossEntropy, []domain{anyReal, prob}},
		} {
			f := c.f
			cs = append(cs, vjpCase{name: c.name + "/" + m.String(), shapes: []graph.Shape{m, m}, dom: c.dom,
				build: func(in []*graph.Node) *graph.Node { return f(in[0], in[1]) }})
		}
		// A cost times a parameter w: the cost's adjoint then depends on w,
		// so the second order also checks the derivative of the fused
		// softmax cross-entropy gradient with respect to that adjoint.
		cs = append(cs, vjpCase{name: "SoftmaxCrossEntropy/scaled/" + m.String(), shapes: []graph.Shape{m, m, {}},
			dom:   []domain{anyReal, prob, anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.Mul(in[2], ops.SoftmaxCrossEntropy(in[0], in[1])) }})
		return cs
	})
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		a := param(g, "cost_a", dt, prob, 3, 5)
		y := param(g, "cost_y", dt, prob, 3, 5)
		return []*graph.Node{ops.QuadraticCost(a, y), ops.BinaryCrossEntropy(a, y), ops.CrossEntropy(a, y), ops.SoftmaxCrossEntropy(a, y)}
	})
}
