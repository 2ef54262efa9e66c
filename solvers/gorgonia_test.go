package solvers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// gorgoniaNet is testNet in gorgonia, which keeps samples in rows:
// Zᵀ = Xᵀ·Ω + βᵀ (the same numbers as ζ = Ωᵀα + β, transposed), with the
// bias a 1 × n row added by BroadcastAdd.
type gorgoniaNet struct {
	g      *G.ExprGraph
	params G.Nodes // Ω¹, β¹, Ω², β²
	cost   *G.Node
	vm     G.VM
}

func transposed(xs []float64, rows, cols int) []float64 {
	out := make([]float64, len(xs))
	for i := range rows {
		for j := range cols {
			out[j*rows+i] = xs[i*cols+j]
		}
	}
	return out
}

func newGorgoniaNet(t *testing.T) *gorgoniaNet {
	t.Helper()
	g := G.NewGraph()
	n := &gorgoniaNet{g: g}
	M := len(testInputs) / testSizes[0]
	L := len(testSizes) - 1
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(M, testSizes[0]), G.WithName("X"),
		G.WithValue(tensor.New(tensor.WithShape(M, testSizes[0]), tensor.WithBacking(transposed(testInputs, testSizes[0], M)))))
	y := G.NewMatrix(g, tensor.Float64, G.WithShape(M, testSizes[L]), G.WithName("Y"),
		G.WithValue(tensor.New(tensor.WithShape(M, testSizes[L]), tensor.WithBacking(transposed(testTargets, testSizes[L], M)))))
	init := testParams()
	a := x
	for j := 1; j <= L; j++ {
		in, out := testSizes[j-1], testSizes[j]
		w := G.NewMatrix(g, tensor.Float64, G.WithShape(in, out), G.WithName(fmt.Sprintf("Omega%d", j)),
			G.WithValue(tensor.New(tensor.WithShape(in, out), tensor.WithBacking(append([]float64(nil), init[2*j-2]...)))))
		b := G.NewMatrix(g, tensor.Float64, G.WithShape(1, out), G.WithName(fmt.Sprintf("beta%d", j)),
			G.WithValue(tensor.New(tensor.WithShape(1, out), tensor.WithBacking(append([]float64(nil), init[2*j-1]...)))))
		n.params = append(n.params, w, b)
		xw := G.Must(G.Mul(a, w))
		z := G.Must(G.BroadcastAdd(xw, b, nil, []byte{0}))
		a = G.Must(G.Sigmoid(z))
	}
	// 𝒞 = (1/M) Σ_k ½‖a_(k) − y_(k)‖²
	sq := G.Must(G.Square(G.Must(G.Sub(a, y))))
	n.cost = G.Must(G.Mul(G.Must(G.Sum(sq)), G.NewConstant(0.5/float64(M))))
	_, err := G.Grad(n.cost, n.params...)
	require.NoError(t, err)
	n.vm = G.NewTapeMachine(g)
	return n
}

func (n *gorgoniaNet) values() [][]float64 {
	var out [][]float64
	for _, p := range n.params {
		out = append(out, append([]float64(nil), p.Value().Data().([]float64)...))
	}
	return out
}

// Every rule trains a gorgonia network through gorgonia's own Solver
// interface to the same parameters as our graph of the same network.
func TestGorgoniaAdapterMatchesOurGraph(t *testing.T) {
	for _, c := range rulesForNets() {
		t.Run(c.Rule.Name(), func(t *testing.T) {
			ours := newTestNet(t, graph.Float64)
			s, err := c.New()
			require.NoError(t, err)
			peer := newGorgoniaNet(t)
			defer peer.vm.Close()
			ps, err := c.New()
			require.NoError(t, err)
			var gs G.Solver = NewGorgonia(ps)
			model := G.NodesToValueGrads(peer.params)

			requireSame := func(what string) {
				t.Helper()
				theirs := peer.values()
				for i, v := range ours.values() {
					requireClose(t, v, theirs[i], 1e-10, what+" "+ours.params[i].Name())
				}
			}
			requireSame("start")
			for step := range 6 {
				ours.prog.Run()
				require.NoError(t, s.Step(ours.params, ours.grads))
				require.NoError(t, peer.vm.RunAll())
				assert.InDelta(t, ours.cost.Scalar(), peer.cost.Value().Data().(float64), 1e-12, "cost")
				require.NoError(t, gs.Step(model))
				peer.vm.Reset()
				requireSame(fmt.Sprintf("after step %d:", step+1))
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

func TestGorgoniaAdapterScalarsFloat32AndErrors(t *testing.T) {
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

	s, err := New(SGD{Eta: 0.25}, Schedule{})
	require.NoError(t, err)
	gs := NewGorgonia(s)
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
	require.ErrorContains(t, err, "solvers: gorgonia step: lonely: ")
	assert.Equal(t, 1.5, x.Value().Data())
	require.EqualError(t, gs.Step([]G.ValueGrad{nil}), "solvers: gorgonia step: model[0] is nil")
	mixed := &fixedVG{v: v.v, g: tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 1}))}
	require.EqualError(t, gs.Step([]G.ValueGrad{mixed}), "solvers: gorgonia step: model[0]: value is float32, gradient is float64")
	short := &fixedVG{v: v.v, g: tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))}
	require.EqualError(t, gs.Step([]G.ValueGrad{short}), "solvers: gorgonia step: model[0]: gradient has 1 components, value has 2")
	assert.Equal(t, []float32{0.5, -1}, v.v.Data())
	assert.Equal(t, 1, s.Steps())
}
