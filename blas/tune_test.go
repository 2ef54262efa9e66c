//go:build gemmtune

package blas

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0) // CLOCK_THREAD_CPUTIME_ID
	return time.Duration(ts.Nano())
}

// TestTune measures single-thread CPU time per product for each MLP shape
// under each direct setting.
func TestTune(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	settings := [][2]int{{-1, -1}, {-1, 1}, {1, -1}, {1, 1}, {0, 0}}
	for _, s := range mlpShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a32, b32, c32 := make([]float32, ar*ac), make([]float32, br*bc), make([]float32, s.m*s.n)
		a64, b64, c64 := make([]float64, ar*ac), make([]float64, br*bc), make([]float64, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		line := fmt.Sprintf("%-24s", s.name)
		for _, dt := range []string{"f32", "f64"} {
			for _, st := range settings {
				forceDirectA, forceDirectB = st[0], st[1]
				f := func() { Native{}.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a32, ac, b32, bc, 0, c32, s.n) }
				if dt == "f64" {
					f = func() { Native{}.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, ac, b64, bc, 0, c64, s.n) }
				}
				reps := max(1, int(2e7/flops))
				best := time.Duration(1 << 62)
				for trial := 0; trial < 15; trial++ {
					t0 := threadCPU()
					for r := 0; r < reps; r++ {
						f()
					}
					if d := (threadCPU() - t0) / time.Duration(reps); d < best && d > 0 {
						best = d
					}
				}
				line += fmt.Sprintf(" %6.1f", flops/best.Seconds()/1e9)
			}
			line += " |"
		}
		fmt.Fprintln(os.Stderr, line)
	}
	forceDirectA, forceDirectB = 0, 0
}

// TestTuneWall measures the best wall time per product over many short
// trials for the implementation GEMM_IMPL names (Native by default).
func TestTuneWall(t *testing.T) {
	var impl Implementation = Native{}
	for _, bi := range benchImpls {
		if bi.name == os.Getenv("GEMM_IMPL") {
			impl = bi.impl
		}
	}
	trials, _ := strconv.Atoi(os.Getenv("GEMM_TRIALS"))
	trials = max(trials, 300)
	for _, s := range mlpShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a32, b32, c32 := make([]float32, ar*ac), make([]float32, br*bc), make([]float32, s.m*s.n)
		a64, b64, c64 := make([]float64, ar*ac), make([]float64, br*bc), make([]float64, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		line := fmt.Sprintf("%-24s", s.name)
		for _, dt := range []string{"f32", "f64"} {
			f := func() { impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a32, ac, b32, bc, 0, c32, s.n) }
			if dt == "f64" {
				f = func() { impl.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, ac, b64, bc, 0, c64, s.n) }
			}
			reps := max(1, int(1e6/flops))
			var ds []time.Duration
			for trial := 0; trial < trials; trial++ {
				t0 := time.Now()
				for r := 0; r < reps; r++ {
					f()
				}
				ds = append(ds, time.Since(t0)/time.Duration(reps))
			}
			slices.Sort(ds)
			line += fmt.Sprintf(" %s best %6.1f p25 %6.1f |", dt, flops/ds[0].Seconds()/1e9, flops/ds[len(ds)/4].Seconds()/1e9)
		}
		fmt.Fprintln(os.Stderr, line)
	}
}

type nopRunner struct{ bar barrier }

func (r *nopRunner) run(tid int) { r.bar.wait() }

func TestTunePool(t *testing.T) {
	p := workerPool()
	var r nopRunner
	var ds []time.Duration
	for i := 0; i < 20000; i++ {
		r.bar.reset(2)
		t0 := time.Now()
		p.mu.Lock()
		p.run(&r, 2)
		p.mu.Unlock()
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	fmt.Fprintln(os.Stderr, "pool round trip min/p10/p50/p90:", ds[0], ds[len(ds)/10], ds[len(ds)/2], ds[len(ds)*9/10])
	ds = ds[:0]
	for i := 0; i < 200; i++ {
		time.Sleep(2 * time.Millisecond)
		r.bar.reset(2)
		t0 := time.Now()
		p.mu.Lock()
		p.run(&r, 2)
		p.mu.Unlock()
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	fmt.Fprintln(os.Stderr, "after 2ms idle min/p10/p50/p90:", ds[0], ds[len(ds)/10], ds[len(ds)/2], ds[len(ds)*9/10])
}

// TestTuneVersus alternates Native and OpenBLAS on each shape in rounds,
// with pauses so neither's spinning threads overlap the other's run, and
// prints the best and median GFLOP/s of each.
func TestTuneVersus(t *testing.T) {
	if len(benchImpls) < 3 {
		t.Skip("needs -tags openblas")
	}
	impls := []Implementation{Native{}, benchImpls[2].impl}
	rounds := 4
	for _, s := range mlpShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a32, b32, c32 := make([]float32, ar*ac), make([]float32, br*bc), make([]float32, s.m*s.n)
		a64, b64, c64 := make([]float64, ar*ac), make([]float64, br*bc), make([]float64, s.m*s.n)
		for i := range a32 {
			a32[i], a64[i] = float32(i%7), float64(i%7)
		}
		for i := range b32 {
			b32[i], b64[i] = float32(i%5), float64(i%5)
		}
		flops := 2 * float64(s.m*s.n*s.k)
		for _, dt := range []string{"f32", "f64"} {
			ds := make([][]time.Duration, len(impls))
			for round := 0; round < rounds; round++ {
				for ii, impl := range impls {
					f := func() { impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a32, ac, b32, bc, 0, c32, s.n) }
					if dt == "f64" {
						f = func() { impl.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, ac, b64, bc, 0, c64, s.n) }
					}
					time.Sleep(150 * time.Millisecond)
					f()
					end := time.Now().Add(150 * time.Millisecond)
					for time.Now().Before(end) {
						t0 := time.Now()
						f()
						ds[ii] = append(ds[ii], time.Since(t0))
					}
				}
			}
			line := fmt.Sprintf("%-24s %s", s.name, dt)
			for ii := range impls {
				slices.Sort(ds[ii])
				line += fmt.Sprintf(" | best %6.1f med %6.1f", flops/ds[ii][0].Seconds()/1e9, flops/ds[ii][len(ds[ii])/2].Seconds()/1e9)
			}
			b0 := flops / ds[0][0].Seconds()
			b1 := flops / ds[1][0].Seconds()
			m0 := flops / ds[0][len(ds[0])/2].Seconds()
			m1 := flops / ds[1][len(ds[1])/2].Seconds()
			line += fmt.Sprintf(" | ratio best %3.0f%% med %3.0f%%", 100*b0/b1, 100*m0/m1)
			fmt.Fprintln(os.Stderr, line)
		}
	}
}
