package blas

import "unsafe"

// sgemmParams and dgemmParams are the blockings and kernels of Native: the
// portable ones here, replaced by assembly ones where the processor has
// them (see useISA).
var (
	sgemmParams = goParams32()
	dgemmParams = goParams64()
)

// The instruction sets Native has kernels for, in increasing order.
const (
	isaGo     = iota // portable Go
	isaAVX2          // AVX2 and FMA
	isaAVX512        // AVX-512 F and VL
)

// isaNames names the instruction sets, for tests and tuning.
var isaNames = [...]string{isaGo: "go", isaAVX2: "avx2", isaAVX512: "avx512"}

// kernelISA is the instruction set of the kernels in use.
var kernelISA = isaGo

// goParams32 and goParams64 are the portable blockings and kernels, 6×16
// and 6×8 tiles. Their kcMax and wide hold for every instruction set (see
// params.wide). The AVX-512 kernels, tuned at a depth of 256 for float32,
// run as fast at 384 (109.3 GFLOP/s either way on one Zen 4 core at 512²),
// so float32 keeps the depth AVX2 had and its results.
func goParams32() params[float32] {
	return params[float32]{mr: 6, nr: 16, wide: 16, kcMax: 384, mcMax: 144, ncMax: 2048, parMin: 1 << 17, parCold: 1 << 20,
		kern:  goKernel[float32](6, 16),
		edges: []edgeKernel[float32]{{2, goKernel[float32](2, 16)}, {4, goKernel[float32](4, 16)}}}
}

func goParams64() params[float64] {
	return params[float64]{mr: 6, nr: 8, wide: 8, kcMax: 256, mcMax: 96, ncMax: 1024, parMin: 1 << 17, parCold: 1 << 20,
		kern:  goKernel[float64](6, 8),
		edges: []edgeKernel[float64]{{2, goKernel[float64](2, 8)}, {4, goKernel[float64](4, 8)}}}
}

// goKernel returns kernelGo for mr×nr tiles as a kernelFunc.
func goKernel[T float](mr, nr int) kernelFunc[T] {
	return func(k int, a *T, rsa, csa int, b *T, sb int, c *T, ldc int, alpha, beta T, flags, tiles, ta int) {
		kernelGo(mr, nr, k, a, rsa, csa, b, sb, c, ldc, alpha, beta, flags, tiles, ta)
	}
}

// kernelGo is the portable micro-kernel (see kernelFunc) for tiles of at
// most 6×16.
func kernelGo[T float](mr, nr, k int, a *T, rsa, csa int, b *T, sb int, c *T, ldc int, alpha, beta T, flags, tiles, ta int) {
	as := unsafe.Slice(a, (tiles-1)*ta+(mr-1)*rsa+max(k-1, 0)*csa+1)
	bs := unsafe.Slice(b, max(k-1, 0)*sb+nr)
	cs := unsafe.Slice(c, (tiles*mr-1)*ldc+nr)
	for t := 0; t < tiles; t++ {
		var acc [6 * 16]T
		at := as[t*ta:]
		for p := 0; p < k; p++ {
			bp := bs[p*sb : p*sb+nr]
			for i := 0; i < mr; i++ {
				av := at[i*rsa+p*csa]
				row := acc[i*nr : i*nr+nr]
				for jj, bv := range bp {
					row[jj] += av * bv
				}
			}
		}
		for i := 0; i < mr; i++ {
			crow := cs[(t*mr+i)*ldc : (t*mr+i)*ldc+nr]
			row := acc[i*nr : i*nr+nr]
			for jj, v := range row {
				if flags&kernScale != 0 {
					v *= alpha
				}
				if flags&kernAccum != 0 {
					v += beta * crow[jj]
				}
				crow[jj] = v
			}
		}
	}
}
