// Command g_first builds the smallest interesting graph, one neuron
// a = σ(w·x + b), differentiates it with autodiff.Grad, compiles the cost
// and its gradients into one program and runs it twice on new inputs.
package main

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func main() {
	// 1. Build: leaves first (an input and two parameters), then ops on them.
	g := graph.New()
	x := g.Input("x", graph.Float64, 3)
	w := g.Param("w", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.5, -1, 0.25})))
	b := g.Param("b", tensor.New(tensor.WithShape(), tensor.WithBacking([]float64{0.1})))
	z := ops.Add(ops.Sum(ops.Mul(w, x)), b).Named("z") // z = w·x + b
	a := ops.Sigmoid(z).Named("a")                     // a = σ(z)
	if err := g.Err(); err != nil {                    // a shape mistake would be reported here
		panic(err)
	}

	// 2. Differentiate: Grad adds the adjoint nodes ∂a/∂w, ∂a/∂b, ∂a/∂x.
	grads, err := autodiff.Grad(a, w, b, x)
	if err != nil {
		panic(err)
	}
	dw, db, dx := grads[0], grads[1], grads[2]

	// 3. Compile once: the program computes a and its three gradients, and
	// z, to print it. A program runs only what its outputs need (compiled
	// for a alone, it would skip the backward nodes) and keeps only its
	// outputs readable: the storage of the other values is reused.
	prog, err := g.Compile(a, dw, db, dx, z)
	if err != nil {
		panic(err)
	}
	fwd, _ := g.Compile(a)
	fmt.Printf("graph: %d nodes; program for a: %d; for a and its gradients: %d\n",
		len(g.Nodes()), len(fwd.Nodes()), len(prog.Nodes()))

	// 4. Run, as often as you like, on new inputs.
	for _, in := range [][]float64{{1, 2, 3}, {2, 0, -1}} {
		_ = x.SetFloat64s(in)
		prog.Run()
		fmt.Printf("\nx = %v\n", in)
		fmt.Printf("  z = %.6f   a = σ(z) = %.6f\n", z.Scalar(), a.Scalar())
		fmt.Printf("  ∂a/∂w = %.6f\n", dw.Float64s())
		fmt.Printf("  ∂a/∂b = %.6f\n", db.Scalar())
		fmt.Printf("  ∂a/∂x = %.6f\n", dx.Float64s())

		// By hand: σ'(z) = σ(z)(1 − σ(z)), so ∂a/∂w = σ'(z)·x and ∂a/∂b = σ'(z).
		s := 1 / (1 + math.Exp(-z.Scalar()))
		fmt.Printf("  by hand: σ'(z) = %.6f, σ'(z)·x = %.6f\n", s*(1-s), scale(s*(1-s), in))
	}
}

func scale(c float64, xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = c * v
	}
	return out
}
