package ops_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	train := ops.NewMode(true)
	zeroMask := ref("onnx/training_dropout_zero_ratio_mask")
	boolMask := zeroMask.out[1]
	boolMask.dt = graph.Bool
	dflt := ref("onnx/dropout_default")
	addForward(
		// ONNX's backend test data: its deterministic cases.
		forwardCase{name: "Dropout/onnx_default_inference", in: dflt.in, want: dflt.out[0],
			build: func(in []*graph.Node) *graph.Node { return ops.Dropout(in[0], 0.5, nil, nil) }},
		forwardCase{name: "Dropout/onnx_training_zero_ratio", in: zeroMask.in, want: zeroMask.out[0],
			build: func(in []*graph.Node) *graph.Node { return ops.Dropout(in[0], 0, train, ops.NewRNG(0)) }},
		forwardCase{name: "DropoutMask/onnx_training_zero_ratio", in: zeroMask.in, want: boolMask,
			build: func(in []*graph.Node) *graph.Node {
				m := ops.DropoutMask(in[0], 0, train, ops.NewRNG(0))
				return ops.Greater(m, in[0].Graph().Scalar(0, m.DType()))
			}},
		forwardCase{name: "DropoutMask/inference", in: []val{f64(graph.Shape{2, 3}, 1, 2, 3, 4, 5, 6)}, want: f64(graph.Shape{2, 3}, 1, 1, 1, 1, 1, 1),
			build: func(in []*graph.Node) *graph.Node {
				return ops.DropoutMask(in[0], 0.5, ops.NewMode(false), ops.NewRNG(1))
			}},
		forwardCase{name: "Dropout/inference_mode", in: []val{f64(graph.Shape{2, 2}, 1, -2, 3.5, 0)}, want: f64(graph.Shape{2, 2}, 1, -2, 3.5, 0),
			build: func(in []*graph.Node) *graph.Node { return ops.Dropout(in[0], 0.9, ops.NewMode(false), ops.NewRNG(1)) }},
	)

	// In training mode each run draws a new mask, which finite differences
	// cannot follow: TestDropoutGradientUsesTheMask checks that gradient
	// against the mask itself. Here, the modes where the mask is fixed.
	addVJP(func(r *rand.Rand) []vjpCase {
		x := randShape(r, 3, 3)
		return []vjpCase{
			{name: "Dropout/inference_" + x.String(), shapes: []graph.Shape{x}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.Dropout(in[0], 0.5, ops.NewMode(false), ops.NewRNG(3)) }},
			{name: "Dropout/ratio0_" + x.String(), shapes: []graph.Shape{x}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.Dropout(in[0], 0, ops.NewMode(true), ops.NewRNG(3)) }},
		}
	})

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "dropout_x", dt, anyReal, 2, 4, 3)
		train, rng := ops.NewMode(true), ops.NewRNG(7)
		return []*graph.Node{ops.Dropout(x, 0.5, train, rng), ops.DropoutMask(x, 0.25, train, rng),
			ops.Dropout(x, 0.5, ops.NewMode(false), rng)}
	})
}

// TestDropoutRejectsBadArguments: a ratio outside [0, 1), a missing stream
// where masks are drawn, or a non-float x is a build error.
func TestDropoutRejectsBadArguments(t *testing.T) {
	checkBuildErrors(t, []buildErrorCase{
		{func(g *graph.Graph, x *graph.Node) { ops.Dropout(x, 1, ops.NewMode(true), ops.NewRNG(0)) },
			"DropoutMask(x): ratio 1 is not in [0, 1)"},
		{func(g *graph.Graph, x *graph.Node) { ops.DropoutMask(x, -0.1, nil, nil) },
			"DropoutMask(x): ratio -0.1 is not in [0, 1)"},
		{func(g *graph.Graph, x *graph.Node) { ops.Dropout(x, math.NaN(), nil, nil) },
			"DropoutMask(x): ratio NaN is not in [0, 1)"},
		{func(g *graph.Graph, x *graph.Node) { ops.Dropout(x, 0.5, ops.NewMode(false), nil) },
			"DropoutMask(x): needs a random stream (ops.NewRNG) to draw masks in training mode"},
		{func(g *graph.Graph, x *graph.Node) { ops.Dropout(g.Input("i", graph.Int64, 2), 0.5, nil, nil) },
			"DropoutMask(i): dtype int64 is not float32 or float64"},
	})
}

// dropoutProgram returns a program computing Dropout(x) of n elements in
// training mode, x all ones, so the output is the scaled mask.
func dropoutProgram(t *testing.T, dt graph.DType, n int, ratio float64, rng *ops.RNG) (*graph.Program, *graph.Node, *ops.Mode) {
	t.Helper()
	g := graph.New()
	x := g.Input("x", dt, n)
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	require.NoError(t, x.SetFloat64s(ones))
	mode := ops.NewMode(true)
	y := ops.Dropout(x, ratio, mode, rng)
	p, err := g.Compile(y)
	require.NoError(t, err)
	return p, y, mode
}

func values(n *graph.Node) []float64 {
	v := n.Storage()
	out := make([]float64, v.Len())
	for i := range out {
		out[i] = v.At(i)
	}
	return out
}

// TestDropoutMasks: a seed gives the same masks in the same order; each
// run draws a new one; kept elements are scaled by 1/(1 − ratio); and the
// fraction kept is within statistical bounds of 1 − ratio.
func TestDropoutMasks(t *testing.T) {
	const n = 1 << 16
	for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
		for _, ratio := range []float64{0.1, 0.5, 0.8} {
			p1, y1, _ := dropoutProgram(t, dt, n, ratio, ops.NewRNG(42))
			p2, y2, _ := dropoutProgram(t, dt, n, ratio, ops.NewRNG(42))
			p3, y3, _ := dropoutProgram(t, dt, n, ratio, ops.NewRNG(43))
			scale := float64(float32(1 / (1 - ratio)))
			if dt == graph.Float64 {
				scale = 1 / (1 - ratio)
			}
			var prev []float64
			for run := 0; run < 3; run++ {
				p1.Run()
				p2.Run()
				p3.Run()
				a, b, c := values(y1), values(y2), values(y3)
				assert.Equal(t, a, b, "the same seed gives the same masks")
				assert.NotEqual(t, a, c, "another seed gives other masks")
				assert.NotEqual(t, prev, a, "each run draws a new mask")
				prev = a
				kept := 0
				for _, v := range a {
					if v != 0 {
						require.Equal(t, scale, v, "a kept element is scaled by 1/(1 − ratio)")
						kept++
					}
				}
				// The number kept is Binomial(n, 1 − ratio): within 5
				// standard deviations, a bound a correct generator misses
				// once in 3 million runs.
				mean := n * (1 - ratio)
				sd := math.Sqrt(n * ratio * (1 - ratio))
				assert.InDelta(t, mean, float64(kept), 5*sd, "ratio %g, %s", ratio, dt)
			}
		}
	}
}

// TestDropoutMaskBitsAreIndependent: neighbouring elements (the two
// halves of one 64-bit draw, and consecutive draws) are dropped
// independently: each of the four patterns of a pair appears with its
// probability, within statistical bounds.
func TestDropoutMaskBitsAreIndependent(t *testing.T) {
	const n = 1 << 16
	p, y, _ := dropoutProgram(t, graph.Float64, n, 0.3, ops.NewRNG(1))
	p.Run()
	v := y.Float64s()
	for _, offset := range []int{0, 1} { // pairs within one draw, and across two
		var counts [4]int
		pairs := 0
		for i := offset; i+1 < n; i += 2 {
			k := 0
			if v[i] != 0 {
				k |= 1
			}
			if v[i+1] != 0 {
				k |= 2
			}
			counts[k]++
			pairs++
		}
		for k, c := range counts {
			q := 0.3
			if k&1 != 0 {
				q = 0.7
			}
			if k&2 != 0 {
				q *= 0.7
			} else {
				q *= 0.3
			}
			mean := float64(pairs) * q
			assert.InDelta(t, mean, float64(c), 5*math.Sqrt(mean*(1-q)), "offset %d, pattern %d", offset, k)
		}
	}
}

// TestDropoutIdentity: in inference mode, and for ratio 0 in training
// mode, Dropout is x, and the stream is not advanced.
func TestDropoutIdentity(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3, 5)
	xv := randVals(rand.New(rand.NewPCG(3, 4)), 15, anyReal)
	require.NoError(t, x.SetFloat64s(xv))
	rng := ops.NewRNG(9)
	mode := ops.NewMode(false)
	y := ops.Dropout(x, 0.5, mode, rng)
	z := ops.Dropout(x, 0, ops.NewMode(true), rng)
	p, err := g.Compile(y, z)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		p.Run()
		assert.Equal(t, xv, y.Float64s())
		assert.Equal(t, xv, z.Float64s())
	}
	seed, count := rng.State()
	assert.Equal(t, uint64(9), seed)
	assert.Equal(t, uint64(0), count, "no mask was drawn")

	// Switched to training, the same program drops elements.
	mode.SetTraining(true)
	p.Run()
	assert.NotEqual(t, xv, y.Float64s())
	_, count = rng.State()
	assert.Equal(t, uint64(1), count)
	for i, v := range y.Float64s() {
		if v != 0 {
			assert.Equal(t, 2*xv[i], v)
		}
	}
}

// TestDropoutStateResumesTheStream: a state read with State and restored
// with SetState, on another generator in another program, gives the masks
// that followed, bit for bit; so does a checkpointed run resumed later.
func TestDropoutStateResumesTheStream(t *testing.T) {
	const n = 1001 // odd: the last element has a draw of its own
	rng := ops.NewRNG(2024)
	p, y, _ := dropoutProgram(t, graph.Float32, n, 0.4, rng)
	for i := 0; i < 5; i++ {
		p.Run()
	}
	seed, count := rng.State()
	assert.Equal(t, uint64(5), count)
	var next [][]float64
	for i := 0; i < 3; i++ {
		p.Run()
		next = append(next, values(y))
	}

	other := ops.NewRNG(1)
	other.SetState(seed, count)
	q, z, _ := dropoutProgram(t, graph.Float32, n, 0.4, other)
	for i := 0; i < 3; i++ {
		q.Run()
		assert.Equal(t, next[i], values(z), "mask %d after the checkpoint", i)
	}

	// Rewinding the original stream replays it too.
	rng.SetState(seed, count)
	p.Run()
	assert.Equal(t, next[0], values(y))
}

// TestDropoutSharedStream: two layers drawing from one stream get
// different masks, in the program's order, reproducibly.
func TestDropoutSharedStream(t *testing.T) {
	build := func() (*graph.Program, *graph.Node, *graph.Node) {
		g := graph.New()
		x := g.Input("x", graph.Float64, 64)
		ones := make([]float64, 64)
		for i := range ones {
			ones[i] = 1
		}
		require.NoError(t, x.SetFloat64s(ones))
		mode, rng := ops.NewMode(true), ops.NewRNG(5)
		a := ops.Dropout(x, 0.5, mode, rng)
		b := ops.Dropout(x, 0.5, mode, rng)
		p, err := g.Compile(a, b)
		require.NoError(t, err)
		return p, a, b
	}
	p1, a1, b1 := build()
	p2, a2, b2 := build()
	p1.Run()
	p2.Run()
	assert.NotEqual(t, values(a1), values(b1))
	assert.Equal(t, values(a1), values(a2))
	assert.Equal(t, values(b1), values(b2))
}

// TestDropoutGradientUsesTheMask: in training mode the output and its
// gradient use the one mask of the run: y = x ⊙ mask and ∂(R·y)/∂x =
// R ⊙ mask, for each of several runs with different masks.
func TestDropoutGradientUsesTheMask(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	g := graph.New()
	s := graph.Shape{4, 3, 5}
	x := g.Param("x", randTensor(r, s, anyReal))
	weights := g.Const("R", randTensor(r, s, anyReal))
	mode := ops.NewMode(true)
	y := ops.Dropout(x, 0.3, mode, ops.NewRNG(11))
	mask := y.Inputs()[1]
	require.Equal(t, "DropoutMask", mask.Op().Type())
	cost := ops.Sum(ops.Mul(y, weights))
	grads, err := autodiff.Grad(cost, x)
	require.NoError(t, err)
	// The second derivative is 0: the gradient does not depend on x.
	h, err := autodiff.Grad(ops.Sum(ops.Square(grads[0])), x)
	require.NoError(t, err)
	p, err := g.Compile(cost, grads[0], h[0], mask, y) // mask and y read below
	require.NoError(t, err)
	var prev []float64
	for run := 0; run < 3; run++ {
		p.Run()
		m := append([]float64(nil), mask.Float64s()...)
		assert.NotEqual(t, prev, m)
		prev = m
		for i, mv := range m {
			assert.True(t, mv == 0 || mv == 1/0.7, "mask value %g", mv)
			assert.Equal(t, x.Float64s()[i]*mv, y.Float64s()[i])
			assert.Equal(t, weights.Float64s()[i]*mv, grads[0].Float64s()[i])
			assert.Equal(t, 0.0, h[0].Float64s()[i])
		}
	}
}
