//go:build !amd64

package blas

// hasAsmKernels reports whether Native runs assembly micro-kernels.
const hasAsmKernels = false

// bestISA returns the widest instruction set Native has kernels for here:
// the portable ones.
func bestISA() int { return isaGo }

// useISA installs the kernels of instruction set isa: only isaGo here.
func useISA(isa int) {
	if isa != isaGo {
		panic("blas: no assembly kernels on this architecture")
	}
	kernelISA = isa
	sgemmParams, dgemmParams = goParams32(), goParams64()
}
