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
	"github.com/gradgraph/gradgraph/internal/vec"
)

// napper's chunks sleep, long enough for a parked worker to wake and
// claim some.
type napper struct{}

func (napper) Chunk(int, int) { time.Sleep(100 * time.Microsecond) }

// split runs a kernel through its parallel form with the pool's workers
// awake, retrying if they parked in between, and fails the test if it
// never ran split.
func split(t *testing.T, try func() bool) {
	t.Helper()
	var warm par.Job
	for i := 0; i < 100; i++ {
		warm.Run(napper{}, 8, par.Acquire(2, false)) // wakes the worker
		if try() {
			return
		}
	}
	require.Fail(t, "the kernel never ran split")
}

// TestParallelRowsEqualsOneGoroutine: each element-wise kernel split over
// the pool gives the same bits as on one goroutine, for shapes whose rows
// do not divide evenly into the chunks, in both element types, at ranks 2
// to 4.
func TestParallelRowsEqualsOneGoroutine(t *testing.T) {
	if par.Threads() < 2 {
		t.Skip("one CPU: nothing to split")
	}
	for _, sh := range []graph.Shape{{256, 128}, {257, 67}, {2, 8192}, {129, 131}, {7, 33, 97}, {3, 5, 31, 41}} {
		t.Run(fmt.Sprint(sh), func(t *testing.T) {
			testParallelRows[float32](t, sh)
			testParallelRows[float64](t, sh)
		})
	}
}

func testParallelRows[T graph.Float](t *testing.T, sh graph.Shape) {
	r := rand.New(rand.NewPCG(uint64(sh[0]), uint64(sh[1])))
	rows, cols := sh.Matrix()
	n := sh.Size()
	rnd := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.NormFloat64())
		}
		return v
	}
	// Broadcast partners: the same shape, a column, a row, and (rank ≥ 3)
	// one varying along the first axis only.
	partners := []graph.Shape{sh, append(sh[:len(sh)-1:len(sh)-1].Clone(), 1), {cols}}
	if len(sh) >= 3 {
		first := make(graph.Shape, len(sh))
		for i := range first {
			first[i] = 1
		}
		first[0] = sh[0]
		partners = append(partners, first)
	}
	a := rnd(n)
	for _, bs := range partners {
		b := rnd(bs.Size())
		for _, code := range []binCode{opAdd, opSub, opMul, opDiv} {
			want, got := make([]T, n), make([]T, n)
			l := newLoop(sh, sh, bs)
			arithRows(code, want, a, b, &l, 0, l.rows())
			split(t, func() bool { return parallelBinary(code, got, a, b, &l) })
			assert.Equal(t, want, got, "%s by %v", binNames[code], bs)
		}
		if bs.Equal(sh) {
			continue // SumTo its own shape is a copy, one row
		}
		want, got := make([]T, bs.Size()), rnd(bs.Size()) // got starts dirty: the kernel clears it
		l := newLoop(sh, bs)
		sumRows(want, a, &l, 0, l.rows(), true)
		if bs[len(bs)-1] == 1 && len(bs) == len(sh) { // a column: rows are not summed, so split
			split(t, func() bool { return parallelSum(got, a, &l) })
			assert.Equal(t, want, got, "SumTo %v", bs)
		} else {
			assert.False(t, parallelSum(got, a, &l), "SumTo %v sums rows: not split", bs)
		}
	}
	b := rnd(n)
	want, got := make([]T, n), make([]T, n)
	vec.Relu(want, a)
	split(t, func() bool { return parallelRows(ewRelu, got, a, nil, rows, cols) })
	assert.Equal(t, want, got, "ReLU")
	vec.PassWhere(want, a, b)
	split(t, func() bool { return parallelRows(ewPassWhere, got, a, b, rows, cols) })
	assert.Equal(t, want, got, "PassWhere")
}
