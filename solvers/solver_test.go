package solvers

import (
	"errors"
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

// testNet is a 3-4-2 network with sigmoid layers and the quadratic cost,
// built from op nodes in the lecture's layout: ζ^j = [Ω^j]ᵀα^{j-1} + β^j.
type testNet struct {
	g      *graph.Graph
	params []*graph.Node // Ω¹, β¹, Ω², β²
	grads  []*graph.Node
	cost   *graph.Node
	prog   *graph.Program
}

var (
	testSizes  = []int{3, 4, 2}
	testInputs = []float64{ // 3 × 4: one column per sample
		0.5, -1.0, 1.5, 0.2,
		-0.3, 0.8, 0.1, -1.2,
		1.1, 0.4, -0.7, 0.9,
	}
	testTargets = []float64{ // 2 × 4
		0.9, 0.1, 0.2, 0.8,
		0.3, 0.7, 0.6, 0.1,
	}
)

// testParams returns deterministic starting values for Ω¹, β¹, Ω², β².
func testParams() [][]float64 {
	var ps [][]float64
	x := 0.37
	next := func() float64 { x = math.Mod(x*7.3+0.11, 2); return x - 1 }
	for j := 1; j < len(testSizes); j++ {
		w := make([]float64, testSizes[j-1]*testSizes[j])
		b := make([]float64, testSizes[j])
		for i := range w {
			w[i] = next()
		}
		for i := range b {
			b[i] = next() / 4
		}
		ps = append(ps, w, b)
	}
	return ps
}

func newTestNet(t testing.TB, dt graph.DType) *testNet {
	t.Helper()
	g := graph.New()
	n := &testNet{g: g}
	M := len(testInputs) / testSizes[0]
	x := g.Input("alpha0", dt, testSizes[0], M)
	y := g.Input("rho", dt, testSizes[len(testSizes)-1], M)
	require.NoError(t, x.SetFloat64s(testInputs))
	require.NoError(t, y.SetFloat64s(testTargets))
	init := testParams()
	a := x
	for j := 1; j < len(testSizes); j++ {
		w := g.Param(fmt.Sprintf("Omega%d", j), denseOf(dt, init[2*j-2], testSizes[j-1], testSizes[j]))
		b := g.Param(fmt.Sprintf("beta%d", j), denseOf(dt, init[2*j-1], testSizes[j], 1))
		n.params = append(n.params, w, b)
		a = ops.Sigmoid(ops.Add(ops.MatMul(w, a, ops.TransA), b))
	}
	n.cost = ops.QuadraticCost(a, y)
	var err error
	n.grads, err = autodiff.Grad(n.cost, n.params...)
	require.NoError(t, err)
	n.prog, err = g.Compile(append([]*graph.Node{n.cost}, n.grads...)...)
	require.NoError(t, err)
	return n
}

func denseOf(dt graph.DType, xs []float64, shape ...int) *tensor.Dense {
	if dt == graph.Float32 {
		f := make([]float32, len(xs))
		for i, x := range xs {
			f[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), xs...)))
}

// values returns a copy of every parameter's float64 values.
func (n *testNet) values() [][]float64 {
	var out [][]float64
	for _, p := range n.params {
		v := p.Storage()
		if v.F64 != nil {
			out = append(out, append([]float64(nil), v.F64...))
			continue
		}
		f := make([]float64, len(v.F32))
		for i, x := range v.F32 {
			f[i] = float64(x)
		}
		out = append(out, f)
	}
	return out
}

// rulesForNets gives each rule hyperparameters that move the test
// network visibly in a few steps, and a schedule where one applies.
func rulesForNets() []Config {
	return []Config{
		{SGD{Eta: 0.5}, InverseSchedule(0.1)},
		{Momentum{Eta: 0.3, Momentum: 0.8}, ExponentialSchedule(0.05)},
		{Nesterov{Eta: 0.3, Momentum: 0.8}, InverseSchedule(0.2)},
		{AdaGrad{Eta: 0.1, Delta: 1e-7}, Schedule{}},
		{RMSProp{Eta: 0.01, Delta: 1e-6, Rho: 0.9}, ExponentialSchedule(0.1)},
		{AdaDelta{Delta: 1e-6, Rho: 0.95}, Schedule{}},
		{Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, InverseSchedule(0.1)},
		{DeltaBarDelta{Eta: 0.5, Kappa: 0.05, Phi: 0.3, Theta: 0.7}, Schedule{}},
	}
}

// The graph path (Step on nodes) and the raw-slice path (StepFloat64 on
// closed-form gradients) give the same parameters.
func TestStepOnGraphMatchesClosedForm(t *testing.T) {
	for _, c := range rulesForNets() {
		t.Run(c.Rule.Name(), func(t *testing.T) {
			n := newTestNet(t, graph.Float64)
			s, err := c.New()
			require.NoError(t, err)

			m := &mlp{sizes: testSizes, act: []string{"sigmoid", "sigmoid"}, cost: "quadratic"}
			for i := range testSizes[0] {
				m.x = append(m.x, testInputs[i*4:i*4+4])
			}
			for i := range testSizes[2] {
				m.y = append(m.y, testTargets[i*4:i*4+4])
			}
			init := testParams()
			m.w = [][]float64{init[0], init[2]}
			m.b = [][]float64{init[1], init[3]}
			gw := [][]float64{make([]float64, 12), make([]float64, 8)}
			gb := [][]float64{make([]float64, 4), make([]float64, 2)}
			ref, err := c.New()
			require.NoError(t, err)

			for step := range 6 {
				n.prog.Run()
				want := m.costGrad(0, 4, gw, gb)
				require.InDelta(t, want, n.cost.Scalar(), 1e-14, "cost before step %d", step)
				require.NoError(t, s.Step(n.params, n.grads))
				require.NoError(t, ref.StepFloat64(m.params(), [][]float64{gw[0], gb[0], gw[1], gb[1]}))
				for i, v := range n.values() {
					requireClose(t, m.params()[i], v, 1e-12, n.params[i].Name())
				}
			}
			assert.Equal(t, 6, s.Steps())
		})
	}
}

func TestStepAfterTheFirstAllocatesNothing(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
		for _, c := range rulesForNets() {
			t.Run(dt.String()+"/"+c.Rule.Name(), func(t *testing.T) {
				n := newTestNet(t, dt)
				s, err := c.New()
				require.NoError(t, err)
				n.prog.Run()
				require.NoError(t, s.Step(n.params, n.grads))
				allocs := testing.AllocsPerRun(50, func() {
					if err := s.Step(n.params, n.grads); err != nil {
						panic(err)
					}
				})
				assert.Zero(t, allocs, "Step")

				theta, g := make([]float64, 5), make([]float64, 5)
				ps, gs := [][]float64{theta}, [][]float64{g}
				require.NoError(t, s.StepFloat64(ps, gs))
				assert.Zero(t, testing.AllocsPerRun(50, func() { _ = s.StepFloat64(ps, gs) }), "StepFloat64")
			})
		}
	}
	n := newTestNet(t, graph.Float64)
	s, err := New(NewNesterov(), Schedule{})
	require.NoError(t, err)
	eval := func() error { n.prog.Run(); return nil }
	require.NoError(t, s.StepLookahead(n.params, n.grads, eval))
	assert.Zero(t, testing.AllocsPerRun(50, func() { _ = s.StepLookahead(n.params, n.grads, eval) }), "StepLookahead")
}

// Saving the state mid-run and restoring it into a fresh solver (and a
// fresh graph holding the saved parameters) continues bit for bit.
func TestCheckpointResumesBitIdentically(t *testing.T) {
	const total, cut = 9, 4
	for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
		for _, c := range rulesForNets() {
			for _, via := range []string{"binary", "state"} {
				t.Run(dt.String()+"/"+c.Rule.Name()+"/"+via, func(t *testing.T) {
					// Uninterrupted run.
					a := newTestNet(t, dt)
					sa, err := c.New()
					require.NoError(t, err)
					for range total {
						a.prog.Run()
						require.NoError(t, sa.Step(a.params, a.grads))
					}

					// Interrupted run: save after cut steps, resume elsewhere.
					b := newTestNet(t, dt)
					sb, err := c.New()
					require.NoError(t, err)
					for range cut {
						b.prog.Run()
						require.NoError(t, sb.Step(b.params, b.grads))
					}
					blob, err := sb.MarshalBinary()
					require.NoError(t, err)
					st := sb.State()
					saved := make([]*tensor.Dense, len(b.params))
					for i, p := range b.params {
						saved[i] = p.Value().Clone().(*tensor.Dense)
					}

					r := newTestNet(t, dt)
					for i, p := range r.params {
						require.NoError(t, p.Set(saved[i]))
					}
					sr, err := c.New()
					require.NoError(t, err)
					if via == "binary" {
						require.NoError(t, sr.UnmarshalBinary(blob))
					} else {
						require.NoError(t, sr.SetState(st))
					}
					assert.Equal(t, cut, sr.Steps())
					assert.Equal(t, st, sr.State(), "state survives the round trip")
					for range total - cut {
						r.prog.Run()
						require.NoError(t, sr.Step(r.params, r.grads))
					}
					assert.Equal(t, total, sr.Steps())
					for i, p := range a.params {
						v, w := p.Storage(), r.params[i].Storage()
						if dt == graph.Float64 {
							for k := range v.F64 {
								require.Equal(t, math.Float64bits(v.F64[k]), math.Float64bits(w.F64[k]), "%s[%d]", p.Name(), k)
							}
						} else {
							for k := range v.F32 {
								require.Equal(t, math.Float32bits(v.F32[k]), math.Float32bits(w.F32[k]), "%s[%d]", p.Name(), k)
							}
						}
					}
					bb, err := sr.MarshalBinary()
					require.NoError(t, err)
					ba, err := sa.MarshalBinary()
					require.NoError(t, err)
					assert.Equal(t, ba, bb, "same state bytes at the end")
				})
			}
		}
	}
}

// The true Nesterov form (StepLookahead, parameters θ) and the simplified
// form (Step on Nesterov, parameters Θ) are one trajectory: from v = 0,
// Θ_n = θ_n + δ·v_n at every step, here on the sigmoid network, which is
// far from quadratic, and with a decaying schedule.
func TestLookaheadMatchesSimplifiedNesterov(t *testing.T) {
	const delta = 0.8
	cfg := Config{Nesterov{Eta: 0.4, Momentum: delta}, InverseSchedule(0.2)}
	exact, simple := newTestNet(t, graph.Float64), newTestNet(t, graph.Float64)
	se, err := cfg.New()
	require.NoError(t, err)
	ss, err := cfg.New()
	require.NoError(t, err)
	eval := func() error { exact.prog.Run(); return nil }
	for step := range 25 {
		require.NoError(t, se.StepLookahead(exact.params, exact.grads, eval))
		simple.prog.Run()
		require.NoError(t, ss.Step(simple.params, simple.grads))

		theta, Theta := exact.values(), simple.values()
		v := se.State().Params
		for i := range theta {
			look := make([]float64, len(theta[i]))
			for k := range look {
				look[k] = theta[i][k] + delta*v[i].F64[0][k]
			}
			requireClose(t, Theta[i], look, 1e-12, fmt.Sprintf("step %d, %s", step+1, exact.params[i].Name()))
		}
		// The velocities are the same sequence too.
		for i := range v {
			requireClose(t, ss.State().Params[i].F64[0], v[i].F64[0], 1e-12, "v")
		}
	}
	// Not a trivial trajectory: the cost went down a lot.
	exact.prog.Run()
	simple.prog.Run()
	assert.Less(t, exact.cost.Scalar(), 0.15)
}

func TestLookaheadErrors(t *testing.T) {
	n := newTestNet(t, graph.Float64)
	s, err := New(NewMomentum(), Schedule{})
	require.NoError(t, err)
	err = s.StepLookahead(n.params, n.grads, func() error { return nil })
	require.EqualError(t, err, "solvers: lookahead step needs the nesterov rule, not momentum")

	s, err = New(NewNesterov(), Schedule{})
	require.NoError(t, err)
	eval := func() error { n.prog.Run(); return nil }
	require.NoError(t, s.StepLookahead(n.params, n.grads, eval))
	require.NoError(t, s.StepLookahead(n.params, n.grads, eval))
	before := n.values()
	boom := errors.New("boom")
	err = s.StepLookahead(n.params, n.grads, func() error { return boom })
	require.ErrorIs(t, err, boom)
	assert.Equal(t, before, n.values(), "θ restored exactly")
	assert.Equal(t, 2, s.Steps(), "no step counted")
}

// StepSlices updates mixed float64 and float32 parameters as StepFloat64
// and StepFloat32 update each, keeps their state by key across steps, and
// changes nothing when one of them is malformed.
func TestStepSlicesMatchesTypedSteps(t *testing.T) {
	cfg := Config{Rule: Adam{Eta: 0.1, Delta: 1e-8, Rho1: 0.8, Rho2: 0.95}, Schedule: InverseSchedule(0.3)}
	s, _ := cfg.New()
	ref64, _ := cfg.New()
	ref32, _ := cfg.New()
	w64, w32 := []float64{1, -2, 3}, []float32{0.5, -0.25}
	r64, r32 := append([]float64(nil), w64...), append([]float32(nil), w32...)
	type key struct{ name string }
	for step := range 4 {
		g64 := []float64{0.3 * float64(step+1), -1, 2}
		g32 := []float32{-0.5, 0.125 * float32(step)}
		require.NoError(t, s.StepSlices([]Slices{{Key: key{"a"}, W64: w64, G64: g64}, {Key: key{"b"}, W32: w32, G32: g32}}))
		require.NoError(t, ref64.StepFloat64([][]float64{r64}, [][]float64{g64}))
		require.NoError(t, ref32.StepFloat32([][]float32{r32}, [][]float32{g32}))
		require.Equal(t, r64, w64, "step %d", step+1)
		require.Equal(t, r32, w32, "step %d", step+1)
	}
	assert.Equal(t, 4, s.Steps())

	before := append([]float64(nil), w64...)
	for _, c := range []struct {
		p    Slices
		want string
	}{
		{Slices{W64: w64, G64: w64}, "solvers: step: parameter 1: key <nil> cannot key a state"},
		{Slices{Key: []int{1}, W64: w64, G64: w64}, "solvers: step: parameter 1: key []int cannot key a state"},
		{Slices{Key: key{"c"}}, "solvers: step: parameter 1: empty"},
		{Slices{Key: key{"c"}, W64: w64, G64: w64[:2]}, "solvers: step: parameter 1: gradient has 2 components, value has 3"},
		{Slices{Key: key{"c"}, W32: w32, G32: w32[:1]}, "solvers: step: parameter 1: gradient has 1 components, value has 2"},
		{Slices{Key: key{"c"}, W64: w64, G32: w32}, "solvers: step: parameter 1: holds both float64 and float32 slices"},
	} {
		require.EqualError(t, s.StepSlices([]Slices{{Key: key{"a"}, W64: w64, G64: w64}, c.p}), c.want)
	}
	assert.Equal(t, before, w64, "a failed step changes nothing")
	assert.Equal(t, 4, s.Steps())
}
