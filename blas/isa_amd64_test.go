//go:build amd64

package blas

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// Native runs the widest kernels the processor has, and each instruction
// set installs its own tiles.
func TestBestISA(t *testing.T) {
	want := isaGo
	switch {
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL:
		want = isaAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		want = isaAVX2
	}
	require.Equal(t, isaNames[want], isaNames[bestISA()])
	require.Equal(t, isaNames[want], isaNames[kernelISA])
	defer useISA(bestISA())
	tiles := map[int][4]int{isaGo: {6, 16, 6, 8}, isaAVX2: {6, 16, 6, 8}, isaAVX512: {12, 32, 12, 16}}
	for isa := isaGo; isa <= bestISA(); isa++ {
		useISA(isa)
		require.Equal(t, tiles[isa], [4]int{sgemmParams.mr, sgemmParams.nr, dgemmParams.mr, dgemmParams.nr}, isaNames[isa])
		require.Equal(t, isa >= isaAVX2, hasAsmPack, isaNames[isa])
		require.Equal(t, isa >= isaAVX512, hasAsm512Pack, isaNames[isa])
		require.Equal(t, isa >= isaAVX2, sgemmParams.dot[0][0] != nil, isaNames[isa])
	}
}

// Every instruction set with assembly kernels gives the same bits: each
// element of C is the same fused multiply-adds in the same order, blocked
// at the same depth, on the same path, whatever the vector width. Results,
// and the numbers the documentation shows, then do not depend on whether
// the processor has AVX-512.
func TestISAsAgreeBitwise(t *testing.T) {
	if bestISA() < isaAVX512 {
		t.Skip("one instruction set with assembly kernels on this processor")
	}
	defer useISA(bestISA())
	cases := append(spreadCases(), largeCases...)
	// Widths around the tiles of both sets (16 and 32 float32, 8 and 16
	// float64), depths across the blocking, and beta, which narrow
	// products add on another path.
	for _, n := range []int{10, 20, 24, 31, 33, 40, 48, 63, 70} {
		for _, tB := range []bool{false, true} {
			cases = append(cases,
				gemmCase{tB: tB, m: 70, n: n, k: 600, alpha: 1, beta: 1},
				gemmCase{tB: tB, m: 13, n: n, k: 257, alpha: -0.5, beta: 2, padC: 1},
				gemmCase{tA: true, tB: tB, m: 40, n: n, k: 513, alpha: 2})
		}
	}
	run := func(isa int, tc gemmCase, c32 []float32, c64 []float64, a32, b32 []float32, a64, b64 []float64) {
		useISA(isa)
		_, _, _, _, lda, ldb, ldc := tc.layout()
		Native{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), a32, lda, b32, ldb, float32(tc.beta), c32, ldc)
		Native{}.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a64, lda, b64, ldb, tc.beta, c64, ldc)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range cases {
		ar, ac, br, bc, lda, ldb, ldc := tc.layout()
		a64 := make([]float64, max(0, (ar-1)*lda+ac))
		b64 := make([]float64, max(0, (br-1)*ldb+bc))
		c64 := make([]float64, max(0, (tc.m-1)*ldc+tc.n))
		for _, s := range [][]float64{a64, b64, c64} {
			for i := range s {
				s[i] = rng.Float64()*2 - 1
			}
		}
		a32, b32, c32 := f32(a64), f32(b64), f32(c64)
		w32, w64 := slices.Clone(c32), slices.Clone(c64)
		run(isaAVX2, tc, c32, c64, a32, b32, a64, b64)
		run(isaAVX512, tc, w32, w64, a32, b32, a64, b64)
		for i := range c32 {
			if math.Float32bits(c32[i]) != math.Float32bits(w32[i]) || math.Float64bits(c64[i]) != math.Float64bits(w64[i]) {
				t.Fatalf("%v: element %d: AVX2 %v %v, AVX-512 %v %v", tc, i, c32[i], c64[i], w32[i], w64[i])
			}
		}
	}
}

func f32(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}
