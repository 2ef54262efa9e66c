package train_test

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// Optimize runs solver steps on one batch. Here a single linear unit
// a = w·x + b starts at w = b = 0 with x = 1 and target 1: the cost
// ½(a − 1)² is 0.5, both gradients are −1, and SGD with η = 0.5 moves w and
// b to 0.5, where a = 1 and the cost is 0.
func ExampleOptimize() {
	net, _ := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.Identity},
		[][][]float64{{{0}}}, [][]float64{{0}}, tensor.Float64)
	x, _ := mlp.FromRows([][]float64{{1}}, tensor.Float64)
	y, _ := mlp.FromRows([][]float64{{1}}, tensor.Float64)
	s, _ := solvers.New(solvers.SGD{Eta: 0.5}, solvers.Schedule{})
	steps, _ := train.Optimize(net, x, y, s, 2, 0)
	for i, st := range steps {
		l := st.Network.Layers[0]
		fmt.Printf("step %d: cost before %.3f, then w = %.3f, b = %.3f\n", i, st.Cost, l.Weights.Float64s()[0], l.Bias.Float64s()[0])
	}
	// Output:
	// step 0: cost before 0.500, then w = 0.500, b = 0.500
	// step 1: cost before 0.000, then w = 0.500, b = 0.500
}
