//go:build openblas

package blas

import (
	"sync"

	"github.com/gradgraph/gradgraph/blas/internal/cblas"
	"github.com/gradgraph/gradgraph/internal/par"
)

// OpenBLAS forwards to the system OpenBLAS library through cgo (Debian
// package libopenblas-dev). It exists only in builds with the openblas tag
// (go build -tags openblas, with cgo enabled), where it is also the default
// implementation.
//
// OpenBLAS itself is set to one thread. A large product is cut in two
// blocks of rows (or columns) of C, which one cgo call multiplies at the
// same time, one on the calling thread and one on a worker thread of
// package cblas (see cblas.Pair for why not on two goroutines); the
// workers of package par, used by the solver, are asked to park first so
// that they leave the cores to it.
type OpenBLAS struct{}

// defaultImplementation returns the implementation installed at start-up:
// OpenBLAS, since the build asked for it.
func defaultImplementation() Implementation { return OpenBLAS{} }

// Sgemm implements Implementation with cblas_sgemm.
func (OpenBLAS) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	openblasGemm(cblas.Sgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm implements Implementation with cblas_dgemm.
func (OpenBLAS) Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	openblasGemm(cblas.Dgemm, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

type gemmFunc[T float] func(tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// obParMin is the number of multiply-adds m·n·k below which a product is
// one call on the calling thread (the threshold of Native).
const obParMin = 1 << 17

var obOnce sync.Once

func openblasGemm[T float](f gemmFunc[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkArgs(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, alpha != 0)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	obOnce.Do(func() { cblas.SetThreads(1) })
	if m*n*k >= obParMin {
		if mine, theirs, ok := halves(tA, tB, m, n, a, lda, b, ldb, c, ldc); ok {
			par.Park()
			if cblas.Pair(tA, tB, k, alpha, beta, lda, ldb, ldc, mine, theirs) {
				return
			}
		}
	}
	f(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// halves cuts C into two blocks of rows (or, for a wide C, of columns),
// the first a whole multiple of 16 rows or columns (the widest register
// tile of OpenBLAS's kernels), and returns the operands each reads: rows
// of C read the same rows of op(A), columns the same columns of op(B). It
// reports false when C is too small to cut.
func halves[T float](tA, tB bool, m, n int, a []T, lda int, b []T, ldb int, c []T, ldc int) (first, second cblas.Half[T], ok bool) {
	if m >= n {
		r := split(m)
		if r == 0 || r == m {
			return first, second, false
		}
		ao := r * lda
		if tA {
			ao = r
		}
		return cblas.Half[T]{M: r, N: n, A: a, B: b, C: c},
			cblas.Half[T]{M: m - r, N: n, A: a[ao:], B: b, C: c[r*ldc:]}, true
	}
	s := split(n)
	if s == 0 || s == n {
		return first, second, false
	}
	bo := s
	if tB {
		bo = s * ldb
	}
	return cblas.Half[T]{M: m, N: s, A: a, B: b, C: c},
		cblas.Half[T]{M: m, N: n - s, A: a, B: b[bo:], C: c[s:]}, true
}

// split returns where to cut n in two: half of n rounded to a multiple of
// 16 (0 when n < 32).
func split(n int) int { return n / 32 * 16 }
