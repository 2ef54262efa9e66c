package train

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// TrajectoryStep is one step of Optimize: the full-batch cost before the
// step and the network after it.
type TrajectoryStep struct {
	Cost    float64
	Network *mlp.Network
}

// Optimize runs steps solver steps on net (which it does not modify) with
// the batch inputs (n₀ × M) and targets (n_L × M) and returns the
// trajectory. With batchSize 0 or M every step uses the full batch;
// otherwise batchSize must divide M and step i uses the columns
// [(i·b) mod M, (i·b) mod M + b), in order, without shuffling, the
// gradient being averaged over those b columns. This is the contract of
// `gradgraph optimize`.
//
// Optimize keeps every step's network: steps times the network's size.
// OptimizeFunc hands the steps over one by one instead.
func Optimize(net *mlp.Network, inputs, targets *tensor.Dense, opt Optimizer, steps, batchSize int) ([]TrajectoryStep, error) {
	out := make([]TrajectoryStep, 0, min(steps, 1024))
	err := OptimizeFunc(net, inputs, targets, opt, steps, batchSize, func(st TrajectoryStep) error {
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OptimizeFunc runs the steps of Optimize and calls fn with each as soon as
// it is taken, so that a long trajectory costs the memory of one network:
// the step's Network is fn's to keep or drop. An error from fn stops the
// run and is returned as it is.
func OptimizeFunc(net *mlp.Network, inputs, targets *tensor.Dense, opt Optimizer, steps, batchSize int, fn func(TrajectoryStep) error) error {
	if steps <= 0 {
		return fmt.Errorf("steps: %d, want a positive integer", steps)
	}
	m := inputs.Shape()[1]
	if batchSize == 0 {
		batchSize = m
	}
	if batchSize < 0 || m%batchSize != 0 {
		return fmt.Errorf("batch_size: %d does not divide the %d samples", batchSize, m)
	}
	full, err := mlp.Build(net, m)
	if err != nil {
		return err
	}
	if err := full.Input.Set(inputs); err != nil {
		return err
	}
	if err := full.Target.Set(targets); err != nil {
		return err
	}
	mini := full
	if batchSize != m {
		if mini, err = full.Resized(batchSize); err != nil {
			return err
		}
	}
	costProg, err := full.ForwardProgram()
	if err != nil {
		return err
	}
	trainProg, err := mini.TrainProgram()
	if err != nil {
		return err
	}
	for i := 0; i < steps; i++ {
		var cost float64
		if mini == full {
			trainProg.Run()
			cost = full.Cost.Scalar()
		} else {
			costProg.Run()
			cost = full.Cost.Scalar()
			start := (i * batchSize) % m
			copyColumns(mini.Input, full.Input, start)
			copyColumns(mini.Target, full.Target, start)
			trainProg.Run()
		}
		if err := opt.Step(full.Params(), mini.Grads()); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
		if err := fn(TrajectoryStep{Cost: cost, Network: full.Network()}); err != nil {
			return err
		}
	}
	return nil
}

// copyColumns copies the columns [start, start+b) of src into dst, which
// has b columns and src's rows.
func copyColumns(dst, src *graph.Node, start int) {
	rows, b, m := dst.Shape()[0], dst.Shape()[1], src.Shape()[1]
	d, s := dst.Storage(), src.Storage()
	for r := 0; r < rows; r++ {
		if d.F64 != nil {
			copy(d.F64[r*b:(r+1)*b], s.F64[r*m+start:r*m+start+b])
		} else {
			copy(d.F32[r*b:(r+1)*b], s.F32[r*m+start:r*m+start+b])
		}
	}
}
