// Command ext_softplus adds a new op to gradgraph from outside the ops
// package: Softplus(x) = ln(1 + eˣ), with its shape rule, a generic
// forward kernel and a vector-Jacobian product built from existing ops.
// It checks the op against finite differences to first and second order,
// and shows that the check catches a wrong VJP.
package main

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Softplus returns ln(1 + eˣ) element-wise, a smooth ReLU.
func Softplus(x *graph.Node) *graph.Node { return graph.ApplyOn(softplusOp{}, x) }

// softplusOp implements graph.Op.
type softplusOp struct{}

// Type names the op in errors and pictures.
func (softplusOp) Type() string { return "Softplus" }

// Infer: element-wise, so the result has the input's dtype and shape; the
// kernel is written for floats only, so other dtypes are refused.
func (softplusOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if !in[0].DType.IsFloat() {
		return graph.Meta{}, graph.DTypesError(in, "is not float32 or float64")
	}
	return in[0], nil
}

// Forward runs the kernel for the graph's dtype; of the value's slices only
// F64 or F32 is set. It must not allocate: it runs on every Program.Run.
func (softplusOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		softplusK(out.F64, in[0].F64)
	} else {
		softplusK(out.F32, in[0].F32)
	}
}

// VJP: d softplus(x)/dx = σ(x), so the adjoint of x receives adjoint ⊙ σ(x),
// written with ops so that it can be differentiated again.
func (softplusOp) VJP(n, adjoint *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	return []*graph.Node{ops.Mul(adjoint, ops.Sigmoid(x))}
}

// softplusK is the kernel, written once for float32 and float64. For large
// |x| it avoids overflowing eˣ: ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|}).
func softplusK[T float32 | float64](o, x []T) {
	for i, v := range x {
		f := float64(v)
		o[i] = T(max(f, 0) + math.Log1p(math.Exp(-math.Abs(f))))
	}
}

// wrongOp is Softplus with a mistaken VJP (eˣ instead of σ(x)).
type wrongOp struct{ softplusOp }

func (wrongOp) VJP(n, adjoint *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{ops.Mul(adjoint, ops.Exp(n.Inputs()[0]))}
}

func main() {
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2, 3),
		tensor.WithBacking([]float64{-3, -0.5, 0, 0.7, 2, 5})))
	y := Softplus(x).Named("y")
	prog, err := g.Compile(y)
	if err != nil {
		panic(err)
	}
	prog.Run()
	fmt.Printf("x            = %v\n", x.Float64s())
	fmt.Printf("softplus(x)  = %.6f\n", y.Float64s())

	// First order. Contract the output with fixed weights R, so that the
	// adjoint reaching the VJP is R and not a special all-ones direction.
	r := g.Const("R", tensor.New(tensor.WithShape(2, 3),
		tensor.WithBacking([]float64{0.3, -1.2, 0.8, 1.5, -0.4, 0.9})))
	cost := ops.Sum(ops.Mul(y, r))
	report("first order ", cost, x)

	// Second order: differentiate the gradient, contracted with V.
	grads, err := autodiff.Grad(cost, x)
	if err != nil {
		panic(err)
	}
	v := g.Const("V", tensor.New(tensor.WithShape(2, 3),
		tensor.WithBacking([]float64{1, 0.5, -0.7, 0.2, -1.1, 0.6})))
	report("second order", ops.Sum(ops.Mul(grads[0], v)), x)

	// The same check on the wrong VJP.
	bad := ops.Sum(ops.Mul(graph.ApplyOn(wrongOp{}, x), r))
	report("wrong VJP   ", bad, x)

	// The same op in a float32 graph runs the float32 instance of the kernel.
	g32 := graph.New()
	x32 := g32.Input("x", graph.Float32, 3)
	y32 := Softplus(x32)
	p32, err := g32.Compile(y32)
	if err != nil {
		panic(err)
	}
	_ = x32.SetFloat64s([]float64{-100, 0, 100})
	p32.Run()
	fmt.Printf("float32: softplus(-100, 0, 100) = %v\n", y32.Float32s())
}

// report checks ∂cost/∂x against central differences and prints the verdict.
func report(what string, cost, x *graph.Node) {
	diffs, err := autodiff.Check(cost, []*graph.Node{x}, 1e-6)
	if err != nil {
		panic(err)
	}
	d := diffs[0]
	verdict := "ok"
	if d.MaxRel > 1e-7 {
		verdict = "WRONG"
	}
	fmt.Printf("%s: max rel diff %.1e  %s\n", what, d.MaxRel, verdict)
}
