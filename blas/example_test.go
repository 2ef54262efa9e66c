package blas_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/blas"
)

// A 2×3 matrix times a 3×2 one: C = A·B, with beta = 0 so C's old
// contents are ignored.
func ExampleGemm64() {
	a := []float64{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float64{
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float64, 4)
	blas.Gemm64(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c[0:2])
	fmt.Println(c[2:4])
	// Output:
	// [58 64]
	// [139 154]
}
