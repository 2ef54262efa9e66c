package vec

// CopyRows and AddRows move rows short runs at a time between two
// matrices with their own row strides: what im2col and col2im do along
// the last two spatial axes of a convolution, where a run is a few to a
// few dozen elements and a call per run (runtime.memmove, or a loop) costs
// as much as the run. On amd64 with AVX-512 one call does all the rows,
// 16 float32 lanes at a time and the rest of each run under a mask. The
// results are the Go loops' bit for bit (one add per element).

// CopyRows sets dst[r·ds + j] = src[r·ss + j] for r < rows, j < n. It
// panics if a slice is too short.
func CopyRows[T Float](dst, src []T, rows, n, ds, ss int) {
	if !rowsFit(len(dst), len(src), rows, n, ds, ss) {
		return
	}
	if d, ok := any(dst).([]float32); ok && hasRows32 {
		copyRowsF32(&d[0], &any(src).([]float32)[0], rows, n, ds, ss)
		return
	}
	for r := 0; r < rows; r++ {
		copy(dst[r*ds:r*ds+n], src[r*ss:r*ss+n])
	}
}

// AddRows sets dst[r·ds + j] += src[r·ss + j] for r < rows, j < n. It
// panics if a slice is too short.
func AddRows[T Float](dst, src []T, rows, n, ds, ss int) {
	if !rowsFit(len(dst), len(src), rows, n, ds, ss) {
		return
	}
	if d, ok := any(dst).([]float32); ok && hasRows32 {
		addRowsF32(&d[0], &any(src).([]float32)[0], rows, n, ds, ss)
		return
	}
	for r := 0; r < rows; r++ {
		d, s := dst[r*ds:r*ds+n], src[r*ss:r*ss+n]
		for j, v := range s {
			d[j] += v
		}
	}
}

// rowsFit reports whether there is anything to do, and panics if the
// rows do not fit in slices of lengths ld and ls.
func rowsFit(ld, ls, rows, n, ds, ss int) bool {
	if rows <= 0 || n <= 0 {
		return false
	}
	if ds < 0 || ss < 0 || (rows-1)*ds+n > ld || (rows-1)*ss+n > ls {
		panic("vec: rows out of range")
	}
	return true
}
