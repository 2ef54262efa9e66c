// Package train is the training loop a library user calls too, for any
// model built from ops: epochs of seeded, shuffled mini-batches, a solver
// step per batch, the loss and metrics of a validation set per epoch,
// atomic checkpoints with bit-identical resume, and a guard that stops on
// the first NaN or infinity with the name of the node that produced it.
// It prints nothing: progress reaches the caller through callbacks.
//
// A Trainer trains a Model (its batched inputs, loss, params, metrics) on
// Data. Loop is the lecture's MLP on a data set in the lecture's layout,
// on top of a Trainer.
package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// Optimizer applies one update to parameters from their gradients; a
// *solvers.Solver is one.
type Optimizer interface {
	Step(params, grads []*graph.Node) error
}

// Progress is reported after every batch.
type Progress struct {
	Epoch, Batch, Batches int
	// Loss is the loss of this batch, before the update.
	Loss float64
}

// EpochStats summarises one epoch.
type EpochStats struct {
	Epoch int `json:"epoch"`
	// Loss is the mean batch loss over the epoch's batches.
	Loss float64 `json:"loss"`
	// ValLoss is the mean loss on the validation set, 0 without one.
	ValLoss float64 `json:"val_loss,omitempty"`
	// ValAccuracy is the "accuracy" metric on the validation set, 0
	// without one.
	ValAccuracy float64 `json:"val_accuracy,omitempty"`
	// ValMetrics holds every metric on the validation set, the loss among
	// them, by name.
	ValMetrics map[string]float64 `json:"val_metrics,omitempty"`
	Seconds    float64            `json:"seconds"`
}

// Options configures a Trainer or a Loop.
type Options struct {
	// BatchSize is M, the number of samples per step.
	BatchSize int
	// Seed drives the shuffling; with the same seed and data, two runs see
	// the same batches in the same order.
	Seed uint64
	// DropLast skips the shorter last batch of an epoch instead of training
	// on it.
	DropLast bool
	// Checkpoint, if not empty, is the file written atomically at the end of
	// every epoch.
	Checkpoint string
	// Settings are the caller's other choices that change the result of
	// training, such as the optimizer's hyperparameters and how the data
	// were chosen, by names the caller picks ({"eta", "0.001"}). They are
	// recorded in checkpoints, and Resume refuses a checkpoint whose
	// settings differ, reporting the first in this order. The trainer
	// records its own (seed, batch size, dtype, drop-last, the data's
	// fingerprints) itself.
	Settings []Setting
}

// Setting is one of Options.Settings: a name and its value.
type Setting struct{ Name, Value string }

// Loop trains one lecture MLP on data sets in the lecture's layout (one
// column per sample), on a Trainer. Create it with New; set the callbacks
// before Run.
type Loop struct {
	*Trainer
	mg *mlp.Graph
}

// New returns a loop that trains net (whose parameters it copies) on the
// train set with opt, reporting accuracy on val (which may be nil). The
// network's graph is built once, for batches of at most BatchSize samples:
// the shorter last batch of an epoch and evaluation run the same program.
func New(net *mlp.Network, trainSet, val *datasets.Dataset, opt Optimizer, o Options) (*Loop, error) {
	if o.BatchSize <= 0 {
		return nil, fmt.Errorf("train: batch size %d, want > 0", o.BatchSize)
	}
	if trainSet.Len() == 0 {
		return nil, errors.New("train: the training set is empty")
	}
	sizes := net.Sizes()
	if sizes[0] != trainSet.Features {
		return nil, fmt.Errorf("train: the network takes %d inputs, the data has %d features", sizes[0], trainSet.Features)
	}
	if sizes[len(sizes)-1] != trainSet.Targets() {
		return nil, fmt.Errorf("train: the network has %d outputs, the data has %d targets", sizes[len(sizes)-1], trainSet.Targets())
	}
	batch := min(o.BatchSize, trainSet.Len())
	mg, err := mlp.Build(net, batch)
	if err != nil {
		return nil, err
	}
	o.BatchSize = batch
	var valData Data
	if val != nil && val.Len() > 0 {
		valData = Columns(val)
	}
	t, err := NewTrainer(mlpModel(mg), Columns(trainSet), valData, opt, o)
	if err != nil {
		return nil, err
	}
	return &Loop{Trainer: t, mg: mg}, nil
}

// mlpModel is the Model of an MLP's graph: inputs α⁰ and ρ, its cost and
// gradients, and its accuracy as a metric.
func mlpModel(mg *mlp.Graph) *Model {
	return &Model{Inputs: []*graph.Node{mg.Input, mg.Target}, Loss: mg.Cost, Params: mg.Params(), Grads: mg.Grads(),
		Metrics: []Metric{{Name: "accuracy", Node: mg.Correct, Sum: true}}}
}

// Network returns the network with the loop's current parameters.
func (l *Loop) Network() *mlp.Network { return l.mg.Network() }

// Graph returns the graph the loop trains (batches of at most BatchSize).
func (l *Loop) Graph() *mlp.Graph { return l.mg }

// Run trains until epochs epochs are complete (counting those restored from
// a checkpoint) or ctx is cancelled. Asking for fewer epochs than are
// complete is an error.
func (l *Loop) Run(ctx context.Context, epochs int) error { return l.Trainer.Run(ctx, epochs) }

// ErrDiverged is wrapped by the error that stops training when the loss
// before an update, or a parameter after one, is NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// finiteParams reports the first parameter component that is NaN or ±Inf.
// A parameter's sum (vectorised) is finite unless one of its components is
// not, or the sum overflows; only then are the components scanned.
func finiteParams(params []*graph.Node) error {
	for _, p := range params {
		v := p.Storage()
		var sum float64
		if v.F64 != nil {
			sum = vec.Sum(v.F64)
		} else {
			sum = float64(vec.Sum(v.F32))
		}
		if !math.IsNaN(sum) && !math.IsInf(sum, 0) {
			continue
		}
		for i := range p.Shape().Size() {
			if x := v.At(i); math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%w: the update made %s %v at index %d", ErrDiverged, p.Name(), x, i)
			}
		}
	}
	return nil
}
