package peer_test

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/peer"
)

// NewMLP builds the lecture's network in gorgonia; here one linear unit
// w·x + b with w = 2, b = 1 on the samples x = 1 and x = 3 (targets 3 and
// 6): the quadratic cost is ((3−3)² + (7−6)²)/2/2 = 0.25.
func ExampleNewMLP() {
	layer := peer.Layer{Activation: "identity",
		Weights: tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{2})),
		Bias:    tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{1}))}
	x := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, 3}))
	y := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{3, 6}))
	m, _ := peer.NewMLP([]peer.Layer{layer}, "quadratic", x, y)
	_ = m.Run()
	fmt.Println(m.Cost.Value())
	// Output:
	// 0.25
}
