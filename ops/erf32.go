package ops

import (
	"math"

	"github.com/gradgraph/gradgraph/internal/vec"
)

// Fast float32 kernels of Erf and GELU. math.Erf costs some 40 ns an
// element, and a transformer's GELU layers call it twice per element and
// step (the forward pass, and Φ in the derivative): the largest part of a
// small vision transformer's training step. Both go through the
// complementary error function in the form of Press et al. (Numerical
// Recipes, "erfcc", a Chebyshev fit with a fractional error below 1.2e-7
// for every z ≥ 0):
//
//	erfc(z) = t·exp(−z² + p(t)),  t = 1/(1 + z/2),
//
// p a polynomial of degree 9. The kernels work through a slice in blocks
// of erfBlock elements held on the stack, in float64: a first pass
// computes t and the exponential's argument of each element, vec.Exp
// exponentiates the block's arguments at once, and a last pass finishes
// each element. Erf of |x| < 1/2 is its Taylor series (1 − erfc would
// cancel); GELU needs no such branch, x·Φ(x) with Φ(x) = ½·erfc(−x/√2)
// being accurate for every x. Both stay within 3e-7 (about 2 ulp of
// float32) of the exact values, which for GELU at x below −5 or so means
// closer than its float64 row, ½x(1 + erf(x/√2)), where 1 + erf cancels.

// erfBlock is the number of elements a kernel finishes at a time.
const erfBlock = 128

// erfcArgs sets t[i] and arg[i] for erfc(z[i]/s) (z[i] = |x[i]|), arg[i]
// being the argument of the exponential.
func erfcArgs(t, arg []float64, x []float32, s float64) {
	t, arg = t[:len(x)], arg[:len(x)]
	// The divisions first, in a loop of their own: they pipeline.
	for i, v := range x {
		t[i] = 1 / (1 + 0.5*s*math.Abs(float64(v)))
	}
	for i, v := range x {
		z := math.Abs(float64(v)) * s
		u := t[i]
		// p(u) by Estrin's scheme: a shorter chain of dependent
		// operations than Horner's.
		u2 := u * u
		u4 := u2 * u2
		u8 := u4 * u4
		p := (-1.26551223 + 1.00002368*u) + u2*(0.37409196+0.09678418*u) +
			u4*((-0.18628806+0.27886807*u)+u2*(-1.13520398+1.48851587*u)) +
			u8*(-0.82215223+0.17087277*u)
		arg[i] = p - z*z
	}
}

// erfK32 is Erf's float32 kernel.
func erfK32(o, x []float32, _, _ float64) {
	x = x[:len(o)]
	var t, e [erfBlock]float64
	for lo := 0; lo < len(x); lo += erfBlock {
		xb := x[lo:min(lo+erfBlock, len(x))]
		ob := o[lo : lo+len(xb)]
		erfcArgs(t[:], e[:], xb, 1)
		vec.Exp(e[:len(xb)], e[:len(xb)])
		for i, v := range xb {
			// Both forms, and a select without a branch: which one applies
			// is as random as the data.
			z := math.Abs(float64(v))
			zs := min(z, 0.5) // keeps the unused series finite
			z2 := zs * zs
			// 2/√π·(z − z³/3 + z⁵/10 − …), to z¹⁵: below 1e-9 relative.
			taylor := zs * (1.1283791670955126 + z2*(-0.37612638903183754+z2*(0.11283791670955126+z2*(-0.026866170645131252+
				z2*(0.005223977625442188+z2*(-8.548327023450852e-4+z2*(1.2055332981789664e-4+z2*-1.4925650358406252e-5)))))))
			small := float64(math.Float64bits(z-0.5) >> 63) // 1 for z < 1/2
			r := small*taylor + (1-small)*(1-t[i]*e[i])
			ob[i] = float32(math.Copysign(r, float64(v)))
		}
	}
}

// geluK32 is GELU's float32 kernel: x·Φ(x), Φ(x) = ½·erfc(−x/√2).
func geluK32(o, x []float32, _, _ float64) {
	x = x[:len(o)]
	var t, e [erfBlock]float64
	for lo := 0; lo < len(x); lo += erfBlock {
		xb := x[lo:min(lo+erfBlock, len(x))]
		ob := o[lo : lo+len(xb)]
		erfcArgs(t[:], e[:], xb, 1/sqrt2)
		vec.Exp(e[:len(xb)], e[:len(xb)])
		for i, v := range xb {
			xv := float64(v)
			h := 0.5 * t[i] * e[i]                       // Φ(−|x|)
			pos := float64(1 - math.Float64bits(xv)>>63) // 1 for x ≥ +0
			ob[i] = float32(xv * (h + pos*(1-2*h)))      // x·Φ(x), without a branch
		}
	}
}

// geluDerivativeK32 is GELUDerivative's float32 kernel: Φ(x) + x·φ(x),
// with φ(x) = e^(−x²/2)/√(2π) exponentiated with the block's erfc terms.
func geluDerivativeK32(o, x []float32, _, _ float64) {
	x = x[:len(o)]
	var t, e, d [erfBlock]float64
	for lo := 0; lo < len(x); lo += erfBlock {
		xb := x[lo:min(lo+erfBlock, len(x))]
		ob := o[lo : lo+len(xb)]
		erfcArgs(t[:], e[:], xb, 1/sqrt2)
		for i, v := range xb {
			d[i] = -0.5 * float64(v) * float64(v)
		}
		vec.Exp(e[:len(xb)], e[:len(xb)])
		vec.Exp(d[:len(xb)], d[:len(xb)])
		for i, v := range xb {
			xv := float64(v)
			h := 0.5 * t[i] * e[i]                       // Φ(−|x|)
			pos := float64(1 - math.Float64bits(xv)>>63) // 1 for x ≥ +0
			ob[i] = float32(h + pos*(1-2*h) + xv*invSqrt2P*d[i])
		}
	}
}
