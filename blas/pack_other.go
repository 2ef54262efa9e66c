//go:build !amd64

package blas

import "unsafe"

// hasAsmPack reports whether the assembly packing routines may be used.
var hasAsmPack = false

// hasAsm512Pack reports whether packATw may be used.
var hasAsm512Pack = false

func copyRows64(dst, src unsafe.Pointer, rows, ld int)                   { panic("unreachable") }
func transpose8x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int) { panic("unreachable") }
func transpose4x4f64(dst, src unsafe.Pointer, blocks, ld, dstStride int) { panic("unreachable") }

func packAT24(dst, src unsafe.Pointer, panels, kc, ld, pstride int) { panic("unreachable") }
func packAT48(dst, src unsafe.Pointer, panels, kc, ld, pstride int) { panic("unreachable") }

func copyRows128(dst, src unsafe.Pointer, rows, ld int)                  { panic("unreachable") }
func transpose4x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int) { panic("unreachable") }
func packATw(dst, src unsafe.Pointer, panels, kc, ld, pstride, w int)    { panic("unreachable") }
