// Package gorgoniasolver trains gorgonia graphs with gradgraph's update
// rules: a Solver is a gorgonia.Solver that applies a *solvers.Solver's
// rule and schedule to each ValueGrad's value, in place, with the same
// kernels as gradgraph's own parameters.
//
// It is a package of its own so that importing solvers does not pull in
// gorgonia.org/gorgonia and its dependencies.
package gorgoniasolver

import (
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/solvers"
)

// Solver trains a gorgonia graph with any of the eight rules through
// gorgonia's own Solver interface: its Step applies the wrapped
// *solvers.Solver to each ValueGrad's value (a *tensor.Dense or a
// *gorgonia.F64/*gorgonia.F32 scalar) from its gradient, in place.
//
//	s, _ := solvers.New(solvers.NewAdam(), solvers.Schedule{})
//	gs := gorgoniasolver.New(s)
//	// after each vm.RunAll():
//	err := gs.Step(gorgonia.NodesToValueGrads(params))
//
// State is keyed by the ValueGrad (for example the *gorgonia.Node), so
// pass the same nodes at every step.
type Solver struct {
	s     *solvers.Solver
	slice []solvers.Slices
}

var _ G.Solver = (*Solver)(nil)

// New wraps s for gorgonia.
func New(s *solvers.Solver) *Solver { return &Solver{s: s} }

// Solver returns the wrapped solver, for its state and step count.
func (a *Solver) Solver() *solvers.Solver { return a.s }

// Step implements gorgonia.Solver: one update of every value in model
// from its gradient. Nothing changes when an error is returned.
func (a *Solver) Step(model []G.ValueGrad) error {
	a.slice = a.slice[:0]
	for i, vg := range model {
		if vg == nil {
			return fmt.Errorf("gorgoniasolver: step: model[%d] is nil", i)
		}
		if t := reflect.TypeOf(vg); !t.Comparable() {
			return fmt.Errorf("gorgoniasolver: step: model[%d] (%v) cannot key a state", i, t)
		}
		p, err := slices(vg)
		if err != nil {
			return fmt.Errorf("gorgoniasolver: step: %s: %w", vgName(vg, i), err)
		}
		if len(p.W64) != len(p.G64) || len(p.W32) != len(p.G32) {
			return fmt.Errorf("gorgoniasolver: step: %s: gradient has %d components, value has %d",
				vgName(vg, i), len(p.G64)+len(p.G32), len(p.W64)+len(p.W32))
		}
		a.slice = append(a.slice, p)
	}
	return a.s.StepSlices(a.slice)
}

func vgName(vg G.ValueGrad, i int) string {
	if n, ok := vg.(G.Namer); ok {
		return n.Name()
	}
	return fmt.Sprintf("model[%d]", i)
}

// slices returns a ValueGrad's value and gradient as the backing slices of
// one element type, keyed by the ValueGrad.
func slices(vg G.ValueGrad) (solvers.Slices, error) {
	p := solvers.Slices{Key: vg}
	grad, err := vg.Grad()
	if err != nil {
		return p, err
	}
	if p.W64, p.W32, err = valueSlices(vg.Value()); err != nil {
		return p, err
	}
	if p.G64, p.G32, err = valueSlices(grad); err != nil {
		return p, fmt.Errorf("gradient: %w", err)
	}
	if (p.W64 == nil) != (p.G64 == nil) {
		return p, fmt.Errorf("value is %v, gradient is %v", vg.Value().Dtype(), grad.Dtype())
	}
	return p, nil
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
