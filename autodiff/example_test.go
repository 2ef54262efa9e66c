package autodiff_test

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Grad adds the adjoint nodes to the graph; one program then computes the
// function and its gradient.
func ExampleGrad() {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	f := ops.Sum(ops.Mul(x, ops.Exp(x))) // f = Σ x eˣ, ∂f/∂x = (1 + x) eˣ
	grads, _ := autodiff.Grad(f, x)
	p, _ := g.Compile(f, grads[0])
	p.Run()
	fmt.Printf("f = %.4f, grad = %.4f\n", f.Scalar(), grads[0].Float64s())
	// Output:
	// f = 17.4964, grad = [5.4366 22.1672]
}

// Gradients are graphs too: differentiate again for second derivatives.
func ExampleGrad_secondOrder() {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{3})))
	f := ops.Sum(ops.Mul(x, ops.Square(x))) // x³
	d1, _ := autodiff.Grad(f, x)
	d2, _ := autodiff.Grad(ops.Sum(d1[0]), x)
	p, _ := g.Compile(d1[0], d2[0])
	p.Run()
	fmt.Println(d1[0].Float64s(), d2[0].Float64s())
	// Output:
	// [27] [18]
}

// Check compares autodiff with central finite differences.
func ExampleCheck() {
	g := graph.New()
	w := g.Param("w", tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0.1, -0.2, 0.3, 0.4})))
	x := g.Const("x", tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, -1, 0, 1})))
	cost := ops.Sum(ops.Tanh(ops.MatMul(w, x, ops.TransA)))
	diffs, _ := autodiff.Check(cost, []*graph.Node{w}, 1e-6)
	fmt.Println(diffs[0].Node.Name(), diffs[0].MaxRel < 1e-8)
	// Output:
	// w true
}
