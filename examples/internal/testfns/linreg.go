package testfns

import (
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/solvers"
)

// LinReg is the linear model a = w·x + b with the quadratic cost
// 𝒞 = (1/M) Σ_k ½(a_(k) − ρ_(k))², on mini-batches of M samples of a
// one-feature, one-output data set, as a Surface in θ = (w, b).
type LinReg struct {
	*Surface
	X, Rho *graph.Node // α⁰ and ρ, each 1×M
	M      int
	data   *datasets.Dataset
	x, y   []float64
}

// NewLinReg builds the model for batches of m samples of d.
func NewLinReg(d *datasets.Dataset, m int) (*LinReg, error) {
	l := &LinReg{M: m, data: d, x: make([]float64, m), y: make([]float64, m)}
	s, err := New("linear regression", func(g *graph.Graph, w, b *graph.Node) *graph.Node {
		l.X = g.Input("alpha0", graph.Float64, 1, m)
		l.Rho = g.Input("rho", graph.Float64, 1, m)
		return ops.QuadraticCost(ops.Add(ops.Mul(w, l.X), b), l.Rho)
	})
	if err != nil {
		return nil, err
	}
	l.Surface = s
	return l, nil
}

// Feed loads the samples idx (len(idx) = M) into the inputs.
func (l *LinReg) Feed(idx []int) {
	datasets.FillBatch(l.data, idx, l.x, l.y, nil)
	_ = l.X.SetFloat64s(l.x)
	_ = l.Rho.SetFloat64s(l.y)
}

// FeedAll loads the whole data set (M must be its length).
func (l *LinReg) FeedAll() {
	idx := make([]int, l.M)
	for i := range idx {
		idx[i] = i
	}
	l.Feed(idx)
}

// Descend takes steps mini-batch steps of sol from (w0, b0), drawing the
// batches epoch after epoch from a sampler seeded with seed. The path
// records θ_n and the full-batch cost at θ_n, which full (built for the
// whole data set and fed with it) computes.
func (l *LinReg) Descend(name string, sol *solvers.Solver, full *LinReg, w0, b0 float64, steps int, seed uint64) (Path, error) {
	p := Path{Name: name, Color: RuleColor(sol.Rule().Name())}
	th := l.Theta.Storage().F64
	th[0], th[1] = w0, b0
	record := func() {
		f, _, _ := full.At(th[0], th[1])
		p.add(th[0], th[1], f)
	}
	s := datasets.NewSampler(l.data.Len(), l.M, seed, true)
	params, grads := []*graph.Node{l.Theta}, []*graph.Node{l.Grad}
	for n, epoch := 0, 0; n < steps; epoch++ {
		for _, idx := range s.Epoch(epoch) {
			if n == steps {
				break
			}
			record()
			l.Feed(idx)
			l.prog.Run()
			if err := sol.Step(params, grads); err != nil {
				return p, err
			}
			n++
		}
	}
	record()
	return p, nil
}
