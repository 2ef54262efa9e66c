package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// The shape and indexing ops — Slice, Concat, Split, Tile, Pad,
// DepthToSpace, SpaceToDepth, the Gather and Scatter families and OneHot
// — move elements rather than compute them, so each kernel is written
// once for every dtype. Their VJPs come in adjoint pairs of ops: the
// adjoint of a Slice is a SliceGrad (zeros with g written into the sliced
// positions), whose own adjoint is the Slice again; a Pad's in reflect or
// edge mode is a PadGrad (the border added back where it was copied
// from), whose adjoint is the Pad; a Gather's is a GatherGrad (g added
// back at the gathered rows), whose adjoint is the Gather. Gradients of
// any order are therefore built from the same few kernels.
//
// Most of these ops are a strided walk: the output and the input are each
// seen as a box of elements with a stride per axis (0 along an axis that
// repeats an element, negative along a reversed one), and the walk copies
// one into the other row by row. Indices given as nodes (Gather's, say)
// are checked at run time: an index outside [−n, n) fails the run with an
// error naming it, its axis and the axis's length (Program.Err).

// maxWalkRank is the rank a strided walk may have: Tile splits each axis in
// two (its tiles and the elements of one tile).
const maxWalkRank = 2 * graph.MaxRank

// walk is a box of elements seen in two arrays at once: the element at
// coordinates (i₀, i₁, …) is dst[dOff + Σ iₖ·dst stride k] in one and
// src[sOff + Σ iₖ·src stride k] in the other. Its methods and the kernels
// that follow it allocate nothing.
type walk struct {
	rank       int
	dims       [maxWalkRank]int
	dst, src   [maxWalkRank]int
	dOff, sOff int
}

// axis appends an axis of length n with the given strides.
func (w *walk) axis(n, dst, src int) {
	w.dims[w.rank], w.dst[w.rank], w.src[w.rank] = n, dst, src
	w.rank++
}

// size returns the number of elements of the box.
func (w *walk) size() int {
	n := 1
	for i := 0; i < w.rank; i++ {
		n *= w.dims[i]
	}
	return n
}

// compact drops axes of length 1 and merges each axis into the one before
// it where both arrays allow (the outer stride is the inner one times the
// inner length), so that the last axis, which kernels process as a row, is
// as long as the layout permits: a slice that keeps whole rows is one row
// per slice, whatever the rank. A box of one element keeps one axis.
func (w *walk) compact() {
	r := 0
	for i := 0; i < w.rank; i++ {
		n := w.dims[i]
		if n == 1 {
			continue
		}
		if r > 0 && n != 0 && w.dims[r-1] != 0 {
			p := r - 1
			if w.dst[p] == w.dst[i]*n && w.src[p] == w.src[i]*n {
				w.dims[p] *= n
				w.dst[p], w.src[p] = w.dst[i], w.src[i]
				continue
			}
		}
		w.dims[r], w.dst[r], w.src[r] = n, w.dst[i], w.src[i]
		r++
	}
	if r == 0 {
		w.dims[0], w.dst[0], w.src[0] = 1, 1, 1
		r = 1
	}
	w.rank = r
}

// copyWalk copies the box from src into dst.
func copyWalk[T any](dst, src []T, w *walk) {
	if w.size() == 0 {
		return
	}
	r := w.rank
	n, ds, ss := w.dims[r-1], w.dst[r-1], w.src[r-1]
	var idx [maxWalkRank]int
	do, so := w.dOff, w.sOff
	for {
		switch {
		case ds == 1 && ss == 1:
			copy(dst[do:do+n], src[so:so+n])
		case ds == 1 && ss == 0:
			v, row := src[so], dst[do:do+n]
			for j := range row {
				row[j] = v
			}
		default:
			stridedRow(dst, do, ds, src, so, ss, n)
		}
		k := r - 2
		for ; k >= 0; k-- {
			idx[k]++
			do += w.dst[k]
			so += w.src[k]
			if idx[k] < w.dims[k] {
				break
			}
			do -= w.dst[k] * w.dims[k]
			so -= w.src[k] * w.dims[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// stridedRow copies n elements from src, starting at si and ss apart, to
// dst, starting at di and ds apart. It is a function of its own so that
// its loop keeps its counters in registers.
func stridedRow[T any](dst []T, di, ds int, src []T, si, ss, n int) {
	for ; n > 0; n-- {
		dst[di] = src[si]
		di += ds
		si += ss
	}
}

// copyValueWalk copies the box of x into out, whatever their (common)
// dtype.
func copyValueWalk(out, x *graph.Value, w *walk) {
	switch out.DType() {
	case graph.Float32:
		copyWalk(out.F32, x.F32, w)
	case graph.Float64:
		copyWalk(out.F64, x.F64, w)
	case graph.Int32:
		copyWalk(out.I32, x.I32, w)
	case graph.Int64:
		copyWalk(out.I64, x.I64, w)
	case graph.Bool:
		copyWalk(out.B, x.B, w)
	}
}

// clearValue sets every element of v to zero (false).
func clearValue(v *graph.Value) {
	clear(v.F32)
	clear(v.F64)
	clear(v.I32)
	clear(v.I64)
	clear(v.B)
}

// stridesOf writes the row-major strides of shape s into st.
func stridesOf(s graph.Shape, st *[graph.MaxRank]int) {
	n := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = n
		n *= s[i]
	}
}

// wantNumber reports an error unless input i is a float or an integer
// (not bool).
func wantNumber(in []graph.Meta, i int) error {
	if in[i].DType == graph.Bool {
		return fmt.Errorf("input %d has dtype bool, want a number", i)
	}
	return nil
}

// fitsDType reports an error unless x is a value that dtype dt holds
// exactly: a whole number in range for the integers, 0 or 1 for bool.
func fitsDType(x float64, dt graph.DType) error {
	switch dt {
	case graph.Int32:
		if x != float64(int32(x)) {
			return fmt.Errorf("value %g is not an int32", x)
		}
	case graph.Int64:
		if x != float64(int64(x)) || x >= 1<<63 {
			return fmt.Errorf("value %g is not an int64", x)
		}
	case graph.Bool:
		if x != 0 && x != 1 {
			return fmt.Errorf("value %g is not a bool (0 or 1)", x)
		}
	}
	return nil
}

// fill sets every element of s to v.
func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}
