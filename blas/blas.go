// Package blas is the one seam through which gradgraph multiplies matrices.
//
// Every matrix product in the framework calls Gemm32 or Gemm64, which
// forward to the Implementation currently installed with Use. The default is
// chosen at start-up; any type with the two methods below (gonum's
// blas/gonum.Implementation, a cgo OpenBLAS wrapper, a hand-written kernel)
// can be plugged in.
//
// All matrices are row-major. op(X) is X or Xᵀ according to the transpose
// flag; no transposed copy is ever made.
package blas

import (
	"sync/atomic"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation computes C = alpha·op(A)·op(B) + beta·C for row-major
// matrices, where op(A) is m×k, op(B) is k×n and C is m×n.
type Implementation interface {
	Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

var current atomic.Pointer[holder]

type holder struct{ impl Implementation }

func init() { current.Store(&holder{defaultImplementation()}) }

// Use installs impl for every later matrix product and returns the
// implementation it replaces.
func Use(impl Implementation) Implementation {
	old := current.Swap(&holder{impl})
	return old.impl
}

// Current returns the implementation in use.
func Current() Implementation { return current.Load().impl }

// Gemm32 computes C = alpha·op(A)·op(B) + beta·C in float32 with the current
// implementation.
func Gemm32(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	current.Load().impl.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemm64 computes C = alpha·op(A)·op(B) + beta·C in float64 with the current
// implementation.
func Gemm64(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	current.Load().impl.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gonum is the pure-Go implementation from gonum.org/v1/gonum/blas/gonum,
// which runs on every architecture.
type Gonum struct{}

func trans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// Sgemm implements Implementation with gonum's Sgemm.
func (Gonum) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gonum.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm implements Implementation with gonum's Dgemm.
func (Gonum) Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gonum.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
