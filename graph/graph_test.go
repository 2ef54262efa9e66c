package graph_test

import (
	"bytes"
	"fmt"
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
		}, "Mul(a, b): dtypes float64 and float32 differ"},
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
	g.Input("empty", graph.Float32, 0, 3)
	g.Input("labels", graph.Int64, 8)
	g.Input("mask", graph.Bool, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3)
	require.NoError(t, g.Err(), "ranks 0 to 16, empty axes, every dtype")
	g.Input("deep", graph.Float64, make([]int, 17)...)
	assert.EqualError(t, g.Err(), `graph: input "deep": shape 0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0 has rank 17, want at most 16`)
	g = graph.New()
	g.Input("neg", graph.Float32, 2, -3)
	assert.EqualError(t, g.Err(), `graph: input "neg": shape 2x-3 has a negative axis`)
	g = graph.New()
	g.Input("huge", graph.Float32, 1<<30, 1<<30, 4)
	assert.EqualError(t, g.Err(), `graph: input "huge": shape 1073741824x1073741824x4 has more than 1099511627776 elements`)
	g = graph.New()
	g.Input("x", graph.DType(9), 2)
	assert.EqualError(t, g.Err(), `graph: input "x": unsupported dtype dtype(9)`)
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
	assert.Contains(t, dot, `[label="y\nReduceSum\n()"];`)
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

// Regression: Set accepted a 4×3 tensor into a 3×4 node (same size, other
// meaning); now only the node's shape, or the same shape but for axes of
// length 1, is accepted.
func TestSetRefusesAnotherShapeOfTheSameSize(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3, 4)
	err := x.Set(tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(make([]float64, 12))))
	assert.EqualError(t, err, "graph: set x: got shape 4x3, want 3x4")
	b := g.Input("b", graph.Float64, 3, 1)
	require.NoError(t, b.Set(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))), "a vector into a column")
	assert.Equal(t, []float64{1, 2, 3}, b.Float64s())
}

// Regression: Param of a transposed view copied the raw backing, not the
// view's elements.
func TestParamOfAViewCopiesTheView(t *testing.T) {
	g := graph.New()
	w := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	require.NoError(t, w.T())
	p := g.Param("wT", w)
	require.NoError(t, g.Err())
	assert.Equal(t, graph.Shape{3, 2}, p.Shape())
	assert.Equal(t, []float64{1, 4, 2, 5, 3, 6}, p.Float64s())
	v, err := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6})).Slice(tensor.S(1, 3))
	require.NoError(t, err)
	q := g.Param("rows", v.(*tensor.Dense))
	assert.Equal(t, []float64{3, 4, 5, 6}, q.Float64s())
}

func TestIntegerAndBoolLeaves(t *testing.T) {
	g := graph.New()
	labels := g.Input("labels", graph.Int64, 3)
	require.NoError(t, labels.Set(tensor.New(tensor.WithShape(3), tensor.WithBacking([]int{2, 0, 1}))))
	assert.Equal(t, []int64{2, 0, 1}, labels.Int64s())
	assert.EqualError(t, labels.SetFloat64s([]float64{1, 2.5, 3}), "graph: set labels: element 1 (2.5) is not an integer")
	assert.EqualError(t, labels.Set(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))),
		"graph: set labels: got float64, want int64")
	small := g.Input("small", graph.Int32, 1)
	assert.EqualError(t, small.SetInt64s([]int64{1 << 40}), "graph: set small: element 0 (1099511627776) does not fit int32")
	m := g.Const("mask", tensor.New(tensor.WithShape(2), tensor.WithBacking([]bool{true, false})))
	assert.Equal(t, []bool{true, false}, m.Bools())
	assert.Equal(t, graph.Bool, m.DType())
	g.Param("idx", tensor.New(tensor.WithShape(1), tensor.WithBacking([]int64{1})))
	assert.EqualError(t, g.Err(), `graph: param "idx": dtype int64, want float32 or float64`)
}

// Scalar of a node with more than one element is a mistake, not its first
// element.
func TestScalarOfManyPanics(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3)
	assert.PanicsWithValue(t, "graph: Scalar of x: shape 3 holds 3 elements, want 1", func() { x.Scalar() })
}

// A failed node fails every node built from it, and only the first error
// is kept.
func TestFailedNodeFailsItsChildren(t *testing.T) {
	g := graph.New()
	a := g.Input("a", graph.Float64, 2, 3)
	b := g.Input("b", graph.Float64, 4)
	bad := ops.Add(a, b)
	child := ops.Exp(bad)
	grand := ops.Mul(child, a)
	for _, n := range []*graph.Node{bad, child, grand} {
		assert.True(t, n.Failed(), n.Name())
	}
	assert.False(t, a.Failed())
	assert.EqualError(t, g.Err(), "Add(a, b): shapes 2x3 and 4 do not broadcast")
	_, err := g.Compile(grand)
	assert.EqualError(t, err, "Add(a, b): shapes 2x3 and 4 do not broadcast")
}

func TestCompiledTellsWhatAProgramComputes(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	y := ops.Exp(x)
	z := ops.Log(x)
	_, err := g.Compile(y)
	require.NoError(t, err)
	assert.True(t, x.Compiled())
	assert.True(t, y.Compiled())
	assert.False(t, z.Compiled())
}

// An op's Infer that panics (a bug) is an error on the graph, not a crash.
type panicky struct{}

func (panicky) Type() string { return "Panicky" }
func (panicky) Infer(in []graph.Meta) (graph.Meta, error) {
	return graph.Meta{Shape: graph.Shape{in[5].Shape[0]}}, nil
}
func (panicky) Forward(out *graph.Value, in []*graph.Value)     {}
func (panicky) VJP(n, g *graph.Node, need []bool) []*graph.Node { return nil }

func TestInferPanicIsAnError(t *testing.T) {
	g := graph.New()
	g.Apply(panicky{}, g.Input("x", graph.Float64, 2))
	require.Error(t, g.Err())
	assert.Contains(t, g.Err().Error(), "Panicky(x): internal error inferring the shape: runtime error: index out of range")
}

func TestDTypeNames(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float32, graph.Float64, graph.Int32, graph.Int64, graph.Bool} {
		got, err := graph.ParseDType(dt.String())
		require.NoError(t, err)
		assert.Equal(t, dt, got)
	}
	_, err := graph.ParseDType("float16")
	assert.EqualError(t, err, `unknown dtype "float16" (want float32, float64, int32, int64 or bool)`)
}

// failing is an op whose kernel fails when its input holds a negative
// value, as a Gather fails on an index out of range.
type failing struct{}

func (failing) Type() string                                    { return "Failing" }
func (failing) Infer(in []graph.Meta) (graph.Meta, error)       { return in[0], nil }
func (failing) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }
func (failing) Forward(out *graph.Value, in []*graph.Value) {
	for i, v := range in[0].F64 {
		if v < 0 {
			out.Fail(fmt.Errorf("element %d is negative", i))
			return
		}
		out.F64[i] = v
	}
}

func TestRunStopsAtAKernelFailure(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2)
	y := g.Apply(failing{}, x).Named("y")
	z := ops.Exp(y).Named("z")
	p, err := g.Compile(z)
	require.NoError(t, err)
	require.NoError(t, x.SetFloat64s([]float64{1, -2}))
	p.Run()
	require.EqualError(t, p.Err(), "y (Failing): element 1 is negative")
	var re *graph.RunError
	require.ErrorAs(t, p.Err(), &re)
	assert.Equal(t, y, re.Node)
	assert.Equal(t, []float64{0, 0}, z.Float64s(), "z was not computed")
	require.NoError(t, x.SetFloat64s([]float64{1, 2}))
	p.Run()
	assert.NoError(t, p.Err(), "the next good run clears the error")
	assert.InDelta(t, math.Exp(2), z.Float64s()[1], 1e-12)
}
