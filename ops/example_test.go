package ops_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The bias add of ζ = Ωᵀα + β is plain broadcasting: β is a column n×1 and
// joins every column (sample) of the n×M product.
func ExampleAdd() {
	g := graph.New()
	z := g.Input("OmegaT_alpha", graph.Float64, 2, 3)
	b := g.Input("beta", graph.Float64, 2, 1)
	zeta := ops.Add(z, b)
	p, _ := g.Compile(zeta)
	_ = z.SetFloat64s([]float64{1, 2, 3, 4, 5, 6})
	_ = b.SetFloat64s([]float64{10, 100})
	p.Run()
	fmt.Println(zeta.Shape(), zeta.Float64s())
	// Output:
	// 2x3 [11 12 13 104 105 106]
}

// Softmax over axis 0 normalises each column: each sample in the lecture's
// layout.
func ExampleSoftmax() {
	g := graph.New()
	z := g.Input("zeta", graph.Float64, 2, 2)
	a := ops.Softmax(z, 0)
	p, _ := g.Compile(a)
	_ = z.SetFloat64s([]float64{0, 1000, 0, 1000})
	p.Run()
	fmt.Printf("%.3f\n", a.Float64s())
	// Output:
	// [0.500 0.500 0.500 0.500]
}

// SoftmaxCrossEntropy stays finite where softmax followed by log would not.
func ExampleSoftmaxCrossEntropy() {
	g := graph.New()
	z := g.Input("zeta", graph.Float64, 2, 1)
	y := g.Input("rho", graph.Float64, 2, 1)
	c := ops.SoftmaxCrossEntropy(z, y)
	p, _ := g.Compile(c)
	_ = z.SetFloat64s([]float64{-800, 800})
	_ = y.SetFloat64s([]float64{1, 0})
	p.Run()
	fmt.Println(c.Scalar())
	// Output:
	// 1600
}
