// Command g_check checks the gradients of the neuron a = σ(w·x + b) of
// examples/g_first against central finite differences.
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
	x := g.Input("x", graph.Float64, 3)
	w := g.Param("w", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.5, -1, 0.25})))
	b := g.Param("b", tensor.New(tensor.WithShape(), tensor.WithBacking([]float64{0.1})))
	a := ops.Sigmoid(ops.Add(ops.Sum(ops.Mul(w, x)), b)).Named("a")
	_ = x.SetFloat64s([]float64{1, 2, 3})
	wrt := []*graph.Node{w, b, x}

	// The finite differences on their own: (a(θ+ε) − a(θ−ε)) / 2ε per element.
	num, err := autodiff.NumericGrad(a, wrt, 1e-6)
	if err != nil {
		panic(err)
	}
	for i, n := range wrt {
		fmt.Printf("numeric ∂a/∂%s = %.6f\n", n.Name(), num[i].Float64s())
	}

	// Check does both (Grad and NumericGrad) and reports the largest gaps.
	diffs, err := autodiff.Check(a, wrt, 1e-6)
	if err != nil {
		panic(err)
	}
	for _, d := range diffs {
		fmt.Printf("∂a/∂%s: max |autodiff − numeric| = %.1e, below 1e-9: %v\n", d.Node.Name(), d.MaxAbs, d.MaxAbs < 1e-9)
	}
}
