package gorgoniasolver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/solvers"
)

// net is a 3-4-2 sigmoid network with the quadratic cost in gorgonia,
// samples in rows: Z = X·Ω + β with the bias a 1 × n row.
type net struct {
	params G.Nodes // Ω¹, β¹, Ω², β²
	vm     G.VM
}

func newNet(t *testing.T) *net {
	t.Helper()
	sizes := []int{3, 4, 2}
	const m = 4
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(m, 3), G.WithName("X"), G.WithValue(tensor.New(tensor.WithShape(m, 3),
		tensor.WithBacking([]float64{0.5, -0.3, 1.1, -1, 0.8, 0.4, 1.5, 0.1, -0.7, 0.2, -1.2, 0.9}))))
	y := G.NewMatrix(g, tensor.Float64, G.WithShape(m, 2), G.WithName("Y"), G.WithValue(tensor.New(tensor.WithShape(m, 2),
		tensor.WithBacking([]float64{0.9, 0.3, 0.1, 0.7, 0.2, 0.6, 0.8, 0.1}))))
	n := &net{}
	v := 0.37
	next := func() float64 { v = v*7.3 + 0.11; v -= float64(int(v/2)) * 2; return v - 1 }
	a := x
	for j := 1; j < len(sizes); j++ {
		in, out := sizes[j-1], sizes[j]
		w := make([]float64, in*out)
		b := make([]float64, out)
		for i := range w {
			w[i] = next()
		}
		for i := range b {
			b[i] = next() / 4
		}
		wn := G.NewMatrix(g, tensor.Float64, G.WithShape(in, out), G.WithName(fmt.Sprintf("Omega%d", j)),
			G.WithValue(tensor.New(tensor.WithShape(in, out), tensor.WithBacking(w))))
		bn := G.NewMatrix(g, tensor.Float64, G.WithShape(1, out), G.WithName(fmt.Sprintf("beta%d", j)),
			G.WithValue(tensor.New(tensor.WithShape(1, out), tensor.WithBacking(b))))
		n.params = append(n.params, wn, bn)
		a = G.Must(G.Sigmoid(G.Must(G.BroadcastAdd(G.Must(G.Mul(a, wn)), bn, nil, []byte{0}))))
	}
	cost := G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Square(G.Must(G.Sub(a, y)))))), G.NewConstant(0.5/m)))
	_, err := G.Grad(cost, n.params...)
	require.NoError(t, err)
	n.vm = G.NewTapeMachine(g)
	return n
}

func configs() []solvers.Config {
	return []solvers.Config{
		{Rule: solvers.SGD{Eta: 0.5}, Schedule: solvers.InverseSchedule(0.1)},
		{Rule: solvers.Momentum{Eta: 0.3, Momentum: 0.8}, Schedule: solvers.ExponentialSchedule(0.05)},
		{Rule: solvers.Nesterov{Eta: 0.3, Momentum: 0.8}, Schedule: solvers.InverseSchedule(0.2)},
		{Rule: solvers.AdaGrad{Eta: 0.1, Delta: 1e-7}},
		{Rule: solvers.RMSProp{Eta: 0.01, Delta: 1e-6, Rho: 0.9}, Schedule: solvers.ExponentialSchedule(0.1)},
		{Rule: solvers.AdaDelta{Delta: 1e-6, Rho: 0.95}},
		{Rule: solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, Schedule: solvers.InverseSchedule(0.1)},
		{Rule: solvers.DeltaBarDelta{Eta: 0.5, Kappa: 0.05, Phi: 0.3, Theta: 0.7}},
	}
}

// Every rule, through gorgonia's Solver interface, moves a gorgonia
// network's parameters exactly as the same solver moves copies of them
// given as raw slices with the same gradients.
func TestAdapterMatchesRawSlices(t *testing.T) {
	for _, c := range configs() {
		t.Run(c.Rule.Name(), func(t *testing.T) {
			n := newNet(t)
			defer n.vm.Close()
			ps, err := c.New()
			require.NoError(t, err)
			ref, err := c.New()
			require.NoError(t, err)
			var gs G.Solver = New(ps)
			model := G.NodesToValueGrads(n.params)
			var want, grads [][]float64
			for _, p := range n.params {
				want = append(want, append([]float64(nil), p.Value().Data().([]float64)...))
				grads = append(grads, make([]float64, p.Shape().TotalSize()))
			}
			for step := range 6 {
				require.NoError(t, n.vm.RunAll())
				for i, p := range n.params {
					g, err := p.Grad()
					require.NoError(t, err)
					copy(grads[i], g.Data().([]float64))
				}
				require.NoError(t, ref.StepFloat64(want, grads))
				require.NoError(t, gs.Step(model))
				n.vm.Reset()
				for i, p := range n.params {
					require.Equal(t, want[i], p.Value().Data(), "step %d, %s", step+1, p.Name())
				}
			}
			assert.Equal(t, 6, ps.Steps())
			assert.Equal(t, 4, len(ps.State().Params))
			assert.Equal(t, "Omega1", ps.State().Params[0].Name)
		})
	}
}

// fixedVG is a ValueGrad holding given tensors, as a user's own type may.
type fixedVG struct{ v, g *tensor.Dense }

func (f *fixedVG) Value() G.Value         { return f.v }
func (f *fixedVG) Grad() (G.Value, error) { return f.g, nil }

func TestAdapterScalarsFloat32AndErrors(t *testing.T) {
	// f(x) = x² on a float64 scalar node, and a float32 vector held by a
	// ValueGrad of our own with the gradient (2, −4).
	g := G.NewGraph()
	x := G.NewScalar(g, tensor.Float64, G.WithName("x"), G.WithValue(3.0))
	cost := G.Must(G.Square(x))
	_, err := G.Grad(cost, x)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	v := &fixedVG{
		v: tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, -2})),
		g: tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{2, -4})),
	}

	s, err := solvers.New(solvers.SGD{Eta: 0.25}, solvers.Schedule{})
	require.NoError(t, err)
	gs := New(s)
	assert.Same(t, s, gs.Solver())
	require.NoError(t, vm.RunAll())
	// x ← 3 − 0.25·6 = 1.5; v ← (1, −2) − 0.25·(2, −4) = (0.5, −1)
	require.NoError(t, gs.Step([]G.ValueGrad{x, v}))
	vm.Reset()
	assert.Equal(t, 1.5, x.Value().Data())
	assert.Equal(t, []float32{0.5, -1}, v.v.Data())

	// A node without a gradient is reported by name, and nothing moves.
	lonely := G.NewScalar(g, tensor.Float64, G.WithName("lonely"), G.WithValue(1.0))
	err = gs.Step([]G.ValueGrad{x, lonely})
	require.ErrorContains(t, err, "gorgoniasolver: step: lonely: ")
	assert.Equal(t, 1.5, x.Value().Data())
	require.EqualError(t, gs.Step([]G.ValueGrad{nil}), "gorgoniasolver: step: model[0] is nil")
	mixed := &fixedVG{v: v.v, g: tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 1}))}
	require.EqualError(t, gs.Step([]G.ValueGrad{mixed}), "gorgoniasolver: step: model[0]: value is float32, gradient is float64")
	short := &fixedVG{v: v.v, g: tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))}
	require.EqualError(t, gs.Step([]G.ValueGrad{short}), "gorgoniasolver: step: model[0]: gradient has 1 components, value has 2")
	assert.Equal(t, []float32{0.5, -1}, v.v.Data())
	assert.Equal(t, 1, s.Steps())
}
