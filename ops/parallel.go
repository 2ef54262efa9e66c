package ops

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Element-wise kernels over large values (the hidden layers' bias add,
// ReLU, its backward and the bias gradient's row sums) split their rows
// over the worker pool of package par, which the matrix products of
// blas.Native leave awake: in a training step they follow one another, so
// the second core would otherwise wait for the next product. Each row is
// computed by the same code whichever goroutine computes it, so results do
// not depend on the split.

// ewParMin is the number of elements from which an element-wise kernel
// is split: at 16 k elements (a 128 × 128 layer) a kernel takes a few
// microseconds, several hand-offs' worth.
const ewParMin = 1 << 14

type ewKind uint8

const (
	ewBinary    ewKind = iota // arithRows over a loop
	ewBinary1                 // arithRow over element ranges of a one-axis loop
	ewRelu                    // vec.Relu(o, a) on rows × cols
	ewPassWhere               // vec.PassWhere(o, a, b) on rows × cols
	ewSumTo                   // sumRows over a loop
)

// ewJob is one split kernel: rows [0, rows) of an output, in chunks of
// whole rows.
type ewJob[T graph.Float] struct {
	job        par.Job
	kind       ewKind
	code       binCode
	o, a, b    []T
	l          loop // copied in: a pointer to the caller's would escape
	rows, cols int
	chunks     int
}

// Chunk implements par.Chunker.
func (j *ewJob[T]) Chunk(_, id int) {
	r0, r1 := id*j.rows/j.chunks, (id+1)*j.rows/j.chunks
	lo, hi := r0*j.cols, r1*j.cols
	switch j.kind {
	case ewBinary:
		arithRows(j.code, j.o, j.a, j.b, &j.l, r0, r1)
	case ewBinary1:
		sa, sb := j.l.st[0][0], j.l.st[1][0]
		arithRow(j.code, j.o[lo:hi], j.a[lo*sa:], sa, j.b[lo*sb:], sb)
	case ewRelu:
		vec.Relu(j.o[lo:hi], j.a[lo:hi])
	case ewPassWhere:
		vec.PassWhere(j.o[lo:hi], j.a[lo:hi], j.b[lo:hi])
	case ewSumTo:
		sumRows(j.o, j.a, &j.l, r0, r1, false)
	}
}

// The two jobs, one per element type. A job is used only while its caller
// holds the pool (par.Acquire returned more than 1), so one of each is
// enough.
var (
	ew32 ewJob[float32]
	ew64 ewJob[float64]
)

func ewJobFor[T graph.Float]() *ewJob[T] {
	if j, ok := any(&ew32).(*ewJob[T]); ok {
		return j
	}
	return any(&ew64).(*ewJob[T])
}

// runRows computes the job on the pool and reports true, or reports false,
// having computed nothing, when the output is small or the pool's workers
// are not awake (waking one takes longer than these kernels).
func runRows[T graph.Float](kind ewKind, code binCode, o, a, b []T, l *loop, rows, cols int) bool {
	if rows < 2 || rows*cols < ewParMin {
		return false
	}
	nt := par.Acquire(par.Threads(), true)
	if nt <= 1 {
		return false
	}
	j := ewJobFor[T]()
	j.kind, j.code, j.o, j.a, j.b = kind, code, o, a, b
	if l != nil {
		j.l = *l
	}
	j.rows, j.cols, j.chunks = rows, cols, min(rows, 2*nt)
	j.job.Run(j, j.chunks, nt)
	j.o, j.a, j.b = nil, nil, nil
	return true
}

// parallelRows splits a same-shape kernel (ReLU, PassWhere) over rows ×
// cols elements.
func parallelRows[T graph.Float](kind ewKind, o, a, b []T, rows, cols int) bool {
	return runRows(kind, 0, o, a, b, nil, rows, cols)
}

// parallelBinary splits arithRows over the walk l; a walk of one axis
// (same shapes, or a scalar) is split into element ranges, as rows of one.
func parallelBinary[T graph.Float](code binCode, o, a, b []T, l *loop) bool {
	if l.rank == 1 {
		return runRows(ewBinary1, code, o, a, b, l, l.inner(), 1)
	}
	return runRows(ewBinary, code, o, a, b, l, l.rows(), l.inner())
}

// parallelSum splits sumRows over the walk l of x into o, when no row
// axis is summed (each row then writes its own part of o).
func parallelSum[T graph.Float](o, x []T, l *loop) bool {
	for i := 0; i < l.rank-1; i++ {
		if l.st[0][i] == 0 {
			return false
		}
	}
	return runRows(ewSumTo, 0, o, x, nil, l, l.rows(), l.inner())
}
