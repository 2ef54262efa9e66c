package solvers

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gradgraph/gradgraph/graph"
)

// Solver applies a Rule to a set of parameters step after step. It owns
// the step count i, the learning-rate schedule, and the state the rule
// keeps for each parameter (velocities, running averages, per-component
// rates), which it allocates on the first Step that sees the parameter and
// reuses afterwards: a Step after the first allocates nothing.
//
// State is keyed by parameter: the *graph.Node for Step, the gorgonia
// ValueGrad for the gorgonia adapter, the backing array for StepFloat64 and
// StepFloat32. State and SetState (or MarshalBinary and UnmarshalBinary)
// save and restore it with exact float bits, so a run resumed from a
// checkpoint continues bit for bit.
//
// A Solver is not safe for concurrent use.
type Solver struct {
	rule  Rule
	sched Schedule
	init  []float64 // rule.InitialState()
	steps int       // completed steps

	states  map[any]*paramState
	order   []any               // keys in the order first seen, for State
	pending *State              // restored by SetState, bound on the next step
	ahead   map[any]*paramState // θ saved by StepLookahead
	up      update              // the step in progress
}

// paramState is what the rule keeps for one parameter: len(init) vectors
// of the parameter's length, in the parameter's element type.
type paramState struct {
	name string
	f64  [][]float64
	f32  [][]float32
}

// New returns a Solver applying rule with the schedule sched (the zero
// Schedule is constant). It reports the first hyperparameter out of range,
// and a schedule other than constant for a rule without η.
func New(rule Rule, sched Schedule) (*Solver, error) {
	if sched.Kind == "" {
		sched.Kind = Constant
	}
	if err := (Config{Rule: rule, Schedule: sched}).Validate(); err != nil {
		return nil, err
	}
	s := &Solver{rule: rule, sched: sched, init: rule.InitialState()}
	s.Reset()
	return s, nil
}

// Rule returns the rule the solver applies.
func (s *Solver) Rule() Rule { return s.rule }

// Schedule returns the solver's learning-rate schedule.
func (s *Solver) Schedule() Schedule { return s.sched }

// Steps returns the number of steps taken so far; the next step is i =
// Steps()+1 and uses η_k with k = Steps().
func (s *Solver) Steps() int { return s.steps }

// Reset forgets every parameter's state and sets the step count to zero.
func (s *Solver) Reset() {
	s.steps = 0
	s.states = map[any]*paramState{}
	s.order = nil
	s.pending = nil
	s.ahead = map[any]*paramState{}
}

func (s *Solver) info() StepInfo { return StepInfo{I: s.steps + 1, Schedule: s.sched} }

// Step applies one update to every parameter node in params, given the
// gradient nodes grads (the adjoints autodiff.Grad returned, after the
// compiled program has run). params[i] must be a parameter node and
// grads[i] must have its size and dtype. Nothing is changed when an error
// is returned.
func (s *Solver) Step(params, grads []*graph.Node) error {
	if err := s.checkNodes("step", params, grads); err != nil {
		return err
	}
	if err := s.bindNodes(params); err != nil {
		return err
	}
	s.up.reset(s.rule, s.info())
	for i, p := range params {
		v, g := p.Storage(), grads[i].Storage()
		if v.F64 != nil {
			s.up.add64(v.F64, g.F64, s.state64(p, len(v.F64)))
		} else {
			s.up.add32(v.F32, g.F32, s.state32(p, len(v.F32)))
		}
	}
	s.up.run(len(s.init))
	s.steps++
	return nil
}

// StepFloat64 applies one update to raw float64 parameters: params[i] is
// updated in place from grads[i], which must have its length. A
// parameter's state is keyed by its backing array, so pass the same
// slices at every step.
func (s *Solver) StepFloat64(params, grads [][]float64) error {
	if err := checkSlices(params, grads); err != nil {
		return err
	}
	if s.pending != nil {
		bs := make([]binding, len(params))
		for i, p := range params {
			bs[i] = binding{key: &p[0], n: len(p), dtype: graph.Float64}
		}
		if err := s.bind(bs); err != nil {
			return err
		}
	}
	s.up.reset(s.rule, s.info())
	for i, p := range params {
		s.up.add64(p, grads[i], s.state64(&p[0], len(p)))
	}
	s.up.run(len(s.init))
	s.steps++
	return nil
}

// StepFloat32 is StepFloat64 for float32 parameters.
func (s *Solver) StepFloat32(params, grads [][]float32) error {
	if err := checkSlices(params, grads); err != nil {
		return err
	}
	if s.pending != nil {
		bs := make([]binding, len(params))
		for i, p := range params {
			bs[i] = binding{key: &p[0], n: len(p), dtype: graph.Float32}
		}
		if err := s.bind(bs); err != nil {
			return err
		}
	}
	s.up.reset(s.rule, s.info())
	for i, p := range params {
		s.up.add32(p, grads[i], s.state32(&p[0], len(p)))
	}
	s.up.run(len(s.init))
	s.steps++
	return nil
}

// Slices is one parameter of StepSlices, given as raw slices of one
// element type: W64 and its gradient G64, or W32 and G32, of equal,
// non-zero length. Key identifies the parameter from step to step: the
// solver keeps the parameter's state under it, so it must be comparable
// and the same at every step (solvers/gorgoniasolver passes the gorgonia
// node). A key with a Name() string method names the parameter in State.
type Slices struct {
	Key      any
	W64, G64 []float64
	W32, G32 []float32
}

// StepSlices applies one update to parameters given as raw slices, which
// may mix float32 and float64, each updated in place from its gradient
// and keyed by its Key. It is the seam for training other frameworks'
// parameters with the solver's rules. Nothing is changed when an error is
// returned.
func (s *Solver) StepSlices(params []Slices) error {
	for i, p := range params {
		if err := p.check(); err != nil {
			return fmt.Errorf("solvers: step: parameter %d: %w", i, err)
		}
	}
	if s.pending != nil {
		bs := make([]binding, len(params))
		for i, p := range params {
			bs[i] = binding{key: p.Key, n: len(p.W64), dtype: graph.Float64}
			if p.W32 != nil {
				bs[i] = binding{key: p.Key, n: len(p.W32), dtype: graph.Float32}
			}
		}
		if err := s.bind(bs); err != nil {
			return err
		}
	}
	s.up.reset(s.rule, s.info())
	for _, p := range params {
		if p.W64 != nil {
			s.up.add64(p.W64, p.G64, s.state64(p.Key, len(p.W64)))
		} else {
			s.up.add32(p.W32, p.G32, s.state32(p.Key, len(p.W32)))
		}
	}
	s.up.run(len(s.init))
	s.steps++
	return nil
}

func (p Slices) check() error {
	if p.Key == nil || !reflect.TypeOf(p.Key).Comparable() {
		return fmt.Errorf("key %T cannot key a state", p.Key)
	}
	n64, n32 := len(p.W64)+len(p.G64), len(p.W32)+len(p.G32)
	switch {
	case n64 > 0 && n32 > 0:
		return errors.New("holds both float64 and float32 slices")
	case n64 == 0 && n32 == 0:
		return errors.New("empty")
	case len(p.W64) != len(p.G64):
		return fmt.Errorf("gradient has %d components, value has %d", len(p.G64), len(p.W64))
	case len(p.W32) != len(p.G32):
		return fmt.Errorf("gradient has %d components, value has %d", len(p.G32), len(p.W32))
	}
	return nil
}

func checkSlices[T float](params, grads [][]T) error {
	if len(params) != len(grads) {
		return fmt.Errorf("solvers: step: %d parameters but %d gradients", len(params), len(grads))
	}
	for i, p := range params {
		if len(p) == 0 {
			return fmt.Errorf("solvers: step: parameter %d is empty", i)
		}
		if len(grads[i]) != len(p) {
			return fmt.Errorf("solvers: step: gradient %d has %d components, parameter has %d", i, len(grads[i]), len(p))
		}
	}
	return nil
}

// StepLookahead takes one step of the true Nesterov method of the lecture,
// for callers who can recompute gradients at a moved point:
//
//	v ← δ·v − η·∇C(θ + δ·v)
//	θ ← θ + v
//
// It moves every parameter to θ + δ·v, calls eval, which must recompute
// the gradients into the grads nodes (run the compiled program), puts θ
// back exactly, and applies the update. The parameters hold θ itself, not
// the look-ahead Θ = θ + δ·v that Step stores for the simplified form;
// from v = 0 the two trajectories agree through Θ_n = θ_n + δ·v_n. The
// solver's rule must be Nesterov. If eval fails, θ is restored and no step
// is counted.
func (s *Solver) StepLookahead(params, grads []*graph.Node, eval func() error) error {
	var r Nesterov
	switch n := s.rule.(type) {
	case Nesterov:
		r = n
	case *Nesterov:
		r = *n
	default:
		return fmt.Errorf("solvers: lookahead step needs the nesterov rule, not %s", s.rule.Name())
	}
	if err := s.checkNodes("lookahead step", params, grads); err != nil {
		return err
	}
	if err := s.bindNodes(params); err != nil {
		return err
	}
	delta := r.Momentum
	for _, p := range params {
		v := p.Storage()
		if v.F64 != nil {
			lookahead(v.F64, s.saved64(p, len(v.F64)), s.state64(p, len(v.F64))[0], delta)
		} else {
			lookahead(v.F32, s.saved32(p, len(v.F32)), s.state32(p, len(v.F32))[0], float32(delta))
		}
	}
	err := eval()
	for _, p := range params {
		v, saved := p.Storage(), s.ahead[p]
		if v.F64 != nil {
			copy(v.F64, saved.f64[0])
		} else {
			copy(v.F32, saved.f32[0])
		}
	}
	if err != nil {
		return err
	}
	info := s.info()
	eta := info.Eta(r.Eta)
	for i, p := range params {
		v, g := p.Storage(), grads[i].Storage()
		if v.F64 != nil {
			momentumKernel(v.F64, g.F64, s.states[p].f64[0], eta, delta)
		} else {
			momentumKernel(v.F32, g.F32, s.states[p].f32[0], float32(eta), float32(delta))
		}
	}
	s.steps++
	return nil
}

// lookahead saves θ and moves it to θ + δ·v.
func lookahead[T float](theta, saved, v []T, delta T) {
	copy(saved, theta)
	v = v[:len(theta)]
	for i := range theta {
		theta[i] += delta * v[i]
	}
}

func (s *Solver) saved64(key any, n int) []float64 {
	st, ok := s.ahead[key]
	if !ok {
		st = &paramState{f64: [][]float64{make([]float64, n)}}
		s.ahead[key] = st
	}
	return st.f64[0]
}

func (s *Solver) saved32(key any, n int) []float32 {
	st, ok := s.ahead[key]
	if !ok {
		st = &paramState{f32: [][]float32{make([]float32, n)}}
		s.ahead[key] = st
	}
	return st.f32[0]
}

// checkNodes validates a step's parameter and gradient nodes.
func (s *Solver) checkNodes(what string, params, grads []*graph.Node) error {
	if len(params) != len(grads) {
		return fmt.Errorf("solvers: %s: %d parameters but %d gradients", what, len(params), len(grads))
	}
	for i, p := range params {
		g := grads[i]
		if p == nil || g == nil {
			return fmt.Errorf("solvers: %s: parameter or gradient %d is nil", what, i)
		}
		if p.Kind() != graph.KindParam {
			return fmt.Errorf("solvers: %s: node %s (%s) is not a parameter", what, p.Name(), p.Kind())
		}
		if p.DType() != g.DType() || p.Shape().Size() != g.Shape().Size() {
			return fmt.Errorf("solvers: %s: gradient %s is %s %s, parameter %s is %s %s",
				what, g.Name(), g.DType(), g.Shape(), p.Name(), p.DType(), p.Shape())
		}
		if !g.Compiled() {
			// Its storage holds zeros, or another node's data: a step on it
			// would do nothing, or something wrong, silently.
			return fmt.Errorf("solvers: %s: gradient %s of %s is not an output of any compiled program: compile it with the cost",
				what, g.Name(), p.Name())
		}
	}
	return nil
}

// state64 returns the state of the float64 parameter key of n components,
// allocating it the first time.
func (s *Solver) state64(key any, n int) [][]float64 {
	if st, ok := s.states[key]; ok {
		return st.f64
	}
	st := &paramState{name: nameOf(key), f64: newSlots[float64](s.init, n)}
	s.add(key, st)
	return st.f64
}

// state32 is state64 for float32 parameters.
func (s *Solver) state32(key any, n int) [][]float32 {
	if st, ok := s.states[key]; ok {
		return st.f32
	}
	st := &paramState{name: nameOf(key), f32: newSlots[float32](s.init, n)}
	s.add(key, st)
	return st.f32
}

func (s *Solver) add(key any, st *paramState) {
	s.states[key] = st
	s.order = append(s.order, key)
}

func newSlots[T float](init []float64, n int) [][]T {
	slots := make([][]T, len(init))
	for k, x := range init {
		slots[k] = make([]T, n)
		if x != 0 {
			for i := range slots[k] {
				slots[k][i] = T(x)
			}
		}
	}
	return slots
}

// nameOf returns a parameter's name for State, or "".
func nameOf(key any) string {
	if n, ok := key.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}
