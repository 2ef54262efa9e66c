// Command g_fanout differentiates f(x, y) = x·y + eˣ, where x feeds two
// ops, and then differentiates the gradient again: gradients are graphs
// too. It writes both graphs as Graphviz files.
package main

import (
	"fmt"
	"os"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/ops"
)

func main() {
	g := graph.New()
	x := g.Param("x", scalar(1))
	y := g.Param("y", scalar(3))
	f := ops.Add(ops.Mul(x, y), ops.Exp(x)).Named("f") // x fans out to Mul and Exp

	// First derivatives: ∂f/∂x = y + eˣ sums what Mul and Exp send back.
	d1, err := autodiff.Grad(f, x, y)
	if err != nil {
		panic(err)
	}
	dfdx, dfdy := d1[0].Named("∂f/∂x"), d1[1].Named("∂f/∂y")
	writeDOT(g, "first-graph-fanout.dot")

	// Second derivatives: ∂f/∂x is a node like any other, so differentiate
	// it again. ∂²f/∂x² = eˣ and ∂²f/∂y∂x = 1.
	d2, err := autodiff.Grad(dfdx, x, y)
	if err != nil {
		panic(err)
	}
	dfdxx, dfdxy := d2[0].Named("∂²f/∂x²"), d2[1].Named("∂²f/∂y∂x")
	writeDOT(g, "first-graph-second.dot", dfdx, dfdxx, dfdxy)

	prog, err := g.Compile(f, dfdx, dfdy, dfdxx, dfdxy)
	if err != nil {
		panic(err)
	}
	prog.Run()
	fmt.Printf("f(1, 3)     = %.6f   (x·y + eˣ = 3 + e)\n", f.Scalar())
	fmt.Printf("∂f/∂x       = %.6f   (y + eˣ = 3 + e)\n", dfdx.Scalar())
	fmt.Printf("∂f/∂y       = %.6f   (x)\n", dfdy.Scalar())
	fmt.Printf("∂²f/∂x²     = %.6f   (eˣ = e)\n", dfdxx.Scalar())
	fmt.Printf("∂²f/∂y∂x    = %.6f   (1)\n", dfdxy.Scalar())
}

func scalar(v float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(), tensor.WithBacking([]float64{v}))
}

// writeDOT writes the graph, or only nodes and their ancestors, to
// imgdir.Path(name): docs/img under go generate ./docs.
func writeDOT(g *graph.Graph, name string, nodes ...*graph.Node) {
	f, err := os.Create(imgdir.Path(name))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := g.WriteDOT(f, nodes...); err != nil {
		panic(err)
	}
}
