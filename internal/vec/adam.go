package vec

import "math"

// Adam applies one Adam step, component by component:
//
//	s ← ρ₁·s + (1−ρ₁)·g;  r ← ρ₂·r + (1−ρ₂)·g·g;  θ ← θ − η·(s·ic₁) / (δ + √(r·ic₂))
//
// where ic₁ and ic₂ are the inverses of the bias corrections. g, s and r
// must be as long as theta. The assembly performs the same operations in
// the same order as the Go loop, with the same roundings, so the result is
// the same bit for bit.
func Adam[T Float](theta, g, s, r []T, eta, delta, rho1, rho2, ic1, ic2 T) {
	g, s, r = g[:len(theta)], s[:len(theta)], r[:len(theta)]
	k := [8]T{rho1, 1 - rho1, rho2, 1 - rho2, ic1, ic2, eta, delta}
	done := 0
	switch th := any(theta).(type) {
	case []float32:
		done = adam32(th, any(g).([]float32), any(s).([]float32), any(r).([]float32), any(&k).(*[8]float32))
	case []float64:
		done = adam64(th, any(g).([]float64), any(s).([]float64), any(r).([]float64), any(&k).(*[8]float64))
	}
	for i := done; i < len(theta); i++ {
		s[i] = rho1*s[i] + (1-rho1)*g[i]
		r[i] = rho2*r[i] + (1-rho2)*g[i]*g[i]
		sHat := s[i] * ic1
		rHat := r[i] * ic2
		theta[i] -= eta * sHat / (delta + sqrt(rHat))
	}
}

func sqrt[T Float](x T) T { return T(math.Sqrt(float64(x))) }
