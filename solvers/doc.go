// Package solvers holds the eight gradient-descent update rules of the
// lecture (SGD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam and
// DeltaBarDelta), learning-rate schedules, and Solver, which owns the step
// count, the per-parameter state and the schedule, and applies a rule to
// graph parameters or to raw slices (StepSlices); package
// solvers/gorgoniasolver applies it to gorgonia graphs.
//
// Every rule is the lecture's formula to the placement of δ; its kernel is
// written once, as a Go generic function over float32 and float64 slices,
// and serves all three kinds of parameter. A training step looks like
//
//	grads, _ := autodiff.Grad(cost, params...)
//	prog, _ := g.Compile(append([]*graph.Node{cost}, grads...)...)
//	s, _ := solvers.New(solvers.NewAdam(), solvers.InverseSchedule(0.1))
//	for range steps {
//		prog.Run()
//		if err := s.Step(params, grads); err != nil { ... }
//	}
//
// NewRule and ParseConfig build rules from their JSON names and
// hyperparameters, as the `gradgraph optimize` command receives them (see
// docs/cli.md); omitted hyperparameters take the documented defaults.
// Delta-bar-delta suits full-batch gradient descent only, as the lecture
// notes (see DeltaBarDelta).
package solvers
