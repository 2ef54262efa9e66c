//go:build openblas

package blas

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/blas/internal/cblas"
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

// Products from several goroutines at once: one gets the pair of threads,
// the others run on their own thread, and all are right.
func TestOpenBLASConcurrentProducts(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for _, tc := range largeCases[:8] {
				checkGemm[float32](t, OpenBLAS{}, tc, rng)
			}
		}()
	}
	wg.Wait()
}

// After the first product OpenBLAS runs on one thread: the parallelism is
// ours (cblas.Pair), and OpenBLAS's own threads would compete with it.
func TestOpenBLASIsSingleThreaded(t *testing.T) {
	a := []float32{1, 2, 3, 4}
	c := make([]float32, 4)
	OpenBLAS{}.Sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2)
	assert.Equal(t, []float32{7, 10, 15, 22}, c)
	assert.Equal(t, 1, cblas.Threads())
}
