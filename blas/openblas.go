//go:build openblas

package blas

import "github.com/gradgraph/gradgraph/blas/internal/cblas"

// OpenBLAS forwards to the system OpenBLAS library through cgo (Debian
// package libopenblas-dev). It exists only in builds with the openblas tag
// (go build -tags openblas, with cgo enabled), where it is also the default
// implementation; it runs on OpenBLAS's own threads.
type OpenBLAS struct{}

// defaultImplementation returns the implementation installed at start-up:
// OpenBLAS, since the build asked for it.
func defaultImplementation() Implementation { return OpenBLAS{} }

// Sgemm implements Implementation with cblas_sgemm.
func (OpenBLAS) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, alpha != 0)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	cblas.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm implements Implementation with cblas_dgemm.
func (OpenBLAS) Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, alpha != 0)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	cblas.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
