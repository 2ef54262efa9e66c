//go:generate python3 gen_amd64.py

// Package vec holds the element-wise loops that the training step runs
// over whole activations and parameters: adding a constant, ReLU, ReLU's
// backward mask, sums, and y += a·x. On amd64 with AVX2 and FMA they run in
// assembly, 8 float32 or 4 float64 lanes at a time; elsewhere, and for the
// last few elements, in the plain Go loops below, which define what each
// one computes.
//
// Results are the same as the Go loops' bit for bit except where noted:
// Sum adds in a different order, and Axpy rounds a·x + y once (a fused
// multiply-add) where the Go loop rounds twice.
package vec

// Float is the element type of the slices.
type Float interface{ ~float32 | ~float64 }

// AddConst sets o[i] = a[i] + c; o must be as long as a.
func AddConst[T Float](o, a []T, c T) {
	o = o[:len(a)]
	done := 0
	switch o := any(o).(type) {
	case []float32:
		done = addConst32(o, any(a).([]float32), float32(c))
	case []float64:
		done = addConst64(o, any(a).([]float64), float64(c))
	}
	for i := done; i < len(a); i++ {
		o[i] = a[i] + c
	}
}

// Relu sets o[i] = max(a[i], 0); o must be as long as a. A NaN stays NaN.
func Relu[T Float](o, a []T) {
	o = o[:len(a)]
	done := 0
	switch o := any(o).(type) {
	case []float32:
		done = relu32(o, any(a).([]float32))
	case []float64:
		done = relu64(o, any(a).([]float64))
	}
	for i := done; i < len(a); i++ {
		o[i] = max(a[i], 0)
	}
}

// PassWhere sets o[i] = g[i] where x[i] > 0 and 0 elsewhere (also where
// x[i] is NaN); o and g must be as long as x.
func PassWhere[T Float](o, g, x []T) {
	o, g = o[:len(x)], g[:len(x)]
	done := 0
	switch o := any(o).(type) {
	case []float32:
		done = passWhere32(o, any(g).([]float32), any(x).([]float32))
	case []float64:
		done = passWhere64(o, any(g).([]float64), any(x).([]float64))
	}
	for i := done; i < len(x); i++ {
		if x[i] > 0 {
			o[i] = g[i]
		} else {
			o[i] = 0
		}
	}
}

// Sum returns the sum of a. The assembly adds in 32 interleaved partial
// sums (float32; 16 for float64), so the result may differ from a
// left-to-right sum in the last bits.
func Sum[T Float](a []T) T {
	var s T
	done := 0
	switch a := any(a).(type) {
	case []float32:
		var s32 float32
		s32, done = sum32(a)
		s = T(s32)
	case []float64:
		var s64 float64
		s64, done = sum64(a)
		s = T(s64)
	}
	for _, v := range a[done:] {
		s += v
	}
	return s
}

// Axpy sets y[i] += alpha·x[i]; x must be as long as y. The assembly
// rounds once (fused multiply-add).
func Axpy[T Float](y, x []T, alpha T) {
	x = x[:len(y)]
	done := 0
	switch y := any(y).(type) {
	case []float32:
		done = axpy32(y, any(x).([]float32), float32(alpha))
	case []float64:
		done = axpy64(y, any(x).([]float64), float64(alpha))
	}
	for i := done; i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}
