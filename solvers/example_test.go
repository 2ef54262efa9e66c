package solvers_test

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/solvers"
)

// A Solver minimises f(θ) = ½‖θ − c‖² on a graph parameter: compile the
// cost with its gradient, run, step, repeat.
func ExampleSolver_Step() {
	g := graph.New()
	theta := g.Param("theta", tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{0, 0})))
	c := g.Const("c", tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{3, -1})))
	cost := ops.Scale(ops.Sum(ops.Square(ops.Sub(theta, c))), 0.5)
	grads, _ := autodiff.Grad(cost, theta)
	prog, _ := g.Compile(cost, grads[0])

	s, _ := solvers.New(solvers.Momentum{Eta: 0.1, Momentum: 0.5}, solvers.Schedule{})
	for range 60 {
		prog.Run()
		if err := s.Step([]*graph.Node{theta}, grads); err != nil {
			fmt.Println(err)
			return
		}
	}
	prog.Run()
	fmt.Printf("θ = %.6f, cost below 1e-12: %v, after %d steps\n", theta.Float64s(), cost.Scalar() < 1e-12, s.Steps())
	// Output:
	// θ = [3.000000 -1.000000], cost below 1e-12: true, after 60 steps
}

// ParseConfig reads the `solver` and `schedule` objects of an optimize
// spec; StepFloat64 drives raw slices. Here Adam with an exponential
// schedule minimises f(x) = (x − 2)².
func ExampleParseConfig() {
	cfg, err := solvers.ParseConfig(
		[]byte(`{"rule": "adam", "eta": 0.1}`),
		[]byte(`{"kind": "exponential", "decay": 0.01}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := cfg.New()
	x, g := []float64{0}, []float64{0}
	for range 300 {
		g[0] = 2 * (x[0] - 2)
		_ = s.StepFloat64([][]float64{x}, [][]float64{g})
	}
	fmt.Printf("%s %v: x = %.4f\n", cfg.Rule.Name(), cfg.Schedule, x[0])
	// Output:
	// adam exponential(0.01): x = 2.0000
}

// Errors name the JSON field and say what is wrong, in one line.
func ExampleNewRule() {
	_, err := solvers.NewRule("rmsprop", map[string]float64{"rho": 1.5})
	fmt.Println(err)
	_, err = solvers.NewRule("adadelta", map[string]float64{"eta": 0.1})
	fmt.Println(err)
	_, err = solvers.NewRule("adamw", nil)
	fmt.Println(err)
	// Output:
	// solver.rho: 1.5 out of range [0, 1)
	// solver.eta: not a parameter of adadelta
	// solver.rule: unknown rule "adamw" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)
}

// Delta-bar-delta keeps one rate per component, here on full-batch
// descent of f(θ) = θ₁² + 10·θ₂², the only setting it suits.
func ExampleDeltaBarDelta() {
	s, _ := solvers.New(solvers.DeltaBarDelta{Eta: 0.01, Kappa: 0.005, Phi: 0.5, Theta: 0.7}, solvers.Schedule{})
	theta, g := []float64{1, 1}, []float64{0, 0}
	for range 100 {
		g[0], g[1] = 2*theta[0], 20*theta[1]
		_ = s.StepFloat64([][]float64{theta}, [][]float64{g})
	}
	rates := s.State().Params[0].F64[0]
	fmt.Printf("|θ| < 1e-12: %v, %v\n", math.Abs(theta[0]) < 1e-12, math.Abs(theta[1]) < 1e-12)
	fmt.Printf("rate of θ₁ grew from 0.010 to %.3f; rate of θ₂ was cut below 0.010: %v\n", rates[0], rates[1] < 0.01)
	// Output:
	// |θ| < 1e-12: true, true
	// rate of θ₁ grew from 0.010 to 0.250; rate of θ₂ was cut below 0.010: true
}
