package blas

import (
	"runtime"
	"unsafe"

	"github.com/gradgraph/gradgraph/internal/par"
)

// dotKernelFunc computes tiles R×S tiles of C = alpha·A·Bᵀ, plus beta·C if
// flags has kernAccum, side by side: tile t takes the R rows of A from a
// (lda elements apart) and the S rows of B from b + t·S·ldb (ldb apart),
// each k elements long and contiguous, and writes C from c + t·S (rows
// ldc apart). Every element of C is a dot product of two contiguous rows,
// so neither operand is packed.
type dotKernelFunc[T float] func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, alpha, beta T, flags, tiles int)

// Tile of the dot-product kernels: dotR rows of A by dotS rows of B (see
// params.dot, which also holds the kernels of the edges).
const (
	dotR = 6
	dotS = 2
)

// dotNarrow enables the dot-product path (a switch for tests and tuning).
var dotNarrow = true

// dotL1Bytes is what a k block of the dot path keeps in L1: dotR rows of A
// and the rows of B, all kc long.
const dotL1Bytes = 24 << 10

// useDot reports whether C = alpha·op(A)·op(B) + beta·C goes to the
// dot-product kernels: when C is narrow and op(B) = Bᵀ. Both operands of
// A·Bᵀ are then contiguous in k, which the packed path must transpose into
// k-major micro-panels; for a narrow C that copy is as long as the product
// itself (the MNIST output layer's weight gradient, 128×10×128: 1.4 µs of
// packing for 2.9 of multiply-adds), and the packed path's nr-wide
// register tiles are mostly part-filled. The rows of B, few, stay in L1.
// Measured with both goroutines on 128×10×128: float32 101 → 129 GFLOP/s,
// float64 60 → 64; on 784×10×128 87 → 165 and 61 → 101.
func useDot[T float](pr *params[T], tA, tB bool, n int) bool {
	return !tA && tB && dotNarrow && pr.dot[0][0] != nil && pr.narrow(n)
}

// dotJob is a product C = alpha·A·Bᵀ + beta·C on the dot-product kernels,
// cut into chunks of dotR-row tiles or, when C is short, of dotS-column
// pairs.
type dotJob[T float] struct {
	pr            *params[T]
	m, n, k, kc   int
	alpha, beta   T
	a, b, c       []T
	lda, ldb, ldc int
	chunks        int
	splitRows     bool

	par.Job
}

// gemmDot computes C = alpha·A·Bᵀ + beta·C for useDot products; k > 0.
func gemmDot[T float](pr *params[T], ws *workspace, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	j := dotJobFor[T](ws)
	var z T
	size := int(unsafe.Sizeof(z))
	v := 32 / size // elements in a vector
	kcMax := max(2*v, dotL1Bytes/((dotR+n)*size))
	j.pr = pr
	j.m, j.n, j.k = m, n, k
	j.kc = roundUp(ceilDiv(k, ceilDiv(k, kcMax)), v)
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	tm, tn := ceilDiv(m, dotR), ceilDiv(n, dotS)
	j.splitRows = tm >= tn
	units := tn
	if j.splitRows {
		units = tm
	}
	threads := 1
	if m*n*k >= pr.parMin {
		threads = min(runtime.GOMAXPROCS(0), units)
	}
	par.Unpark()
	nt := par.Acquire(threads, m*n*k < pr.parCold)
	j.chunks = min(units, nt, par.MaxChunks)
	j.Run(j, j.chunks, nt)
	j.a, j.b, j.c = nil, nil, nil
}

// Chunk computes chunk id of C: a range of its rows or of its columns.
func (j *dotJob[T]) Chunk(_, id int) {
	r0, r1, c0, c1 := chunkBounds(id, j.chunks, j.m, j.n, dotR, dotS, j.splitRows)
	pairs, odd := (c1-c0)/dotS, (c1-c0)%dotS
	lda, ldb, ldc := j.lda, j.ldb, j.ldc
	for p0 := 0; p0 < j.k; p0 += j.kc {
		kc := min(j.kc, j.k-p0)
		beta, flags := j.beta, kernAccum
		if p0 > 0 {
			beta = 1 // later k blocks add to the first
		}
		if beta == 0 {
			flags = 0
		}
		for i := r0; i < r1; i += dotR {
			kern := &j.pr.dot[min(dotR, r1-i)-1]
			a, c := &j.a[i*lda+p0], j.c[i*ldc:]
			if pairs > 0 {
				kern[dotS-1](kc, a, lda, &j.b[c0*ldb+p0], ldb, &c[c0], ldc, j.alpha, beta, flags, pairs)
			}
			if odd > 0 {
				col := c1 - 1
				kern[0](kc, a, lda, &j.b[col*ldb+p0], ldb, &c[col], ldc, j.alpha, beta, flags, 1)
			}
		}
	}
}

func dotJobFor[T float](ws *workspace) *dotJob[T] {
	var z T
	switch any(z).(type) {
	case float32:
		return any(&ws.d32).(*dotJob[T])
	default:
		return any(&ws.d64).(*dotJob[T])
	}
}
