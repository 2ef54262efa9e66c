// Command bp_compare computes B̄^j and [P̄^j]ᵀ of a 3-2-2 network twice: by
// the lecture's closed-form backpropagation (mlp.Backprop) and as M times
// the adjoints of ζ^j and α^{j-1} that autodiff adds to the network's graph
// (mlp.Build), and prints them side by side.
package main

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
)

func main() {
	// A 3-2-2 network: sigmoid hidden layer, softmax output, quadratic cost.
	// Ω¹ is 3×2 and Ω² is 2×2 (n_{j-1} × n_j), as in the lecture.
	net, err := mlp.FromWeights(mlp.Quadratic,
		[]mlp.Activation{mlp.Sigmoid, mlp.Softmax},
		[][][]float64{
			{{0.1, -0.2}, {0.3, 0.4}, {0.5, -0.6}},
			{{0.7, -0.5}, {-0.8, 0.9}},
		},
		[][]float64{{0.01, -0.02}, {0.03, -0.04}},
		tensor.Float64)
	if err != nil {
		panic(err)
	}
	// M = 2 samples, one column each: α⁰ is 3×2 and ρ is 2×2.
	alpha0, _ := mlp.FromRows([][]float64{{1.0, 0.5}, {-1.0, 2.0}, {0.0, 1.0}}, tensor.Float64)
	rho, _ := mlp.FromRows([][]float64{{1, 0}, {0, 1}}, tensor.Float64)
	const M = 2

	// By hand: the closed-form mini-batch backpropagation, no graph.
	man, err := mlp.Backprop(net, alpha0, rho)
	if err != nil {
		panic(err)
	}

	// By graph: the network's op nodes, with the adjoints autodiff added.
	mg, err := mlp.Build(net, M)
	if err != nil {
		panic(err)
	}
	_ = mg.Input.Set(alpha0)
	_ = mg.Target.Set(rho)
	outs := append([]*graph.Node{mg.Cost}, mg.AdjZeta...)
	outs = append(outs, mg.AdjAlpha...)
	outs = append(outs, mg.GradWeights...)
	prog, err := mg.G.Compile(outs...)
	if err != nil {
		panic(err)
	}
	prog.Run()

	fmt.Printf("cost: manual %.9f, graph %.9f\n", man.Cost, mg.Cost.Scalar())
	worst := 0.0
	for j := len(net.Layers); j >= 1; j-- {
		fmt.Printf("\nlayer %d\n", j)
		worst = max(worst,
			show(fmt.Sprintf("B̄^%d", j), man.B[j-1], mg.AdjZeta[j-1], M),
			show(fmt.Sprintf("[P̄^%d]ᵀ", j), man.P[j-1], mg.AdjAlpha[j-1], M),
			show(fmt.Sprintf("Gradient(Ω^%d)", j), man.GradWeights[j-1], mg.GradWeights[j-1], 1))
	}
	fmt.Printf("\nlargest |manual − autodiff|: below 1e-15: %v\n", worst < 1e-15)
}

// show prints a manual matrix next to scale times the value of a graph node
// of the same shape, row by row, and returns their largest difference.
func show(name string, manual *tensor.Dense, n *graph.Node, scale float64) float64 {
	rows, cols := n.Shape().Matrix()
	label := fmt.Sprintf("%s = adjoint of %s", name, n.AdjointOf().Name())
	if scale != 1 {
		label = fmt.Sprintf("%s = %g × adjoint of %s", name, scale, n.AdjointOf().Name())
	}
	fmt.Printf("  %s\n", label)
	m, a := mlp.Float64s(manual), n.Float64s()
	worst := 0.0
	for i := range m {
		worst = max(worst, math.Abs(m[i]-scale*a[i]))
	}
	for r := range rows {
		fmt.Print("    manual")
		for c := range cols {
			fmt.Printf(" %10.6f", m[r*cols+c])
		}
		fmt.Print("    autodiff")
		for c := range cols {
			fmt.Printf(" %10.6f", scale*a[r*cols+c])
		}
		fmt.Println()
	}
	return worst
}
