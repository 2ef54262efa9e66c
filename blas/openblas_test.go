//go:build openblas

package blas

import (
	"math/rand/v2"
	"testing"
)

// wantDefault is the implementation a build with the openblas tag starts
// with.
func wantDefault() Implementation { return OpenBLAS{} }

func init() {
	benchImpls = append(benchImpls, struct {
		name string
		impl Implementation
	}{"OpenBLAS", OpenBLAS{}})
}

func TestOpenBLASMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range append(spreadCases()[:400], largeCases...) {
		checkGemm[float32](t, OpenBLAS{}, tc, rng)
		checkGemm[float64](t, OpenBLAS{}, tc, rng)
	}
}
