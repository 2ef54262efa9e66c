// Command ext_amsgrad adds a ninth update rule from outside the solvers
// package: AMSGrad (Reddi, Kale and Kumar, 2018), Adam's running averages
// with the denominator never allowed to shrink. It checks the rule against
// steps worked out by hand, then minimises a convex quadratic on a graph
// parameter next to two built-in rules and plots the three cost curves.
package main

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

// AMSGrad keeps, per component, running averages s of g and r of g⊙g and
// the largest r seen so far, r̂:
//
//	s ← ρ₁·s + (1−ρ₁)·g;  r ← ρ₂·r + (1−ρ₂)·g⊙g;  r̂ ← max(r̂, r)
//	θ ← θ − η·s/(δ + √r̂)
type AMSGrad struct {
	Eta   float64 // η > 0
	Delta float64 // δ > 0
	Rho1  float64 // ρ₁ in [0, 1)
	Rho2  float64 // ρ₂ in [0, 1)
}

// Name is the rule's JSON name.
func (AMSGrad) Name() string { return "amsgrad" }

// Validate reports the first hyperparameter out of range, naming its field.
func (r AMSGrad) Validate() error {
	switch {
	case !(r.Eta > 0):
		return fmt.Errorf("solver.eta: %v out of range (0, +Inf)", r.Eta)
	case !(r.Delta > 0):
		return fmt.Errorf("solver.delta: %v out of range (0, +Inf)", r.Delta)
	case !(r.Rho1 >= 0 && r.Rho1 < 1):
		return fmt.Errorf("solver.rho1: %v out of range [0, 1)", r.Rho1)
	case !(r.Rho2 >= 0 && r.Rho2 < 1):
		return fmt.Errorf("solver.rho2: %v out of range [0, 1)", r.Rho2)
	}
	return nil
}

// Scheduled: a learning-rate schedule may scale η.
func (AMSGrad) Scheduled() bool { return true }

// InitialState: three state vectors per parameter, s, r and r̂, all zero.
func (AMSGrad) InitialState() []float64 { return []float64{0, 0, 0} }

// Update64 applies one step to a float64 parameter.
func (r AMSGrad) Update64(info solvers.StepInfo, theta, g []float64, st [][]float64) {
	amsgradK(theta, g, st[0], st[1], st[2], info.Eta(r.Eta), r.Delta, r.Rho1, r.Rho2)
}

// Update32 applies one step to a float32 parameter.
func (r AMSGrad) Update32(info solvers.StepInfo, theta, g []float32, st [][]float32) {
	amsgradK(theta, g, st[0], st[1], st[2], float32(info.Eta(r.Eta)), float32(r.Delta), float32(r.Rho1), float32(r.Rho2))
}

// amsgradK is the kernel, written once for both element types.
func amsgradK[T float32 | float64](theta, g, s, r, rmax []T, eta, delta, rho1, rho2 T) {
	for i := range theta {
		s[i] = rho1*s[i] + (1-rho1)*g[i]
		r[i] = rho2*r[i] + (1-rho2)*g[i]*g[i]
		rmax[i] = max(rmax[i], r[i])
		theta[i] -= eta * s[i] / (delta + T(math.Sqrt(float64(rmax[i]))))
	}
}

func main() {
	byHand()
	quadratic()
}

// byHand runs three steps on one component with numbers chosen to be easy:
// η = 0.1, δ = 0.25, ρ₁ = 0.5, ρ₂ = 0.75, θ = 1, gradients 2, 1, 0.
//
//	step 1, g = 2: s = 1,   r = 1,    r̂ = 1, θ = 1 − 0.1·1/1.25    = 0.92
//	step 2, g = 1: s = 1,   r = 1,    r̂ = 1, θ = 0.92 − 0.1·1/1.25 = 0.84
//	step 3, g = 0: s = 0.5, r = 0.75, r̂ = 1, θ = 0.84 − 0.1·0.5/1.25 = 0.80
func byHand() {
	s, err := solvers.New(AMSGrad{Eta: 0.1, Delta: 0.25, Rho1: 0.5, Rho2: 0.75}, solvers.ConstantSchedule())
	if err != nil {
		panic(err)
	}
	theta := []float64{1}
	want := []float64{0.92, 0.84, 0.80}
	for i, g := range []float64{2, 1, 0} {
		if err := s.StepFloat64([][]float64{theta}, [][]float64{{g}}); err != nil {
			panic(err)
		}
		st := s.State().Params[0].F64
		fmt.Printf("step %d, g = %g: s = %.4g, r = %.4g, r̂ = %.4g, θ = %.4g (by hand %.2f, equal: %v)\n",
			i+1, g, st[0][0], st[1][0], st[2][0], theta[0], want[i], math.Abs(theta[0]-want[i]) < 1e-15)
	}
	_, err = solvers.New(AMSGrad{Eta: 0.1, Delta: 1e-8, Rho1: 0.9, Rho2: 1}, solvers.ConstantSchedule())
	fmt.Println("ρ₂ = 1:", err)
}

// quadratic minimises f(θ) = ½ Σ_i a_i (θ_i − c_i)² with a = (1, 10, 100),
// a convex bowl whose curvatures differ a hundredfold, on a graph parameter.
func quadratic() {
	rules := []solvers.Rule{
		solvers.SGD{Eta: 0.019},
		solvers.Adam{Eta: 0.05, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999},
		AMSGrad{Eta: 0.05, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999},
	}
	const steps = 200
	var curves []plots.Series
	fmt.Println()
	fmt.Printf("%-8s %12s %12s %12s %12s\n", "rule", "cost@0", "cost@50", "cost@100", "cost@200")
	for _, rule := range rules {
		g := graph.New()
		theta := g.Param("theta", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0, 0, 0})))
		a := g.Const("a", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 10, 100})))
		c := g.Const("c", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, -0.2, 0.03})))
		cost := ops.Scale(ops.Sum(ops.Mul(a, ops.Square(ops.Sub(theta, c)))), 0.5)
		grads, err := autodiff.Grad(cost, theta)
		if err != nil {
			panic(err)
		}
		prog, err := g.Compile(cost, grads[0])
		if err != nil {
			panic(err)
		}
		s, err := solvers.New(rule, solvers.ConstantSchedule())
		if err != nil {
			panic(err)
		}
		curve := plots.Series{Name: rule.Name()}
		for k := 0; ; k++ {
			prog.Run() // the cost at θ_k, and its gradient
			curve.X = append(curve.X, float64(k))
			curve.Y = append(curve.Y, cost.Scalar())
			if k == steps {
				break
			}
			if err := s.Step([]*graph.Node{theta}, grads); err != nil {
				panic(err)
			}
		}
		y := curve.Y
		fmt.Printf("%-8s %12.3e %12.3e %12.3e %12.3e\n", rule.Name(), y[0], y[50], y[100], y[200])
		curves = append(curves, curve)
	}
	p, err := plots.Lines("f(θ) = ½ Σ aᵢ(θᵢ − cᵢ)², a = (1, 10, 100)", "step", "cost", true, curves...)
	if err != nil {
		panic(err)
	}
	if err := plots.Save(imgdir.Path("extending-amsgrad.png"), 16*vg.Centimeter, 10*vg.Centimeter, p); err != nil {
		panic(err)
	}
}
