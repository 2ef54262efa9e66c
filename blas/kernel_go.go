package blas

import "unsafe"

// sgemmParams and dgemmParams are the blockings of Native; the kernels are
// replaced by assembly ones where the processor has them (see init).
var (
	sgemmParams = params[float32]{mr: 6, nr: 16, kcMax: 384, mcMax: 144, ncMax: 2048, parMin: 1 << 18,
		kern: func(k int, a *float32, rsa, csa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32, mode int) {
			kernelGo(6, 16, k, a, rsa, csa, b, sb, c, ldc, alpha, beta, mode)
		}}
	dgemmParams = params[float64]{mr: 6, nr: 8, kcMax: 256, mcMax: 96, ncMax: 1024, parMin: 1 << 18,
		kern: func(k int, a *float64, rsa, csa int, b *float64, sb int, c *float64, ldc int, alpha, beta float64, mode int) {
			kernelGo(6, 8, k, a, rsa, csa, b, sb, c, ldc, alpha, beta, mode)
		}}
)

// kernelGo is the portable micro-kernel (see kernelFunc) for tiles of at
// most 6×16.
func kernelGo[T float](mr, nr, k int, a *T, rsa, csa int, b *T, sb int, c *T, ldc int, alpha, beta T, mode int) {
	var acc [6 * 16]T
	if k > 0 {
		as := unsafe.Slice(a, (mr-1)*rsa+(k-1)*csa+1)
		bs := unsafe.Slice(b, (k-1)*sb+nr)
		for p := 0; p < k; p++ {
			bp := bs[p*sb : p*sb+nr]
			for i := 0; i < mr; i++ {
				av := as[i*rsa+p*csa]
				row := acc[i*nr : i*nr+nr]
				for jj, bv := range bp {
					row[jj] += av * bv
				}
			}
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for i := 0; i < mr; i++ {
		crow := cs[i*ldc : i*ldc+nr]
		row := acc[i*nr : i*nr+nr]
		if mode == 0 {
			for jj, v := range row {
				crow[jj] = alpha * v
			}
			continue
		}
		for jj, v := range row {
			crow[jj] = alpha*v + beta*crow[jj]
		}
	}
}
