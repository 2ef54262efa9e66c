// Command g_picture draws the neuron a = σ(w·x + b) of examples/g_first
// after autodiff.Grad as a Graphviz file, which `go generate ./docs`
// renders to PNG, and lists its nodes, forward and backward.
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
	x := g.Input("x", graph.Float64, 3)
	w := g.Param("w", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.5, -1, 0.25})))
	b := g.Param("b", tensor.New(tensor.WithShape(), tensor.WithBacking([]float64{0.1})))
	z := ops.Add(ops.Sum(ops.Mul(w, x)), b).Named("z")
	a := ops.Sigmoid(z).Named("a")

	if _, err := autodiff.Grad(a, w, b, x); err != nil {
		panic(err)
	}
	writeDOT(g, "first-graph-neuron.dot")

	// Every node, forward and backward, in creation order.
	for _, n := range g.Nodes() {
		what := n.Kind().String()
		if n.Op() != nil {
			what = n.Op().Type()
		}
		pass := "forward"
		if n.IsBackward() {
			pass = "backward"
		}
		inputs := ""
		for i, in := range n.Inputs() {
			if i > 0 {
				inputs += ", "
			}
			inputs += in.Name()
		}
		adj := ""
		if of := n.AdjointOf(); of != nil {
			adj = "  = ∂a/∂" + of.Name()
		}
		fmt.Printf("%-8s %-14s %-11s %-5s (%s)%s\n", pass, n.Name(), what, n.Shape(), inputs, adj)
	}
}

// writeDOT writes the whole graph to imgdir.Path(name): docs/img under go
// generate ./docs.
func writeDOT(g *graph.Graph, name string) {
	f, err := os.Create(imgdir.Path(name))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := g.WriteDOT(f); err != nil {
		panic(err)
	}
}
