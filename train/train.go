// Package train is the training loop a library user calls too: epochs of
// shuffled mini-batches in the lecture's layout, a solver step per batch,
// validation accuracy per epoch, atomic checkpoints with bit-identical
// resume, and a guard that stops on the first NaN or infinity with the
// name of the node that produced it. It prints nothing: progress reaches
// the caller through callbacks.
package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

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
	// Loss is the batch cost 𝒞 of this batch, before the update.
	Loss float64
}

// EpochStats summarises one epoch.
type EpochStats struct {
	Epoch int `json:"epoch"`
	// Loss is the mean batch cost over the epoch's batches.
	Loss float64 `json:"loss"`
	// ValAccuracy is the accuracy on the validation set, 0 without one.
	ValAccuracy float64 `json:"val_accuracy,omitempty"`
	Seconds     float64 `json:"seconds"`
}

// Loop trains one network. Create it with New; set the callbacks before Run.
type Loop struct {
	// OnBatch, if set, is called after every step.
	OnBatch func(Progress)
	// OnEpoch, if set, is called after every epoch, after the checkpoint.
	OnEpoch func(EpochStats) error

	net      *mlp.Network
	train    *datasets.Dataset
	val      *datasets.Dataset
	opt      Optimizer
	batch    int
	seed     uint64
	full     *mlp.Graph // batches of size batch
	last     *mlp.Graph // the shorter last batch, if any
	sampler  *datasets.Sampler
	eval     *evaluator
	epoch    int // epochs completed
	history  []EpochStats
	ckptPath string
	dropLast bool
	settings []Setting
	// trainPrint and valPrint are the data sets' fingerprints, computed
	// for the first checkpoint.
	trainPrint, valPrint string
}

// Options configures New.
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
	// settings differ, reporting the first in this order. The loop records
	// its own (seed, batch size, dtype, drop-last, the data's
	// fingerprints) itself.
	Settings []Setting
}

// Setting is one of Options.Settings: a name and its value.
type Setting struct{ Name, Value string }

// New returns a loop that trains net (whose parameters it copies) on the
// train set with opt, reporting accuracy on val (which may be nil).
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
	l := &Loop{net: net, train: trainSet, val: val, opt: opt, batch: batch, seed: o.Seed, ckptPath: o.Checkpoint,
		dropLast: o.DropLast, settings: slices.Clone(o.Settings)}
	var err error
	if l.full, err = mlp.Build(net, batch); err != nil {
		return nil, err
	}
	l.sampler = datasets.NewSampler(trainSet.Len(), batch, o.Seed, o.DropLast)
	if rem := trainSet.Len() % batch; rem != 0 && !o.DropLast {
		if l.last, err = l.full.Resized(rem); err != nil {
			return nil, err
		}
	}
	if _, err := l.full.TrainProgram(); err != nil {
		return nil, err
	}
	if l.last != nil {
		if _, err := l.last.TrainProgram(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Network returns the network with the loop's current parameters.
func (l *Loop) Network() *mlp.Network { return l.full.Network() }

// Graph returns the graph the loop trains (batches of BatchSize).
func (l *Loop) Graph() *mlp.Graph { return l.full }

// Epoch returns the number of epochs completed.
func (l *Loop) Epoch() int { return l.epoch }

// History returns the statistics of the completed epochs.
func (l *Loop) History() []EpochStats { return l.history }

// Run trains until epochs epochs are complete (counting those restored from
// a checkpoint) or ctx is cancelled. Asking for fewer epochs than are
// complete is an error.
func (l *Loop) Run(ctx context.Context, epochs int) error {
	if epochs < l.epoch {
		return fmt.Errorf("train: run to epoch %d: %d epochs are complete already", epochs, l.epoch)
	}
	for l.epoch < epochs {
		if err := l.runEpoch(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (l *Loop) runEpoch(ctx context.Context) error {
	start := time.Now()
	epoch := l.epoch
	l.sampler.Shuffle(epoch)
	n := l.sampler.NumBatches()
	var total float64
	for b := 0; b < n; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := l.sampler.Batch(b)
		mg := l.full
		if len(idx) != l.batch {
			mg = l.last
		}
		loss, err := l.step(mg, idx)
		if err != nil {
			return fmt.Errorf("train: epoch %d, batch %d: %w", epoch+1, b+1, err)
		}
		total += loss
		if l.OnBatch != nil {
			l.OnBatch(Progress{Epoch: epoch + 1, Batch: b + 1, Batches: n, Loss: loss})
		}
	}
	st := EpochStats{Epoch: epoch + 1, Loss: total / float64(n)}
	if l.val != nil && l.val.Len() > 0 {
		acc, err := l.Accuracy(l.val)
		if err != nil {
			return err
		}
		st.ValAccuracy = acc
	}
	st.Seconds = time.Since(start).Seconds()
	l.epoch++
	l.history = append(l.history, st)
	if l.ckptPath != "" {
		if err := l.SaveCheckpoint(l.ckptPath); err != nil {
			return err
		}
	}
	if l.OnEpoch != nil {
		return l.OnEpoch(st)
	}
	return nil
}

// step runs forward, backward and the update on the samples idx.
func (l *Loop) step(mg *mlp.Graph, idx []int) (float64, error) {
	fill(l.train, idx, mg)
	p, _ := mg.TrainProgram()
	p.Run()
	loss := mg.Cost.Scalar()
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		if err := p.CheckFinite(); err != nil {
			return loss, err
		}
		return loss, fmt.Errorf("cost is %v", loss)
	}
	// The solver keys its state by parameter node: always hand it the main
	// graph's nodes, which share storage with those of the last batch.
	if err := l.opt.Step(l.full.Params(), mg.Grads()); err != nil {
		return loss, err
	}
	// A finite cost does not make a finite update: a huge η, or gradients
	// that overflow, can leave NaN or ±Inf in the parameters, and no cost
	// follows the last update of a run to show them: the model saved at
	// the end would hold them.
	return loss, finiteParams(l.full.Params())
}

// ErrDiverged is wrapped by the error that stops training when an update
// leaves a parameter NaN or infinite.
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

// fill writes the samples idx of d into the input and target nodes of mg.
func fill(d *datasets.Dataset, idx []int, mg *mlp.Graph) {
	if mg.Input.DType() == graph.Float32 {
		datasets.FillBatch(d, idx, mg.Input.Float32s(), mg.Target.Float32s(), nil)
	} else {
		datasets.FillBatch(d, idx, mg.Input.Float64s(), mg.Target.Float64s(), nil)
	}
}
