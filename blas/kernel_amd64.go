//go:build amd64

package blas

import "golang.org/x/sys/cpu"

// hasAsmKernels reports whether Native runs assembly micro-kernels (AVX2
// and FMA at least).
var hasAsmKernels = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the AVX-512 kernels and packing routines may
// run: they use AVX-512 F, and VL for the masked 256-bit moves. (Package
// cpu reports AVX-512 only where the OS saves its registers.)
var hasAVX512 = hasAsmKernels && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

func init() { useISA(bestISA()) }

// bestISA returns the widest instruction set Native has kernels for on
// this processor.
func bestISA() int {
	switch {
	case hasAVX512:
		return isaAVX512
	case hasAsmKernels:
		return isaAVX2
	}
	return isaGo
}

// useISA installs the blockings, kernels and packing routines of
// instruction set isa, which the processor must have (see bestISA); tests
// and tuning force a narrower one.
func useISA(isa int) {
	kernelISA = isa
	hasAsmPack, hasAsm512Pack = isa >= isaAVX2, isa >= isaAVX512
	switch isa {
	case isaGo:
		sgemmParams, dgemmParams = goParams32(), goParams64()
	case isaAVX2:
		sgemmParams, dgemmParams = avx2Params32(), avx2Params64()
	default:
		sgemmParams, dgemmParams = avx512Params32(), avx512Params64()
	}
}

// avx2Params32 and avx2Params64 use the AVX2/FMA kernels: 6×16 and 6×8
// tiles in 16 YMM registers, and the dot-product kernels.
func avx2Params32() params[float32] {
	p := goParams32()
	p.kern = sgemmKernel6x16
	p.edges = []edgeKernel[float32]{{2, sgemmKernel2x16}, {4, sgemmKernel4x16}}
	p.dot = sdotKernels
	return p
}

func avx2Params64() params[float64] {
	p := goParams64()
	p.kern = dgemmKernel6x8
	p.edges = []edgeKernel[float64]{{2, dgemmKernel2x8}, {4, dgemmKernel4x8}}
	p.dot = ddotKernels
	return p
}

// avx512Params32 and avx512Params64 use the AVX-512 kernels: 12×32 and
// 12×16 tiles, two ZMM vectors a row, in 24 of the 32 registers (see
// bench/gemm_asmgen.py for why), and the AVX2 dot-product kernels.
func avx512Params32() params[float32] {
	p := avx2Params32()
	p.mr, p.nr = 12, 32
	p.mcMax, p.ncMax = 144, 2048
	p.kern = sgemmKernelZ12x32
	p.edges = []edgeKernel[float32]{{2, sgemmKernelZ2x32}, {4, sgemmKernelZ4x32}, {6, sgemmKernelZ6x32}, {8, sgemmKernelZ8x32}}
	return p
}

func avx512Params64() params[float64] {
	p := avx2Params64()
	p.mr, p.nr = 12, 16
	p.mcMax, p.ncMax = 96, 1024
	p.kern = dgemmKernelZ12x16
	p.edges = []edgeKernel[float64]{{2, dgemmKernelZ2x16}, {4, dgemmKernelZ4x16}, {6, dgemmKernelZ6x16}, {8, dgemmKernelZ8x16}}
	return p
}
