package ops_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// TestClassLossGradientsFollowTheBatch: the class losses and their
// gradients, compiled once for batches of up to 5 samples (scores and
// labels batched along axis 0), give at a batch of 3 exactly what the
// graph built for 3 gives, second order included (for the softmax: the
// negative log-likelihood is linear in its scores, and autodiff's zero
// for a gradient that does not depend on x has x's build-time shape):
// a classifier's short last batch and its evaluation run the training
// program at a smaller batch.
func TestClassLossGradientsFollowTheBatch(t *testing.T) {
	const C, D = 4, 2
	ignore := int64(-100)
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name   string
		sample []int // the shape of one sample of the scores
		loss   func(x, l, w *graph.Node, o ops.LossOptions) *graph.Node
		o      ops.LossOptions
		weight bool
		second bool
	}{
		{"SoftmaxCrossEntropyLoss/NC", []int{C}, ops.SoftmaxCrossEntropyLoss, ops.LossOptions{}, false, true},
		{"SoftmaxCrossEntropyLoss/NCd_sum_weights", []int{C, D}, ops.SoftmaxCrossEntropyLoss, ops.LossOptions{Reduction: ops.ReductionSum}, true, true},
		{"NegativeLogLikelihoodLoss/NC_ignore", []int{C}, ops.NegativeLogLikelihoodLoss, ops.LossOptions{Ignore: true, IgnoreIndex: ignore}, false, false},
		{"NegativeLogLikelihoodLoss/NCd_weights", []int{C, D}, ops.NegativeLogLikelihoodLoss, ops.LossOptions{}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			xs := randVals(r, 3*graph.Shape(c.sample).Size(), anyReal)
			ls := randLabels(r, C, &ignore, append([]int{3}, c.sample[1:]...)...)
			if !c.o.Ignore {
				ls = randLabels(r, C, nil, append([]int{3}, c.sample[1:]...)...)
			}
			ws := randVals(r, C, positive)
			// build returns the loss, its gradient in the scores and the
			// gradient of the gradient's sum of squares, for batches of n.
			build := func(n int, batched bool) (x, l *graph.Node, outs []*graph.Node) {
				g := graph.New()
				x = g.Input("x", graph.Float64, append([]int{n}, c.sample...)...)
				l = g.Input("l", graph.Int64, append([]int{n}, c.sample[1:]...)...)
				if batched {
					x.Batched(0)
					l.Batched(0)
				}
				var w *graph.Node
				if c.weight {
					w = g.Input("w", graph.Float64, C)
					require.NoError(t, w.SetFloat64s(ws))
				}
				loss := c.loss(x, l, w, c.o)
				gx, err := autodiff.Grad(loss, x)
				require.NoError(t, err)
				outs = []*graph.Node{loss, gx[0]}
				if c.second {
					gg, err := autodiff.Grad(ops.ReduceSum(ops.Mul(gx[0], gx[0]), false), x)
					require.NoError(t, err)
					outs = append(outs, gg[0])
				}
				return x, l, outs
			}
			x5, l5, big := build(5, true)
			p5, err := x5.Graph().Compile(big...)
			require.NoError(t, err)
			x3, l3, small := build(3, false)
			p3, err := x3.Graph().Compile(small...)
			require.NoError(t, err)
			for _, n := range []*graph.Node{x5, x3} {
				require.NoError(t, n.SetFloat64s(xs))
			}
			require.NoError(t, l3.SetInt64s(ls))
			require.NoError(t, l5.SetBatch(3))
			copy(l5.Int64s(), ls)
			p5.Run()
			require.NoError(t, p5.Err())
			p3.Run()
			require.NoError(t, p3.Err())
			for i := range big {
				assert.Equal(t, small[i].Storage().Shape, big[i].Storage().Shape, "output %d", i)
				assert.Equal(t, small[i].Float64s(), big[i].Float64s(), "output %d", i)
			}
		})
	}
}

// TestDropoutFollowsTheBatch: Dropout compiled for batches of up to 6
// runs a batch of 3 and draws the mask the graph built for 3 draws from
// the same stream, for the output and its gradient alike; in inference
// mode it passes the batch through.
func TestDropoutFollowsTheBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	xs := randVals(r, 3*7, anyReal)
	build := func(n int, batched bool) (*graph.Node, *ops.Mode, *graph.Program, []*graph.Node) {
		g := graph.New()
		x := g.Input("x", graph.Float32, n, 7)
		if batched {
			x.Batched(0)
		}
		mode := ops.NewMode(true)
		y := ops.Dropout(x, 0.5, mode, ops.NewRNG(9))
		gx, err := autodiff.Grad(ops.ReduceSum(ops.Mul(y, y), false), x)
		require.NoError(t, err)
		p, err := g.Compile(y, gx[0])
		require.NoError(t, err)
		return x, mode, p, []*graph.Node{y, gx[0]}
	}
	x6, mode6, p6, big := build(6, true)
	x3, mode3, p3, small := build(3, false)
	require.NoError(t, x6.SetFloat64s(xs))
	require.NoError(t, x3.SetFloat64s(xs))
	for _, training := range []bool{true, true, false} {
		mode6.SetTraining(training)
		mode3.SetTraining(training)
		p6.Run()
		require.NoError(t, p6.Err())
		p3.Run()
		require.NoError(t, p3.Err())
		for i := range big {
			assert.Equal(t, small[i].Float32s(), big[i].Float32s(), "output %d, training %v", i, training)
		}
		if training {
			assert.Contains(t, big[0].Float32s(), float32(0), "some units are dropped")
		}
	}
	assert.Equal(t, small[0].Float32s(), x3.Float32s(), "inference passes x through")
}

// TestNormalizationFollowsTheBatch: LayerNormalization (over the last
// axis, and over the last two) and InstanceNormalization, with their
// gradients in x, scale and bias, compiled for batches of up to 5 give at
// a batch of 3 what the graphs built for 3 give. Their statistics have a
// slot per sample, kept in a workspace of the largest batch's size.
func TestNormalizationFollowsTheBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		name  string
		shape []int // one sample's
		param []int
		build func(x, s, b *graph.Node) *graph.Node
	}{
		{"LayerNormalization/last", []int{4, 6}, []int{6}, func(x, s, b *graph.Node) *graph.Node { return ops.LayerNormalization(x, s, b, -1, 1e-5) }},
		{"LayerNormalization/last_two", []int{4, 6}, []int{4, 6}, func(x, s, b *graph.Node) *graph.Node { return ops.LayerNormalization(x, s, b, 1, 1e-5) }},
		{"InstanceNormalization", []int{4, 6}, []int{4}, func(x, s, b *graph.Node) *graph.Node { return ops.InstanceNormalization(x, s, b, 1e-5) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			xs := randVals(r, 3*graph.Shape(c.shape).Size(), anyReal)
			ss := randVals(r, graph.Shape(c.param).Size(), anyReal)
			bs := randVals(r, graph.Shape(c.param).Size(), anyReal)
			ws := randVals(r, 3*graph.Shape(c.shape).Size(), anyReal)
			build := func(n int, batched bool) (*graph.Node, *graph.Node, []*graph.Node) {
				g := graph.New()
				x := g.Input("x", graph.Float64, append([]int{n}, c.shape...)...)
				w := g.Input("w", graph.Float64, append([]int{n}, c.shape...)...)
				if batched {
					x.Batched(0)
					w.Batched(0)
				}
				s := g.Input("s", graph.Float64, c.param...)
				b := g.Input("b", graph.Float64, c.param...)
				require.NoError(t, s.SetFloat64s(ss))
				require.NoError(t, b.SetFloat64s(bs))
				y := c.build(x, s, b)
				grads, err := autodiff.Grad(ops.ReduceSum(ops.Mul(y, w), false), x, s, b)
				require.NoError(t, err)
				return x, w, append([]*graph.Node{y}, grads...)
			}
			x5, w5, big := build(5, true)
			x3, w3, small := build(3, false)
			p5, err := x5.Graph().Compile(big...)
			require.NoError(t, err)
			p3, err := x3.Graph().Compile(small...)
			require.NoError(t, err)
			for _, n := range []*graph.Node{x5, x3} {
				require.NoError(t, n.SetFloat64s(xs))
			}
			for _, n := range []*graph.Node{w5, w3} {
				require.NoError(t, n.SetFloat64s(ws))
			}
			p5.Run()
			require.NoError(t, p5.Err())
			p3.Run()
			require.NoError(t, p3.Err())
			for i := range big {
				assert.InDeltaSlice(t, small[i].Float64s(), big[i].Float64s(), 1e-12, "output %d", i)
			}
		})
	}
}
