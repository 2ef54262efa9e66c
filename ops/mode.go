package ops

import (
	"sync/atomic"

	"github.com/gradgraph/gradgraph/graph"
)

// Mode says whether the graphs whose layers share it run in training or
// in inference mode. BatchNormalization and Dropout take a *Mode when
// they are built and read it at every Program.Run, so one compiled
// program trains (batch statistics, random masks) and then evaluates
// (running statistics, no dropout) with nothing rebuilt:
//
//	mode := ops.NewMode(true)
//	h := ops.Dropout(ops.BatchNormalization("bn1", x, s, b, mode, 1e-5, 0.9), 0.5, mode, rng)
//	…
//	prog.Run()             // a training step
//	mode.SetTraining(false)
//	prog.Run()             // an evaluation
//
// A nil *Mode is inference mode, ONNX's default (training_mode = 0).
// Switch the mode between runs, not while a program runs: every kernel of
// a run reads it on its own, so a switch in the middle of a run would mix
// the two. The flag is atomic, so reading it never races with a switch
// made from another goroutine.
type Mode struct{ training atomic.Bool }

// NewMode returns a mode, in training mode or not.
func NewMode(training bool) *Mode {
	m := &Mode{}
	m.training.Store(training)
	return m
}

// Training reports whether m is in training mode; false for a nil m.
func (m *Mode) Training() bool { return m != nil && m.training.Load() }

// SetTraining switches m to training mode (true) or inference mode.
func (m *Mode) SetTraining(on bool) { m.training.Store(on) }

// trainingGate returns v in training mode and zeros in inference mode,
// the mode being read at Run time. The VJPs of the mode-dependent ops
// multiply their training-only terms by it, applied to the small adjoint
// of a statistic rather than to a large tensor: it costs nothing and
// keeps those VJPs built from ops.
func trainingGate(mode *Mode, v *graph.Node) *graph.Node {
	return graph.ApplyOn(gateOp{mode}, v)
}

type gateOp struct{ mode *Mode }

func (gateOp) Type() string { return "TrainingGate" }

func (gateOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	return in[0], nil
}

func (o gateOp) Forward(out *graph.Value, in []*graph.Value) {
	if o.mode.Training() {
		copyValue(out, in[0])
		return
	}
	clear(out.F32)
	clear(out.F64)
}

// VJP: the gate is linear, its own adjoint.
func (o gateOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{trainingGate(o.mode, g)}
}
