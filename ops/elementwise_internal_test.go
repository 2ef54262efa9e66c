package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFastKernelsMatchScalarDefinitions: a row of the element-wise table
// with a vectorised kernel computes what its scalar function defines, in
// both dtypes, at every tail length of the vector loops (exp within 2
// ulp, as internal/vec documents; the others to the last bit).
func TestFastKernelsMatchScalarDefinitions(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range unaryDefs {
		d := &unaryDefs[i]
		if d.k64 == nil {
			continue
		}
		for n := 0; n < 40; n++ {
			x := make([]float64, n)
			for j := range x {
				x[j] = 8*r.Float64() - 4
			}
			o := make([]float64, n)
			d.k64(o, x, -1.75, 0)
			x32, o32 := make([]float32, n), make([]float32, n)
			for j, v := range x {
				x32[j] = float32(v)
			}
			d.k32(o32, x32, -1.75, 0)
			for j, v := range x {
				want := d.f(v, -1.75, 0)
				want32 := float32(d.f(float64(x32[j]), -1.75, 0))
				tol, tol32 := 0.0, 0.0
				if d.name == "Exp" || d.name == "Sigmoid" || d.name == "Tanh" {
					tol, tol32 = 4e-16*math.Abs(want), 2.4e-7*math.Abs(float64(want32))
				}
				assert.InDelta(t, want, o[j], tol, "%s(%g) float64", d.name, v)
				assert.InDelta(t, want32, o32[j], tol32, "%s(%g) float32", d.name, x32[j])
			}
		}
	}
}
