//go:build amd64

package blas

import "golang.org/x/sys/cpu"

// hasAsmKernels reports whether Native runs assembly micro-kernels.
var hasAsmKernels = cpu.X86.HasAVX2 && cpu.X86.HasFMA

func init() {
	if hasAsmKernels {
		sgemmParams.kern, sgemmParams.kern4, sgemmParams.kern2 = sgemmKernel6x16, sgemmKernel4x16, sgemmKernel2x16
		dgemmParams.kern, dgemmParams.kern4, dgemmParams.kern2 = dgemmKernel6x8, dgemmKernel4x8, dgemmKernel2x8
		sgemmParams.dot, dgemmParams.dot = sdotKernels, ddotKernels
	}
}

// sgemmKernel6x16 is the AVX2/FMA float32 micro-kernel for 6×16 tiles;
// see kernelFunc.
//
//go:noescape
func sgemmKernel6x16(k int, a *float32, rsa, csa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32, flags, tiles, ta int)

// sgemmKernel4x16 is the AVX2/FMA float32 micro-kernel for 4×16 tiles;
// see kernelFunc.
//
//go:noescape
func sgemmKernel4x16(k int, a *float32, rsa, csa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32, flags, tiles, ta int)

// sgemmKernel2x16 is the AVX2/FMA float32 micro-kernel for 2×16 tiles;
// see kernelFunc.
//
//go:noescape
func sgemmKernel2x16(k int, a *float32, rsa, csa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32, flags, tiles, ta int)

// dgemmKernel6x8 is the AVX2/FMA float64 micro-kernel for 6×8 tiles;
// see kernelFunc.
//
//go:noescape
func dgemmKernel6x8(k int, a *float64, rsa, csa int, b *float64, sb int, c *float64, ldc int, alpha, beta float64, flags, tiles, ta int)

// dgemmKernel4x8 is the AVX2/FMA float64 micro-kernel for 4×8 tiles;
// see kernelFunc.
//
//go:noescape
func dgemmKernel4x8(k int, a *float64, rsa, csa int, b *float64, sb int, c *float64, ldc int, alpha, beta float64, flags, tiles, ta int)

// dgemmKernel2x8 is the AVX2/FMA float64 micro-kernel for 2×8 tiles;
// see kernelFunc.
//
//go:noescape
func dgemmKernel2x8(k int, a *float64, rsa, csa int, b *float64, sb int, c *float64, ldc int, alpha, beta float64, flags, tiles, ta int)
