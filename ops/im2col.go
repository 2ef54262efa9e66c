package ops

import "github.com/gradgraph/gradgraph/graph"

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
	d := w.d
	last := d - 1
	inSize, p := w.inSize(), w.outSize()
	k := w.kSize()
	ol, sl := w.out[last], w.stride[last]
	segs := p / ol // row segments: output positions along all but the last axis
	var inSt [maxSpatial]int
	n := 1
	for a := last; a >= 0; a-- {
		inSt[a] = n
		n *= w.in[a]
	}
	var tap, lo, hi, off [maxSpatial]int
	row := 0
	for ch := 0; ch < c; ch++ {
		xc := x[ch*inSize : (ch+1)*inSize]
		clear(tap[:d])
		for t := 0; t < k; t++ {
			for a := 0; a < d; a++ {
				lo[a], hi[a], off[a] = w.outputs(a, tap[a])
			}
			rowCols := cols[row*p : (row+1)*p]
			l, h := lo[last], hi[last]
			var o [maxSpatial]int
			for s := 0; s < segs; s++ {
				seg := rowCols[s*ol : (s+1)*ol]
				base, in := off[last], l < h
				for a := 0; a < last && in; a++ {
					in = o[a] >= lo[a] && o[a] < hi[a]
					base += (o[a]*w.stride[a] + off[a]) * inSt[a]
				}
				switch {
				case add && in:
					src := base + l*sl
					if sl == 1 {
						xr := xc[src : src+h-l]
						for j, v := range seg[l:h] {
							xr[j] += v
						}
					} else {
						for _, v := range seg[l:h] {
							xc[src] += v
							src += sl
						}
					}
				case add:
				case in:
					clear(seg[:l])
					src := base + l*sl
					if sl == 1 {
						copy(seg[l:h], xc[src:src+h-l])
					} else {
						for j := range seg[l:h] {
							seg[l+j] = xc[src]
							src += sl
						}
					}
					clear(seg[h:])
				default:
					clear(seg)
				}
				for a := last - 1; a >= 0; a-- {
					if o[a]++; o[a] < w.out[a] {
						break
					}
					o[a] = 0
				}
			}
			row++
			for a := last; a >= 0; a-- {
				if tap[a]++; tap[a] < w.k[a] {
					break
				}
				tap[a] = 0
			}
		}
	}
}
