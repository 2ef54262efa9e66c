// Command opt_rules writes each update rule of the lecture out by hand, as
// a loop over the components of θ, runs it for five steps on
// f(θ) = ½(θ₁² + 10·θ₂²) from θ = (1, 1), and runs the library's rule
// (solvers.Solver.StepFloat64) from the same start: the two agree.
package main

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/solvers"
)

const steps = 5

// grad returns ∇f(θ) for f(θ) = ½(θ₁² + 10·θ₂²).
func grad(theta []float64) []float64 { return []float64{theta[0], 10 * theta[1]} }

func start() []float64 { return []float64{1, 1} }

// docs:begin schedules
// sgdDecay is θ ← θ − η_k·g with η_k = η₀/(1 + k·decay) (inverse) or
// η_k = η₀·exp(−k·decay) (exponential), k counting steps from 0.
func sgdDecay(eta0, decay float64, exponential bool) []float64 {
	theta := start()
	for k := range steps {
		eta := eta0 / (1 + float64(k)*decay)
		if exponential {
			eta = eta0 * math.Exp(-float64(k)*decay)
		}
		g := grad(theta)
		for i := range theta {
			theta[i] -= eta * g[i]
		}
	}
	return theta
}

// docs:end schedules

// docs:begin deltabardelta
// deltaBarDelta keeps a rate ε and an average gradient f per component.
func deltaBarDelta(eta, kappa, phi, avg float64) []float64 {
	theta := start()
	eps, f := []float64{eta, eta}, []float64{0, 0}
	for range steps {
		g := grad(theta)
		for i := range theta {
			if f[i]*g[i] > 0 {
				eps[i] += kappa
			} else if f[i]*g[i] < 0 {
				eps[i] *= 1 - phi
			}
			theta[i] -= eps[i] * g[i]
			f[i] = (1-avg)*g[i] + avg*f[i]
		}
	}
	return theta
}

// docs:end deltabardelta

// docs:begin adagrad
// adaGrad: r ← r + g⊙g; θ ← θ − η/(δ + √r) ⊙ g.
func adaGrad(eta, delta float64) []float64 {
	theta, r := start(), []float64{0, 0}
	for range steps {
		g := grad(theta)
		for i := range theta {
			r[i] += g[i] * g[i]
			theta[i] -= eta / (delta + math.Sqrt(r[i])) * g[i]
		}
	}
	return theta
}

// docs:end adagrad

// docs:begin rmsprop
// rmsProp: r ← ρ·r + (1−ρ)·g⊙g; θ ← θ − η/√(δ + r) ⊙ g.
func rmsProp(eta, delta, rho float64) []float64 {
	theta, r := start(), []float64{0, 0}
	for range steps {
		g := grad(theta)
		for i := range theta {
			r[i] = rho*r[i] + (1-rho)*g[i]*g[i]
			theta[i] -= eta / math.Sqrt(delta+r[i]) * g[i]
		}
	}
	return theta
}

// docs:end rmsprop

// docs:begin adadelta
// adaDelta: r ← ρ·r + (1−ρ)·g⊙g; v ← −√(δ+s)/√(δ+r) ⊙ g;
// s ← ρ·s + (1−ρ)·v⊙v; θ ← θ + v.
func adaDelta(delta, rho float64) []float64 {
	theta, r, s := start(), []float64{0, 0}, []float64{0, 0}
	for range steps {
		g := grad(theta)
		for i := range theta {
			r[i] = rho*r[i] + (1-rho)*g[i]*g[i]
			v := -math.Sqrt(delta+s[i]) / math.Sqrt(delta+r[i]) * g[i]
			s[i] = rho*s[i] + (1-rho)*v*v
			theta[i] += v
		}
	}
	return theta
}

// docs:end adadelta

// docs:begin adam
// adam: s ← ρ₁·s + (1−ρ₁)·g; r ← ρ₂·r + (1−ρ₂)·g⊙g;
// s' = s/(1−ρ₁^i); r' = r/(1−ρ₂^i); θ ← θ − η·s'/(δ + √r').
func adam(eta, delta, rho1, rho2 float64) []float64 {
	theta, s, r := start(), []float64{0, 0}, []float64{0, 0}
	for i := 1; i <= steps; i++ {
		g := grad(theta)
		for c := range theta {
			s[c] = rho1*s[c] + (1-rho1)*g[c]
			r[c] = rho2*r[c] + (1-rho2)*g[c]*g[c]
			sHat := s[c] / (1 - math.Pow(rho1, float64(i)))
			rHat := r[c] / (1 - math.Pow(rho2, float64(i)))
			theta[c] -= eta * sHat / (delta + math.Sqrt(rHat))
		}
	}
	return theta
}

// docs:end adam

// docs:begin momentum
// momentum: v ← δ·v − η·g; θ ← θ + v.
func momentum(eta, delta float64) []float64 {
	theta, v := start(), []float64{0, 0}
	for range steps {
		g := grad(theta)
		for i := range theta {
			v[i] = delta*v[i] - eta*g[i]
			theta[i] += v[i]
		}
	}
	return theta
}

// docs:end momentum

// docs:begin nesterov
// nesterovExact: v ← δ·v − η·∇C(θ + δ·v); θ ← θ + v. Returns θ_n + δ·v_n.
func nesterovExact(eta, delta float64) []float64 {
	theta, v := start(), []float64{0, 0}
	for range steps {
		g := grad([]float64{theta[0] + delta*v[0], theta[1] + delta*v[1]})
		for i := range theta {
			v[i] = delta*v[i] - eta*g[i]
			theta[i] += v[i]
		}
	}
	return []float64{theta[0] + delta*v[0], theta[1] + delta*v[1]}
}

// nesterovSimplified works on the look-ahead Θ = θ + δ·v itself, with g
// the gradient at Θ: Θ ← Θ + δ²·v − η(1+δ)·g; v ← δ·v − η·g.
func nesterovSimplified(eta, delta float64) []float64 {
	big, v := start(), []float64{0, 0}
	for range steps {
		g := grad(big)
		for i := range big {
			big[i] += delta*delta*v[i] - eta*(1+delta)*g[i]
			v[i] = delta*v[i] - eta*g[i]
		}
	}
	return big
}

// docs:end nesterov

// docs:begin library
// library runs the same steps with the library's rule.
func library(rule solvers.Rule, sched solvers.Schedule) []float64 {
	s, err := solvers.New(rule, sched)
	if err != nil {
		panic(err)
	}
	theta, g := start(), []float64{0, 0}
	for range steps {
		copy(g, grad(theta))
		if err := s.StepFloat64([][]float64{theta}, [][]float64{g}); err != nil {
			panic(err)
		}
	}
	return theta
}

// docs:end library

func main() {
	show := func(name string, hand []float64, rule solvers.Rule, sched solvers.Schedule) {
		lib := library(rule, sched)
		same := math.Abs(hand[0]-lib[0]) < 1e-12 && math.Abs(hand[1]-lib[1]) < 1e-12
		fmt.Printf("%-22s by hand θ_5 = (%8.5f, %8.5f)   library θ_5 = (%8.5f, %8.5f)   same: %v\n",
			name, hand[0], hand[1], lib[0], lib[1], same)
	}
	show("sgd, inverse(0.5)", sgdDecay(0.05, 0.5, false), solvers.SGD{Eta: 0.05}, solvers.InverseSchedule(0.5))
	show("sgd, exponential(0.5)", sgdDecay(0.05, 0.5, true), solvers.SGD{Eta: 0.05}, solvers.ExponentialSchedule(0.5))
	show("delta_bar_delta", deltaBarDelta(0.05, 0.01, 0.1, 0.7), solvers.DeltaBarDelta{Eta: 0.05, Kappa: 0.01, Phi: 0.1, Theta: 0.7}, solvers.Schedule{})
	show("adagrad", adaGrad(0.1, 1e-7), solvers.AdaGrad{Eta: 0.1, Delta: 1e-7}, solvers.Schedule{})
	show("rmsprop", rmsProp(0.1, 1e-6, 0.9), solvers.RMSProp{Eta: 0.1, Delta: 1e-6, Rho: 0.9}, solvers.Schedule{})
	show("adadelta", adaDelta(1e-6, 0.95), solvers.NewAdaDelta(), solvers.Schedule{})
	show("adam", adam(0.1, 1e-8, 0.9, 0.999), solvers.Adam{Eta: 0.1, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	show("momentum", momentum(0.05, 0.9), solvers.Momentum{Eta: 0.05, Momentum: 0.9}, solvers.Schedule{})
	show("nesterov, exact", nesterovExact(0.05, 0.9), solvers.Nesterov{Eta: 0.05, Momentum: 0.9}, solvers.Schedule{})
	show("nesterov, simplified", nesterovSimplified(0.05, 0.9), solvers.Nesterov{Eta: 0.05, Momentum: 0.9}, solvers.Schedule{})
}
