//go:build !openblas

package blas

// defaultImplementation returns the implementation installed at start-up:
// Native where its assembly kernels run, Gonum elsewhere.
func defaultImplementation() Implementation {
	if hasAsmKernels {
		return Native{}
	}
	return Gonum{}
}
