package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lengths cover empty input, every tail length of the 32-element blocks,
// and long slices.
var lengths = func() []int {
	var ls []int
	for n := 0; n <= 100; n++ {
		ls = append(ls, n)
	}
	return append(ls, 255, 256, 257, 1000, 4099, 32768)
}()

// data returns n values: mostly normal ones, with zeros of both signs,
// NaNs and infinities mixed in.
func data[T Float](r *rand.Rand, n int) []T {
	xs := make([]T, n)
	for i := range xs {
		switch r.IntN(16) {
		case 0:
			xs[i] = 0
		case 1:
			xs[i] = T(math.Copysign(0, -1))
		case 2:
			xs[i] = T(math.NaN())
		case 3:
			xs[i] = T(math.Inf(1 - 2*r.IntN(2)))
		default:
			xs[i] = T(r.NormFloat64())
		}
	}
	return xs
}

// same reports whether a and b have the same bits (NaNs of any payload
// count as equal).
func same[T Float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b)) && math.Signbit(float64(a)) == math.Signbit(float64(b))
}

func TestElementwiseMatchesGoLoops(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkElementwise[float32](t) })
	t.Run("float64", func(t *testing.T) { checkElementwise[float64](t) })
}

func checkElementwise[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range lengths {
		a, g := data[T](r, n), data[T](r, n)
		c := T(r.NormFloat64())
		// The definitions, written out here independently of the package.
		wantAdd, wantRelu, wantPass := make([]T, n), make([]T, n), make([]T, n)
		for i := range a {
			wantAdd[i] = a[i] + c
			if a[i] > 0 || a[i] != a[i] {
				wantRelu[i] = a[i]
			}
			if a[i] > 0 {
				wantPass[i] = g[i]
			}
		}
		o := make([]T, n)
		AddConst(o, a, c)
		for i := range o {
			require.True(t, same(wantAdd[i], o[i]), "AddConst n=%d i=%d: %v + %v = %v, got %v", n, i, a[i], c, wantAdd[i], o[i])
		}
		Relu(o, a)
		for i := range o {
			require.True(t, same(wantRelu[i], o[i]), "Relu n=%d i=%d: relu(%v) = %v, got %v", n, i, a[i], wantRelu[i], o[i])
		}
		PassWhere(o, g, a)
		for i := range o {
			require.True(t, same(wantPass[i], o[i]), "PassWhere n=%d i=%d: x=%v g=%v want %v, got %v", n, i, a[i], g[i], wantPass[i], o[i])
		}
	}
}

func TestReluOfNegativeZeroIsPositiveZero(t *testing.T) {
	// Go's max(-0, 0) is +0; the assembly must agree (32 lanes so that it runs).
	a := make([]float32, 32)
	for i := range a {
		a[i] = float32(math.Copysign(0, -1))
	}
	o := make([]float32, 32)
	Relu(o, a)
	for _, v := range o {
		assert.False(t, math.Signbit(float64(v)))
		assert.Equal(t, max(a[0], 0), v)
	}
}

func TestSum(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkSum[float32](t, 1e-5) })
	t.Run("float64", func(t *testing.T) { checkSum[float64](t, 1e-13) })
}

func checkSum[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range lengths {
		a := make([]T, n)
		var want, abs float64
		for i := range a {
			a[i] = T(r.NormFloat64())
			want += float64(a[i])
			abs += math.Abs(float64(a[i]))
		}
		got := float64(Sum(a))
		assert.InDelta(t, want, got, tol*max(abs, 1), "n=%d", n)
	}
	// Exactly representable sums come out exact, however they are ordered.
	ones := make([]T, 1000)
	for i := range ones {
		ones[i] = T(i % 7)
	}
	assert.Equal(t, T(2997), Sum(ones))
	// A NaN or an infinity anywhere shows in the sum.
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		a := make([]T, 100)
		a[37] = T(bad)
		s := float64(Sum(a))
		assert.True(t, math.IsNaN(s) || math.IsInf(s, 1), "%v", bad)
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, n := range lengths {
		x, y := data[float64](r, n), data[float64](r, n)
		alpha := r.NormFloat64()
		got := append([]float64(nil), y...)
		Axpy(got, x, alpha)
		for i := range got {
			want := y[i] + alpha*x[i] // the Go tail rounds twice
			if i < n&^15 && hasAVX2 {
				want = math.FMA(alpha, x[i], y[i])
			}
			require.True(t, same(want, got[i]), "float64 n=%d i=%d: want %v, got %v", n, i, want, got[i])
		}
		x32, y32 := data[float32](r, n), data[float32](r, n)
		a32 := float32(alpha)
		got32 := append([]float32(nil), y32...)
		Axpy(got32, x32, a32)
		for i := range got32 {
			// Within a rounding of each term of the exact a·x + y (the Go
			// tail rounds a·x, then the sum; the assembly rounds once).
			ax, yi := float64(a32)*float64(x32[i]), float64(y32[i])
			exact := ax + yi
			tol := 0x1p-23 * (math.Abs(ax) + math.Abs(yi))
			if math.IsNaN(exact) || math.IsInf(exact, 0) {
				require.True(t, same(float32(exact), got32[i]), "float32 n=%d i=%d", n, i)
				continue
			}
			require.InDelta(t, exact, float64(got32[i]), tol, "float32 n=%d i=%d", n, i)
		}
	}
}

func TestShortOutputPanics(t *testing.T) {
	a := make([]float32, 40)
	assert.Panics(t, func() { AddConst(make([]float32, 39), a, 1) })
	assert.Panics(t, func() { Relu(make([]float32, 39), a) })
	assert.Panics(t, func() { PassWhere(make([]float32, 40), make([]float32, 39), a) })
	assert.Panics(t, func() { Axpy(a, make([]float32, 39), 1) })
}

func ExampleRelu() {
	a := []float32{-2, -0.5, 0, 0.5, 2}
	o := make([]float32, len(a))
	Relu(o, a)
	fmt.Println(o)
	// Output: [0 0 0 0.5 2]
}

func BenchmarkVec(b *testing.B) {
	const n = 256 * 128 // an activation of the MNIST network's first layer
	r := rand.New(rand.NewPCG(4, 4))
	a, g, o := data[float32](r, n), data[float32](r, n), make([]float32, n)
	b.Run("AddConst", func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			AddConst(o, a, 1)
		}
	})
	b.Run("Relu", func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			Relu(o, a)
		}
	})
	b.Run("PassWhere", func(b *testing.B) {
		b.SetBytes(12 * n)
		for b.Loop() {
			PassWhere(o, g, a)
		}
	})
	b.Run("Sum", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			Sum(g)
		}
	})
	b.Run("Axpy", func(b *testing.B) {
		b.SetBytes(12 * n)
		for b.Loop() {
			Axpy(o, g, 0.5)
		}
	})
	b.Run("GoReluLoop", func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			for i, v := range a {
				o[i] = max(v, 0)
			}
		}
	})
}

func TestExp(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	special := []float64{0, math.Copysign(0, -1), 1, -1, 88.3, 88.31, 88.72, 89, -87.3, -87.4, -103, -104,
		709, 709.5, 709.8, -708.3, -708.4, -745, -746, math.Inf(1), math.Inf(-1), math.NaN(), 0.34657, -0.34657, 1e-10}
	for _, n := range lengths {
		xs := make([]float64, n)
		for i := range xs {
			switch r.IntN(8) {
			case 0:
				xs[i] = special[r.IntN(len(special))]
			case 1:
				xs[i] = (r.Float64()*2 - 1) * 750
			default:
				xs[i] = (r.Float64()*2 - 1) * 20
			}
		}
		o := make([]float64, n)
		Exp(o, xs)
		for i, x := range xs {
			checkExp(t, "float64", x, math.Exp(x), o[i], 2*0x1p-52)
		}
		x32 := make([]float32, n)
		for i, x := range xs {
			x32[i] = float32(x)
		}
		o32 := make([]float32, n)
		Exp(o32, x32)
		for i, x := range x32 {
			checkExp(t, "float32", float64(x), float64(float32(math.Exp(float64(x)))), float64(o32[i]), 2*0x1p-23)
		}
	}
}

func checkExp(t *testing.T, what string, x, want, got, rel float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) || math.IsInf(want, 0) || want == 0:
		if !same(want, got) && !(want == 0 && got == 0) {
			t.Fatalf("%s exp(%v) = %v, got %v", what, x, want, got)
		}
	case want < 0x1p-126 && what == "float32", want < 0x1p-1022:
		// Subnormal results: within an ulp of the smallest normal.
		if math.Abs(got-want) > 2*0x1p-149 && what == "float32" || math.Abs(got-want) > 2*0x1p-1074 && what == "float64" {
			t.Fatalf("%s exp(%v) = %v, got %v", what, x, want, got)
		}
	default:
		if math.Abs(got-want) > rel*want {
			t.Fatalf("%s exp(%v) = %v, got %v (%.2g ulp)", what, x, want, got, math.Abs(got-want)/want/(rel/2))
		}
	}
}

func TestAdamMatchesGoLoopBitForBit(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkAdam[float32](t) })
	t.Run("float64", func(t *testing.T) { checkAdam[float64](t) })
}

func checkAdam[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range lengths {
		theta, g := data[T](r, n), data[T](r, n)
		s, rr := make([]T, n), make([]T, n)
		for i := range s {
			s[i], rr[i] = T(r.NormFloat64()), T(r.Float64())
		}
		wt, ws, wr := append([]T(nil), theta...), append([]T(nil), s...), append([]T(nil), rr...)
		eta, delta, rho1, rho2 := T(0.001), T(1e-8), T(0.9), T(0.999)
		ic1, ic2 := 1/(1-T(math.Pow(0.9, 3))), 1/(1-T(math.Pow(0.999, 3)))
		for i := range wt { // solvers' adamKernel, written out
			ws[i] = rho1*ws[i] + (1-rho1)*g[i]
			wr[i] = rho2*wr[i] + (1-rho2)*g[i]*g[i]
			sHat := ws[i] * ic1
			rHat := wr[i] * ic2
			wt[i] -= eta * sHat / (delta + T(math.Sqrt(float64(rHat))))
		}
		Adam(theta, g, s, rr, eta, delta, rho1, rho2, ic1, ic2)
		for i := range theta {
			require.True(t, same(wt[i], theta[i]) && same(ws[i], s[i]) && same(wr[i], rr[i]),
				"n=%d i=%d: θ %v/%v s %v/%v r %v/%v", n, i, wt[i], theta[i], ws[i], s[i], wr[i], rr[i])
		}
	}
	theta, g, s, rr := make([]T, 64), make([]T, 64), make([]T, 64), make([]T, 64)
	assert.Zero(t, testing.AllocsPerRun(10, func() { Adam(theta, g, s, rr, 1, 1, 0.5, 0.5, 1, 1) }))
}
