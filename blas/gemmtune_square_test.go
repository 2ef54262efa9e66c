//go:build gemmtune

package blas

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// squareContestant is one way of computing a square product for
// TestTuneSquare: setup runs before each of its windows, teardown after.
type squareContestant struct {
	name            string
	impl            Implementation
	setup, teardown func()
}

// squareContestants are Native as installed and, in builds with the
// openblas tag, OpenBLAS (see gemmtune_openblas_test.go); tuning variants
// may be added by GEMM_VARIANTS (see squareVariants).
var squareContestants = []squareContestant{{name: "Native", impl: Native{}}}

// squareVariants maps names usable in GEMM_VARIANTS to configurations of
// Native, each set up before its windows and undone after.
var squareVariants = map[string]func() (setup, teardown func()){
	"packedA": func() (func(), func()) {
		return func() { forceDirectA = -1 }, func() { forceDirectA = 0 }
	},
	"avx2": func() (func(), func()) {
		return func() { useISA(isaAVX2) }, func() { useISA(bestISA()) }
	},
	"avx2packedA": func() (func(), func()) {
		return func() { useISA(isaAVX2); forceDirectA = -1 }, func() { useISA(bestISA()); forceDirectA = 0 }
	},
	"chunks2": func() (func(), func()) {
		return func() { chunkFactor = 2 }, func() { chunkFactor = 1 }
	},
	"chunks4": func() (func(), func()) {
		return func() { chunkFactor = 4 }, func() { chunkFactor = 1 }
	},
	"packedAB": func() (func(), func()) {
		return func() { forceDirectA, forceDirectB = -1, -1 }, func() { forceDirectA, forceDirectB = 0, 0 }
	},
}

// TestTuneSquare alternates the contestants on square products C = A·B
// (GEMM_SIZES, default 512,1024,2048; GEMM_DTYPES f32,f64; GEMM_TRANS NN
// or any of NT, TN, TT) in rounds, the contestants' order rotating each
// round, each given a window (GEMM_WINDOW ms, default 150, at least two
// calls) after a warm-up call and a pause, every call timed. It prints per
// contestant the best, the median and the quartiles of its calls' GFLOP/s,
// and the ratios to the last contestant of the medians and of the best
// calls, with the spread of the per-round median ratios.
//
//	go test -tags gemmtune,openblas -run TestTuneSquare -v -timeout 1h ./blas/
func TestTuneSquare(t *testing.T) {
	sizes := []int{512, 1024, 2048}
	if s := os.Getenv("GEMM_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	dtypes := []string{"f32", "f64"}
	if s := os.Getenv("GEMM_DTYPES"); s != "" {
		dtypes = strings.Split(s, ",")
	}
	trans := "NN"
	if s := os.Getenv("GEMM_TRANS"); s != "" {
		trans = s
	}
	tA, tB := trans[0] == 'T', trans[1] == 'T'
	rounds, _ := strconv.Atoi(os.Getenv("GEMM_ROUNDS"))
	rounds = max(rounds, 1)
	if os.Getenv("GEMM_ROUNDS") == "" {
		rounds = 7
	}
	window := 150 * time.Millisecond
	if ms, err := strconv.Atoi(os.Getenv("GEMM_WINDOW")); err == nil {
		window = time.Duration(ms) * time.Millisecond
	}
	// Variants "blk:KC:MC:NC" set the blocking of both element types.
	for _, name := range strings.Split(os.Getenv("GEMM_VARIANTS"), ",") {
		var kc, mc, nc int
		if _, err := fmt.Sscanf(name, "blk:%d:%d:%d", &kc, &mc, &nc); err != nil {
			continue
		}
		squareVariants[name] = func() (func(), func()) {
			var s params[float32]
			var d params[float64]
			return func() {
					s, d = sgemmParams, dgemmParams
					sgemmParams.kcMax, sgemmParams.mcMax, sgemmParams.ncMax = kc, mc, nc
					dgemmParams.kcMax, dgemmParams.mcMax, dgemmParams.ncMax = kc, mc, nc
				}, func() {
					sgemmParams, dgemmParams = s, d
				}
		}
	}
	cs := slices.Clone(squareContestants)
	if s := os.Getenv("GEMM_VARIANTS"); s != "" {
		var vs []squareContestant
		for _, name := range strings.Split(s, ",") {
			if name == "Native" {
				vs = append(vs, cs[0])
				continue
			}
			mk, ok := squareVariants[name]
			if !ok {
				t.Fatalf("no variant %q", name)
			}
			setup, teardown := mk()
			vs = append(vs, squareContestant{name: name, impl: Native{}, setup: setup, teardown: teardown})
		}
		cs = append(vs, cs[1:]...)
	}
	// GEMM_CPU=1: one goroutine on a locked thread, each call timed by the
	// thread's CPU time, which a shared machine's other load (mostly)
	// does not inflate: for kernels and blocking, not for threading.
	cpuTime := os.Getenv("GEMM_CPU") != ""
	if cpuTime {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		var one []squareContestant
		for _, c := range cs {
			if c.name != "OpenBLAS" { // its halves run on a second thread
				one = append(one, c)
			}
		}
		cs = one
	}
	clock := func() time.Duration { return time.Duration(time.Now().UnixNano()) }
	if cpuTime {
		clock = threadCPU
	}
	var load [3]float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(b), &load[0], &load[1], &load[2])
	}
	fmt.Fprintf(os.Stderr, "TestTuneSquare %s cpu=%t GOMAXPROCS=%d load %.2f %.2f %.2f, %d rounds of %v\n",
		trans, cpuTime, runtime.GOMAXPROCS(0), load[0], load[1], load[2], rounds, window)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range sizes {
		a64, b64, c64 := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		a32, b32, c32 := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		for i := range a64 {
			a64[i], b64[i] = rng.Float64()-0.5, rng.Float64()-0.5
			a32[i], b32[i] = float32(a64[i]), float32(b64[i])
		}
		flops := 2 * float64(n) * float64(n) * float64(n)
		for _, dt := range dtypes {
			ds := make([][]time.Duration, len(cs))
			per := make([][]time.Duration, len(cs)) // median of each round
			for round := 0; round < rounds; round++ {
				for o := range cs {
					ci := (o + round) % len(cs)
					c := cs[ci]
					if c.setup != nil {
						c.setup()
					}
					f := func() { c.impl.Sgemm(tA, tB, n, n, n, 1, a32, n, b32, n, 0, c32, n) }
					if dt == "f64" {
						f = func() { c.impl.Dgemm(tA, tB, n, n, n, 1, a64, n, b64, n, 0, c64, n) }
					}
					time.Sleep(50 * time.Millisecond)
					f()
					var w []time.Duration
					end := time.Now().Add(window)
					for len(w) < 2 || time.Now().Before(end) {
						t0 := clock()
						f()
						w = append(w, clock()-t0)
					}
					if c.teardown != nil {
						c.teardown()
					}
					ds[ci] = append(ds[ci], w...)
					slices.Sort(w)
					per[ci] = append(per[ci], w[len(w)/2])
				}
			}
			g := func(d time.Duration) float64 { return flops / d.Seconds() / 1e9 }
			last := len(cs) - 1
			slices.Sort(ds[last])
			for ci, c := range cs {
				d := ds[ci]
				slices.Sort(d)
				q := func(f float64) time.Duration { return d[int(f*float64(len(d)-1))] }
				line := fmt.Sprintf("%5d %s %-10s best %6.1f med %6.1f (p25 %6.1f p75 %6.1f, %3d calls)",
					n, dt, c.name, g(d[0]), g(q(.5)), g(q(.75)), g(q(.25)), len(d))
				if ci != last {
					var rs []float64
					for r := range per[ci] {
						rs = append(rs, per[last][r].Seconds()/per[ci][r].Seconds())
					}
					slices.Sort(rs)
					line += fmt.Sprintf(" | / %s med %.2f best %.2f, per round %.2f–%.2f (median %.2f)",
						cs[last].name, ds[last][len(ds[last])/2].Seconds()/q(.5).Seconds(), ds[last][0].Seconds()/d[0].Seconds(),
						rs[0], rs[len(rs)-1], rs[len(rs)/2])
				}
				fmt.Fprintln(os.Stderr, line)
			}
		}
	}
}
