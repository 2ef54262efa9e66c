//go:build amd64

package vec

import "golang.org/x/sys/cpu"

// hasRows32 reports whether CopyRows and AddRows of float32 may run in
// assembly (AVX-512: the masked tails).
var hasRows32 = cpu.X86.HasAVX512F

// The assembly loops: rows > 0 rows of n > 0 elements, ds and ss elements
// apart.

//go:noescape
func copyRowsF32(dst, src *float32, rows, n, ds, ss int)

//go:noescape
func addRowsF32(dst, src *float32, rows, n, ds, ss int)
