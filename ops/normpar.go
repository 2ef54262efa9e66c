package ops

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
)

// The row-wise kernels of the normalisation layers and the dropout mask
// split their rows over the worker pool as the element-wise kernels do
// (parallel.go): only for values of ewParMin elements or more, only when
// the pool's workers are awake, and with each row computed by the same
// code whichever goroutine computes it, so results do not depend on the
// split.

type normKind uint8

const (
	nkShiftScale normKind = iota // shiftScaleRows
	nkSquaredDev                 // squaredDevRows, rows owning their slots
	nkMask                       // maskPairs, a row being a pair of elements
)

// normJob is one split kernel.
type normJob[T graph.Float] struct {
	job              par.Job
	kind             normKind
	o, x, m, a, s, b []T
	acc              []float64
	l                loop // copied in: a pointer to the caller's would escape
	key, thr         uint64
	scale            T
	rows, chunks     int
}

// Chunk implements par.Chunker.
func (j *normJob[T]) Chunk(_, id int) {
	r0, r1 := id*j.rows/j.chunks, (id+1)*j.rows/j.chunks
	switch j.kind {
	case nkShiftScale:
		shiftScaleRows(j.o, j.x, j.m, j.a, j.s, j.b, &j.l, r0, r1)
	case nkSquaredDev:
		squaredDevRows(j.acc, j.x, j.m, &j.l, r0, r1)
	case nkMask:
		maskPairs(j.o, j.key, j.thr, j.scale, r0, r1)
	}
}

// One job per element type: a job is used only while its caller holds
// the pool.
var (
	norm32 normJob[float32]
	norm64 normJob[float64]
)

// acquireNorm returns the job of T and the number of goroutines to run it
// on when a kernel of the given rows over size elements is worth
// splitting and the pool's workers are awake; otherwise nil, and the
// caller computes every row itself. A job returned must be run.
func acquireNorm[T graph.Float](rows, size int) (*normJob[T], int) {
	if rows < 2 || size < ewParMin {
		return nil, 0
	}
	nt := par.Acquire(par.Threads(), true)
	if nt <= 1 {
		return nil, 0
	}
	if j, ok := any(&norm32).(*normJob[T]); ok {
		return j, nt
	}
	return any(&norm64).(*normJob[T]), nt
}

// run computes rows [0, rows) in chunks of whole rows, releases the pool
// and drops the job's references to the values.
func (j *normJob[T]) run(rows, nt int) {
	j.rows, j.chunks = rows, min(rows, 2*nt)
	j.job.Run(j, j.chunks, nt)
	j.o, j.x, j.m, j.a, j.s, j.b, j.acc = nil, nil, nil, nil, nil, nil, nil
}

// parallelShiftScale splits shiftScaleRows over the walk l, reporting
// whether it did.
func parallelShiftScale[T graph.Float](o, x, m, a, s, b []T, l *loop) bool {
	rows := l.rows()
	j, nt := acquireNorm[T](rows, len(o))
	if j == nil {
		return false
	}
	j.kind, j.o, j.x, j.m, j.a, j.s, j.b, j.l = nkShiftScale, o, x, m, a, s, b, *l
	j.run(rows, nt)
	return true
}

// parallelSquaredDev splits squaredDevRows over the walk l into a cleared
// acc when no two rows add into the same statistic (no row axis of l is
// reduced), reporting whether it did.
func parallelSquaredDev[T graph.Float](acc []float64, x, m []T, l *loop) bool {
	for i := 0; i < l.rank-1; i++ {
		if l.st[0][i] == 0 {
			return false
		}
	}
	rows := l.rows()
	j, nt := acquireNorm[T](rows, len(x))
	if j == nil {
		return false
	}
	j.kind, j.acc, j.x, j.m, j.l = nkSquaredDev, acc, x, m, *l
	j.run(rows, nt)
	return true
}

// parallelMask splits maskPairs, reporting whether it did.
func parallelMask[T graph.Float](o []T, key, thr uint64, scale T) bool {
	pairs := (len(o) + 1) / 2
	j, nt := acquireNorm[T](pairs, len(o))
	if j == nil {
		return false
	}
	j.kind, j.o, j.key, j.thr, j.scale = nkMask, o, key, thr, scale
	j.run(pairs, nt)
	return true
}
