//go:build gemmtune

package blas

import "testing"

func benchPack[T float](b *testing.B, pr *params[T], tA, tB bool) {
	const m, n, k = 256, 128, 256
	j := &job[T]{pr: pr, tA: tA, tB: tB, m: m, n: n, k: k, a: make([]T, m*k), b: make([]T, k*n), lda: m, ldb: n}
	if !tA {
		j.lda = k
	}
	if tB {
		j.ldb = k
	}
	dst := make([]T, 264*256)
	b.Run("A", func(b *testing.B) {
		for b.Loop() {
			j.packA(dst, 0, m, 0, k)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m*k), "ns/elem")
	})
	b.Run("B", func(b *testing.B) {
		for b.Loop() {
			j.packB(dst, 0, k, 0, n)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*k), "ns/elem")
	})
}

func BenchmarkPack(b *testing.B) {
	for _, tt := range []bool{false, true} {
		b.Run("f32/t="+map[bool]string{false: "N", true: "T"}[tt], func(b *testing.B) { benchPack(b, &sgemmParams, tt, tt) })
		b.Run("f64/t="+map[bool]string{false: "N", true: "T"}[tt], func(b *testing.B) { benchPack(b, &dgemmParams, tt, tt) })
	}
}
