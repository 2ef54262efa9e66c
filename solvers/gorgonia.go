package solvers

import (
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// GorgoniaSolver trains a gorgonia graph with any of the eight rules
// through gorgonia's own Solver interface: it is a gorgonia.Solver whose
// Step applies the wrapped Solver's rule and schedule to each ValueGrad's
// value (a *tensor.Dense or a *gorgonia.F64/*gorgonia.F32 scalar) from its
// gradient, in place, with the same kernels as graph parameters.
//
//	s, _ := solvers.New(solvers.NewAdam(), solvers.Schedule{})
//	gs := solvers.NewGorgonia(s)
//	// after each vm.RunAll():
//	err := gs.Step(gorgonia.NodesToValueGrads(params))
//
// State is keyed by the ValueGrad (for example the *gorgonia.Node), so
// pass the same nodes at every step.
type GorgoniaSolver struct {
	s *Solver
}

var _ G.Solver = (*GorgoniaSolver)(nil)

// NewGorgonia wraps s for gorgonia.
func NewGorgonia(s *Solver) *GorgoniaSolver { return &GorgoniaSolver{s: s} }

// Solver returns the wrapped Solver, for its state and step count.
func (a *GorgoniaSolver) Solver() *Solver { return a.s }

// Step implements gorgonia.Solver: one update of every value in model
// from its gradient. Nothing changes when an error is returned.
func (a *GorgoniaSolver) Step(model []G.ValueGrad) error {
	s := a.s
	// Check everything first, so that an error leaves every value as it was.
	for i, vg := range model {
		if vg == nil {
			return fmt.Errorf("solvers: gorgonia step: model[%d] is nil", i)
		}
		if t := reflect.TypeOf(vg); !t.Comparable() {
			return fmt.Errorf("solvers: gorgonia step: model[%d] (%v) cannot key a state", i, t)
		}
		w64, w32, g64, g32, err := gorgoniaSlices(vg)
		if err != nil {
			return fmt.Errorf("solvers: gorgonia step: %s: %w", vgName(vg, i), err)
		}
		if len(w64) != len(g64) || len(w32) != len(g32) {
			return fmt.Errorf("solvers: gorgonia step: %s: gradient has %d components, value has %d",
				vgName(vg, i), len(g64)+len(g32), len(w64)+len(w32))
		}
	}
	if s.pending != nil {
		bs := make([]binding, len(model))
		for i, vg := range model {
			w64, w32, _, _, _ := gorgoniaSlices(vg)
			bs[i] = binding{key: vg, n: len(w64), dtype: graph.Float64}
			if w32 != nil {
				bs[i] = binding{key: vg, n: len(w32), dtype: graph.Float32}
			}
		}
		if err := s.bind(bs); err != nil {
			return err
		}
	}
	info := s.info()
	for _, vg := range model {
		w64, w32, g64, g32, _ := gorgoniaSlices(vg)
		if w64 != nil {
			s.rule.Update64(info, w64, g64, s.state64(vg, len(w64)))
		} else {
			s.rule.Update32(info, w32, g32, s.state32(vg, len(w32)))
		}
	}
	s.steps++
	return nil
}

func vgName(vg G.ValueGrad, i int) string {
	if n, ok := vg.(G.Namer); ok {
		return n.Name()
	}
	return fmt.Sprintf("model[%d]", i)
}

// gorgoniaSlices returns the backing slices of a ValueGrad's value and
// gradient: the float64 pair or the float32 pair.
func gorgoniaSlices(vg G.ValueGrad) (w64 []float64, w32 []float32, g64 []float64, g32 []float32, err error) {
	grad, err := vg.Grad()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if w64, w32, err = valueSlices(vg.Value()); err != nil {
		return nil, nil, nil, nil, err
	}
	if g64, g32, err = valueSlices(grad); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("gradient: %w", err)
	}
	if (w64 == nil) != (g64 == nil) {
		return nil, nil, nil, nil, fmt.Errorf("value is %v, gradient is %v", vg.Value().Dtype(), grad.Dtype())
	}
	return w64, w32, g64, g32, nil
}

func valueSlices(v G.Value) ([]float64, []float32, error) {
	switch v := v.(type) {
	case *tensor.Dense:
		switch v.Dtype() {
		case tensor.Float64:
			return v.Float64s(), nil, nil
		case tensor.Float32:
			return nil, v.Float32s(), nil
		}
		return nil, nil, fmt.Errorf("unsupported dtype %v", v.Dtype())
	case *G.F64:
		return unsafe.Slice((*float64)(v), 1), nil, nil
	case *G.F32:
		return nil, unsafe.Slice((*float32)(v), 1), nil
	case nil:
		return nil, nil, fmt.Errorf("no value")
	}
	return nil, nil, fmt.Errorf("unsupported value type %T", v)
}
