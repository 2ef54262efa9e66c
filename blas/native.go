package blas

import (
	"runtime"
	"unsafe"

	"github.com/gradgraph/gradgraph/internal/par"
)

// Native is a pure-Go (cgo-free) GEMM: operands are packed into
// cache-sized panels and multiplied by register-blocked micro-kernels,
// written in AVX-512 or AVX2/FMA assembly on amd64, as the processor has
// them (see useISA), and in plain Go elsewhere, with the
// work split over GOMAXPROCS cores by a persistent worker pool. Narrow
// A·Bᵀ products, whose operands are both contiguous in k, skip the packing
// and go to dot-product kernels where there are some (AVX2/FMA). After
// warm-up a call allocates nothing. It is safe for concurrent use.
//
// Native is the default on amd64 processors with AVX2 and FMA; elsewhere it
// still works, with its pure-Go kernels, but Gonum is the default.
type Native struct{}

// Sgemm implements Implementation in float32.
func (Native) Sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemm(&sgemmParams, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm implements Implementation in float64.
func (Native) Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(&dgemmParams, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// float is the element type of a GEMM.
type float interface{ ~float32 | ~float64 }

// kernelFunc computes tiles mr×nr tiles of C, each mr rows below the last,
// from the same panel of B. Step p of a tile reads element i of A at
// a[i·rsa + p·csa] and nr elements of B at b[p·sb:]; the next tile's A
// starts ta elements further on (strides count elements). So packed panels
// (rsa = 1, csa = mr, sb = nr) and, for full tiles, the unpacked operands
// can both be fed in. A tile of C becomes AB, scaled by alpha if flags has
// kernScale, plus beta·C if flags has kernAccum.
type kernelFunc[T float] func(k int, a *T, rsa, csa int, b *T, sb int, c *T, ldc int, alpha, beta T, flags, tiles, ta int)

// Flags of a kernelFunc.
const (
	kernAccum = 1 << iota // add beta·C
	kernScale             // multiply AB by alpha
)

// params holds the register and cache blocking for one element type and
// the micro-kernel that goes with it.
type params[T float] struct {
	mr, nr int // register tile of the micro-kernel
	kcMax  int // depth of a packed block: A and B micro-panels stay in L1
	// wide is the width of C from which a product is not narrow (see
	// narrow). It and kcMax are the same on every instruction set (see
	// goParams32), so that each element of C gets the same sums in the
	// same order on AVX-512 as on AVX2: results do not depend on the
	// processor's vector width.
	wide  int
	mcMax int           // rows of a packed A block: stays in L2
	ncMax int           // columns of a packed B block
	kern  kernelFunc[T] // mr rows
	// edges are the kernels of fewer rows, for the last rows of a block,
	// by ascending rows.
	edges []edgeKernel[T]
	// dot[r-1][s-1] is the dot-product kernel of r×s tiles (see
	// dotKernelFunc), nil where there is none: the packed path then
	// computes A·Bᵀ products whatever their shape.
	dot [dotR][dotS]dotKernelFunc[T]
	// parMin is the number of multiply-adds m·n·k below which a product
	// runs on the calling goroutine alone, and parCold the number below
	// which it does so unless the workers are awake.
	parMin, parCold int
}

// edgeKernel is a micro-kernel of fewer rows than mr.
type edgeKernel[T float] struct {
	rows int
	kern kernelFunc[T]
}

// gemm validates its arguments and computes C = alpha·op(A)·op(B) + beta·C.
func gemm[T float](pr *params[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkArgs(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, alpha != 0)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	ws := getWorkspace()
	defer putWorkspace(ws)
	if useDot(pr, tA, tB, n) {
		gemmDot(pr, ws, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j := jobFor[T](ws)
	if pr.narrow(n) && m >= 2*pr.wide && narrowTransposed {
		// A narrow C that the dot-product kernels do not take (op(B) =
		// B, or no kernels on this processor) would fill only part of
		// its last nr-wide column of register tiles, which are most of
		// its tiles. Its transpose is wide:
		// compute Cᵀ = op(B)ᵀ·op(A)ᵀ into scratch, whose n rows the mr-,
		// 4- and 2-row kernels cover; each chunk then transposes its
		// block into C (see Chunk).
		t := scratchFor[T](ws, n*m)
		j.setup(pr, !tB, !tA, n, m, k, alpha, b, ldb, a, lda, 0, t, m)
		j.out, j.outLd, j.outBeta = c, ldc, beta
	} else {
		j.setup(pr, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	par.Unpark() // if OpenBLAS ran before, the workers are ours again
	nt := par.Acquire(j.threads(), j.m*j.n*j.k < pr.parCold)
	j.prepare(nt)
	j.Run(j, j.chunks, nt)
	j.release()
}

// narrow reports whether n columns of C would leave the register tiles of
// the packed path mostly part-filled: the tiles of AVX2 and of the
// portable kernels, nr = wide, and on AVX-512 too, whose wider tiles
// would call more products narrow, but must take the same path (see
// params.wide).
func (pr *params[T]) narrow(n int) bool { return n < 2*pr.wide && n%pr.wide != 0 }

// shallowK is the depth below which a product is shallow: each element of
// C gets fewer than shallowK multiply-adds between its load and store, so
// the product is short for its size and a worker that starts its half a
// microsecond late loses what the split gains. A shallow product that is
// not large is cut into shallowChunks chunks a goroutine, so that the
// caller takes over most of a late worker's share, or, with shallowChunks
// 0, runs on one goroutine.
const shallowK = 16

var shallowChunks = 4

// narrowTransposed enables the transposed path for narrow products (a
// switch for tests and tuning).
var narrowTransposed = true

// scale sets C = beta·C, writing zeros when beta is zero whatever C held.
func scale[T float](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

func checkArgs(tA, tB bool, m, n, k, la, lda, lb, ldb, lc, ldc int, useAB bool) {
	if m < 0 {
		panic("blas: m < 0")
	}
	if n < 0 {
		panic("blas: n < 0")
	}
	if k < 0 {
		panic("blas: k < 0")
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	if lda < max(1, ac) {
		panic("blas: bad lda")
	}
	if ldb < max(1, bc) {
		panic("blas: bad ldb")
	}
	if ldc < max(1, n) {
		panic("blas: bad ldc")
	}
	if m == 0 || n == 0 {
		return
	}
	if useAB && k > 0 {
		if la < (ar-1)*lda+ac {
			panic("blas: insufficient length of a")
		}
		if lb < (br-1)*ldb+bc {
			panic("blas: insufficient length of b")
		}
	}
	if lc < (m-1)*ldc+n {
		panic("blas: insufficient length of c")
	}
}

// job is one product. It is cut into chunks, row ranges of C or, for
// short wide products, column ranges, which the caller and the workers
// claim one at a time (see run), so a worker the OS is slow to run just
// gets fewer chunks.
type job[T float] struct {
	pr            *params[T]
	tA, tB        bool
	m, n, k       int
	alpha, beta   T
	a, b, c       []T
	lda, ldb, ldc int

	// out, when set, receives the transpose of C: C is then scratch for a
	// narrow product computed as its transpose (see gemm), and each chunk
	// sets out = Cᵀ + outBeta·out for its block.
	out     []T
	outLd   int
	outBeta T

	nt         int
	chunks     int
	splitRows  bool // chunks are row ranges, else column ranges
	kc, mc, nc int
	keepK      bool // lanes keep B packed for all of k (see bOffset)
	directA    bool // full A panels are read in place
	directB    bool // full B panels are read in place
	lanes      []lane[T]

	par.Job // runs the chunks on the worker pool
}

// lane holds one goroutine's buffers for a job.
type lane[T float] struct {
	ap   []T    // packed block of A
	bp   []T    // packed block of B (or its edge panel)
	bKey [3]int // jc, pc (-1 for all of k) and width of what bp holds
	tmp  []T    // scratch for tiles sticking out of C
}

func (j *job[T]) setup(pr *params[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	j.pr = pr
	j.tA, j.tB = tA, tB
	j.m, j.n, j.k = m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	j.out = nil
}

// release drops the references to the caller's matrices.
func (j *job[T]) release() { j.a, j.b, j.c, j.out = nil, nil, nil, nil }

// threads returns how many goroutines the product is worth.
func (j *job[T]) threads() int {
	pr := j.pr
	if j.m*j.n*j.k < pr.parMin || j.shallow() && shallowChunks == 0 {
		return 1
	}
	nt := runtime.GOMAXPROCS(0)
	tm := ceilDiv(j.m, pr.mr)
	tn := ceilDiv(j.n, pr.nr)
	if tm < 2*nt && tn < 2*nt {
		nt = max(tm, tn) / 2
	}
	return max(1, nt)
}

// shallow reports whether the product is shallow and not large (see
// shallowK).
func (j *job[T]) shallow() bool { return j.k < shallowK && j.m*j.n*j.k < j.pr.parCold }

// prepare picks the chunks and block sizes for nt goroutines and sizes
// the buffers.
func (j *job[T]) prepare(nt int) {
	pr := j.pr
	j.nt = nt
	tm := ceilDiv(j.m, pr.mr)
	tn := ceilDiv(j.n, pr.nr)
	j.splitRows = nt == 1 || tm >= 2*nt || tm >= tn
	j.kc = ceilDiv(j.k, ceilDiv(j.k, pr.kcMax))
	units := tn
	if j.splitRows {
		units = tm
	}
	// Chunks of rows share all columns: their B blocks are the same.
	cols := j.n
	if j.splitRows {
		j.nc = roundUp(ceilDiv(cols, ceilDiv(cols, pr.ncMax)), pr.nr)
	}
	// A lane keeps the packed B of all of k for its columns when that
	// fits in bKeepMax bytes, so that its later chunks of rows reuse it.
	var z T
	keep := func() bool { return j.k*j.nc*int(unsafe.Sizeof(z)) <= bKeepMax }
	// A chunk of rows that cannot reuse B packs every B block itself, so
	// then there is just one chunk a goroutine.
	j.chunks = 1
	if nt > 1 {
		cf := chunkFactor
		if j.shallow() {
			cf = shallowChunks
		}
		j.chunks = min(units, cf*nt, par.MaxChunks)
		if j.splitRows && (j.n > pr.ncMax || j.kc < j.k && !keep()) {
			j.chunks = min(units, nt, par.MaxChunks)
		}
	}
	rows := j.m
	if j.splitRows {
		rows = ceilDiv(tm, j.chunks) * pr.mr
	} else {
		cols = ceilDiv(tn, j.chunks) * pr.nr
		j.nc = roundUp(ceilDiv(cols, ceilDiv(cols, pr.ncMax)), pr.nr)
	}
	j.mc = roundUp(ceilDiv(rows, ceilDiv(rows, pr.mcMax)), pr.mr)
	j.keepK = j.kc < j.k && j.chunks > nt && keep()
	j.directA, j.directB = j.direct()
	depth := j.kc
	if j.keepK {
		depth = j.k
	}
	own := j.nc * depth
	if j.directB {
		own = pr.nr * depth
	}
	if len(j.lanes) < nt {
		j.lanes = make([]lane[T], nt)
	}
	for t := range j.lanes[:nt] {
		l := &j.lanes[t]
		l.ap = grow(l.ap, j.mc*j.kc)
		l.bp = grow(l.bp, own)
		l.tmp = grow(l.tmp, j.mc*pr.nr)
		l.bKey = [3]int{-1, -1, -1}
	}
}

// chunkFactor is how many chunks a goroutine a product is cut into, where
// chunks are cheap. More chunks balance the load when a goroutine is held
// up in the middle of its work, but each one reloads B's micro-panels into
// L1 for fewer row tiles; measured on the MLP shapes, one chunk a goroutine
// was the fastest, and claiming still lets the caller take a late worker's
// chunk.
var chunkFactor = 1

// bKeepMax bounds the bytes of B a lane keeps packed for all of k.
const bKeepMax = 4 << 20

// bOffset is where in a lane's bp the B block of depth pc starts.
func (j *job[T]) bOffset(pc int) int {
	if !j.keepK {
		return 0
	}
	if j.directB {
		return pc * j.pr.nr // just the edge panel
	}
	return pc * j.nc
}

func grow[T float](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// Tuning overrides for experiments: -1 never, 0 the heuristic, 1 always.
var forceDirectA, forceDirectB int

// direct decides which operands the kernels read in place rather than
// from packed panels.
//
// Reading A in place pays when its rows are contiguous in k (op(A) = A)
// and not long: the kernel then walks mr sequential streams and the
// packing copy is saved (the MLP's products, rows of 128 elements). Long
// rows, lda elements apart, alias in L1 and cross pages: on 1024² and
// 2048² products reading them in place measured 10-25 % slower than
// packing, with the 6-row AVX2 kernels as with the 12-row AVX-512 ones.
// With op(A) = Aᵀ each step touches a new row of A, lda elements
// on, which for wide A means a new cache line at a stride that aliases in
// L1, so A is packed unless its rows are short. Reading B in place (op(B) = B)
// saves the packing copy but reads each step's row at a stride of ldb,
// again aliasing in L1; with packing as fast as it is, that pays only when
// few row panels use B (measured per core on the MLP shapes).
func (j *job[T]) direct() (directA, directB bool) {
	var z T
	rowBytes := j.lda * int(unsafe.Sizeof(z))
	directA = rowBytes <= 512 || !j.tA && rowBytes <= 1024
	directB = !j.tB && ceilDiv(j.m, j.pr.mr) <= 8
	switch forceDirectA {
	case -1:
		directA = false
	case 1:
		directA = true
	}
	switch forceDirectB {
	case -1:
		directB = false
	case 1:
		directB = !j.tB
	}
	return directA, directB
}
