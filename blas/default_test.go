//go:build !openblas

package blas

// wantDefault is the implementation a build without the openblas tag starts
// with.
func wantDefault() Implementation {
	if hasAsmKernels {
		return Native{}
	}
	return Gonum{}
}
