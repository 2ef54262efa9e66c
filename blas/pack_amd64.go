//go:build amd64

package blas

import "unsafe"

// hasAsmPack reports whether the packing routines below may be used; they
// need AVX, which every processor with the AVX2 kernels has.
var hasAsmPack = hasAsmKernels

// hasAsm512Pack reports whether packATw, which needs AVX-512 F, may be
// used.
var hasAsm512Pack = hasAVX512

//go:noescape
func copyRows64(dst, src unsafe.Pointer, rows, ld int)

//go:noescape
func transpose8x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int)

//go:noescape
func transpose4x4f64(dst, src unsafe.Pointer, blocks, ld, dstStride int)

//go:noescape
func packAT24(dst, src unsafe.Pointer, panels, kc, ld, pstride int)

//go:noescape
func packAT48(dst, src unsafe.Pointer, panels, kc, ld, pstride int)

//go:noescape
func copyRows128(dst, src unsafe.Pointer, rows, ld int)

//go:noescape
func transpose4x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int)

//go:noescape
func packATw(dst, src unsafe.Pointer, panels, kc, ld, pstride, w int)
