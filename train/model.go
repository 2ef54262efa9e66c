package train

import (
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Model is what a Trainer trains: any graph whose inputs have a batch axis
// (graph.Node.Batched), a scalar loss, and the params an optimizer
// updates. The Trainer knows nothing of layers: a model package builds the
// graph from ops and hands over these nodes.
type Model struct {
	// Inputs are the graph's batched inputs, in the order a Data fills
	// them (for a classifier: the samples, then their labels).
	Inputs []*graph.Node
	// Loss is the scalar cost that training minimises; evaluation reports
	// its mean as "loss".
	Loss *graph.Node
	// Params are the trainable parameters, each with a name unique in the
	// graph (checkpoints and saved models refer to them by name).
	Params []*graph.Node
	// Grads, if set, are the gradients of Loss with respect to Params,
	// already in the graph; otherwise the trainer adds them.
	Grads []*graph.Node
	// Metrics are scalar nodes that evaluation averages over its batches,
	// weighted by their sizes: the accuracy of a batch, say.
	Metrics []Metric
	// Mode, if set, is switched to training for the steps and to
	// inference for evaluation (Dropout, BatchNormalization).
	Mode *ops.Mode
	// Streams are the random streams of the model (Dropout's): checkpoints
	// save their state, so a resumed run draws the same masks.
	Streams []*ops.RNG
}

// Metric is a scalar node reported under a name: by default the mean of
// something over the batch's samples; with Sum, its sum over them (the
// number of correct answers, say, kept exact in float64), which
// evaluation divides by the number of samples once, at the end.
type Metric struct {
	Name string
	Node *graph.Node
	Sum  bool
}

// Validate reports the first thing that keeps m from being trained.
func (m *Model) Validate() error {
	if m.Loss == nil {
		return fmt.Errorf("train: model: no loss")
	}
	if m.Loss.Shape().Size() != 1 || !m.Loss.DType().IsFloat() {
		return fmt.Errorf("train: model: loss %s is %s %s, want a float scalar", m.Loss.Name(), m.Loss.DType(), m.Loss.Shape())
	}
	g := m.Loss.Graph()
	if err := g.Err(); err != nil {
		return err
	}
	if len(m.Inputs) == 0 {
		return fmt.Errorf("train: model: no inputs")
	}
	for _, in := range m.Inputs {
		if in.Graph() != g || in.Kind() != graph.KindInput {
			return fmt.Errorf("train: model: %s is not an input of the loss's graph", in.Name())
		}
		if in.BatchAxis() < 0 {
			return fmt.Errorf("train: model: input %s has no batch axis (graph.Node.Batched)", in.Name())
		}
	}
	if len(m.Params) == 0 {
		return fmt.Errorf("train: model: no params")
	}
	seen := map[string]bool{}
	for _, p := range m.Params {
		if p.Graph() != g || p.Kind() != graph.KindParam {
			return fmt.Errorf("train: model: %s is not a param of the loss's graph", p.Name())
		}
		if !p.HasName() {
			return fmt.Errorf("train: model: param %s has no name", p.Name())
		}
		if seen[p.Name()] {
			return fmt.Errorf("train: model: two params are named %s", p.Name())
		}
		seen[p.Name()] = true
	}
	for _, mt := range m.Metrics {
		if mt.Node == nil || mt.Node.Shape().Size() != 1 || !mt.Node.DType().IsFloat() {
			return fmt.Errorf("train: model: metric %q is not a float scalar", mt.Name)
		}
	}
	return nil
}

// MaxBatch returns the largest batch the model's graph takes: the length
// of its first input's batch axis.
func (m *Model) MaxBatch() int {
	in := m.Inputs[0]
	return in.Shape()[in.BatchAxis()]
}

// Data is a set of samples that can fill a model's inputs.
type Data interface {
	// Len returns the number of samples.
	Len() int
	// Fill writes the samples idx (at most the inputs' largest batch) into
	// the storage of inputs, in order, setting their batch to len(idx).
	Fill(inputs []*graph.Node, idx []int) error
	// Fingerprint identifies the data's content, for checkpoints.
	Fingerprint() string
}

// Rows is a classification data set fed with the samples first, as every
// model but the lecture's MLP takes them: the first input receives the
// samples (a batch × sample shape value, such as N×1×28×28 for MNIST) and
// the second their labels as int64 (a vector of the batch's length).
func Rows(d *datasets.Dataset) Data { return rows{d} }

type rows struct{ d *datasets.Dataset }

func (r rows) Len() int            { return r.d.Len() }
func (r rows) Fingerprint() string { return r.d.Fingerprint() }

func (r rows) Fill(inputs []*graph.Node, idx []int) error {
	if len(inputs) != 2 {
		return fmt.Errorf("train: rows of %s fill 2 inputs (samples, labels), the model has %d", r.d.Name, len(inputs))
	}
	x, l := inputs[0], inputs[1]
	if err := setBatch(len(idx), x, l); err != nil {
		return err
	}
	if per := x.Storage().Len() / max(1, len(idx)); per != r.d.Features {
		return fmt.Errorf("train: input %s takes %d values a sample, %s has %d", x.Name(), per, r.d.Name, r.d.Features)
	}
	if l.DType() != graph.Int64 || l.Storage().Len() != len(idx) {
		return fmt.Errorf("train: input %s takes the labels: want int64 with one value a sample", l.Name())
	}
	v := x.Storage()
	switch v.DType() {
	case graph.Float32:
		datasets.FillRows(r.d, idx, v.F32, l.Int64s())
	case graph.Float64:
		datasets.FillRows(r.d, idx, v.F64, l.Int64s())
	default:
		return fmt.Errorf("train: input %s is %s, want a float", x.Name(), v.DType())
	}
	return nil
}

// Columns is a data set fed in the lecture's layout, one column per
// sample: the first input receives the samples (Features × M) and the
// second the targets (Targets() × M, one-hot for classes).
func Columns(d *datasets.Dataset) Data { return columns{d} }

type columns struct{ d *datasets.Dataset }

func (c columns) Len() int            { return c.d.Len() }
func (c columns) Fingerprint() string { return c.d.Fingerprint() }

func (c columns) Fill(inputs []*graph.Node, idx []int) error {
	if len(inputs) != 2 {
		return fmt.Errorf("train: columns of %s fill 2 inputs (samples, targets), the model has %d", c.d.Name, len(inputs))
	}
	x, y := inputs[0], inputs[1]
	if err := setBatch(len(idx), x, y); err != nil {
		return err
	}
	if x.Storage().Len() != c.d.Features*len(idx) || y.Storage().Len() != c.d.Targets()*len(idx) {
		return fmt.Errorf("train: inputs %s and %s do not take %d features and %d targets a sample", x.Name(), y.Name(), c.d.Features, c.d.Targets())
	}
	xv, yv := x.Storage(), y.Storage()
	switch xv.DType() {
	case graph.Float32:
		datasets.FillBatch(c.d, idx, xv.F32, yv.F32, nil)
	case graph.Float64:
		datasets.FillBatch(c.d, idx, xv.F64, yv.F64, nil)
	default:
		return fmt.Errorf("train: input %s is %s, want a float", x.Name(), xv.DType())
	}
	return nil
}

// Windows is a text fed to a language model: sample k is the window of
// ctx tokens starting at k·stride, the first input receives the windows'
// tokens and the second the next tokens (both int64, batch × ctx).
func Windows(text []byte, ctx, stride int, fingerprint string) Data {
	return windows{text: text, ctx: ctx, stride: max(1, stride), print: fingerprint}
}

type windows struct {
	text        []byte
	ctx, stride int
	print       string
}

func (w windows) Len() int {
	return (datasets.Windows(w.text, w.ctx) + w.stride - 1) / w.stride
}

func (w windows) Fingerprint() string {
	return fmt.Sprintf("%s/ctx%d/stride%d", w.print, w.ctx, w.stride)
}

func (w windows) Fill(inputs []*graph.Node, idx []int) error {
	if len(inputs) != 2 {
		return fmt.Errorf("train: windows fill 2 inputs (tokens, next tokens), the model has %d", len(inputs))
	}
	x, y := inputs[0], inputs[1]
	if err := setBatch(len(idx), x, y); err != nil {
		return err
	}
	if x.DType() != graph.Int64 || y.DType() != graph.Int64 || x.Storage().Len() != w.ctx*len(idx) || y.Storage().Len() != w.ctx*len(idx) {
		return fmt.Errorf("train: inputs %s and %s do not take %d int64 tokens a sample", x.Name(), y.Name(), w.ctx)
	}
	xs, ys := x.Int64s(), y.Int64s()
	for k, i := range idx {
		if i < 0 || i >= w.Len() {
			return fmt.Errorf("train: window %d of %d", i, w.Len())
		}
		win := w.text[i*w.stride : i*w.stride+w.ctx+1]
		for j := 0; j < w.ctx; j++ {
			xs[k*w.ctx+j] = int64(win[j])
			ys[k*w.ctx+j] = int64(win[j+1])
		}
	}
	return nil
}

// setBatch sets the batch of every input to n, or says why it cannot.
func setBatch(n int, inputs ...*graph.Node) error {
	for _, in := range inputs {
		if err := in.SetBatch(n); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	return nil
}
