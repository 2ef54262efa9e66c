package ops

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// Element-wise kernels over large matrices (the hidden layers' bias add,
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
	ewBinary    ewKind = iota // binaryRows
	ewRelu                    // vec.Relu(o, a)
	ewPassWhere               // vec.PassWhere(o, a, b)
	ewSumTo                   // sumToRows
)

// ewJob is one split kernel: rows [0, rows) of an output with cols
// columns, in chunks of whole rows.
type ewJob[T Float] struct {
	job        par.Job
	kind       ewKind
	code       binCode
	o, a, b    []T
	os, as, bs graph.Shape
	rows, cols int
	chunks     int
}

// Chunk implements par.Chunker.
func (j *ewJob[T]) Chunk(_, id int) {
	r0, r1 := id*j.rows/j.chunks, (id+1)*j.rows/j.chunks
	lo, hi := r0*j.cols, r1*j.cols
	switch j.kind {
	case ewBinary:
		binaryRows(j.code, j.o, j.a, j.b, j.os, j.as, j.bs, r0, r1)
	case ewRelu:
		vec.Relu(j.o[lo:hi], j.a[lo:hi])
	case ewPassWhere:
		vec.PassWhere(j.o[lo:hi], j.a[lo:hi], j.b[lo:hi])
	case ewSumTo:
		sumToRows(j.o, j.a, j.os, j.as, r0, r1)
	}
}

// The two jobs, one per element type. A job is used only while its caller
// holds the pool (par.Acquire returned more than 1), so one of each is
// enough.
var (
	ew32 ewJob[float32]
	ew64 ewJob[float64]
)

func ewJobFor[T Float]() *ewJob[T] {
	if j, ok := any(&ew32).(*ewJob[T]); ok {
		return j
	}
	return any(&ew64).(*ewJob[T])
}

// parallelRows computes kernel kind over the rows × cols output on the
// pool and reports true, or reports false, having computed nothing, when
// the output is small or the pool's workers are not awake (waking one
// takes longer than these kernels).
func parallelRows[T Float](kind ewKind, code binCode, o, a, b []T, os, as, bs graph.Shape, rows, cols int) bool {
	if rows < 2 || rows*cols < ewParMin {
		return false
	}
	nt := par.Acquire(par.Threads(), true)
	if nt <= 1 {
		return false
	}
	j := ewJobFor[T]()
	j.kind, j.code, j.o, j.a, j.b = kind, code, o, a, b
	j.os, j.as, j.bs = os, as, bs
	j.rows, j.cols, j.chunks = rows, cols, min(rows, 2*nt)
	j.job.Run(j, j.chunks, nt)
	j.o, j.a, j.b, j.os, j.as, j.bs = nil, nil, nil, nil, nil, nil
	return true
}
