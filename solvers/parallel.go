package solvers

import (
	"github.com/gradgraph/gradgraph/internal/par"
)

// ComponentWise is implemented by rules whose update of each component of
// θ depends only on that component of θ, of the gradient and of the state
// vectors, and on the StepInfo. All eight rules of the lecture are. The
// Solver updates the parameters of such a rule in pieces, on all cores,
// with the same result bit for bit as one call per parameter; a rule that
// does not implement it or returns false (one that clips by a norm, say)
// gets whole parameters, one call each, on the calling goroutine. A rule
// that embeds one of the eight inherits its ComponentWise.
type ComponentWise interface {
	Rule
	// ComponentWise reports whether the rule is component-wise.
	ComponentWise() bool
}

// componentWise reports whether r may be applied piecewise.
func componentWise(r Rule) bool {
	c, ok := r.(ComponentWise)
	return ok && c.ComponentWise()
}

// pieceSize is the number of components a piece of a split update holds:
// big enough that claiming a piece costs next to nothing, small enough
// that the MNIST network's largest weight matrix (200,704 components)
// gives both cores several pieces to balance.
const pieceSize = 1 << 14

// parMin is the number of components below which a step runs on the
// calling goroutine alone: handing work to another core costs about a
// microsecond.
const parMin = 1 << 15

// wakeMin is the number of components from which a step wakes parked
// workers: waking one takes some tens of microseconds on a virtual
// machine, about what a single core needs for an SGD step of the MNIST
// network (235 k components, ~50 µs) or an Adam step, so a smaller step
// runs on the workers only if they are awake, as they are after the
// matrix products of a training step with blas.Native. With OpenBLAS,
// whose own thread has the second core, they are parked (par.Park), and
// measured on the MNIST step waking them cost more than it gained:
// 0.91 ms a step against 0.82 with the update on the caller alone.
const wakeMin = 1 << 20

// update is one step of a Solver over its parameters, cut into pieces
// that par runs on the worker pool. The slices are reused from step to
// step, so a step after the first allocates nothing.
type update struct {
	job   par.Job
	rule  Rule
	info  StepInfo
	p64   [][]float64
	g64   [][]float64
	s64   [][][]float64
	p32   [][]float32
	g32   [][]float32
	s32   [][][]float32
	is64  []bool
	piece []piece
	// tmp64 and tmp32 hold, for each goroutine, the state vectors of the
	// piece it is updating.
	tmp64 [][][]float64
	tmp32 [][][]float32
}

// piece is components [lo, hi) of parameter i.
type piece struct{ i, lo, hi int }

func (u *update) reset(r Rule, info StepInfo) {
	u.rule, u.info = r, info
	u.p64, u.g64, u.s64 = u.p64[:0], u.g64[:0], u.s64[:0]
	u.p32, u.g32, u.s32 = u.p32[:0], u.g32[:0], u.s32[:0]
	u.is64 = u.is64[:0]
}

func (u *update) add64(p, g []float64, st [][]float64) {
	u.p64, u.g64, u.s64 = append(u.p64, p), append(u.g64, g), append(u.s64, st)
	u.p32, u.g32, u.s32 = append(u.p32, nil), append(u.g32, nil), append(u.s32, nil)
	u.is64 = append(u.is64, true)
}

func (u *update) add32(p, g []float32, st [][]float32) {
	u.p64, u.g64, u.s64 = append(u.p64, nil), append(u.g64, nil), append(u.s64, nil)
	u.p32, u.g32, u.s32 = append(u.p32, p), append(u.g32, g), append(u.s32, st)
	u.is64 = append(u.is64, false)
}

// run applies the rule to every parameter added since reset.
func (u *update) run(nState int) {
	total := 0
	for i, is64 := range u.is64 {
		if is64 {
			total += len(u.p64[i])
		} else {
			total += len(u.p32[i])
		}
	}
	if total < parMin || !componentWise(u.rule) {
		for i, is64 := range u.is64 {
			if is64 {
				u.rule.Update64(u.info, u.p64[i], u.g64[i], u.s64[i])
			} else {
				u.rule.Update32(u.info, u.p32[i], u.g32[i], u.s32[i])
			}
		}
		u.release()
		return
	}
	u.piece = u.piece[:0]
	for i, is64 := range u.is64 {
		n := len(u.p32[i])
		if is64 {
			n = len(u.p64[i])
		}
		for lo := 0; lo < n; lo += pieceSize {
			u.piece = append(u.piece, piece{i, lo, min(n, lo+pieceSize)})
		}
	}
	nt := par.Threads()
	for len(u.tmp64) < nt {
		u.tmp64 = append(u.tmp64, make([][]float64, nState))
		u.tmp32 = append(u.tmp32, make([][]float32, nState))
	}
	u.job.Run(u, len(u.piece), par.Acquire(nt, total < wakeMin))
	u.release()
}

// Chunk updates piece id, for par.Job.
func (u *update) Chunk(tid, id int) {
	pc := u.piece[id]
	i, lo, hi := pc.i, pc.lo, pc.hi
	if u.is64[i] {
		st := u.tmp64[tid]
		for k, v := range u.s64[i] {
			st[k] = v[lo:hi]
		}
		u.rule.Update64(u.info, u.p64[i][lo:hi], u.g64[i][lo:hi], st)
		return
	}
	st := u.tmp32[tid]
	for k, v := range u.s32[i] {
		st[k] = v[lo:hi]
	}
	u.rule.Update32(u.info, u.p32[i][lo:hi], u.g32[i][lo:hi], st)
}

// release drops the references to the caller's slices.
func (u *update) release() {
	clear(u.p64)
	clear(u.g64)
	clear(u.s64)
	clear(u.p32)
	clear(u.g32)
	clear(u.s32)
	for _, st := range u.tmp64 {
		clear(st)
	}
	for _, st := range u.tmp32 {
		clear(st)
	}
}
