package vec

import "math"

// Exp sets o[i] = eˣ for x = a[i]; o must be as long as a. The assembly
// computes arguments in [−87.3, 88.3] (float32) or [−708.3, 709] (float64)
// to within 2 ulp of the exact value (math.Exp is within 1); other
// arguments, infinities and NaNs go through math.Exp.
func Exp[T Float](o, a []T) {
	o = o[:len(a)]
	for done := 0; done < len(a); {
		switch o := any(o).(type) {
		case []float32:
			done += exp32(o[done:], any(a).([]float32)[done:])
		case []float64:
			done += exp64(o[done:], any(a).([]float64)[done:])
		}
		// The assembly stopped before a block with an argument out of its
		// range, or at the tail: that block goes through math.Exp.
		end := min(len(a), done+8)
		for i := done; i < end; i++ {
			o[i] = T(math.Exp(float64(a[i])))
		}
		done = end
	}
}

// Range reduction and polynomial constants of the assembly exp: lo, hi,
// log₂e, ln 2 in two parts, the Taylor coefficients 1/k! from the highest
// degree down to 1/0!, and the exponent bias (as bits, float32) or
// 1.5·2⁵² + 1023 (float64).
type (
	expF32Consts [14]float32
	expF64Consts [20]float64
)

var exp32K = func() *expF32Consts {
	k := &expF32Consts{-87.3, 88.3, math.Log2E, 0.693359375, -2.12194440e-4}
	for i := 0; i <= 7; i++ {
		k[5+i] = float32(1 / factorial(7-i))
	}
	k[13] = math.Float32frombits(127)
	return k
}()

var exp64K = func() *expF64Consts {
	k := &expF64Consts{-708.3, 709, math.Log2E, 6.93147180369123816490e-01, 1.90821492927058770002e-10}
	for i := 0; i <= 13; i++ {
		k[5+i] = 1 / factorial(13-i)
	}
	k[19] = 0x1.8p52 + 1023
	return k
}()

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}
