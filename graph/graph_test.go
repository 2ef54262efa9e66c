package graph_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func TestShapeMismatchNamesBothNodesAndShapes(t *testing.T) {
	tests := []struct {
		name  string
		build func(g *graph.Graph)
		want  string
	}{
		{"matmul inner", func(g *graph.Graph) {
			w := g.Input("Omega1", graph.Float64, 3, 4)
			a := g.Input("alpha0", graph.Float64, 5, 2)
			ops.MatMul(w, a, ops.TransA).Named("zeta1")
		}, "MatMul(Omega1, alpha0): shapes 3x4 and 5x2 do not multiply as aᵀ·b (inner dimensions 3 and 5)"},
		{"bias add", func(g *graph.Graph) {
			z := g.Input("zeta1", graph.Float64, 4, 8)
			b := g.Input("beta1", graph.Float64, 3, 1)
			ops.Add(z, b)
		}, "Add(zeta1, beta1): shapes 4x8 and 3x1 do not broadcast"},
		{"cost", func(g *graph.Graph) {
			a := g.Input("alpha2", graph.Float64, 10, 8)
			y := g.Input("rho", graph.Float64, 10, 4)
			ops.CrossEntropy(a, y)
		}, "CrossEntropy(alpha2, rho): shapes 10x8 and 10x4 differ"},
		{"dtype", func(g *graph.Graph) {
			a := g.Input("a", graph.Float64, 2, 2)
			b := g.Input("b", graph.Float32, 2, 2)
			ops.Mul(a, b)
		}, "Mul(a, b): dtypes differ: a is float64, b is float32"},
		{"reshape", func(g *graph.Graph) {
			ops.Reshape(g.Input("x", graph.Float64, 2, 3), 4)
		}, "Reshape(x): shape 2x3 cannot be reshaped to 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := graph.New()
			tt.build(g)
			require.Error(t, g.Err())
			assert.Equal(t, tt.want, g.Err().Error())
		})
	}
}

// TestFirstErrorWins builds a whole network after a mistake in its first
// layer: no panic, failed nodes all the way down, one error naming the
// first bad node, and Compile refuses the graph.
func TestFirstErrorWins(t *testing.T) {
	g := graph.New()
	x := g.Input("alpha0", graph.Float64, 4, 2)
	w1 := g.Input("Omega1", graph.Float64, 5, 3) // should be 4×3
	b1 := g.Input("beta1", graph.Float64, 3, 1)
	w2 := g.Input("Omega2", graph.Float64, 3, 2)
	b2 := g.Input("beta2", graph.Float64, 7, 1) // also wrong, reported only if first
	h := ops.Sigmoid(ops.Add(ops.MatMul(w1, x, ops.TransA), b1))
	out := ops.Add(ops.MatMul(w2, h, ops.TransA), b2)
	cost := ops.QuadraticCost(out, g.Input("rho", graph.Float64, 2, 2))
	assert.True(t, cost.Failed())
	require.EqualError(t, g.Err(), "MatMul(Omega1, alpha0): shapes 5x3 and 4x2 do not multiply as aᵀ·b (inner dimensions 5 and 4)")
	_, err := g.Compile(cost)
	assert.Equal(t, g.Err(), err)
}

func TestNamesAreUnique(t *testing.T) {
	g := graph.New()
	g.Input("x", graph.Float64, 1)
	g.Input("x", graph.Float64, 1)
	assert.EqualError(t, g.Err(), `graph: name "x" is already used by node #0`)
}

func TestLeafValidation(t *testing.T) {
	g := graph.New()
	g.Input("cube", graph.Float64, 2, 2, 2)
	assert.EqualError(t, g.Err(), `graph: input "cube": shape 2x2x2 has rank 3, want at most 2`)
	g = graph.New()
	g.Input("empty", graph.Float32, 0, 3)
	assert.EqualError(t, g.Err(), `graph: input "empty": shape 0x3 has an empty axis`)
}

func TestCompileRunsOnlyWhatOutputsNeed(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	a := ops.Exp(x).Named("a")
	b := ops.Log(x).Named("b") // not needed by a
	p, err := g.Compile(a)
	require.NoError(t, err)
	require.NoError(t, x.SetFloat64s([]float64{0, 1}))
	p.Run()
	assert.InDeltaSlice(t, []float64{1, math.E}, a.Float64s(), 1e-15)
	assert.Equal(t, []float64{0, 0}, b.Float64s(), "b is not part of the program")
	var names []string
	for _, n := range p.Nodes() {
		names = append(names, n.Name())
	}
	assert.Equal(t, []string{"x", "a"}, names)
}

func TestFeedingNewInputsWithoutRebuilding(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float32, 2, 2)
	y := ops.Sum(ops.Square(x))
	p, err := g.Compile(y)
	require.NoError(t, err)
	for _, tc := range []struct {
		in   []float32
		want float64
	}{{[]float32{1, 2, 3, 4}, 30}, {[]float32{0, 0, 0, 2}, 4}} {
		require.NoError(t, x.Set(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking(tc.in))))
		p.Run()
		assert.Equal(t, tc.want, y.Scalar())
	}
	err = x.Set(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, 2, 3})))
	assert.EqualError(t, err, "graph: set x: got shape 3, want 2x2")
	err = x.Set(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4})))
	assert.EqualError(t, err, "graph: set x: got float64, want float32")
}

func TestValueSharesStorage(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2, 3)
	v := x.Value()
	assert.Equal(t, tensor.Shape{2, 3}, v.Shape())
	v.Float64s()[4] = 7
	assert.Equal(t, 7.0, x.Float64s()[4])
}

func TestCheckFiniteNamesFirstBadNode(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3)
	l := ops.Log(x).Named("logx")
	s := ops.Sum(ops.Exp(l)).Named("total")
	p, err := g.Compile(s)
	require.NoError(t, err)
	require.NoError(t, x.SetFloat64s([]float64{1, -1, 2}))
	p.Run()
	err = p.CheckFinite()
	require.ErrorIs(t, err, graph.ErrNonFinite)
	assert.EqualError(t, err, "node logx (Log) produced NaN at index 1")
	require.NoError(t, x.SetFloat64s([]float64{1, 1, 2}))
	p.Run()
	assert.NoError(t, p.CheckFinite())
}

// mlp2 builds a 2-layer MLP-shaped graph in the lecture's layout, with its
// gradients, and returns the compiled forward+backward program.
func mlp2(t testing.TB, dt graph.DType, n0, n1, n2, m int) (*graph.Program, *graph.Node) {
	g := graph.New()
	x := g.Input("alpha0", dt, n0, m)
	y := g.Input("rho", dt, n2, m)
	w1 := g.Input("Omega1", dt, n0, n1)
	b1 := g.Input("beta1", dt, n1, 1)
	w2 := g.Input("Omega2", dt, n1, n2)
	b2 := g.Input("beta2", dt, n2, 1)
	a1 := ops.ReLU(ops.Add(ops.MatMul(w1, x, ops.TransA), b1))
	z2 := ops.Add(ops.MatMul(w2, a1, ops.TransA), b2)
	cost := ops.SoftmaxCrossEntropy(z2, y)
	grads, err := autodiff.Grad(cost, w1, b1, w2, b2)
	require.NoError(t, err)
	p, err := g.Compile(append([]*graph.Node{cost}, grads...)...)
	require.NoError(t, err)
	for i, n := range []*graph.Node{x, w1, w2} {
		vals := make([]float64, n.Shape().Size())
		for j := range vals {
			vals[j] = math.Sin(float64(7*i + j))
		}
		require.NoError(t, n.SetFloat64s(vals))
	}
	onehot := make([]float64, n2*m)
	for k := 0; k < m; k++ {
		onehot[(k%n2)*m+k] = 1
	}
	require.NoError(t, y.SetFloat64s(onehot))
	return p, cost
}

func TestRunAllocatesNothing(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			p, cost := mlp2(t, dt, 20, 16, 10, 8)
			p.Run()
			assert.Greater(t, cost.Scalar(), 0.0)
			allocs := testing.AllocsPerRun(50, p.Run)
			assert.Equal(t, 0.0, allocs)
		})
	}
}

func TestWriteDOTMarksAdjoints(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	w := g.Param("w", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	y := ops.Sum(ops.Mul(w, x)).Named("y")
	grads, err := autodiff.Grad(y, w)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, g.WriteDOT(&buf))
	dot := buf.String()
	assert.Contains(t, dot, `n0 [label="x\ninput\n2", fillcolor="#e6f5e6"];`)
	assert.Contains(t, dot, `[label="y\nSum\n()"];`)
	assert.Contains(t, dot, `label="∂/∂w\nMul\n2", style="rounded,dashed,filled", color=red`)
	assert.Contains(t, dot, "n1 -> n2;")
	assert.Equal(t, w, grads[0].AdjointOf())
}

func TestShapeString(t *testing.T) {
	for _, tt := range []struct {
		s    graph.Shape
		want string
		size int
	}{{graph.Shape{}, "()", 1}, {graph.Shape{5}, "5", 5}, {graph.Shape{3, 4}, "3x4", 12}} {
		assert.Equal(t, tt.want, tt.s.String())
		assert.Equal(t, tt.size, tt.s.Size())
	}
}

func TestAncestors(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	y := g.Input("y", graph.Float64, 2)
	a := ops.Exp(x)
	b := ops.Mul(a, y)
	c := ops.Log(y) // not an ancestor of b
	assert.Equal(t, []bool{true, true, true, true, false}, g.Ancestors(b))
	assert.Equal(t, []bool{true, false, true, false, false}, g.Ancestors(a))
	assert.Equal(t, []bool{true, true, true, true, true}, g.Ancestors(b, c))
}
