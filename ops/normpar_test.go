package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
)

// TestNormKernelsSplitLikeOneGoroutine: the normalisation kernels and the
// dropout mask split over the pool give the same bits as on one
// goroutine, for the layouts of the layers (statistics per row, per
// channel, per element of a row), rows that do not divide evenly into
// chunks, and odd mask lengths.
func TestNormKernelsSplitLikeOneGoroutine(t *testing.T) {
	if par.Threads() < 2 {
		t.Skip("one CPU: nothing to split")
	}
	for _, c := range []struct {
		x, m, s graph.Shape // s nil: no scale
	}{
		{graph.Shape{257, 67}, graph.Shape{257, 1}, graph.Shape{67}},            // LayerNormalization
		{graph.Shape{7, 33, 97}, graph.Shape{7, 33, 1}, nil},                    // InstanceNormalization
		{graph.Shape{5, 31, 11, 13}, graph.Shape{1, 31, 1, 1}, nil},             // BatchNormalization
		{graph.Shape{4099, 5}, graph.Shape{1, 5}, graph.Shape{4099, 1}},         // statistics along rows
		{graph.Shape{3, 64, 129}, graph.Shape{3, 64, 1}, graph.Shape{64, 129}},  // scale over two axes
		{graph.Shape{2, 8192}, graph.Shape{2, 1}, graph.Shape{1}},               // two long rows
		{graph.Shape{130, 7, 23}, graph.Shape{130, 1, 1}, graph.Shape{1, 7, 1}}, // scale strided
	} {
		t.Run(fmt.Sprint(c.x), func(t *testing.T) {
			testNormSplit[float32](t, c.x, c.m, c.s)
			testNormSplit[float64](t, c.x, c.m, c.s)
		})
	}
	for _, n := range []int{1 << 14, 1<<15 + 1, 99999} {
		testMaskSplit[float32](t, n)
		testMaskSplit[float64](t, n)
	}
}

func testNormSplit[T graph.Float](t *testing.T, xs, ms, ss graph.Shape) {
	r := rand.New(rand.NewPCG(uint64(xs[0]), uint64(xs.Size())))
	rnd := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.NormFloat64())
		}
		return v
	}
	x, m, a := rnd(xs.Size()), rnd(ms.Size()), rnd(ms.Size())
	var s, b []T
	shapes := []graph.Shape{ms}
	if ss != nil {
		s, b = rnd(ss.Size()), rnd(ss.Size())
		shapes = append(shapes, ss, ss)
	}
	l := newLoop(xs, shapes...)
	want, got := make([]T, len(x)), make([]T, len(x))
	shiftScaleRows(want, x, m, a, s, b, &l, 0, l.rows())
	split(t, func() bool { return parallelShiftScale(got, x, m, a, s, b, &l) })
	assert.Equal(t, want, got, "shiftScale")

	lm := newLoop(xs, ms)
	wantAcc, gotAcc := make([]float64, len(m)), make([]float64, len(m))
	squaredDevRows(wantAcc, x, m, &lm, 0, lm.rows())
	if ms[0] == 1 { // rows share statistics: summed on one goroutine
		assert.False(t, parallelSquaredDev(gotAcc, x, m, &lm))
		return
	}
	split(t, func() bool { clear(gotAcc); return parallelSquaredDev(gotAcc, x, m, &lm) })
	assert.Equal(t, wantAcc, gotAcc, "squared deviations")
}

func testMaskSplit[T graph.Float](t *testing.T, n int) {
	want, got := make([]T, n), make([]T, n)
	maskPairs(want, 12345, 1<<31, 2, 0, (n+1)/2)
	split(t, func() bool { return parallelMask(got, 12345, 1<<31, T(2)) })
	assert.Equal(t, want, got, "mask of %d", n)
}
