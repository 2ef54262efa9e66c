package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// batchGradCase builds a scalar from batched inputs x (float) and labels
// (int64, nil when the case has none), each with its batch axis of length
// n, and the params it returns. Params are drawn from the case's own
// seeded stream, so two builds have the same ones.
type batchGradCase struct {
	name string
	// x and labels are the shapes at a batch of 1, and the batch axis.
	x, labels graph.Shape
	axis      int
	classes   int // labels are drawn from [0, classes)
	build     func(r *rand.Rand, x, labels *graph.Node) (loss *graph.Node, params []*graph.Node)
}

func batchParam(r *rand.Rand, g *graph.Graph, name string, s ...int) *graph.Node {
	return g.Param(name, randTensor(r, graph.Shape(s), domain{lo: -1, hi: 1}))
}

// TestGradientsFollowTheBatch: one program that computes a loss and its
// gradients, compiled for batches of up to 4 and run at a batch of 3,
// gives what a graph built for batches of 3 gives. It covers the VJPs
// that place a value into a shape — the recurrent ops' narrow (one time
// step, one gate) and the class losses' pick — which must take that
// shape at run time, not from the graph they were built in.
func TestGradientsFollowTheBatch(t *testing.T) {
	lstm := func(layout int) func(r *rand.Rand, x, _ *graph.Node) (*graph.Node, []*graph.Node) {
		return func(r *rand.Rand, x, _ *graph.Node) (*graph.Node, []*graph.Node) {
			g := x.Graph()
			w, rr, b := batchParam(r, g, "w", 1, 8, 3), batchParam(r, g, "r", 1, 8, 2), batchParam(r, g, "b", 1, 16)
			o := ops.LSTM(x, w, rr, b, nil, nil, nil, ops.RNNOptions{Layout: layout})
			return ops.Sum(rnnCombined(o, layout)), []*graph.Node{w, rr, b}
		}
	}
	cases := []batchGradCase{
		{name: "LSTM/batch-first", x: graph.Shape{1, 4, 3}, axis: 0, build: lstm(1)},
		{name: "LSTM/sequence-first", x: graph.Shape{4, 1, 3}, axis: 1, build: lstm(0)},
		{name: "GRU/linear-before-reset", x: graph.Shape{3, 1, 3}, axis: 1,
			build: func(r *rand.Rand, x, _ *graph.Node) (*graph.Node, []*graph.Node) {
				g := x.Graph()
				w, rr, b := batchParam(r, g, "w", 2, 6, 3), batchParam(r, g, "r", 2, 6, 2), batchParam(r, g, "b", 2, 12)
				o := ops.GRU(x, w, rr, b, nil, ops.RNNOptions{Direction: ops.RNNBidirectional, LinearBeforeReset: true})
				return ops.Sum(rnnCombined(o, 0)), []*graph.Node{w, rr, b}
			}},
		{name: "LSTMCell", x: graph.Shape{1, 3}, axis: 0,
			build: func(r *rand.Rand, x, _ *graph.Node) (*graph.Node, []*graph.Node) {
				g := x.Graph()
				w, rr, b := batchParam(r, g, "w", 8, 3), batchParam(r, g, "r", 8, 2), batchParam(r, g, "b", 16)
				h, c := ops.LSTMCell(x, nil, nil, w, rr, b)
				h, c = ops.LSTMCell(ops.Tanh(x), h, c, w, rr, b)
				return ops.Sum(ops.Mul(h, c)), []*graph.Node{w, rr, b}
			}},
		{name: "SoftmaxCrossEntropyLoss", x: graph.Shape{1, 3, 2}, labels: graph.Shape{1, 2}, axis: 0, classes: 3,
			build: func(r *rand.Rand, x, labels *graph.Node) (*graph.Node, []*graph.Node) {
				s := batchParam(r, x.Graph(), "s", 3, 1)
				return ops.SoftmaxCrossEntropyLoss(ops.Mul(x, s), labels, nil, ops.LossOptions{}), []*graph.Node{s}
			}},
		{name: "NegativeLogLikelihoodLoss/weights", x: graph.Shape{1, 4}, labels: graph.Shape{1}, axis: 0, classes: 4,
			build: func(r *rand.Rand, x, labels *graph.Node) (*graph.Node, []*graph.Node) {
				g := x.Graph()
				s, wt := batchParam(r, g, "s", 4), g.Param("wt", randTensor(r, graph.Shape{4}, domain{lo: 0.5, hi: 2}))
				lp := ops.LogSoftmax(ops.Mul(x, s), 1)
				return ops.NegativeLogLikelihoodLoss(lp, labels, wt, ops.LossOptions{}), []*graph.Node{s, wt}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The batch of 3 is the first 3 samples of the batch of 4.
			r := rand.New(rand.NewPCG(7, 8))
			xs := randVals(r, 4*c.x.Size(), domain{lo: -1, hi: 1})
			var ls []int64
			if c.labels != nil {
				for range 4 * c.labels.Size() {
					ls = append(ls, int64(r.IntN(c.classes)))
				}
			}
			got := batchGrads(t, c, 4, 3, xs, ls)
			want := batchGrads(t, c, 3, 3, xs, ls)
			require.Equal(t, len(want), len(got))
			for i := range want {
				assert.InDeltaSlicef(t, want[i], got[i], 1e-12, "gradient %d", i)
			}
		})
	}
}

// batchGrads builds c for batches of up to n, runs its loss and gradients
// (with respect to x and the params) at batch b on the first b samples of
// xs and ls, and returns the loss and each gradient's values.
func batchGrads(t *testing.T, c batchGradCase, n, b int, xs []float64, ls []int64) [][]float64 {
	g := graph.New()
	at := func(s graph.Shape, k int) []int {
		s = s.Clone()
		s[c.axis] = k
		return s
	}
	x := g.Input("x", graph.Float64, at(c.x, n)...).Batched(c.axis)
	var labels *graph.Node
	if c.labels != nil {
		labels = g.Input("labels", graph.Int64, at(c.labels, n)...).Batched(c.axis)
	}
	loss, params := c.build(rand.New(rand.NewPCG(1, 2)), x, labels)
	wrt := append([]*graph.Node{x}, params...)
	grads, err := autodiff.Grad(loss, wrt...)
	require.NoError(t, err)
	p, err := g.Compile(append([]*graph.Node{loss}, grads...)...)
	require.NoError(t, err)
	// The first b samples along the batch axis (sample-major only for
	// axis 0; for axis 1, the first b of each outer row).
	require.NoError(t, x.Set(firstAlong(xs, at(c.x, 4), c.axis, b)))
	if labels != nil {
		ld := make([]float64, len(ls))
		for i, l := range ls {
			ld[i] = float64(l)
		}
		lt := firstAlong(ld, at(c.labels, 4), c.axis, b)
		require.NoError(t, labels.Set(tensor.New(tensor.WithShape(lt.Shape()...), tensor.WithBacking(toInt64(lt.Float64s())))))
	}
	p.Run()
	require.NoError(t, p.Err())
	out := [][]float64{{loss.Scalar()}}
	for _, gr := range grads {
		v := gr.Storage()
		vals := make([]float64, v.Len())
		for i := range vals {
			vals[i] = v.At(i)
		}
		out = append(out, vals)
	}
	return out
}

// firstAlong returns the first b entries along axis of xs, a value of
// shape s.
func firstAlong(xs []float64, s graph.Shape, axis, b int) *tensor.Dense {
	full := tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float64(nil), xs...)))
	sl := make([]tensor.Slice, len(s))
	sl[axis] = tensor.S(0, b)
	v, err := full.Slice(sl...)
	if err != nil {
		panic(err)
	}
	return v.(*tensor.Dense).Materialize().(*tensor.Dense)
}

func toInt64(xs []float64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
