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

func randVals(r *rand.Rand, n int, d domain) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = d.lo + (d.hi-d.lo)*r.Float64()
	}
	return v
}

// at returns element (i, j) of a value of shape s broadcast NumPy-style.
func at(v []float64, s graph.Shape, i, j int) float64 {
	rows, cols := s.Matrix()
	if rows == 1 {
		i = 0
	}
	if cols == 1 {
		j = 0
	}
	return v[i*cols+j]
}

func TestBinaryForwardMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	fns := map[string]struct {
		op  func(a, b *graph.Node) *graph.Node
		ref func(a, b float64) float64
	}{
		"Add": {ops.Add, func(a, b float64) float64 { return a + b }},
		"Sub": {ops.Sub, func(a, b float64) float64 { return a - b }},
		"Mul": {ops.Mul, func(a, b float64) float64 { return a * b }},
		"Div": {ops.Div, func(a, b float64) float64 { return a / b }},
	}
	for name, fn := range fns {
		for _, p := range broadcastPatterns(3, 4) {
			for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
				t.Run(fmt.Sprintf("%s/%s_%s/%s", name, p[0], p[1], dt), func(t *testing.T) {
					a := randVals(r, p[0].Size(), anyReal)
					b := randVals(r, p[1].Size(), positive)
					got, s := eval(t, dt, p[:], [][]float64{a, b}, func(in []*graph.Node) *graph.Node { return fn.op(in[0], in[1]) })
					want, ok := ops.BroadcastShape(p[0], p[1])
					require.True(t, ok)
					require.Equal(t, want, s)
					rows, cols := s.Matrix()
					tol := 1e-15
					if dt == graph.Float32 {
						tol = 1e-5
					}
					for i := 0; i < rows; i++ {
						for j := 0; j < cols; j++ {
							exp := fn.ref(at(a, p[0], i, j), at(b, p[1], i, j))
							assert.InDelta(t, exp, got[i*cols+j], tol*max(1, math.Abs(exp)))
						}
					}
				})
			}
		}
	}
}

func TestUnaryForwardMatchesReference(t *testing.T) {
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name string
		op   func(*graph.Node) *graph.Node
		ref  func(float64) float64
		dom  domain
	}{
		{"Neg", ops.Neg, func(x float64) float64 { return -x }, anyReal},
		{"Scale", func(x *graph.Node) *graph.Node { return ops.Scale(x, 0.5) }, func(x float64) float64 { return x / 2 }, anyReal},
		{"Exp", ops.Exp, math.Exp, anyReal},
		{"Log", ops.Log, math.Log, positive},
		{"Square", ops.Square, func(x float64) float64 { return x * x }, anyReal},
		{"Sqrt", ops.Sqrt, math.Sqrt, positive},
		{"Sigmoid", ops.Sigmoid, sigmoid, domain{-40, 40}},
		{"Tanh", ops.Tanh, math.Tanh, anyReal},
		{"ReLU", ops.ReLU, func(x float64) float64 { return math.Max(x, 0) }, anyReal},
		{"Heaviside", ops.Heaviside, func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		}, anyReal},
	}
	r := rand.New(rand.NewPCG(6, 6))
	for _, tt := range tests {
		for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
			t.Run(tt.name+"/"+dt.String(), func(t *testing.T) {
				x := randVals(r, 12, tt.dom)
				x[0] = 0 // ReLU(0) = 0 and Heaviside(0) = 0 by convention
				if tt.dom == positive {
					x[0] = 1
				}
				got, _ := eval(t, dt, []graph.Shape{{3, 4}}, [][]float64{x}, func(in []*graph.Node) *graph.Node { return tt.op(in[0]) })
				tol := 1e-15
				if dt == graph.Float32 {
					tol = 1e-6
				}
				for i, v := range x {
					if dt == graph.Float32 {
						v = float64(float32(v))
					}
					want := tt.ref(v)
					assert.InDelta(t, want, got[i], tol*max(1, math.Abs(want)), "x = %g", v)
				}
			})
		}
	}
}

func TestPassWhere(t *testing.T) {
	got, _ := eval(t, graph.Float32, []graph.Shape{{5}, {5}}, [][]float64{{1, 2, 3, 4, 5}, {-1, 0, 0.5, -0.25, 7}},
		func(in []*graph.Node) *graph.Node { return ops.PassWhere(in[0], in[1]) })
	assert.Equal(t, []float64{0, 0, 3, 0, 5}, got)
	g := graph.New()
	ops.PassWhere(g.Input("g", graph.Float64, 2), g.Input("x", graph.Float64, 3))
	assert.EqualError(t, g.Err(), "PassWhere(g, x): shapes 2 and 3 differ")
}

func TestSigmoidExtremes(t *testing.T) {
	got, _ := eval(t, graph.Float64, []graph.Shape{{4}}, [][]float64{{-1000, -40, 40, 1000}},
		func(in []*graph.Node) *graph.Node { return ops.Sigmoid(in[0]) })
	assert.Equal(t, 0.0, got[0])
	assert.InDelta(t, 4.248354255291589e-18, got[1], 1e-30)
	assert.Equal(t, 1.0, got[2])
	assert.Equal(t, 1.0, got[3])
}

func TestMatMulForwardAllFlags(t *testing.T) {
	// A = [[1 2 3] [4 5 6]], B = [[1 0] [0 1] [1 1]]: A·B = [[4 5] [10 11]].
	a := []float64{1, 2, 3, 4, 5, 6}
	aT := []float64{1, 4, 2, 5, 3, 6}
	b := []float64{1, 0, 0, 1, 1, 1}
	bT := []float64{1, 0, 1, 0, 1, 1}
	want := []float64{4, 5, 10, 11}
	tests := []struct {
		flags  int
		sa, sb graph.Shape
		va, vb []float64
	}{
		{0, graph.Shape{2, 3}, graph.Shape{3, 2}, a, b},
		{ops.TransA, graph.Shape{3, 2}, graph.Shape{3, 2}, aT, b},
		{ops.TransB, graph.Shape{2, 3}, graph.Shape{2, 3}, a, bT},
		{ops.TransA | ops.TransB, graph.Shape{3, 2}, graph.Shape{2, 3}, aT, bT},
	}
	for _, tt := range tests {
		for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
			got, s := eval(t, dt, []graph.Shape{tt.sa, tt.sb}, [][]float64{tt.va, tt.vb},
				func(in []*graph.Node) *graph.Node { return ops.MatMul(in[0], in[1], tt.flags) })
			assert.Equal(t, graph.Shape{2, 2}, s)
			assert.Equal(t, want, got, "flags %d %s", tt.flags, dt)
		}
	}
}

func TestReductionsAndShapes(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6} // 2×3
	tests := []struct {
		name  string
		f     func(*graph.Node) *graph.Node
		shape graph.Shape
		want  []float64
	}{
		{"Sum", ops.Sum, graph.Shape{}, []float64{21}},
		{"SumAxis0", func(n *graph.Node) *graph.Node { return ops.SumAxis(n, 0) }, graph.Shape{1, 3}, []float64{5, 7, 9}},
		{"SumAxis1", func(n *graph.Node) *graph.Node { return ops.SumAxis(n, 1) }, graph.Shape{2, 1}, []float64{6, 15}},
		{"Mean", ops.Mean, graph.Shape{}, []float64{3.5}},
		{"MeanAxis1", func(n *graph.Node) *graph.Node { return ops.MeanAxis(n, 1) }, graph.Shape{2, 1}, []float64{2, 5}},
		{"Transpose", ops.Transpose, graph.Shape{3, 2}, []float64{1, 4, 2, 5, 3, 6}},
		{"Reshape", func(n *graph.Node) *graph.Node { return ops.Reshape(n, 3, 2) }, graph.Shape{3, 2}, x},
		{"SumToColumn", func(n *graph.Node) *graph.Node { return ops.SumTo(n, graph.Shape{2, 1}) }, graph.Shape{2, 1}, []float64{6, 15}},
		{"SumToRow", func(n *graph.Node) *graph.Node { return ops.SumTo(n, graph.Shape{3}) }, graph.Shape{3}, []float64{5, 7, 9}},
		{"BroadcastTo", func(n *graph.Node) *graph.Node { return ops.BroadcastTo(ops.SumAxis(n, 1), graph.Shape{2, 2}) }, graph.Shape{2, 2}, []float64{6, 6, 15, 15}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, s := eval(t, graph.Float64, []graph.Shape{{2, 3}}, [][]float64{x}, func(in []*graph.Node) *graph.Node { return tt.f(in[0]) })
			assert.Equal(t, tt.shape, s)
			assert.Equal(t, tt.want, got)
		})
	}
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
		z := randVals(r, rows*cols, domain{-30, 30})
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
