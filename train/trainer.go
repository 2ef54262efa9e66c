package train

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
)

// Trainer trains any Model: epochs of seeded, shuffled mini-batches, a
// solver step per batch, the loss and metrics of a validation set per
// epoch, atomic checkpoints with bit-identical resume, and a guard that
// stops at the first NaN or infinity (in the loss before an update, or in
// the params after one) naming where it appeared. One compiled program
// serves every batch: the short last batch of an epoch and evaluation on
// any number of samples run it at a smaller batch, without rebuilding or
// allocating. It prints nothing: progress reaches the caller through
// OnBatch and OnEpoch.
type Trainer struct {
	// OnBatch, if set, is called after every step.
	OnBatch func(Progress)
	// OnEpoch, if set, is called after every epoch, after the checkpoint.
	OnEpoch func(EpochStats) error

	model    *Model
	train    Data
	val      Data
	opt      Optimizer
	batch    int
	seed     uint64
	dropLast bool
	ckpt     string
	settings []Setting

	grads   []*graph.Node
	step    *graph.Program // loss and gradients
	ev      *evaluator     // loss and metrics
	sampler *datasets.Sampler
	epoch   int
	history []EpochStats
	// trainPrint and valPrint are the data's fingerprints, computed for
	// the first checkpoint.
	trainPrint, valPrint string
}

// NewTrainer returns a trainer of m on the train data with opt, reporting
// the loss and metrics of val (which may be nil) after every epoch. The
// batch size is at most the model's largest batch. It differentiates the
// loss and compiles the two programs (training and evaluation) now.
func NewTrainer(m *Model, trainData, val Data, opt Optimizer, o Options) (*Trainer, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if trainData == nil || trainData.Len() == 0 {
		return nil, errors.New("train: the training data is empty")
	}
	if o.BatchSize <= 0 {
		return nil, fmt.Errorf("train: batch size %d, want > 0", o.BatchSize)
	}
	if n := m.MaxBatch(); o.BatchSize > n {
		return nil, fmt.Errorf("train: batch size %d, but the model takes at most %d samples a batch", o.BatchSize, n)
	}
	t := &Trainer{model: m, train: trainData, val: val, opt: opt, batch: min(o.BatchSize, trainData.Len()), seed: o.Seed,
		dropLast: o.DropLast, ckpt: o.Checkpoint, settings: slices.Clone(o.Settings)}
	grads := m.Grads
	if grads == nil {
		var err error
		if grads, err = autodiff.Grad(m.Loss, m.Params...); err != nil {
			return nil, err
		}
	} else if len(grads) != len(m.Params) {
		return nil, fmt.Errorf("train: model: %d gradients for %d params", len(grads), len(m.Params))
	}
	t.grads = grads
	var err error
	g := m.Loss.Graph()
	if t.step, err = g.Compile(append([]*graph.Node{m.Loss}, grads...)...); err != nil {
		return nil, err
	}
	if t.ev, err = newEvaluator(m); err != nil {
		return nil, err
	}
	t.sampler = datasets.NewSampler(trainData.Len(), t.batch, o.Seed, o.DropLast)
	return t, nil
}

// Model returns the model the trainer trains.
func (t *Trainer) Model() *Model { return t.model }

// Epoch returns the number of epochs completed.
func (t *Trainer) Epoch() int { return t.epoch }

// History returns the statistics of the completed epochs.
func (t *Trainer) History() []EpochStats { return t.history }

// Run trains until epochs epochs are complete (counting those restored from
// a checkpoint) or ctx is cancelled. Asking for fewer epochs than are
// complete is an error.
func (t *Trainer) Run(ctx context.Context, epochs int) error {
	if epochs < t.epoch {
		return fmt.Errorf("train: run to epoch %d: %d epochs are complete already", epochs, t.epoch)
	}
	for t.epoch < epochs {
		if err := t.runEpoch(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (t *Trainer) runEpoch(ctx context.Context) error {
	start := time.Now()
	epoch := t.epoch
	t.sampler.Shuffle(epoch)
	n := t.sampler.NumBatches()
	var total float64
	if t.model.Mode != nil {
		t.model.Mode.SetTraining(true)
	}
	for b := 0; b < n; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		loss, err := t.stepOn(t.sampler.Batch(b))
		if err != nil {
			return fmt.Errorf("train: epoch %d, batch %d: %w", epoch+1, b+1, err)
		}
		total += loss
		if t.OnBatch != nil {
			t.OnBatch(Progress{Epoch: epoch + 1, Batch: b + 1, Batches: n, Loss: loss})
		}
	}
	st := EpochStats{Epoch: epoch + 1, Loss: total / float64(n)}
	if t.val != nil && t.val.Len() > 0 {
		res, err := t.Evaluate(t.val)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(res)) {
			if v := res[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("train: epoch %d: %w: the validation %s is %v", epoch+1, ErrDiverged, k, v)
			}
		}
		st.ValLoss = res["loss"]
		st.ValMetrics = res
		if acc, ok := res["accuracy"]; ok {
			st.ValAccuracy = acc
		}
	}
	st.Seconds = time.Since(start).Seconds()
	t.epoch++
	t.history = append(t.history, st)
	if t.ckpt != "" {
		if err := t.SaveCheckpoint(t.ckpt); err != nil {
			return err
		}
	}
	if t.OnEpoch != nil {
		return t.OnEpoch(st)
	}
	return nil
}

// stepOn runs forward, backward and the update on the samples idx.
func (t *Trainer) stepOn(idx []int) (float64, error) {
	if err := t.train.Fill(t.model.Inputs, idx); err != nil {
		return 0, err
	}
	t.step.Run()
	if err := t.step.Err(); err != nil {
		return 0, err
	}
	loss := t.model.Loss.Scalar()
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		// No update: the first node that made a NaN or an infinity.
		if err := t.step.CheckFinite(); err != nil {
			return loss, err
		}
		return loss, fmt.Errorf("the loss is %v", loss)
	}
	if err := t.opt.Step(t.model.Params, t.grads); err != nil {
		return loss, err
	}
	return loss, finiteParams(t.model.Params)
}

// Evaluate returns the mean loss ("loss") and the mean of each metric of
// the model on d, in inference mode, in batches of the model's largest
// batch (the last one shorter): the mean of a batch's value weighted by its
// number of samples.
func (t *Trainer) Evaluate(d Data) (map[string]float64, error) {
	return t.ev.run(d)
}

// Evaluate returns the mean loss and metrics of m on d, as
// Trainer.Evaluate does, compiling an evaluation program for the call.
func Evaluate(m *Model, d Data) (map[string]float64, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	ev, err := newEvaluator(m)
	if err != nil {
		return nil, err
	}
	return ev.run(d)
}

// evaluator runs a model's loss and metrics over data, batch by batch,
// with the buffers of its sums kept from call to call.
type evaluator struct {
	m    *Model
	p    *graph.Program
	idx  []int
	sums []float64
}

func newEvaluator(m *Model) (*evaluator, error) {
	outs := []*graph.Node{m.Loss}
	for _, mt := range m.Metrics {
		outs = append(outs, mt.Node)
	}
	p, err := m.Loss.Graph().Compile(outs...)
	if err != nil {
		return nil, err
	}
	return &evaluator{m: m, p: p, idx: make([]int, 0, m.MaxBatch()), sums: make([]float64, len(outs))}, nil
}

func (e *evaluator) run(d Data) (map[string]float64, error) {
	if d == nil || d.Len() == 0 {
		return nil, errors.New("train: evaluate: no samples")
	}
	m := e.m
	if m.Mode != nil {
		training := m.Mode.Training()
		m.Mode.SetTraining(false)
		defer m.Mode.SetTraining(training)
	}
	clear(e.sums)
	size := m.MaxBatch()
	for lo := 0; lo < d.Len(); lo += size {
		hi := min(lo+size, d.Len())
		e.idx = e.idx[:0]
		for k := lo; k < hi; k++ {
			e.idx = append(e.idx, k)
		}
		if err := d.Fill(m.Inputs, e.idx); err != nil {
			return nil, err
		}
		e.p.Run()
		if err := e.p.Err(); err != nil {
			return nil, err
		}
		w := float64(hi - lo)
		e.sums[0] += w * m.Loss.Scalar()
		for i, mt := range m.Metrics {
			if mt.Sum {
				e.sums[i+1] += mt.Node.Scalar()
			} else {
				e.sums[i+1] += w * mt.Node.Scalar()
			}
		}
	}
	res := map[string]float64{"loss": e.sums[0] / float64(d.Len())}
	for i, mt := range m.Metrics {
		res[mt.Name] = e.sums[i+1] / float64(d.Len())
	}
	return res, nil
}
