package solvers

import (
	"runtime"
	"sync"
)

// splitMin is the smallest parameter whose update Step splits between
// goroutines. Every rule is component-wise, so the parts are independent
// and the result is bit for bit that of one pass.
const splitMin = 1 << 14

// part is one contiguous range of a parameter's update, run by a helper
// goroutine. The views of the rule's state are built once per parameter,
// so a step allocates nothing.
type part struct {
	rule     Rule
	info     StepInfo
	t64, g64 []float64
	s64      [][]float64
	t32, g32 []float32
	s32      [][]float32
	lo, hi   int
	done     chan struct{}
}

func (p *part) run() {
	if p.s64 != nil || p.t64 != nil {
		p.rule.Update64(p.info, p.t64, p.g64, p.s64)
	} else {
		p.rule.Update32(p.info, p.t32, p.g32, p.s32)
	}
	p.done <- struct{}{}
}

// helpers run parts; they start with the first split and live as long as
// the process, blocked on the channel when idle.
var helpers struct {
	once sync.Once
	jobs chan *part
}

func startHelpers(n int) {
	helpers.jobs = make(chan *part)
	for range n {
		go func() {
			for p := range helpers.jobs {
				p.run()
			}
		}()
	}
}

// parts returns how many ways to split an update of n components.
func parts(n int) int {
	k := min(runtime.GOMAXPROCS(0), n/splitMin, 8)
	if k > 1 {
		helpers.once.Do(func() { startHelpers(min(runtime.NumCPU(), 8) - 1) })
	}
	return max(k, 1)
}

// splits returns the parts of a parameter of n components cut k ways, with
// views of its state, building them on first use.
func splits[T Float](st *paramState, state [][]T, n, k int, make1 func(p *part, s [][]T)) []*part {
	if len(st.parts) == k {
		return st.parts
	}
	st.parts = make([]*part, k)
	for i := range st.parts {
		lo, hi := i*n/k, (i+1)*n/k
		views := make([][]T, len(state))
		for j, s := range state {
			views[j] = s[lo:hi]
		}
		p := &part{lo: lo, hi: hi, done: make(chan struct{}, 1)}
		make1(p, views)
		st.parts[i] = p
	}
	return st.parts
}

// update64 applies the rule to one float64 parameter, split between
// goroutines when it is large.
func (s *Solver) update64(key any, info StepInfo, theta, g []float64) {
	state := s.state64(key, len(theta))
	k := parts(len(theta))
	if k == 1 || helpers.jobs == nil {
		s.rule.Update64(info, theta, g, state)
		return
	}
	ps := splits(s.states[key], state, len(theta), k, func(p *part, v [][]float64) { p.s64 = v })
	for i, p := range ps {
		p.rule, p.info = s.rule, info
		p.t64, p.g64 = theta[p.lo:p.hi], g[p.lo:p.hi]
		if i > 0 {
			helpers.jobs <- p
		}
	}
	s.rule.Update64(info, ps[0].t64, ps[0].g64, ps[0].s64)
	for _, p := range ps[1:] {
		<-p.done
	}
}

// update32 is update64 for float32 parameters.
func (s *Solver) update32(key any, info StepInfo, theta, g []float32) {
	state := s.state32(key, len(theta))
	k := parts(len(theta))
	if k == 1 || helpers.jobs == nil {
		s.rule.Update32(info, theta, g, state)
		return
	}
	ps := splits(s.states[key], state, len(theta), k, func(p *part, v [][]float32) { p.s32 = v })
	for i, p := range ps {
		p.rule, p.info = s.rule, info
		p.t32, p.g32 = theta[p.lo:p.hi], g[p.lo:p.hi]
		if i > 0 {
			helpers.jobs <- p
		}
	}
	s.rule.Update32(info, ps[0].t32, ps[0].g32, ps[0].s32)
	for _, p := range ps[1:] {
		<-p.done
	}
}
