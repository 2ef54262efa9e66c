package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// livenessMinimum computes, from the graph alone, the least memory the
// intermediate values of a program for outputs can live in: the largest,
// over the steps, of the bytes of the values alive at that step — each
// from the step that computes it to the last step that reads it. Views
// (Reshape and its kin) share their input's bytes and keep it alive;
// outputs, inputs, params and consts are not counted.
func livenessMinimum(g *graph.Graph, outputs ...*graph.Node) int64 {
	need := g.Ancestors(outputs...)
	out := map[*graph.Node]bool{}
	for _, o := range outputs {
		out[o] = true
	}
	var order []*graph.Node
	stepOf := map[*graph.Node]int{}
	for _, n := range g.Nodes() {
		if need[n.ID()] && n.Kind() == graph.KindOp {
			stepOf[n] = len(order)
			order = append(order, n)
		}
	}
	isView := func(n *graph.Node) bool {
		v, ok := n.Op().(graph.Viewer)
		return ok && v.IsView() && !out[n]
	}
	root := func(n *graph.Node) *graph.Node {
		for n.Kind() == graph.KindOp && isView(n) {
			n = n.Inputs()[0]
		}
		return n
	}
	last := map[*graph.Node]int{}
	for _, n := range order {
		so, _ := n.Op().(graph.ShapeOnly)
		for k, x := range n.Inputs() {
			if so != nil && so.ShapeOnly(k) {
				continue
			}
			r := root(x)
			last[r] = max(last[r], stepOf[n])
		}
	}
	for _, n := range order {
		if isView(n) {
			r := root(n)
			last[r] = max(last[r], last[n])
		}
	}
	bytes := func(n *graph.Node) int64 {
		size := int64(n.Shape().Size())
		if n.DType() == graph.Float64 || n.DType() == graph.Int64 {
			return 8 * size
		}
		if n.DType() == graph.Bool {
			return size
		}
		return 4 * size
	}
	var peak int64
	for t := range order {
		var live int64
		for _, n := range order {
			if out[n] || isView(n) {
				continue
			}
			if s := stepOf[n]; s <= t && t <= max(s, last[n]) {
				live += bytes(n)
			}
		}
		peak = max(peak, live)
	}
	return peak
}

// randomProgram builds a random graph of float64 ops on inputs of one
// shape — element-wise, broadcasting, reductions, views — with its
// gradients, and returns the graph and the outputs to compile.
func randomProgram(r *rand.Rand, ops1 int) (*graph.Graph, []*graph.Node) {
	g := graph.New()
	rows, cols := 3+r.IntN(30), 2+r.IntN(30)
	var pool []*graph.Node
	var params []*graph.Node
	for i := 0; i < 3; i++ {
		v := make([]float64, rows*cols)
		for k := range v {
			v[k] = r.Float64() - 0.5
		}
		p := g.Param(fmt.Sprintf("p%d", i), tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v)))
		params = append(params, p)
		pool = append(pool, p)
	}
	pick := func() *graph.Node { return pool[r.IntN(len(pool))] }
	for i := 0; i < ops1; i++ {
		var n *graph.Node
		switch r.IntN(7) {
		case 0:
			n = ops.Tanh(pick())
		case 1:
			n = ops.Add(pick(), pick())
		case 2:
			n = ops.Mul(pick(), ops.Sigmoid(pick()))
		case 3:
			n = ops.Sub(pick(), ops.SumAxis(pick(), 0))
		case 4:
			n = ops.Reshape(ops.Reshape(pick(), -1), rows, cols)
		case 5:
			n = ops.Exp(ops.Neg(ops.Square(pick())))
		default:
			n = ops.MatMul(pick(), ops.MatMul(pick(), pick(), ops.TransA), 0)
			n = ops.Scale(n, 0.01)
		}
		pool = append(pool, n)
	}
	cost := ops.Sum(pool[len(pool)-1])
	for _, n := range pool[len(pool)-4:] {
		cost = ops.Add(cost, ops.Mean(n))
	}
	grads, err := autodiff.Grad(cost, params...)
	if err != nil {
		panic(err)
	}
	return g, append([]*graph.Node{cost}, grads...)
}

// TestPlanIsCloseToTheLivenessMinimum: on random graphs with their
// gradients, the planned intermediates take at most 1.1 times the least
// memory the values' lifetimes allow (computed independently, above), and
// the program computes what a program that keeps every value computes.
func TestPlanIsCloseToTheLivenessMinimum(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 40; trial++ {
		g, outs := randomProgram(r, 5+r.IntN(26))
		require.NoError(t, g.Err())
		p, err := g.Compile(outs...)
		require.NoError(t, err)
		minimum := livenessMinimum(g, outs...)
		planned := p.PlannedBytes()
		assert.LessOrEqual(t, float64(planned), 1.1*float64(minimum), "trial %d: planned %d, liveness minimum %d", trial, planned, minimum)

		p.Run()
		got := make([][]float64, len(outs))
		for i, o := range outs {
			got[i] = append([]float64(nil), o.Float64s()...)
		}
		all, err := g.CompileWith(graph.CompileOptions{KeepAll: true}, outs...)
		require.NoError(t, err)
		all.Run()
		for i, o := range outs {
			assert.Equal(t, got[i], o.Float64s(), "trial %d output %d", trial, i)
		}
		assert.Zero(t, testing.AllocsPerRun(3, p.Run))
	}
}

// A program keeps only its outputs: an intermediate's storage is reused,
// so reading it is an error, not another node's data.
func TestReadingAReusedValueIsAnError(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 4)
	h := ops.Exp(x).Named("h")
	y := ops.Sum(ops.Tanh(h)).Named("y")
	p, err := g.Compile(y)
	require.NoError(t, err)
	p.Run()
	_, err = p.Value(h)
	assert.EqualError(t, err, "graph: the value of h is not kept: the program reuses its storage; compile it as an output to read it")
	assert.PanicsWithValue(t, "graph: the value of h is not kept: its program reuses the storage; compile h as an output to read it",
		func() { h.Float64s() })
	assert.False(t, h.Compiled())
	v, err := p.Value(y)
	require.NoError(t, err)
	assert.Equal(t, y.Float64s(), v.F64)
}

// Reshape is a view: no copy, no buffer; an element-wise op writes over an
// input that nothing reads afterwards.
func TestViewsAndInPlaceTakeNoBuffer(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float32, 1000)
	a := ops.Exp(x)              // 4000 bytes
	b := ops.Reshape(a, 10, 100) // a view of a
	c := ops.Tanh(b)             // in place over a's buffer
	d := ops.Sum(ops.Sigmoid(c)) // in place again, then summed
	p, err := g.Compile(d)
	require.NoError(t, err)
	assert.Equal(t, int64(4000), p.PlannedBytes(), "one buffer of 1000 float32s")
	require.NoError(t, x.SetFloat64s(make([]float64, 1000)))
	p.Run()
	assert.InDelta(t, 681.6997421945263, d.Scalar(), 1e-3, "Σ σ(tanh(e⁰)) = 1000·σ(tanh 1)")
}

// mlpGraph builds a two-layer network in the lecture's layout (one column
// per sample) with a batched input of at most n columns, and returns the
// input, the target, the cost and its gradients.
func mlpGraph(t testing.TB, n int, batched bool) (*graph.Graph, *graph.Node, *graph.Node, []*graph.Node) {
	g := graph.New()
	x := g.Input("alpha0", graph.Float64, 5, n)
	y := g.Input("rho", graph.Float64, 3, n)
	if batched {
		x.Batched(1)
		y.Batched(-1)
	}
	w1 := g.Param("Omega1", tensor.New(tensor.WithShape(5, 4), tensor.WithBacking(seq(20, 0.1))))
	b1 := g.Param("beta1", tensor.New(tensor.WithShape(4, 1), tensor.WithBacking(seq(4, -0.2))))
	w2 := g.Param("Omega2", tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(seq(12, 0.07))))
	a1 := ops.Tanh(ops.Add(ops.MatMul(w1, x, ops.TransA), b1))
	z2 := ops.MatMul(w2, a1, ops.TransA)
	// A cost whose mean over the batch and whose gradients all depend on
	// the number of samples in the run.
	cost := ops.Add(ops.SoftmaxCrossEntropy(z2, y), ops.Mean(ops.Square(ops.MeanAxis(a1, -1))))
	grads, err := autodiff.Grad(cost, w1, b1, w2)
	require.NoError(t, err)
	return g, x, y, append([]*graph.Node{cost}, grads...)
}

func seq(n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * float64((i*7)%11-5)
	}
	return v
}

func batchData(b int) (x, y []float64) {
	x = make([]float64, 5*b)
	for i := range x {
		x[i] = float64((i*13)%17)/17 - 0.5
	}
	y = make([]float64, 3*b)
	for k := 0; k < b; k++ {
		y[(k%3)*b+k] = 1
	}
	return x, y
}

// TestOneProgramRunsEveryBatch: a program compiled once at a largest batch
// N computes, for every batch from 1 to N, the cost and gradients that a
// graph built for exactly that batch computes, allocating nothing when the
// batch changes.
func TestOneProgramRunsEveryBatch(t *testing.T) {
	const N = 9
	g, x, y, outs := mlpGraph(t, N, true)
	p, err := g.Compile(outs...)
	require.NoError(t, err)
	for _, b := range []int{N, 1, 4, N, 2, 7} {
		xs, ys := batchData(b)
		require.NoError(t, x.SetFloat64s(xs))
		require.NoError(t, y.SetFloat64s(ys))
		p.Run()
		require.NoError(t, p.Err())

		gb, xb, yb, want := mlpGraph(t, b, false)
		pb, err := gb.Compile(want...)
		require.NoError(t, err)
		require.NoError(t, xb.SetFloat64s(xs))
		require.NoError(t, yb.SetFloat64s(ys))
		pb.Run()
		for i := range outs {
			assert.InDeltaSlice(t, want[i].Float64s(), outs[i].Float64s(), 1e-14, "batch %d output %d", b, i)
		}
		assert.Equal(t, graph.Shape{5, b}, x.Storage().Shape)
	}
	// Alternating batches allocates nothing.
	bs := []int{3, N, 1, 5}
	k := 0
	allocs := testing.AllocsPerRun(20, func() {
		_ = x.SetBatch(bs[k%len(bs)])
		_ = y.SetBatch(bs[k%len(bs)])
		k++
		p.Run()
	})
	assert.Zero(t, allocs)
	// Inputs that disagree stop the run.
	require.NoError(t, x.SetBatch(3))
	require.NoError(t, y.SetBatch(4))
	p.Run()
	assert.EqualError(t, p.Err(), "graph: run: batched inputs alpha0 and rho hold batches of 3 and 4")
	assert.EqualError(t, x.SetBatch(N+1), "graph: set batch of alpha0: 10 is outside 1 … 9")
}

// A shape that cannot follow the batch is a compile error naming the node.
func TestCompileRefusesShapesThatCannotFollowTheBatch(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 8, 3).Batched(0)
	y := ops.Reshape(x, 24).Named("flat") // 24 = 8·3 only at the largest batch
	_, err := g.Compile(y)
	assert.EqualError(t, err, "graph: compile: flat (Reshape) cannot run a batch of 1: shape 1x3 cannot be reshaped to 24")
	g = graph.New()
	x = g.Input("x", graph.Float64, 8, 3).Batched(0)
	z := ops.Reshape(x, -1).Named("flat")
	p, err := g.Compile(z)
	require.NoError(t, err, "Reshape to −1 follows the batch")
	require.NoError(t, x.SetFloat64s([]float64{1, 2, 3, 4, 5, 6}))
	p.Run()
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, z.Float64s())
	g = graph.New()
	g.Param("w", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))).Batched(0)
	assert.EqualError(t, g.Err(), "graph: batched w: only an input has a batch axis, not a param")
}

// TestClonesRunConcurrently: clones of one program, one per goroutine,
// give bit for bit what the program gives alone (go test -race checks
// that they share nothing they write).
func TestClonesRunConcurrently(t *testing.T) {
	const N = 8
	g, x, y, outs := mlpGraph(t, N, true)
	p, err := g.Compile(outs...)
	require.NoError(t, err)
	want := make([][][]float64, 4)
	for w := range want {
		b := 1 + 2*w
		xs, ys := batchData(b)
		require.NoError(t, x.SetFloat64s(xs))
		require.NoError(t, y.SetFloat64s(ys))
		p.Run()
		for _, o := range outs {
			want[w] = append(want[w], append([]float64(nil), o.Float64s()...))
		}
	}
	var wg sync.WaitGroup
	for w := range want {
		c := p.Clone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := 1 + 2*w
			xs, ys := batchData(b)
			for rep := 0; rep < 50; rep++ {
				assert.NoError(t, c.Set(x, tensor.New(tensor.WithShape(5, b), tensor.WithBacking(xs))))
				assert.NoError(t, c.Set(y, tensor.New(tensor.WithShape(3, b), tensor.WithBacking(ys))))
				c.Run()
				for i, o := range outs {
					v, err := c.Value(o)
					assert.NoError(t, err)
					assert.Equal(t, want[w][i], v.F64, "worker %d output %d", w, i)
				}
			}
		}()
	}
	wg.Wait()
}

// A view read after its base's last direct reader keeps the base's
// storage alive until then.
func TestAViewKeepsItsBaseAlive(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 6)
	a := ops.Exp(x)
	v := ops.Reshape(a, 2, 3) // read only at the end
	big := ops.Tanh(ops.Sin(ops.Cos(g.Input("y", graph.Float64, 6))))
	out := ops.Sum(ops.Add(ops.Reshape(big, 2, 3), v))
	p, err := g.Compile(out)
	require.NoError(t, err)
	require.NoError(t, x.SetFloat64s([]float64{0, 0, 0, 0, 0, 0}))
	p.Run()
	assert.InDelta(t, 6+6*math.Tanh(math.Sin(1)), out.Scalar(), 1e-12)
}

// Two programs with an output in common, run at different batches: each
// run gives the shared output the shape of its own batch.
func TestProgramsSharingAnOutputFollowTheirOwnBatch(t *testing.T) {
	const N = 6
	g, x, y, outs := mlpGraph(t, N, true)
	train, err := g.Compile(outs...)
	require.NoError(t, err)
	fwd, err := g.Compile(outs[0])
	require.NoError(t, err)
	xs, ys := batchData(N)
	require.NoError(t, x.SetFloat64s(xs))
	require.NoError(t, y.SetFloat64s(ys))
	train.Run()
	full := outs[0].Scalar()
	xs, ys = batchData(2)
	require.NoError(t, x.SetFloat64s(xs))
	require.NoError(t, y.SetFloat64s(ys))
	fwd.Run()
	two := outs[0].Scalar()
	xs, ys = batchData(N)
	require.NoError(t, x.SetFloat64s(xs))
	require.NoError(t, y.SetFloat64s(ys))
	train.Run()
	assert.Equal(t, full, outs[0].Scalar())
	assert.NotEqual(t, full, two)
}

// A node read only for its shape (the reference of a like op) is not
// computed: here it would fail the run.
func TestShapeOnlyInputsAreNotComputed(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2, 3)
	ref := g.Apply(failing{}, ops.Neg(x)).Named("ref") // fails on any positive x
	y := ops.SumLike(ops.Exp(x), ops.SumTo(ref, graph.Shape{1, 3})).Named("y")
	p, err := g.Compile(y)
	require.NoError(t, err)
	require.NoError(t, x.SetFloat64s([]float64{1, 2, 3, 4, 5, 6}))
	p.Run()
	require.NoError(t, p.Err())
	assert.InDeltaSlice(t, []float64{math.Exp(1) + math.Exp(4), math.Exp(2) + math.Exp(5), math.Exp(3) + math.Exp(6)}, y.Float64s(), 1e-12)
}
