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
// OpenBLAS is set to one thread, and a large product is cut into blocks of
// rows (or columns) of C that the worker pool of package par multiplies,
// one OpenBLAS call each. The solver and the element-wise ops use the same
// pool, so in a training step no OpenBLAS thread spins on a core that one
// of ours needs, or the other way round.
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
// one call on the calling goroutine (the threshold of Native).
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
	nt := 1
	if m*n*k >= obParMin {
		nt = par.Acquire(par.Threads(), false)
	}
	if nt == 1 {
		f(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j := obJobs.get()
	bj := jobOf[T](j)
	*bj = obJob[T]{f: f, tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, chunks: nt}
	bj.rows = m >= n
	j.Run(bj, nt, nt)
	*bj = obJob[T]{}
	obJobs.put(j)
}

// obJob is one product cut into chunks of C: rows [r0, r1) read rows r0 to
// r1 of op(A); columns [c0, c1) read columns c0 to c1 of op(B).
type obJob[T float] struct {
	f             gemmFunc[T]
	tA, tB        bool
	m, n, k       int
	alpha, beta   T
	a, b, c       []T
	lda, ldb, ldc int
	chunks        int
	rows          bool
}

// Chunk multiplies block id of C, for par.Job.
func (j *obJob[T]) Chunk(_, id int) {
	// Blocks of whole multiples of 16 rows or columns, the widest
	// register tile of OpenBLAS's kernels.
	if j.rows {
		r0, r1 := split(j.m, j.chunks, id)
		if r0 == r1 {
			return
		}
		ao := r0 * j.lda
		if j.tA {
			ao = r0
		}
		j.f(j.tA, j.tB, r1-r0, j.n, j.k, j.alpha, j.a[ao:], j.lda, j.b, j.ldb, j.beta, j.c[r0*j.ldc:], j.ldc)
		return
	}
	c0, c1 := split(j.n, j.chunks, id)
	if c0 == c1 {
		return
	}
	bo := c0
	if j.tB {
		bo = c0 * j.ldb
	}
	j.f(j.tA, j.tB, j.m, c1-c0, j.k, j.alpha, j.a, j.lda, j.b[bo:], j.ldb, j.beta, j.c[c0:], j.ldc)
}

// split returns block id of n rows cut into chunks blocks of whole
// multiples of 16 (the last one takes the rest).
func split(n, chunks, id int) (lo, hi int) {
	units := ceilDiv(n, 16)
	lo = min(n, id*units/chunks*16)
	hi = min(n, (id+1)*units/chunks*16)
	return lo, hi
}

// obWork holds the jobs of one product in flight, for either element
// type; they are recycled so that a product allocates nothing.
type obWork struct {
	par.Job
	j32 obJob[float32]
	j64 obJob[float64]
}

type obFree struct{ ch chan *obWork }

var obJobs = obFree{make(chan *obWork, 8)}

func (f obFree) get() *obWork {
	select {
	case w := <-f.ch:
		return w
	default:
		return new(obWork)
	}
}

func (f obFree) put(w *obWork) {
	select {
	case f.ch <- w:
	default:
	}
}

func jobOf[T float](w *obWork) *obJob[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&w.j32).(*obJob[T])
	}
	return any(&w.j64).(*obJob[T])
}
