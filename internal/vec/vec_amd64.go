//go:build amd64

package vec

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the assembly loops may run.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Each helper runs the assembly over the longest prefix it handles (a
// multiple of 32 float32 or 16 float64 elements) and returns its length;
// the caller finishes the rest in Go. Lengths were checked by the caller.

const block32, block64 = 32, 16

// prefix returns the length of the longest prefix of n elements, a
// multiple of block, that the assembly takes; 0 without AVX2.
func prefix(n, block int) int {
	if !hasAVX2 {
		return 0
	}
	return n &^ (block - 1)
}

func addConst32(o, a []float32, c float32) int {
	n := prefix(len(a), block32)
	if n > 0 {
		addConstF32(&o[0], &a[0], n, c)
	}
	return n
}

func addConst64(o, a []float64, c float64) int {
	n := prefix(len(a), block64)
	if n > 0 {
		addConstF64(&o[0], &a[0], n, c)
	}
	return n
}

func relu32(o, a []float32) int {
	n := prefix(len(a), block32)
	if n > 0 {
		reluF32(&o[0], &a[0], n)
	}
	return n
}

func relu64(o, a []float64) int {
	n := prefix(len(a), block64)
	if n > 0 {
		reluF64(&o[0], &a[0], n)
	}
	return n
}

func passWhere32(o, g, x []float32) int {
	n := prefix(len(x), block32)
	if n > 0 {
		passWhereF32(&o[0], &g[0], &x[0], n)
	}
	return n
}

func passWhere64(o, g, x []float64) int {
	n := prefix(len(x), block64)
	if n > 0 {
		passWhereF64(&o[0], &g[0], &x[0], n)
	}
	return n
}

func sum32(a []float32) (float32, int) {
	n := prefix(len(a), block32)
	if n == 0 {
		return 0, 0
	}
	return sumF32(&a[0], n), n
}

func sum64(a []float64) (float64, int) {
	n := prefix(len(a), block64)
	if n == 0 {
		return 0, 0
	}
	return sumF64(&a[0], n), n
}

func axpy32(y, x []float32, alpha float32) int {
	n := prefix(len(y), block32)
	if n > 0 {
		axpyF32(&y[0], &x[0], n, alpha)
	}
	return n
}

func axpy64(y, x []float64, alpha float64) int {
	n := prefix(len(y), block64)
	if n > 0 {
		axpyF64(&y[0], &x[0], n, alpha)
	}
	return n
}

// The assembly loops; n is a positive multiple of 32 (float32) or 16
// (float64).

//go:noescape
func addConstF32(o, a *float32, n int, c float32)

//go:noescape
func addConstF64(o, a *float64, n int, c float64)

//go:noescape
func reluF32(o, a *float32, n int)

//go:noescape
func reluF64(o, a *float64, n int)

//go:noescape
func passWhereF32(o, grad, x *float32, n int)

//go:noescape
func passWhereF64(o, grad, x *float64, n int)

//go:noescape
func sumF32(a *float32, n int) float32

//go:noescape
func sumF64(a *float64, n int) float64

//go:noescape
func axpyF32(y, x *float32, n int, alpha float32)

//go:noescape
func axpyF64(y, x *float64, n int, alpha float64)

// exp32 and exp64 run the assembly exp over whole blocks of one register
// until a block holds an argument out of range; they return how many
// elements they did.
func exp32(o, a []float32) int {
	n := prefix(len(a), 8)
	if n == 0 {
		return 0
	}
	return expF32(&o[0], &a[0], n, exp32K)
}

func exp64(o, a []float64) int {
	n := prefix(len(a), 4)
	if n == 0 {
		return 0
	}
	return expF64(&o[0], &a[0], n, exp64K)
}

//go:noescape
func expF32(o, a *float32, n int, k *expF32Consts) int

//go:noescape
func expF64(o, a *float64, n int, k *expF64Consts) int

// adam32 and adam64 run the assembly Adam step over whole blocks of two
// registers and return how many components they did.
func adam32(theta, g, s, r []float32, k *[8]float32) int {
	n := prefix(len(theta), 16)
	if n > 0 {
		adamF32(&theta[0], &g[0], &s[0], &r[0], n, k)
	}
	return n
}

func adam64(theta, g, s, r []float64, k *[8]float64) int {
	n := prefix(len(theta), 8)
	if n > 0 {
		adamF64(&theta[0], &g[0], &s[0], &r[0], n, k)
	}
	return n
}

//go:noescape
func adamF32(theta, grad, s, r *float32, n int, k *[8]float32)

//go:noescape
func adamF64(theta, grad, s, r *float64, n int, k *[8]float64)
