package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// randomGraph builds a random graph of nOps smooth ops on params of rank
// at most 4 — element-wise functions, broadcasting arithmetic,
// reductions with and without keepdims, softmax, transposes, reshapes and
// batched products — and returns a scalar cost of several of its nodes
// and the params. Every op is smooth at the values it meets (no kinks, no
// division by a value near 0, no overflow), so central differences are a
// fair witness of first and second derivatives.
func randomGraph(r *rand.Rand, nOps int) (*graph.Graph, *graph.Node, []*graph.Node, string) {
	g := graph.New()
	var params, pool []*graph.Node
	newParam := func(s graph.Shape) *graph.Node {
		p := g.Param(fmt.Sprintf("p%d", len(params)), randTensor(r, s, domain{lo: -1, hi: 1}))
		params = append(params, p)
		pool = append(pool, p)
		return p
	}
	for i := 0; i < 2; i++ {
		newParam(randShape(r, 1+r.IntN(4), 3))
	}
	pick := func() *graph.Node { return pool[r.IntN(len(pool))] }
	// partner returns a node that broadcasts against x: a reduction of x
	// with kept axes, a new param of a broadcastable shape, or x itself.
	partner := func(x *graph.Node) *graph.Node {
		s := x.Shape()
		switch r.IntN(3) {
		case 0:
			if len(s) > 0 {
				return ops.ReduceMean(x, true, r.IntN(len(s)))
			}
		case 1:
			b := s.Clone()
			for i := range b {
				if r.IntN(2) == 0 {
					b[i] = 1
				}
			}
			return newParam(b[r.IntN(len(b)+1):])
		}
		return x
	}
	var trace []string
	for len(trace) < nOps {
		x := pick()
		s := x.Shape()
		var n *graph.Node
		var name string
		switch r.IntN(12) {
		case 0:
			f := []func(*graph.Node) *graph.Node{ops.Tanh, ops.Sin, ops.Sigmoid, ops.GELU, ops.Atan, ops.Erf, ops.SiLU, ops.Softplus}
			k := r.IntN(len(f))
			n, name = f[k](x), fmt.Sprintf("unary%d", k)
		case 1:
			n, name = ops.Add(x, partner(x)), "Add"
		case 2:
			n, name = ops.Mul(x, partner(x)), "Mul"
		case 3:
			y := partner(x)
			n, name = ops.Div(x, ops.Add(ops.Square(y), scalar(g, 1))), "Div"
		case 4:
			if len(s) == 0 {
				continue
			}
			axes := randAxes(r, len(s))
			keep := r.IntN(2) == 0
			f := []func(*graph.Node, bool, ...int) *graph.Node{ops.ReduceSum, ops.ReduceMean, ops.ReduceLogSumExp, ops.ReduceSumSquare}
			k := r.IntN(len(f))
			n, name = f[k](x, keep, axes...), fmt.Sprintf("reduce%d%v%v", k, axes, keep)
		case 5:
			if len(s) == 0 {
				continue
			}
			a := r.IntN(2*len(s)) - len(s)
			if r.IntN(2) == 0 {
				n, name = ops.Softmax(x, a), fmt.Sprintf("Softmax%d", a)
			} else {
				n, name = ops.LogSoftmax(x, a), fmt.Sprintf("LogSoftmax%d", a)
			}
		case 6:
			n, name = ops.Transpose(x, r.Perm(len(s))...), "Transpose"
		case 7:
			if len(s) == 0 {
				continue
			}
			n, name = ops.Reshape(x, 0, -1), "Reshape"
			if len(s) == 1 {
				n = ops.Unsqueeze(x, r.IntN(2)-1)
				name = "Unsqueeze"
			}
		case 8:
			if len(s) < 2 {
				continue
			}
			k := s[len(s)-1]
			w := newParam(graph.Shape{k, 1 + r.IntN(3)})
			n, name = ops.MatMul(x, w, 0), "MatMul"
			if r.IntN(2) == 0 {
				w2 := newParam(graph.Shape{1 + r.IntN(3), k})
				n = ops.MatMul(x, w2, ops.TransB)
				name = "MatMulT"
			}
		case 9:
			n, name = ops.Scale(ops.Square(x), 0.5), "Square"
		case 10:
			if len(s) >= 2 {
				n, name = ops.MatMul(x, x, ops.TransA), "Gram"
				n = ops.Scale(n, 0.3)
			} else {
				continue
			}
		default:
			n, name = ops.Sub(ops.Cos(x), partner(x)), "CosSub"
		}
		if len(n.Shape()) > 4 || n.Shape().Size() > 64 {
			continue
		}
		pool = append(pool, n)
		trace = append(trace, fmt.Sprintf("%s%s", name, n.Shape()))
	}
	var cost *graph.Node
	for _, n := range pool[len(pool)-min(4, len(pool)):] {
		w := g.Const("", randTensor(r, n.Shape(), anyReal))
		t := ops.Sum(ops.Mul(n, w))
		if cost == nil {
			cost = t
		} else {
			cost = ops.Add(cost, t)
		}
	}
	return g, cost, params, fmt.Sprint(trace)
}

func scalar(g *graph.Graph, v float64) *graph.Node { return g.Scalar(v, graph.Float64) }

// TestRandomGraphsAgainstFiniteDifferences: graphs of 5 to 30 random ops
// of rank ≤ 4, their gradients to first and second order against central
// differences in float64.
func TestRandomGraphsAgainstFiniteDifferences(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 2024))
		g, cost, params, trace := randomGraph(r, 5+r.IntN(26))
		require.NoError(t, g.Err(), trace)
		diffs, err := autodiff.Check(cost, params, eps)
		require.NoError(t, err, trace)
		for _, d := range diffs {
			require.LessOrEqualf(t, d.MaxRel, tol, "seed %d, first order, d/d%s (max abs %g): %s", seed, d.Node.Name(), d.MaxAbs, trace)
		}
		grads, err := autodiff.Grad(cost, params...)
		require.NoError(t, err, trace)
		var cost2 *graph.Node
		for _, gr := range grads {
			v := g.Const("", randTensor(r, gr.Shape(), anyReal))
			term := ops.Sum(ops.Mul(gr, v))
			if cost2 == nil {
				cost2 = term
			} else {
				cost2 = ops.Add(cost2, term)
			}
		}
		diffs, err = autodiff.Check(cost2, params, eps)
		require.NoError(t, err, trace)
		for _, d := range diffs {
			require.LessOrEqualf(t, d.MaxRel, tol, "seed %d, second order, d/d%s (max abs %g): %s", seed, d.Node.Name(), d.MaxAbs, trace)
		}
	}
}
