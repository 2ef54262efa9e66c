package solvers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// State is a snapshot of a Solver: the step count and, for every
// parameter in the order the solver first saw them, the vectors its rule
// keeps (InitialState gives their number), with exact float bits. Restore
// it with SetState on a solver with the same rule to resume a run bit for
// bit.
type State struct {
	Rule   string       // the rule's name
	Steps  int          // steps taken
	Params []ParamState // per parameter, in the order first seen
}

// ParamState is the state of one parameter: exactly one of F64 and F32 is
// set, matching the parameter's element type.
type ParamState struct {
	Name string // the parameter's name, if it has one
	F64  [][]float64
	F32  [][]float32
}

// State returns a deep copy of the solver's state.
func (s *Solver) State() *State {
	if s.pending != nil {
		return cloneState(s.pending)
	}
	st := &State{Rule: s.rule.Name(), Steps: s.steps, Params: make([]ParamState, 0, len(s.order))}
	for _, k := range s.order {
		ps := s.states[k]
		st.Params = append(st.Params, ParamState{Name: ps.name, F64: clone2(ps.f64), F32: clone2(ps.f32)})
	}
	return st
}

// SetState replaces the solver's state with a copy of st, which must come
// from a solver with the same rule. The parameters of st are bound, by
// position, to the parameters of the next step, which must match them in
// number, element type, size and (where both have one) name.
func (s *Solver) SetState(st *State) error {
	if st == nil {
		return errors.New("solvers: set state: nil state")
	}
	if st.Rule != s.rule.Name() {
		return fmt.Errorf("solvers: set state: state is for %s, solver runs %s", st.Rule, s.rule.Name())
	}
	if st.Steps < 0 {
		return fmt.Errorf("solvers: set state: %d steps", st.Steps)
	}
	for i, p := range st.Params {
		slots := len(p.F64) + len(p.F32)
		if (p.F64 != nil) == (p.F32 != nil) && slots > 0 {
			return fmt.Errorf("solvers: set state: parameter %d holds both float32 and float64 vectors", i)
		}
		if slots != len(s.init) {
			return fmt.Errorf("solvers: set state: parameter %d holds %d vectors, %s keeps %d", i, slots, s.rule.Name(), len(s.init))
		}
		if slots > 0 && (p.size() == 0 || !p.even()) {
			return fmt.Errorf("solvers: set state: parameter %d has vectors of different or zero lengths", i)
		}
	}
	steps := st.Steps
	s.Reset()
	s.steps = steps
	if len(st.Params) > 0 {
		s.pending = cloneState(st)
	}
	return nil
}

func (p ParamState) size() int {
	if len(p.F64) > 0 {
		return len(p.F64[0])
	}
	if len(p.F32) > 0 {
		return len(p.F32[0])
	}
	return -1 // a rule without state: any size
}

func (p ParamState) even() bool {
	n := p.size()
	for _, v := range p.F64 {
		if len(v) != n {
			return false
		}
	}
	for _, v := range p.F32 {
		if len(v) != n {
			return false
		}
	}
	return true
}

func (p ParamState) dtype() graph.DType {
	if p.F32 != nil {
		return graph.Float32
	}
	return graph.Float64
}

// binding is what the next step says about one parameter, to bind a
// pending state to it.
type binding struct {
	key   any
	n     int
	dtype graph.DType
}

// bind attaches the pending state to the parameters of this step.
func (s *Solver) bind(params []binding) error {
	st := s.pending
	if len(params) != len(st.Params) {
		return fmt.Errorf("solvers: restore state: step has %d parameters, state holds %d", len(params), len(st.Params))
	}
	for i, b := range params {
		p := st.Params[i]
		name := nameOf(b.key)
		if name != "" && p.Name != "" && name != p.Name {
			return fmt.Errorf("solvers: restore state: parameter %d is %s, state holds %s", i, name, p.Name)
		}
		if len(s.init) > 0 && (p.dtype() != b.dtype || p.size() != b.n) {
			return fmt.Errorf("solvers: restore state: parameter %d is %d×%s, state holds %d×%s", i, b.n, b.dtype, p.size(), p.dtype())
		}
	}
	s.pending = nil
	for i, b := range params {
		p := st.Params[i]
		ps := &paramState{name: p.Name, f64: p.F64, f32: p.F32}
		if len(s.init) == 0 {
			ps.f64, ps.f32 = nil, nil
			if b.dtype == graph.Float64 {
				ps.f64 = [][]float64{}
			} else {
				ps.f32 = [][]float32{}
			}
		}
		s.add(b.key, ps)
	}
	return nil
}

func (s *Solver) bindNodes(params []*graph.Node) error {
	if s.pending == nil {
		return nil
	}
	bs := make([]binding, len(params))
	for i, p := range params {
		bs[i] = binding{key: p, n: p.Shape().Size(), dtype: p.DType()}
	}
	return s.bind(bs)
}

func cloneState(st *State) *State {
	c := &State{Rule: st.Rule, Steps: st.Steps, Params: make([]ParamState, len(st.Params))}
	for i, p := range st.Params {
		c.Params[i] = ParamState{Name: p.Name, F64: clone2(p.F64), F32: clone2(p.F32)}
	}
	return c
}

func clone2[T float](x [][]T) [][]T {
	if x == nil {
		return nil
	}
	c := make([][]T, len(x))
	for i, v := range x {
		c[i] = append([]T(nil), v...)
	}
	return c
}

const stateMagic = "gradgraph/solvers state v1\n"

// MarshalBinary encodes State() with exact float bits (little-endian
// IEEE 754), for checkpoints.
func (s *Solver) MarshalBinary() ([]byte, error) {
	st := s.State()
	var b bytes.Buffer
	b.WriteString(stateMagic)
	putString(&b, st.Rule)
	putUint(&b, uint64(st.Steps))
	putUint(&b, uint64(len(st.Params)))
	for _, p := range st.Params {
		putString(&b, p.Name)
		if p.F32 != nil {
			b.WriteByte(32)
			putUint(&b, uint64(len(p.F32)))
			for _, v := range p.F32 {
				putUint(&b, uint64(len(v)))
				for _, x := range v {
					_ = binary.Write(&b, binary.LittleEndian, math.Float32bits(x))
				}
			}
			continue
		}
		b.WriteByte(64)
		putUint(&b, uint64(len(p.F64)))
		for _, v := range p.F64 {
			putUint(&b, uint64(len(v)))
			for _, x := range v {
				_ = binary.Write(&b, binary.LittleEndian, math.Float64bits(x))
			}
		}
	}
	return b.Bytes(), nil
}

// UnmarshalBinary restores a state encoded by MarshalBinary into a solver
// built with the same rule, as SetState does.
func (s *Solver) UnmarshalBinary(data []byte) error {
	st, err := decodeState(data)
	if err != nil {
		return fmt.Errorf("solvers: decode state: %w", err)
	}
	return s.SetState(st)
}

func decodeState(data []byte) (*State, error) {
	if !bytes.HasPrefix(data, []byte(stateMagic)) {
		return nil, errors.New("not a solver state")
	}
	r := bytes.NewReader(data[len(stateMagic):])
	st := &State{}
	var err error
	if st.Rule, err = getString(r); err != nil {
		return nil, err
	}
	steps, err := getUint(r, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	st.Steps = int(steps)
	np, err := getUint(r, uint64(r.Len()))
	if err != nil {
		return nil, err
	}
	for range np {
		var p ParamState
		if p.Name, err = getString(r); err != nil {
			return nil, err
		}
		kind, err := r.ReadByte()
		if err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		nv, err := getUint(r, uint64(r.Len()))
		if err != nil {
			return nil, err
		}
		switch kind {
		case 64:
			p.F64 = make([][]float64, nv)
			for k := range p.F64 {
				n, err := getUint(r, uint64(r.Len()/8))
				if err != nil {
					return nil, err
				}
				p.F64[k] = make([]float64, n)
				if err := binary.Read(r, binary.LittleEndian, p.F64[k]); err != nil {
					return nil, io.ErrUnexpectedEOF
				}
			}
		case 32:
			p.F32 = make([][]float32, nv)
			for k := range p.F32 {
				n, err := getUint(r, uint64(r.Len()/4))
				if err != nil {
					return nil, err
				}
				p.F32[k] = make([]float32, n)
				if err := binary.Read(r, binary.LittleEndian, p.F32[k]); err != nil {
					return nil, io.ErrUnexpectedEOF
				}
			}
		default:
			return nil, fmt.Errorf("bad element type %d", kind)
		}
		st.Params = append(st.Params, p)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%d trailing bytes", r.Len())
	}
	return st, nil
}

func putUint(b *bytes.Buffer, x uint64) { b.Write(binary.AppendUvarint(nil, x)) }

func putString(b *bytes.Buffer, x string) {
	putUint(b, uint64(len(x)))
	b.WriteString(x)
}

func getUint(r *bytes.Reader, limit uint64) (uint64, error) {
	x, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, io.ErrUnexpectedEOF
	}
	if x > limit {
		return 0, fmt.Errorf("truncated or corrupt data (count %d)", x)
	}
	return x, nil
}

func getString(r *bytes.Reader) (string, error) {
	n, err := getUint(r, uint64(r.Len()))
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", io.ErrUnexpectedEOF
	}
	return string(b), nil
}
