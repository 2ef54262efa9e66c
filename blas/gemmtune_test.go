//go:build gemmtune

// Tuning harness for Native, built only with the gemmtune tag (add openblas
// to compare with OpenBLAS). On a shared machine wall-clock benchmarks
// swing with other load, so these measure per-thread CPU time (TestTune)
// or alternate the candidates in short windows and keep the best and the
// median (TestTuneModes, TestTuneVersus, TestTuneDist), e.g.
//
//	go test -tags gemmtune,openblas -run TestTuneVersus -v ./blas/
//	GEMM_PARMIN=1 go test -tags gemmtune -run TestTuneModes -v ./blas/
//	go test -tags gemmtune -run '^$' -bench TuneDot -count 3 ./blas/
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

// TestTuneVersus alternates Native and OpenBLAS on each shape in rounds,
// with pauses so neither's spinning threads overlap the other's run, and
// prints the best and median GFLOP/s of each.
func TestTuneVersus(t *testing.T) {
	if len(benchImpls) < 3 {
		t.Skip("needs -tags openblas")
	}
	impls := []Implementation{Native{}, benchImpls[2].impl}
	rounds := 10
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
					time.Sleep(100 * time.Millisecond)
					f()
					end := time.Now().Add(40 * time.Millisecond)
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

// TestTuneDist prints the distribution of per-call GFLOP/s of fwd1 f64 for
// Native and OpenBLAS in alternating one-second windows.
func TestTuneDist(t *testing.T) {
	if len(benchImpls) < 3 {
		t.Skip("needs -tags openblas")
	}
	const m, n, k = 256, 128, 784
	a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
	for round := 0; round < 3; round++ {
		for ii, impl := range []Implementation{Native{}, benchImpls[2].impl} {
			time.Sleep(200 * time.Millisecond)
			var ds []time.Duration
			end := time.Now().Add(time.Second)
			for time.Now().Before(end) {
				t0 := time.Now()
				impl.Dgemm(true, false, m, n, k, 1, a, m, b, n, 0, c, n)
				ds = append(ds, time.Since(t0))
			}
			slices.Sort(ds)
			g := func(q float64) float64 { return 2 * m * n * k / ds[int(q*float64(len(ds)-1))].Seconds() / 1e9 }
			fmt.Fprintf(os.Stderr, "%d impl %d: n=%d best %.0f p10 %.0f p25 %.0f p50 %.0f p75 %.0f p90 %.0f\n", round, ii, len(ds), g(0), g(.1), g(.25), g(.5), g(.75), g(.9))
		}
	}
}

// TestTuneModes alternates forced direct modes on the MLP shapes in short
// windows and prints the best and median GFLOP/s of each mode; with
// GEMM_PARMIN, GEMM_CHUNKS, GEMM_SHALLOW or GEMM_ISA set it compares one
// goroutine with two, chunkFactor values, shallowChunks values or the
// kernels of each instruction set instead.
func TestTuneModes(t *testing.T) {
	modes := [][2]int{{0, 0}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}}
	if os.Getenv("GEMM_PARMIN") != "" {
		// Compare serial (mode 0) with parallel (mode 1) instead.
		modes = [][2]int{{0, 1 << 30}, {0, 1 << 17}}
	}
	if os.Getenv("GEMM_CHUNKS") != "" {
		// Compare chunk factors instead.
		modes = [][2]int{{0, 1}, {0, 2}, {0, 4}}
	}
	if os.Getenv("GEMM_SHALLOW") != "" {
		// Compare shallowChunks instead.
		modes = [][2]int{{0, 0}, {0, 2}, {0, 4}, {0, 8}}
	}
	if os.Getenv("GEMM_ISA") != "" {
		// Compare the kernels of each instruction set, widest first.
		modes = nil
		for isa := bestISA(); isa > isaGo; isa-- {
			modes = append(modes, [2]int{0, isa})
		}
		defer useISA(bestISA())
	}
	cf, sc := chunkFactor, shallowChunks
	defer func() { chunkFactor, shallowChunks = cf, sc }()
	s0, d0 := sgemmParams.parMin, dgemmParams.parMin
	defer func() { sgemmParams.parMin, dgemmParams.parMin = s0, d0 }()
	defer func() { forceDirectA, forceDirectB = 0, 0 }()
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
		for _, dt := range []string{"f32", "f64"} {
			f := func() { Native{}.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a32, ac, b32, bc, 0, c32, s.n) }
			if dt == "f64" {
				f = func() { Native{}.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, ac, b64, bc, 0, c64, s.n) }
			}
			ds := make([][]time.Duration, len(modes))
			for round := 0; round < 20; round++ {
				for mi, md := range modes {
					if os.Getenv("GEMM_PARMIN") != "" {
						sgemmParams.parMin, dgemmParams.parMin = md[1], md[1]
					} else if os.Getenv("GEMM_CHUNKS") != "" {
						chunkFactor = md[1]
					} else if os.Getenv("GEMM_SHALLOW") != "" {
						shallowChunks = md[1]
					} else if os.Getenv("GEMM_ISA") != "" {
						useISA(md[1])
					} else {
						forceDirectA, forceDirectB = md[0], md[1]
					}
					f()
					end := time.Now().Add(20 * time.Millisecond)
					for time.Now().Before(end) {
						t0 := time.Now()
						f()
						ds[mi] = append(ds[mi], time.Since(t0))
					}
				}
			}
			line := fmt.Sprintf("%-24s %s", s.name, dt)
			for mi := range modes {
				slices.Sort(ds[mi])
				line += fmt.Sprintf(" | %6.1f %6.1f", flops/ds[mi][0].Seconds()/1e9, flops/ds[mi][len(ds[mi])/2].Seconds()/1e9)
			}
			fmt.Fprintln(os.Stderr, line)
		}
	}
}

func benchPack[T float](b *testing.B, pr *params[T], tA, tB bool) {
	const m, n, k = 256, 128, 256
	j := &job[T]{pr: pr, tA: tA, tB: tB, m: m, n: n, k: k, a: make([]T, m*k), b: make([]T, k*n), lda: m, ldb: n}
	if !tA {
		j.lda = k
	}
	if tB {
		j.ldb = k
	}
	dst := make([]T, 264*256)
	b.Run("A", func(b *testing.B) {
		for b.Loop() {
			j.packA(dst, 0, m, 0, k)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m*k), "ns/elem")
	})
	b.Run("B", func(b *testing.B) {
		for b.Loop() {
			j.packB(dst, 0, k, 0, n)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*k), "ns/elem")
	})
}

func BenchmarkPack(b *testing.B) {
	for _, tt := range []bool{false, true} {
		b.Run("f32/t="+map[bool]string{false: "N", true: "T"}[tt], func(b *testing.B) { benchPack(b, &sgemmParams, tt, tt) })
		b.Run("f64/t="+map[bool]string{false: "N", true: "T"}[tt], func(b *testing.B) { benchPack(b, &dgemmParams, tt, tt) })
	}
}

// BenchmarkTuneDot compares, on narrow and not so narrow A·Bᵀ products,
// the packed path, the dot-product path on one goroutine and the
// dot-product path as chosen (see useDot):
//
//	go test -tags gemmtune -run '^$' -bench TuneDot -count 3 ./blas/
func BenchmarkTuneDot(b *testing.B) {
	shapes := [][3]int{{128, 10, 128}, {10, 128, 128}, {784, 10, 128}, {128, 16, 128}, {128, 10, 1000}, {16, 784, 128}, {128, 17, 100}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
		a6, b6, c6 := make([]float64, m*k), make([]float64, n*k), make([]float64, m*n)
		for i := range a {
			a[i] = float32(i%7) - 3
			a6[i] = float64(a[i])
		}
		for i := range bb {
			bb[i] = float32(i%5) - 2
			b6[i] = float64(bb[i])
		}
		for _, mode := range []string{"packed", "dot1", "dot"} {
			for _, dt := range []string{"f32", "f64"} {
				b.Run(fmt.Sprintf("%dx%dx%d/%s/%s", m, n, k, mode, dt), func(b *testing.B) {
					defer func(d bool, p1, p2 int) { dotNarrow, sgemmParams.parMin, dgemmParams.parMin = d, p1, p2 }(dotNarrow, sgemmParams.parMin, dgemmParams.parMin)
					switch mode {
					case "packed":
						dotNarrow = false
					case "dot1":
						sgemmParams.parMin, dgemmParams.parMin = 1<<40, 1<<40
					}
					f := func() { Native{}.Sgemm(false, true, m, n, k, 1, a, k, bb, k, 0, c, n) }
					if dt == "f64" {
						f = func() { Native{}.Dgemm(false, true, m, n, k, 1, a6, k, b6, k, 0, c6, n) }
					}
					f()
					for b.Loop() {
						f()
					}
					b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
