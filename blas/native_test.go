package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// gemmCase is one product to check against the naive triple loop.
type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	// pad is added to each minimal leading dimension.
	padA, padB, padC int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%t,tB=%t,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d/%d/%d",
		tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// operands returns the shapes of A and B as stored and the leading
// dimensions of A, B and C.
func (tc gemmCase) layout() (ar, ac, br, bc, lda, ldb, ldc int) {
	ar, ac = tc.m, tc.k
	if tc.tA {
		ar, ac = tc.k, tc.m
	}
	br, bc = tc.k, tc.n
	if tc.tB {
		br, bc = tc.n, tc.k
	}
	return ar, ac, br, bc, max(1, ac) + tc.padA, max(1, bc) + tc.padB, max(1, tc.n) + tc.padC
}

// testingT is what checkGemm needs of a *testing.T; goroutineT provides it
// off the test's goroutine.
type testingT interface {
	require.TestingT
	Helper()
}

// goroutineT records failures in a goroutine other than the test's, where
// t.FailNow may not be called; FailNow ends just that goroutine.
type goroutineT struct {
	mu   sync.Mutex
	errs []string
}

func (g *goroutineT) Helper() {}

func (g *goroutineT) Errorf(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.errs = append(g.errs, fmt.Sprintf(format, args...))
}

func (g *goroutineT) FailNow() { runtime.Goexit() }

// sentinel marks the elements of C outside the m×n product, which must not
// change.
const sentinel = -12345.0

// checkGemm runs tc through impl in element type T and compares it with the
// naive product computed in float64.
//
// Tolerance: with unit roundoff eps of T, each element of C is a sum of k
// products scaled by alpha plus beta times the old element, which rounds at
// most k+2 times. The classic bound for such a sum is
// |ĉ - c| ≤ γ_{k+2}·(|alpha|·Σ_p|a_ip·b_pj| + |beta·c_ij|), γ_n ≈ n·eps, and
// Σ_p|a_ip·b_pj| ≤ k·max|a|·max|b|, so the tolerance below never exceeds
// (k+2)·eps·(k·|alpha|·max|a|·max|b| + |beta|·max|c|). It is checked element
// by element and doubled because the float64 reference rounds too; any
// indexing or packing mistake is off by O(max|a|·max|b|), far above it.
func checkGemm[T float32 | float64](t testingT, impl Implementation, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	ar, ac, br, bc, lda, ldb, ldc := tc.layout()
	a := make([]T, max(0, (ar-1)*lda+ac))
	b := make([]T, max(0, (br-1)*ldb+bc))
	c := make([]T, max(0, (tc.m-1)*ldc+tc.n))
	for i := range a {
		a[i] = T(rng.Float64()*2 - 1)
	}
	for i := range b {
		b[i] = T(rng.Float64()*2 - 1)
	}
	for i := range c {
		c[i] = sentinel
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			if tc.beta == 0 {
				c[i*ldc+j] = T(math.NaN()) // must be overwritten, not scaled
			} else {
				c[i*ldc+j] = T(rng.Float64()*2 - 1)
			}
		}
	}
	// Strides of op(A) along i and p and of op(B) along p and j.
	ai, ap, bp, bj := lda, 1, ldb, 1
	if tc.tA {
		ai, ap = 1, lda
	}
	if tc.tB {
		bp, bj = 1, ldb
	}
	want := make([]float64, len(c))
	tol := make([]float64, len(c))
	for i := range c {
		want[i] = float64(c[i])
	}
	var eps float64 = 0x1p-52
	if _, ok := any(c).([]float32); ok {
		eps = 0x1p-23
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, abs float64
			for p := 0; p < tc.k; p++ {
				x := float64(a[i*ai+p*ap]) * float64(b[p*bp+j*bj])
				s += x
				abs += math.Abs(x)
			}
			old := 0.0
			if tc.beta != 0 {
				old = tc.beta * float64(c[i*ldc+j])
			}
			if tc.alpha == 0 {
				s, abs = 0, 0
			}
			want[i*ldc+j] = tc.alpha*s + old
			tol[i*ldc+j] = 2*float64(tc.k+2)*eps*(math.Abs(tc.alpha)*abs+math.Abs(old)) + 1e-30
		}
	}
	switch cc := any(c).(type) {
	case []float32:
		impl.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), any(a).([]float32), lda, any(b).([]float32), ldb, float32(tc.beta), cc, ldc)
	case []float64:
		impl.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, any(a).([]float64), lda, any(b).([]float64), ldb, tc.beta, cc, ldc)
	}
	for i := range c {
		r, col := i/ldc, i%ldc
		if col >= tc.n {
			if c[i] != T(sentinel) {
				require.Equalf(t, T(sentinel), c[i], "%v: padding C[%d,%d] changed", tc, r, col)
			}
			continue
		}
		// Checked by hand first: formatting the message for every element
		// would dominate the test's time.
		if got := float64(c[i]); !(math.Abs(got-want[i]) <= tol[i]) {
			require.InDeltaf(t, want[i], got, tol[i], "%v: C[%d,%d]", tc, r, col)
		}
	}
}

// nativeConfig is one way of running Native in the correctness tests.
type nativeConfig struct {
	name       string
	isa        int // see useISA
	dirA, dirB int // see forceDirectA and forceDirectB
	chunks     int // chunkFactor, if not 0
}

// nativeConfigs are the ways Native is run by the correctness tests: on
// the widest kernels this machine has (see bestISA), with their own choice
// of packed or in-place operands, with each choice forced; then with each
// narrower instruction set forced, down to the portable kernels and
// packing loops (and then without the dot-product kernels, as on other
// processors).
var nativeConfigs = func() []nativeConfig {
	best := bestISA()
	cs := []nativeConfig{
		{"auto", best, 0, 0, 0},
		{"packed", best, -1, -1, 0},
		{"directA", best, 1, -1, 0},
		{"directB", best, -1, 1, 0},
		{"directAB", best, 1, 1, 0},
		{"chunks4", best, 0, 0, 4},
		{"chunks4directB", best, 0, 1, 4},
	}
	for isa := best - 1; isa > isaGo; isa-- {
		cs = append(cs,
			nativeConfig{isaNames[isa], isa, 0, 0, 0},
			nativeConfig{isaNames[isa] + "packed", isa, -1, -1, 0},
			nativeConfig{isaNames[isa] + "directAB", isa, 1, 1, 0})
	}
	return append(cs, nativeConfig{"goKernels", isaGo, 0, 0, 0})
}()

// withConfig runs f with Native configured as cfg says.
func withConfig(cfg nativeConfig, f func()) {
	isa := kernelISA
	fa, fb := forceDirectA, forceDirectB
	cf := chunkFactor
	defer func() {
		useISA(isa)
		forceDirectA, forceDirectB = fa, fb
		chunkFactor = cf
	}()
	useISA(cfg.isa)
	forceDirectA, forceDirectB = cfg.dirA, cfg.dirB
	if cfg.chunks != 0 {
		chunkFactor = cfg.chunks
	}
	f()
}

var alphaBetas = [][2]float64{{1, 0}, {1, 1}, {-0.5, 2}, {2, -0.5}, {0, 2}, {2, 0}, {-0.5, 1}, {1, -0.5}}

// smallDims covers 1..17 in full and odd and power-of-two neighbours up to 67.
var smallDims = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 23, 24, 31, 32, 33, 47, 48, 49, 63, 64, 65, 67}

// spreadCases pairs every m and n of smallDims, for each transpose
// combination, with a k, alpha/beta pair and padding that rotate through
// their lists, so every value of each list meets every transpose flag.
func spreadCases() []gemmCase {
	var cases []gemmCase
	i := 0
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, m := range smallDims {
				for _, n := range smallDims {
					ab := alphaBetas[i%len(alphaBetas)]
					cases = append(cases, gemmCase{
						tA: tA, tB: tB, m: m, n: n, k: smallDims[(i*7)%len(smallDims)],
						alpha: ab[0], beta: ab[1],
						padA: (i / 3) % 3 * 2, padB: (i / 2) % 3, padC: i % 3 * 3,
					})
					i++
				}
			}
		}
	}
	return cases
}

// largeCases cross the cache blocks (k > kcMax, m > mcMax, n > ncMax), run
// on several goroutines with rows or columns split, and include the MLP
// shapes the framework multiplies.
var largeCases = []gemmCase{
	{tA: true, m: 256, n: 128, k: 784, alpha: 1},
	{tA: true, m: 128, n: 128, k: 256, alpha: 1},
	{tA: true, m: 10, n: 128, k: 128, alpha: 1},
	{tB: true, m: 784, n: 256, k: 128, alpha: 1},
	{tB: true, m: 256, n: 128, k: 128, alpha: 1, beta: 1},
	{tB: true, m: 128, n: 10, k: 128, alpha: 1},
	{m: 256, n: 128, k: 128, alpha: 1},
	{m: 128, n: 128, k: 10, alpha: 1},
	{m: 301, n: 203, k: 801, alpha: -0.5, beta: 2, padA: 3, padB: 5, padC: 7},
	{tA: true, tB: true, m: 97, n: 301, k: 400, alpha: 2, beta: -0.5, padA: 1, padB: 1, padC: 1},
	{tA: true, m: 7, n: 2100, k: 65, alpha: 1, beta: 1, padC: 2},
	{tB: true, m: 5, n: 1100, k: 300, alpha: 1, beta: 0},
	{m: 1000, n: 20, k: 30, alpha: 2, beta: 0, padA: 1},
	// Long thin products: split into blocks of 16, one of them empty.
	{tA: true, m: 5, n: 10, k: 3000, alpha: 1, beta: 1, padC: 1},
	{tB: true, m: 10, n: 5, k: 3000, alpha: 1, beta: 0, padA: 2},
	// Narrow A·Bᵀ (the dot-product path): edge rows and columns, a k tail,
	// k blocks added to beta·C, chunks of rows and of columns.
	{tB: true, m: 37, n: 11, k: 1001, alpha: -0.5, beta: 2, padA: 1, padB: 3, padC: 2},
	{tB: true, m: 3, n: 15, k: 5003, alpha: 2, beta: 1, padB: 1},
	{tA: true, tB: true, m: 0, n: 5, k: 3, alpha: 1, beta: 1},
	{m: 5, n: 0, k: 3, alpha: 1, beta: 1},
	{m: 5, n: 4, k: 0, alpha: 1, beta: 2},
	{m: 5, n: 4, k: 0, alpha: 1, beta: 0},
}

func TestNativeMatchesNaive(t *testing.T) {
	spread := spreadCases()
	for ci, cfg := range nativeConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			// The default configuration gets every case; to keep the test
			// quick the others get half of the spread, alternate halves.
			// Under the race detector each configuration gets a quarter
			// of the large cases and one share of the spread, as many shares
			// as configurations, a different one each: every case still runs, and every configuration's
			// concurrent paths run under the detector, in a fraction of
			// the time (146 s alone, over 200 s on a loaded machine).
			var cases []gemmCase
			for i, tc := range largeCases {
				if !raceEnabled || i%4 == ci%4 {
					cases = append(cases, tc)
				}
			}
			for i, tc := range spread {
				if raceEnabled && i%len(nativeConfigs) == ci || !raceEnabled && (ci == 0 || i%2 == ci%2) {
					cases = append(cases, tc)
				}
			}
			withConfig(cfg, func() {
				rng := rand.New(rand.NewPCG(1, 2))
				for _, tc := range cases {
					checkGemm[float32](t, Native{}, tc, rng)
					checkGemm[float64](t, Native{}, tc, rng)
				}
			})
		})
	}
}

func TestGonumMatchesNaive(t *testing.T) {
	// The same oracle holds for the reference implementation, which checks
	// the oracle.
	rng := rand.New(rand.NewPCG(3, 4))
	n := 9
	if raceEnabled {
		n = 2 // gonum's code, not ours: the detector has little to find
	}
	for _, tc := range largeCases[:n] {
		checkGemm[float32](t, Gonum{}, tc, rng)
		checkGemm[float64](t, Gonum{}, tc, rng)
	}
}

func TestNativeBadArguments(t *testing.T) {
	a := make([]float64, 6)
	tests := []struct {
		name string
		f    func()
		msg  string
	}{
		{"negative m", func() { Native{}.Dgemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) }, "blas: m < 0"},
		{"small lda", func() { Native{}.Dgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }, "blas: bad lda"},
		{"small ldc", func() { Native{}.Dgemm(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a, 1) }, "blas: bad ldc"},
		{"short a", func() { Native{}.Dgemm(false, false, 3, 2, 3, 1, a, 3, a, 2, 0, a, 2) }, "blas: insufficient length of a"},
		{"short c", func() { Native{}.Dgemm(false, false, 2, 4, 3, 1, a, 3, make([]float64, 12), 4, 0, a, 4) }, "blas: insufficient length of c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { require.PanicsWithValue(t, tt.msg, tt.f) })
	}
}

func TestNativeAllocatesNothing(t *testing.T) {
	const m, n, k = 256, 128, 784
	a32, b32, c32 := make([]float32, k*m), make([]float32, k*n), make([]float32, m*n)
	a64, b64, c64 := make([]float64, k*m), make([]float64, k*n), make([]float64, m*n)
	tests := []struct {
		name string
		f    func()
	}{
		{"float32", func() { Native{}.Sgemm(true, false, m, n, k, 1, a32, m, b32, n, 0, c32, n) }},
		{"float64", func() { Native{}.Dgemm(true, false, m, n, k, 1, a64, m, b64, n, 0, c64, n) }},
		{"float32 serial", func() { Native{}.Sgemm(true, false, 10, n, 128, 1, a32, 10, b32, n, 1, c32, n) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f() // warm-up: the workers start and the buffers grow
			require.Zero(t, testing.AllocsPerRun(50, tt.f))
		})
	}
}

func TestNativeConcurrentCallers(t *testing.T) {
	// Products from several goroutines at once share the worker pool and
	// the workspaces; each must still get its own right answer.
	cases := []gemmCase{
		{tA: true, m: 256, n: 128, k: 300, alpha: 1},
		{tB: true, m: 200, n: 90, k: 128, alpha: 2, beta: 1},
		{m: 64, n: 64, k: 64, alpha: -0.5, beta: 2, padA: 1},
		{tA: true, tB: true, m: 10, n: 300, k: 100, alpha: 1, beta: -0.5},
	}
	var gt goroutineT
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			rounds := 20
			if raceEnabled {
				rounds = 4 // every goroutine still meets every case
			}
			for i := 0; i < rounds; i++ {
				tc := cases[(g+i)%len(cases)]
				checkGemm[float32](&gt, Native{}, tc, rng)
				checkGemm[float64](&gt, Native{}, tc, rng)
			}
		})
	}
	wg.Wait()
	require.Empty(t, gt.errs)
}

func TestDefaultImplementation(t *testing.T) {
	require.IsType(t, wantDefault(), defaultImplementation())
	require.IsType(t, wantDefault(), Current())
}

// FuzzGemm compares Native with the naive product on shapes, transpose
// flags, leading-dimension padding and alpha/beta drawn from the input.
func FuzzGemm(f *testing.F) {
	f.Add(false, false, uint8(6), uint8(16), uint8(5), uint8(0), uint8(0), uint8(0), uint8(0), uint64(1))
	f.Add(true, false, uint8(17), uint8(33), uint8(67), uint8(1), uint8(2), uint8(3), uint8(1), uint64(2))
	f.Add(false, true, uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint8(0), uint8(2), uint64(3))
	f.Add(true, true, uint8(13), uint8(9), uint8(200), uint8(5), uint8(0), uint8(1), uint8(3), uint64(4))
	f.Add(false, false, uint8(200), uint8(70), uint8(40), uint8(0), uint8(9), uint8(0), uint8(4), uint64(5))
	f.Add(true, false, uint8(0), uint8(3), uint8(3), uint8(0), uint8(0), uint8(0), uint8(5), uint64(6))
	f.Fuzz(func(t *testing.T, tA, tB bool, m, n, k, padA, padB, padC, ab uint8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 7))
		pair := alphaBetas[int(ab)%len(alphaBetas)]
		tc := gemmCase{tA: tA, tB: tB, m: int(m), n: int(n), k: int(k),
			alpha: pair[0], beta: pair[1], padA: int(padA % 16), padB: int(padB % 16), padC: int(padC % 16)}
		cfg := nativeConfigs[int(ab/8)%len(nativeConfigs)]
		withConfig(cfg, func() {
			checkGemm[float32](t, Native{}, tc, rng)
			checkGemm[float64](t, Native{}, tc, rng)
		})
	})
}
