//go:build !amd64

package blas

// hasAsmKernels reports whether Native runs assembly micro-kernels.
const hasAsmKernels = false
