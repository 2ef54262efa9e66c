package solvers

import (
	"math"

	"github.com/gradgraph/gradgraph/internal/vec"
)

// float is the element type of the slices the kernels work on. It is
// unexported so that the module has one exported constraint for it, in
// package graph.
type float interface{ ~float32 | ~float64 }

// The kernels below are each rule's update written once, on raw slices, for
// float32 and float64 alike. Every operation is component-wise; the
// hyperparameters arrive already converted to T and, where a schedule
// applies, already scaled.

func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

// docs:begin sgd
// sgdKernel: θ ← θ − η·g, that is θ ← θ + (−η)·g, the loop BLAS calls
// axpy (8 lanes at a time, with fused multiply-adds, where the CPU can).
func sgdKernel[T float](theta, g []T, eta T) {
	vec.Axpy(theta, g, -eta)
}

// docs:end sgd

// docs:begin momentum
// momentumKernel: v ← δ·v − η·g; θ ← θ + v.
func momentumKernel[T float](theta, g, v []T, eta, delta T) {
	g, v = g[:len(theta)], v[:len(theta)]
	for i := range theta {
		v[i] = delta*v[i] - eta*g[i]
		theta[i] += v[i]
	}
}

// docs:end momentum

// docs:begin nesterov
// nesterovKernel is the simplified form on the look-ahead Θ:
// Θ ← Θ + δ²·v − η(1+δ)·g; v ← δ·v − η·g.
func nesterovKernel[T float](theta, g, v []T, eta, delta T) {
	g, v = g[:len(theta)], v[:len(theta)]
	for i := range theta {
		theta[i] += delta*delta*v[i] - eta*(1+delta)*g[i]
		v[i] = delta*v[i] - eta*g[i]
	}
}

// docs:end nesterov

// docs:begin adagrad
// adagradKernel: r ← r + g⊙g; θ ← θ − η/(δ + √r) ⊙ g.
func adagradKernel[T float](theta, g, r []T, eta, delta T) {
	g, r = g[:len(theta)], r[:len(theta)]
	for i := range theta {
		r[i] += g[i] * g[i]
		theta[i] -= eta / (delta + sqrt(r[i])) * g[i]
	}
}

// docs:end adagrad

// docs:begin rmsprop
// rmspropKernel: r ← ρ·r + (1−ρ)·g⊙g; θ ← θ − η/√(δ + r) ⊙ g.
func rmspropKernel[T float](theta, g, r []T, eta, delta, rho T) {
	g, r = g[:len(theta)], r[:len(theta)]
	for i := range theta {
		r[i] = rho*r[i] + (1-rho)*g[i]*g[i]
		theta[i] -= eta / sqrt(delta+r[i]) * g[i]
	}
}

// docs:end rmsprop

// docs:begin adadelta
// adadeltaKernel: r ← ρ·r + (1−ρ)·g⊙g; v ← −√(δ+s)/√(δ+r) ⊙ g;
// s ← ρ·s + (1−ρ)·v⊙v; θ ← θ + v.
func adadeltaKernel[T float](theta, g, r, s []T, delta, rho T) {
	g, r, s = g[:len(theta)], r[:len(theta)], s[:len(theta)]
	for i := range theta {
		r[i] = rho*r[i] + (1-rho)*g[i]*g[i]
		v := -sqrt(delta+s[i]) / sqrt(delta+r[i]) * g[i]
		s[i] = rho*s[i] + (1-rho)*v*v
		theta[i] += v
	}
}

// docs:end adadelta

// docs:begin adam
// adamKernel: s ← ρ₁·s + (1−ρ₁)·g; r ← ρ₂·r + (1−ρ₂)·g⊙g;
// s' = s/c1; r' = r/c2; θ ← θ − η·s'/(δ + √r'), where c1 = 1−ρ₁^i and
// c2 = 1−ρ₂^i are the bias corrections of step i.
//
// The loop runs in internal/vec, 8 float32 or 4 float64 lanes at a time
// where the CPU can, with these operations and roundings, per component:
//
//	s[i] = rho1*s[i] + (1-rho1)*g[i]
//	r[i] = rho2*r[i] + (1-rho2)*g[i]*g[i]
//	sHat := s[i] * ic1
//	rHat := r[i] * ic2
//	theta[i] -= eta * sHat / (delta + sqrt(rHat))
func adamKernel[T float](theta, g, s, r []T, eta, delta, rho1, rho2, c1, c2 T) {
	ic1, ic2 := 1/c1, 1/c2 // multiply by the corrections' inverses: one division per component, not three
	vec.Adam(theta, g, s, r, eta, delta, rho1, rho2, ic1, ic2)
}

// docs:end adam

// docs:begin delta_bar_delta
// deltaBarDeltaKernel, per component: if f·g > 0 then ε ← ε + κ; if f·g < 0
// then ε ← (1−φ)·ε; θ ← θ − ε·g; f ← (1−θ_avg)·g + θ_avg·f.
func deltaBarDeltaKernel[T float](theta, g, eps, f []T, kappa, phi, avg T) {
	g, eps, f = g[:len(theta)], eps[:len(theta)], f[:len(theta)]
	for i := range theta {
		switch fg := f[i] * g[i]; {
		case fg > 0:
			eps[i] += kappa
		case fg < 0:
			eps[i] *= 1 - phi
		}
		theta[i] -= eps[i] * g[i]
		f[i] = (1-avg)*g[i] + avg*f[i]
	}
}

// docs:end delta_bar_delta
