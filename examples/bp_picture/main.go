// Command bp_picture draws the graph that mlp.Build makes for a 2-2-1
// network and a mini-batch of M = 2 samples: the forward nodes carry the
// lecture's names, the adjoints that autodiff adds are named dC/d….
package main

import (
	"os"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/mlp"
)

func main() {
	net, err := mlp.FromWeights(mlp.Quadratic,
		[]mlp.Activation{mlp.Sigmoid, mlp.Identity},
		[][][]float64{{{0.1, -0.2}, {0.3, 0.4}}, {{0.7}, {-0.8}}},
		[][]float64{{0.01, -0.02}, {0.03}},
		tensor.Float64)
	if err != nil {
		panic(err)
	}
	mg, err := mlp.Build(net, 2)
	if err != nil {
		panic(err)
	}
	f, err := os.Create(imgdir.Path("backprop-mlp.dot"))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	// Draw the cost, the parameter gradients and the adjoints of ζ^j and
	// α^{j-1}, with everything they depend on.
	nodes := append(append(mg.Grads(), mg.AdjZeta...), mg.AdjAlpha...)
	if err := mg.G.WriteDOT(f, append(nodes, mg.Cost)...); err != nil {
		panic(err)
	}
}
