package blas

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// GEMM_FORCE_DIRECT_A and GEMM_FORCE_DIRECT_B (-1, 0 or 1) override
// forceDirectA and forceDirectB in benchmarks, for tuning.
func init() {
	if v, err := strconv.Atoi(os.Getenv("GEMM_FORCE_DIRECT_A")); err == nil {
		forceDirectA = v
	}
	if v, err := strconv.Atoi(os.Getenv("GEMM_FORCE_DIRECT_B")); err == nil {
		forceDirectB = v
	}
}

// benchImpls are the implementations BenchmarkGemm compares; a build with
// the openblas tag adds OpenBLAS.
var benchImpls = []struct {
	name string
	impl Implementation
}{{"Native", Native{}}, {"Gonum", Gonum{}}}

// mlpShapes are the products of one training step of a 784-256-128-10 MLP
// on a batch of 128, activations stored features × batch.
var mlpShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"fwd1_TN_256x128x784", true, false, 256, 128, 784},
	{"fwd2_TN_128x128x256", true, false, 128, 128, 256},
	{"fwd3_TN_10x128x128", true, false, 10, 128, 128},
	{"gradW1_NT_784x256x128", false, true, 784, 256, 128},
	{"gradW2_NT_256x128x128", false, true, 256, 128, 128},
	{"gradW3_NT_128x10x128", false, true, 128, 10, 128},
	{"gradX2_NN_256x128x128", false, false, 256, 128, 128},
	{"gradX3_NN_128x128x10", false, false, 128, 128, 10},
}

// BenchmarkGemm times each MLP shape in each element type with each
// implementation and reports GFLOP/s (2·m·n·k flops a product).
//
// Implementations are the outer loop so that one's threads, still spinning
// after its last call (OpenBLAS's spin for a good fraction of a second), do
// not slow the next one down.
func BenchmarkGemm(b *testing.B) {
	for _, im := range benchImpls {
		for _, s := range mlpShapes {
			ar, ac := s.m, s.k
			if s.tA {
				ar, ac = s.k, s.m
			}
			br, bc := s.k, s.n
			if s.tB {
				br, bc = s.n, s.k
			}
			a64, b64, c64 := make([]float64, ar*ac), make([]float64, br*bc), make([]float64, s.m*s.n)
			a32, b32, c32 := make([]float32, ar*ac), make([]float32, br*bc), make([]float32, s.m*s.n)
			for i := range a64 {
				a64[i] = float64(i%17) - 8
				a32[i] = float32(a64[i])
			}
			for i := range b64 {
				b64[i] = float64(i%13) - 6
				b32[i] = float32(b64[i])
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			for _, dt := range []string{"f32", "f64"} {
				b.Run(fmt.Sprintf("%s/%s/%s", im.name, s.name, dt), func(b *testing.B) {
					f := func() { im.impl.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, ac, b64, bc, 0, c64, s.n) }
					if dt == "f32" {
						f = func() { im.impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a32, ac, b32, bc, 0, c32, s.n) }
					}
					f()
					b.ResetTimer()
					for b.Loop() {
						f()
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkMicroKernel times the micro-kernels alone on packed panels that
// stay in L1, the ceiling for one core.
func BenchmarkMicroKernel(b *testing.B) {
	const k = 256
	b.Run("f32", func(b *testing.B) {
		pr := &sgemmParams
		a, bp, c := make([]float32, k*pr.mr), make([]float32, k*pr.nr), make([]float32, pr.mr*pr.nr)
		for b.Loop() {
			pr.kern(k, &a[0], 1, pr.mr, &bp[0], pr.nr, &c[0], pr.nr, 1, 1, kernAccum, 1, 0)
		}
		b.ReportMetric(2*float64(k*pr.mr*pr.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("f64", func(b *testing.B) {
		pr := &dgemmParams
		a, bp, c := make([]float64, k*pr.mr), make([]float64, k*pr.nr), make([]float64, pr.mr*pr.nr)
		for b.Loop() {
			pr.kern(k, &a[0], 1, pr.mr, &bp[0], pr.nr, &c[0], pr.nr, 1, 1, kernAccum, 1, 0)
		}
		b.ReportMetric(2*float64(k*pr.mr*pr.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
