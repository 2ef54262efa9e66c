//go:build gemmtune && openblas

package blas

import (
	"runtime"

	"github.com/gradgraph/gradgraph/blas/internal/cblas"
)

func init() {
	// OpenBLAS with its own threads (one per CPU) rather than our halves:
	// for large products the better of the two is the one to beat.
	squareContestants = append(squareContestants,
		squareContestant{name: "OpenBLAS", impl: OpenBLAS{}},
		squareContestant{name: "OpenBLASmt", impl: openblasThreaded{},
			setup: func() { cblas.SetThreads(runtime.GOMAXPROCS(0)) }, teardown: func() { cblas.SetThreads(1) }},
	)
}

// openblasThreaded calls OpenBLAS directly, on the threads it was set to.
type openblasThreaded struct{}

func (openblasThreaded) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cblas.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (openblasThreaded) Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	cblas.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
