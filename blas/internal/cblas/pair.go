//go:build openblas

package cblas

/*
#cgo LDFLAGS: -lopenblas -lpthread
#include "pair.h"
*/
import "C"

import "unsafe"

// Half is one of the two parts of a product for Pair: rows or columns of C
// and the operands they read. M or N may be 0 (nothing to do).
type Half[T ~float32 | ~float64] struct {
	M, N    int
	A, B, C []T
}

// Pair computes two parts of one product, C = alpha·op(A)·op(B) + beta·C
// with the given flags, depth k and leading dimensions, at the same time:
// mine on the calling thread and theirs on a worker thread of this
// package's own, both inside one cgo call. (Two goroutines each in a cgo
// call would leave no processor to the Go scheduler, whose monitor then
// hands both processors over to other threads in the middle of the
// product; measured on the MNIST step, about half the runs were 1.7x
// slower.) It reports false, having computed nothing, when the worker is
// busy with another pair. Slices of a part with M or N = 0 may be empty.
func Pair[T ~float32 | ~float64](tA, tB bool, k int, alpha, beta T, lda, ldb, ldc int, mine, theirs Half[T]) bool {
	var z T
	f64 := C.int(0)
	if unsafe.Sizeof(z) == 8 {
		f64 = 1
	}
	a0, b0, c0 := ptrs(mine)
	a1, b1, c1 := ptrs(theirs)
	return C.gg_gemm_pair(f64, cbool(tA), cbool(tB), C.int(k), C.double(alpha), C.double(beta),
		C.int(lda), C.int(ldb), C.int(ldc),
		C.int(mine.M), C.int(mine.N), a0, b0, c0,
		C.int(theirs.M), C.int(theirs.N), a1, b1, c1) != 0
}

func ptrs[T ~float32 | ~float64](h Half[T]) (a, b, c unsafe.Pointer) {
	if h.M == 0 || h.N == 0 {
		return nil, nil, nil
	}
	return unsafe.Pointer(&h.A[0]), unsafe.Pointer(&h.B[0]), unsafe.Pointer(&h.C[0])
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
