// Command g_flow walks once through gradgraph's data flow: build a graph,
// let autodiff add its gradients, compile, then alternate Run and a
// solver step.
package main

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/solvers"
)

func main() {
	// 1. Build (packages graph and ops): one sigmoid layer in the lecture's
	// layout, ζ = Ωᵀα + β, for M = 4 samples of 2 features, and its cost.
	g := graph.New()
	alpha := g.Input("alpha0", graph.Float64, 2, 4)
	rho := g.Input("rho", graph.Float64, 1, 4)
	omega := g.Param("Omega1", tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{0.1, -0.1})))
	beta := g.Param("beta1", tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{0})))
	zeta := ops.Add(ops.MatMul(omega, alpha, ops.TransA), beta).Named("zeta1")
	cost := ops.BinaryCrossEntropy(ops.Sigmoid(zeta), rho).Named("cost")

	// 2. Differentiate (package autodiff): adjoint nodes join the graph.
	params := []*graph.Node{omega, beta}
	grads, err := autodiff.Grad(cost, params...)
	if err != nil {
		panic(err)
	}

	// 3. Compile (package graph): order the nodes, allocate every buffer.
	prog, err := g.Compile(append([]*graph.Node{cost}, grads...)...)
	if err != nil {
		panic(err)
	}

	// 4. Feed a batch: the logical OR of two bits, one column per sample.
	_ = alpha.SetFloat64s([]float64{0, 0, 1, 1, 0, 1, 0, 1})
	_ = rho.SetFloat64s([]float64{0, 1, 1, 1})

	// 5. Run and step (package solvers), over and over.
	s, err := solvers.New(solvers.Adam{Eta: 0.5, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.ConstantSchedule())
	if err != nil {
		panic(err)
	}
	for i := 0; ; i++ {
		prog.Run() // the cost and the gradients at the current parameters
		if i%25 == 0 {
			fmt.Printf("step %3d  cost %.4f  Ω = %.3f  β = %.3f\n", i, cost.Scalar(), omega.Float64s(), beta.Float64s())
		}
		if i == 100 {
			break
		}
		if err := s.Step(params, grads); err != nil { // Ω, β updated in place
			panic(err)
		}
	}
}
