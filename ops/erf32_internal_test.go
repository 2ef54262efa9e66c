package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestErfGELUFloat32Kernels: the float32 kernels of Erf, GELU and its
// derivative stay
// within 3e-7 (relative, about 2 ulp) of the exact values, computed in
// float64 at the float32 input (GELU as ½x·erfc(−x/√2), which unlike its
// row's ½x(1 + erf(x/√2)) does not cancel for negative x), over a dense
// sweep of [−12, 12] (both branches of Erf, GELU down to values near
// float32's smallest normal), at tiny and subnormal inputs, at every
// length (the blocks and vec.Exp's tails); ±0, ±Inf and NaN come out as
// the rows give them.
func TestErfGELUFloat32Kernels(t *testing.T) {
	var xs []float32
	for v := -12.0; v <= 12; v += 1.0 / 4096 {
		xs = append(xs, float32(v))
	}
	for _, v := range []float64{1e-3, 1e-10, 1e-30, 1e-40, 0.4999999, 0.5, 0.5000001, 3.92, 5.43, 5.44, 26, 1e10} {
		xs = append(xs, float32(v), float32(-v))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	for _, c := range []struct {
		name string
		k    func(o, x []float32, a, b float64)
		f    func(x float64) float64
	}{
		{"Erf", erfK32, math.Erf},
		{"Gelu", geluK32, func(x float64) float64 {
			if math.IsInf(x, -1) {
				return unaryDefs[uGelu].f(x, 0, 0) // −∞·0, NaN as the row has it
			}
			return 0.5 * x * math.Erfc(-x/math.Sqrt2)
		}},
		{"GeluDerivative", geluDerivativeK32, func(x float64) float64 { return unaryDefs[uGeluDerivative].f(x, 0, 0) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := make([]float32, len(xs))
			c.k(o, xs, 0, 0)
			worst, at := 0.0, float32(0)
			for i, x := range xs {
				want := c.f(float64(x))
				got := float64(o[i])
				switch {
				case math.IsNaN(want):
					assert.True(t, math.IsNaN(got), "%s(%g) = %g, want NaN", c.name, x, got)
				case math.IsInf(want, 0) || want == 0:
					assert.Equal(t, math.Float64bits(float64(float32(want))), math.Float64bits(got), "%s(%g)", c.name, x)
				case math.IsNaN(got):
					t.Errorf("%s(%g) = NaN, want %g", c.name, x, want)
				default:
					// Below float32's smallest normal the rounding of the
					// output alone exceeds any relative bound; GELU's
					// derivative, Φ(x) + x·φ(x), is relative to its terms'
					// size, for it crosses 0 at x ≈ −0.75.
					scale := math.Abs(want)
					if c.name == "GeluDerivative" {
						scale = 0.5*math.Erfc(-float64(x)/math.Sqrt2) + math.Abs(float64(x))*math.Exp(-float64(x)*float64(x)/2)/math.Sqrt(2*math.Pi)
					}
					e := math.Abs(got-want) / max(scale, 0x1p-126)
					if e > worst {
						worst, at = e, x
					}
				}
			}
			assert.Less(t, worst, 3e-7, "%s: worst relative error at x = %g", c.name, at)
			t.Logf("%s: worst relative error %.3g at x = %g", c.name, worst, at)
			// Every length, for the blocks and vec.Exp's tails.
			for n := 0; n < 300; n++ {
				in, out := xs[3000:3000+n], make([]float32, n)
				c.k(out, in, 0, 0)
				assert.Equal(t, o[3000:3000+n], out, "length %d", n)
			}
		})
	}
}

// BenchmarkErfGELU times the float32 kernels against the scalar
// definitions on values like a transformer's MLP activations: 2048 × 128
// draws from N(0, 1).
func BenchmarkErfGELU(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2048*128)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	o := make([]float32, len(x))
	for _, c := range []struct {
		name string
		def  int
		k    func(o, x []float32, a, b float64)
	}{{"Erf", uErf, erfK32}, {"Gelu", uGelu, geluK32}, {"GeluDerivative", uGeluDerivative, geluDerivativeK32}} {
		b.Run(c.name+"/kernel", func(b *testing.B) {
			for b.Loop() {
				c.k(o, x, 0, 0)
			}
		})
		b.Run(c.name+"/scalar", func(b *testing.B) {
			for b.Loop() {
				unaryK(o, x, unaryDefs[c.def].f, 0, 0)
			}
		})
	}
}
