package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
)

// napper's chunks sleep, long enough for a parked worker to wake and
// claim some.
type napper struct{}

func (napper) Chunk(int, int) { time.Sleep(100 * time.Microsecond) }

// splitRows runs kernel kind through parallelRows with the pool's workers
// awake, retrying if they parked in between, and fails the test if it
// never ran split.
func splitRows[T Float](t *testing.T, kind ewKind, code binCode, o, a, b []T, os, as, bs graph.Shape) {
	t.Helper()
	rows, cols := os.Matrix()
	if kind == ewSumTo {
		rows, cols = as.Matrix()
	}
	var warm par.Job
	for try := 0; try < 100; try++ {
		warm.Run(napper{}, 8, par.Acquire(2, false)) // wakes the worker
		if parallelRows(kind, code, o, a, b, os, as, bs, rows, cols) {
			return
		}
	}
	require.Fail(t, "the kernel never ran split")
}

// TestParallelRowsEqualsOneGoroutine: each element-wise kernel split over
// the pool gives the same bits as on one goroutine, for shapes whose rows
// do not divide evenly into the chunks, in both element types.
func TestParallelRowsEqualsOneGoroutine(t *testing.T) {
	if par.Threads() < 2 {
		t.Skip("one CPU: nothing to split")
	}
	for _, sh := range []graph.Shape{{256, 128}, {257, 67}, {2, 8192}, {129, 131}} {
		t.Run(fmt.Sprint(sh), func(t *testing.T) {
			testParallelRows[float32](t, sh)
			testParallelRows[float64](t, sh)
		})
	}
}

func testParallelRows[T Float](t *testing.T, sh graph.Shape) {
	r := rand.New(rand.NewPCG(uint64(sh[0]), uint64(sh[1])))
	rows, cols := sh.Matrix()
	rnd := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.NormFloat64())
		}
		return v
	}
	a, b, col, row := rnd(rows*cols), rnd(rows*cols), rnd(rows), rnd(cols)
	colSh, rowSh := graph.Shape{rows, 1}, graph.Shape{1, cols}
	for _, bc := range []struct {
		b  []T
		bs graph.Shape
	}{{b, sh}, {col, colSh}, {row, rowSh}} {
		for _, code := range []binCode{opAdd, opSub, opMul, opDiv} {
			want, got := make([]T, rows*cols), make([]T, rows*cols)
			binaryRows(code, want, a, bc.b, sh, sh, bc.bs, 0, rows)
			splitRows(t, ewBinary, code, got, a, bc.b, sh, sh, bc.bs)
			assert.Equal(t, want, got, "%s by %v", binNames[code], bc.bs)
		}
	}
	want, got := make([]T, rows*cols), make([]T, rows*cols)
	reluK(want, a)
	splitRows(t, ewRelu, 0, got, a, nil, sh, nil, nil)
	assert.Equal(t, want, got, "ReLU")
	passWhereK(want, a, b)
	splitRows(t, ewPassWhere, 0, got, a, b, sh, nil, nil)
	assert.Equal(t, want, got, "PassWhere")
	for _, to := range []graph.Shape{colSh, sh} {
		want, got := make([]T, to.Size()), rnd(to.Size()) // got starts dirty: the kernel clears it
		sumToRows(want, a, to, sh, 0, rows)
		splitRows(t, ewSumTo, 0, got, a, nil, to, sh, nil)
		assert.Equal(t, want, got, "SumTo %v", to)
	}
}
