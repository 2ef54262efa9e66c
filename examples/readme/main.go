// Command readme is the example on gradgraph's front page: one sigmoid
// layer, its cost, and the gradients autodiff adds to the graph.
package main

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func main() {
	g := graph.New()
	x := g.Input("alpha0", graph.Float64, 3, 2) // 3 features × 2 samples (one column each)
	y := g.Input("rho", graph.Float64, 1, 2)
	w := g.Param("Omega1", tensor.New(tensor.WithShape(3, 1), tensor.WithBacking([]float64{0.5, -1, 0.25})))
	b := g.Param("beta1", tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{0.1})))
	zeta := ops.Add(ops.MatMul(w, x, ops.TransA), b).Named("zeta1") // ζ = Ωᵀα + β
	cost := ops.QuadraticCost(ops.Sigmoid(zeta), y)
	grads, err := autodiff.Grad(cost, w, b) // adjoint nodes, added to the graph
	if err != nil {
		panic(err)
	}
	prog, err := g.Compile(cost, grads[0], grads[1]) // every buffer allocated here, once
	if err != nil {
		panic(err)
	}
	_ = x.SetFloat64s([]float64{1, 0, 2, 1, -1, 3})
	_ = y.SetFloat64s([]float64{1, 0})
	prog.Run() // allocates nothing
	fmt.Printf("cost %.6f\n∂C/∂Ω %.6f\n∂C/∂β %.6f\n", cost.Scalar(), grads[0].Float64s(), grads[1].Float64s())
}
