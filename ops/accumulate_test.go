package ops_test

import (
	"math/rand/v2"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Accumulate's placements are private (the VJPs of the recurrent ops'
// narrow): accumulate_internal_test.go checks them; the RNN family's VJP
// cases run them to second order, and its alloc nodes run them.
func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		s := randShape(r, 3, 3)
		return []vjpCase{{name: "Accumulate/" + s.String(), shapes: []graph.Shape{s, s, s}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.Accumulate(in...) }}}
	})
	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	addForward(
		forwardCase{name: "Accumulate/three", in: []val{f64(S(2), 1, 2), f64(S(2), 10, 20), f64(S(2), 100, 200)},
			build: func(in []*graph.Node) *graph.Node { return ops.Accumulate(in...) }, want: f64(S(2), 111, 222)},
		forwardCase{name: "Accumulate/one", in: []val{f64(S(2), 1, 2)},
			build: func(in []*graph.Node) *graph.Node { return ops.Accumulate(in...) }, want: f64(S(2), 1, 2)},
	)
}
