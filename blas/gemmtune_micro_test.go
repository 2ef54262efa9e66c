//go:build gemmtune && amd64

package blas

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

type microCand[T float] struct {
	name   string
	mr, nr int
	kern   kernelFunc[T]
}

var microF32 = []microCand[float32]{
	{"avx2 6x16", 6, 16, sgemmKernel6x16},
	{"Z12x32", 12, 32, sgemmKernelZ12x32},
	{"Z8x32", 8, 32, sgemmKernelZ8x32},
}

var microF64 = []microCand[float64]{
	{"avx2 6x8", 6, 8, dgemmKernel6x8},
	{"Z12x16", 12, 16, dgemmKernelZ12x16},
	{"Z8x16", 8, 16, dgemmKernelZ8x16},
}

// TestTuneMicro checks each candidate micro-kernel against the naive sum and
// times it (thread CPU time, candidates alternating) in the loop of a
// macro-kernel: a packed mc×kc block of A against nc/nr packed panels of
// B, C accumulated. GEMM_KC, GEMM_MC (rows, rounded to mr), GEMM_NC.
func TestTuneMicro(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	env := func(k string, d int) int {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
			return v
		}
		return d
	}
	microRun(t, microF32, env("GEMM_KC", 384), env("GEMM_MC", 144), env("GEMM_NC", 1536))
	microRun(t, microF64, env("GEMM_KC64", 256), env("GEMM_MC64", 96), env("GEMM_NC64", 768))
}

func microRun[T float](t *testing.T, cands []microCand[T], kc, mcRows, nc int) {
	// Correctness: 3 tiles, k 37, against kernelGo's arithmetic done here.
	for _, c := range cands {
		const k, tiles = 37, 3
		a := make([]T, tiles*c.mr*k)
		b := make([]T, k*c.nr)
		for i := range a {
			a[i] = T(i%11) - 5
		}
		for i := range b {
			b[i] = T(i%7) - 3
		}
		ldc := c.nr + 3
		got := make([]T, tiles*c.mr*ldc)
		for i := range got {
			got[i] = 1
		}
		c.kern(k, &a[0], 1, c.mr, &b[0], c.nr, &got[0], ldc, 2, 0.5, kernAccum|kernScale, tiles, c.mr*k)
		for tt := 0; tt < tiles; tt++ {
			for i := 0; i < c.mr; i++ {
				for j := 0; j < c.nr; j++ {
					var s T
					for p := 0; p < k; p++ {
						s += a[tt*c.mr*k+p*c.mr+i] * b[p*c.nr+j]
					}
					want := 2*s + 0.5
					if g := got[(tt*c.mr+i)*ldc+j]; math.Abs(float64(g-want)) > 1e-3 {
						t.Fatalf("%s: tile %d C[%d,%d] = %v, want %v", c.name, tt, i, j, g, want)
					}
				}
			}
		}
	}
	type res struct{ ds []time.Duration }
	rs := make([]res, len(cands))
	flops := make([]float64, len(cands))
	runs := make([]func(), len(cands))
	for ci, c := range cands {
		mc := mcRows / c.mr * c.mr
		ncc := nc / c.nr * c.nr
		ap := make([]T, mc*kc)
		bp := make([]T, kc*ncc)
		cc := make([]T, mc*ncc)
		for i := range ap {
			ap[i] = T(i%5) * 0.25
		}
		for i := range bp {
			bp[i] = T(i%3) * 0.5
		}
		flops[ci] = 2 * float64(mc*ncc*kc)
		runs[ci] = func() {
			for jr := 0; jr < ncc; jr += c.nr {
				c.kern(kc, &ap[0], 1, c.mr, &bp[jr*kc], c.nr, &cc[jr], ncc, 1, 1, kernAccum, mc/c.mr, c.mr*kc)
			}
		}
	}
	for round := 0; round < 15; round++ {
		for ci := range cands {
			runs[ci]()
			for r := 0; r < 5; r++ {
				t0 := threadCPU()
				runs[ci]()
				rs[ci].ds = append(rs[ci].ds, threadCPU()-t0)
			}
		}
	}
	for ci, c := range cands {
		d := rs[ci].ds
		slices.Sort(d)
		fmt.Fprintf(os.Stderr, "%-10s kc %d mc %d nc %d: best %6.1f med %6.1f GFLOP/s\n", c.name, kc, mcRows/c.mr*c.mr, nc/c.nr*c.nr,
			flops[ci]/d[0].Seconds()/1e9, flops[ci]/d[len(d)/2].Seconds()/1e9)
	}
}
