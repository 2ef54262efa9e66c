package ops

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// im2col and col2im move between an image of c channels, each w.in along
// the spatial axes (row-major), and its patch matrix: c·K rows, one per
// channel and tap of the window (taps in row-major order, the order of a
// convolution's weights), by P columns, one per output position. Entry
// (channel, tap; position) is the input element that the tap meets when
// the window sits at that position, or 0 where it meets the padding. A
// convolution is then one product W·patches, and its two transposes are
// Wᵀ·G folded back by col2im and G·patchesᵀ.
//
// Both walk the patch matrix in order, one row at a time, and along the
// last spatial axis copy runs of input elements (strided by the stride)
// between two zero fills, with the bounds of the run worked out once per
// row segment: no test per element.

// im2col writes the patch matrix of x (c channels) into cols, which holds
// c·w.kSize()·w.outSize() elements.
func im2col[T graph.Float](cols, x []T, c int, w *window) {
	patchWalk(cols, x, c, w, false)
}

// col2im adds each entry of the patch matrix cols to the element of x
// (c channels) it was taken from: the transpose of im2col. Entries from
// the padding are dropped.
func col2im[T graph.Float](x, cols []T, c int, w *window) {
	patchWalk(cols, x, c, w, true)
}

// patchWalk is im2col, or col2im when add is set.
func patchWalk[T graph.Float](cols, x []T, c int, w *window, add bool) {
	var pw patchRow
	pw.w = w
	n := 1
	for a := w.d - 1; a >= 0; a-- {
		pw.inSt[a] = n
		n *= w.in[a]
	}
	for a := w.d - 1; a >= 0; a-- {
		pw.block[a] = 1
		if a < w.d-1 {
			pw.block[a] = pw.block[a+1] * w.out[a+1]
		}
	}
	inSize, p, k := n, w.outSize(), w.kSize()
	var tap [maxSpatial]int
	row := 0
	for ch := 0; ch < c; ch++ {
		xc := x[ch*inSize : (ch+1)*inSize]
		for a := 0; a < w.d; a++ {
			tap[a] = 0
			pw.lo[a], pw.hi[a], pw.off[a] = w.outputs(a, 0)
		}
		for t := 0; t < k; t++ {
			patchAxis(&pw, cols[row*p:(row+1)*p], xc, 0, 0, add)
			row++
			// The next tap: only the axes whose tap moves change.
			for a := w.d - 1; a >= 0; a-- {
				if tap[a]++; tap[a] == w.k[a] {
					tap[a] = 0
				}
				pw.lo[a], pw.hi[a], pw.off[a] = w.outputs(a, tap[a])
				if tap[a] != 0 {
					break
				}
			}
		}
	}
}

// patchRow is one row of a patch matrix: one tap of the window. Along
// axis a, the tap lands inside the input at output positions [lo, hi),
// reading input position o·stride + off.
type patchRow struct {
	w                 *window
	lo, hi, off, inSt [maxSpatial]int
	// block[a] is the number of output positions along the axes after a.
	block [maxSpatial]int
}

// patchAxis fills (or, with add, folds back) the part dst of a patch row
// that spans output axes a and after, whose input positions along the
// axes before a start at base: zeros where the tap lands in the padding,
// runs of input elements elsewhere.
func patchAxis[T graph.Float](pw *patchRow, dst, xc []T, a, base int, add bool) {
	w := pw.w
	lo, hi := pw.lo[a], pw.hi[a]
	s, off, st := w.stride[a], pw.off[a], pw.inSt[a]
	if a == w.d-1 {
		patchRun(dst, xc, base+off+lo*s, lo, hi, s, add)
		return
	}
	block := pw.block[a]
	if !add {
		clear(dst[:lo*block])
		clear(dst[hi*block:])
	}
	if a < w.d-2 {
		for o := lo; o < hi; o++ {
			patchAxis(pw, dst[o*block:(o+1)*block], xc, a+1, base+(o*s+off)*st, add)
		}
		return
	}
	// The last two axes: one run per output position of axis a.
	l, h, sl := pw.lo[a+1], pw.hi[a+1], w.stride[a+1]
	i := base + pw.off[a+1] + l*sl + (lo*s+off)*st
	if sl != 1 || l >= h {
		for o := lo; o < hi; o++ {
			patchRun(dst[o*block:(o+1)*block], xc, i, l, h, sl, add)
			i += s * st
		}
		return
	}
	// All of them at once (vec's rows are the runs): a call per run
	// would cost as much as the run.
	n, rows := h-l, hi-lo
	if rows <= 0 {
		return
	}
	if add {
		vec.AddRows(xc[i:], dst[lo*block+l:], rows, n, s*st, block)
		return
	}
	if l > 0 || h < block {
		for o := lo; o < hi; o++ {
			clear(dst[o*block : o*block+l])
			clear(dst[o*block+h : (o+1)*block])
		}
	}
	vec.CopyRows(dst[lo*block+l:], xc[i:], rows, n, block, s*st)
}

// patchRun fills dst, the output positions along the last axis, with
// zeros outside [lo, hi) and x[i], x[i+s], … inside; or, with add, adds
// dst[lo:hi] into those elements of x.
func patchRun[T graph.Float](dst, x []T, i, lo, hi, s int, add bool) {
	if lo >= hi {
		if !add {
			clear(dst)
		}
		return
	}
	run := dst[lo:hi]
	src := x[i:]
	switch {
	case add && s == 1:
		src = src[:len(run)]
		for j, v := range run {
			src[j] += v
		}
	case add:
		src = src[:(len(run)-1)*s+1]
		for j, v := range run {
			src[j*s] += v
		}
	default:
		if lo > 0 {
			clear(dst[:lo])
		}
		if s == 1 {
			copy(run, src[:len(run)])
		} else {
			src = src[:(len(run)-1)*s+1]
			for j := range run {
				run[j] = src[j*s]
			}
		}
		if hi < len(dst) {
			clear(dst[hi:])
		}
	}
}
