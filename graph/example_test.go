package graph_test

import (
	"fmt"
	"os"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// A graph is built once, compiled once, and run on new inputs without being
// rebuilt.
func ExampleGraph_Compile() {
	g := graph.New()
	x := g.Input("x", graph.Float64, 2, 2)
	w := g.Param("w", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4})))
	y := ops.Sum(ops.MatMul(w, x, 0)).Named("y")
	prog, err := g.Compile(y)
	if err != nil {
		panic(err)
	}
	for _, in := range [][]float64{{1, 0, 0, 1}, {1, 1, 1, 1}} {
		_ = x.SetFloat64s(in)
		prog.Run()
		fmt.Println(y.Scalar())
	}
	// Output:
	// 10
	// 20
}

// Building never needs an error check per line: the first mistake is kept
// on the graph and names both nodes and both shapes.
func ExampleGraph_Err() {
	g := graph.New()
	omega := g.Input("Omega1", graph.Float64, 3, 4)
	alpha := g.Input("alpha0", graph.Float64, 5, 8)
	beta := g.Input("beta1", graph.Float64, 4, 1)
	zeta := ops.Add(ops.MatMul(omega, alpha, ops.TransA), beta)
	ops.Sigmoid(zeta)
	fmt.Println(g.Err())
	// Output:
	// MatMul(Omega1, alpha0): shapes 3x4 and 5x8 do not multiply as aᵀ·b (inner dimensions 3 and 5)
}

// WriteDOT draws the graph for Graphviz.
func ExampleGraph_WriteDOT() {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3)
	ops.Exp(x).Named("y")
	_ = g.WriteDOT(os.Stdout)
	// Output:
	// digraph gradgraph {
	//   rankdir=BT;
	//   node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];
	//   n0 [label="x\ninput\n3", fillcolor="#e6f5e6"];
	//   n1 [label="y\nExp\n3"];
	//   n0 -> n1;
	// }
}
