package vec

import (
	"math/rand/v2"
	"testing"
)

// TestRows checks CopyRows and AddRows against the Go loops for every
// run length up to 40 (full vectors and every tail), strides wider and
// narrower than the run, and that nothing outside the runs is touched.
func TestRows(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 40; n++ {
		for _, rows := range []int{1, 3} {
			for _, ds := range []int{n, n + 3, 2*n + 17} {
				ss := n + 5
				src := make([]float32, (rows-1)*ss+n)
				dst := make([]float32, (rows-1)*ds+n+8)
				for i := range src {
					src[i] = r.Float32()
				}
				for i := range dst {
					dst[i] = r.Float32()
				}
				for _, add := range []bool{false, true} {
					got, want := append([]float32{}, dst...), append([]float32{}, dst...)
					for k := 0; k < rows; k++ {
						for j := 0; j < n; j++ {
							if add {
								want[k*ds+j] += src[k*ss+j]
							} else {
								want[k*ds+j] = src[k*ss+j]
							}
						}
					}
					if add {
						AddRows(got, src, rows, n, ds, ss)
					} else {
						CopyRows(got, src, rows, n, ds, ss)
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("add %v, n %d, rows %d, ds %d: element %d is %v, want %v", add, n, rows, ds, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("CopyRows past the end of dst did not panic")
		}
	}()
	CopyRows(make([]float32, 10), make([]float32, 100), 2, 8, 8, 8)
}
