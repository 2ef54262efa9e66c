// Package lenet is a LeNet-style convolutional network for MNIST, built
// from ops alone: two 5×5 convolutions, each followed by a 2×2 max-pool
// and a ReLU, then three dense layers with dropout after the first two,
// and the softmax cross-entropy of the logits. New builds it as a
// train.Model for batches of up to Config.MaxBatch images, which a
// train.Trainer trains and evaluates without rebuilding anything.
//
// The params carry the names and layouts of the equivalent PyTorch
// module's state_dict (conv1.weight is out × in × 5 × 5, fc1.weight is
// out × in as nn.Linear keeps it), so train.SaveParams writes a file that
// such a module loads as it is.
package lenet

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/internal/paraminit"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/train"
)

// Side is the height and width of the images, Classes the number of
// labels.
const (
	Side    = 28
	Classes = 10
)

// Config chooses the network's sizes and its randomness. A zero size
// takes its default.
type Config struct {
	// MaxBatch is the largest batch the graph takes; it runs any batch of
	// 1 to MaxBatch images.
	MaxBatch int
	// DType is graph.Float32 (the default, for zero) or graph.Float64.
	DType graph.DType
	// Dropout is the ratio of units dropped after each of the two hidden
	// dense layers in training, in [0, 1); 0 means none.
	Dropout float64
	// Seed draws the initial weights and seeds the dropout masks' stream.
	Seed uint64
	// Conv1 and Conv2 are the channels of the two convolutions (default
	// 16 and 32); Hidden1 and Hidden2 the widths of the hidden dense
	// layers (default 128 and 84).
	Conv1, Conv2, Hidden1, Hidden2 int
}

// The default sizes.
const (
	DefaultConv1   = 16
	DefaultConv2   = 32
	DefaultHidden1 = 128
	DefaultHidden2 = 84
)

// MaxSize bounds each of the sizes of a Config.
const MaxSize = 1024

// Net is the network's graph and the nodes a caller feeds and reads.
type Net struct {
	Config Config
	// Images is N × 1 × 28 × 28 (batched along axis 0), Labels N int64
	// labels in [0, 10).
	Images, Labels *graph.Node
	// Logits is N × 10, Loss the mean softmax cross-entropy of the batch,
	// Correct the number of images whose largest logit is their label (a
	// float64).
	Logits, Loss, Correct *graph.Node
	// Params are the trained params, in the order of the layers.
	Params []*graph.Node
	// Mode switches dropout on (training) and off (inference); RNG is the
	// stream of its masks.
	Mode *ops.Mode
	RNG  *ops.RNG
	// Model is the network as train.Trainer takes it: inputs Images and
	// Labels (train.Rows fills them), the metric "accuracy", the mode and
	// the stream.
	Model *train.Model
}

// Describe returns the architecture in one line: "16c5-p2-32c5-p2-128-84-10".
func (c Config) Describe() string {
	c = c.withDefaults()
	return fmt.Sprintf("%dc5-p2-%dc5-p2-%d-%d-%d", c.Conv1, c.Conv2, c.Hidden1, c.Hidden2, Classes)
}

func (c Config) withDefaults() Config {
	if c.DType == 0 {
		c.DType = graph.Float32
	}
	for _, s := range []struct {
		v   *int
		def int
	}{{&c.Conv1, DefaultConv1}, {&c.Conv2, DefaultConv2}, {&c.Hidden1, DefaultHidden1}, {&c.Hidden2, DefaultHidden2}} {
		if *s.v == 0 {
			*s.v = s.def
		}
	}
	return c
}

// Validate reports the first field of c that cannot be built.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MaxBatch <= 0:
		return fmt.Errorf("lenet: max batch %d, want > 0", c.MaxBatch)
	case c.DType != graph.Float32 && c.DType != graph.Float64:
		return fmt.Errorf("lenet: dtype %s, want float32 or float64", c.DType)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("lenet: dropout %g, want a ratio in [0, 1)", c.Dropout)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"conv1", c.Conv1}, {"conv2", c.Conv2}, {"hidden1", c.Hidden1}, {"hidden2", c.Hidden2}} {
		if s.v < 0 || s.v > MaxSize {
			return fmt.Errorf("lenet: %s: %d, want a size in 1 … %d", s.name, s.v, MaxSize)
		}
	}
	return nil
}

// New builds the network of c with freshly drawn weights.
func New(c Config) (*Net, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	g := graph.New()
	init := paraminit.New(c.Seed, 0x1e7e7, c.DType)
	// PyTorch's layouts: a convolution's weight is out × in × kh × kw, a
	// dense layer's out × in.
	conv1w := g.Param("conv1.weight", init.He(c.Conv1, 1, 5, 5))
	conv1b := g.Param("conv1.bias", init.Zeros(c.Conv1))
	conv2w := g.Param("conv2.weight", init.He(c.Conv2, c.Conv1, 5, 5))
	conv2b := g.Param("conv2.bias", init.Zeros(c.Conv2))
	flat := c.Conv2 * 4 * 4
	fc1w := g.Param("fc1.weight", init.He(c.Hidden1, flat))
	fc1b := g.Param("fc1.bias", init.Zeros(c.Hidden1))
	fc2w := g.Param("fc2.weight", init.He(c.Hidden2, c.Hidden1))
	fc2b := g.Param("fc2.bias", init.Zeros(c.Hidden2))
	fc3w := g.Param("fc3.weight", init.Lecun(Classes, c.Hidden2))
	fc3b := g.Param("fc3.bias", init.Zeros(Classes))
	mode, rng := ops.NewMode(true), ops.NewRNG(c.Seed)

	// docs:begin build
	images := g.Input("images", c.DType, c.MaxBatch, 1, Side, Side).Batched(0)
	labels := g.Input("labels", graph.Int64, c.MaxBatch).Batched(0)
	pool := ops.MaxPoolOptions{KernelShape: []int{2, 2}, Strides: []int{2, 2}}
	// dense is x·Wᵀ + b, W out × in as nn.Linear keeps it.
	dense := func(x, w, b *graph.Node) *graph.Node { return ops.Add(ops.MatMul(x, w, ops.TransB), b) }

	// Max-pooling before the ReLU gives what pooling after it gives (both
	// are monotone), on a quarter of the values.
	h := ops.Conv(images, conv1w, conv1b, ops.ConvOptions{}) // N × 16 × 24 × 24
	h = ops.ReLU(ops.MaxPool(h, pool))                       // N × 16 × 12 × 12
	h = ops.Conv(h, conv2w, conv2b, ops.ConvOptions{})       // N × 32 × 8 × 8
	h = ops.ReLU(ops.MaxPool(h, pool))                       // N × 32 × 4 × 4
	h = ops.Flatten(h, 1)                                    // N × 512
	h = ops.Dropout(ops.ReLU(dense(h, fc1w, fc1b)), c.Dropout, mode, rng)
	h = ops.Dropout(ops.ReLU(dense(h, fc2w, fc2b)), c.Dropout, mode, rng)
	logits := dense(h, fc3w, fc3b) // N × 10
	loss := ops.SoftmaxCrossEntropyLoss(logits, labels, nil, ops.LossOptions{})
	hit := ops.Equal(ops.ArgMax(logits, 1, false, false), labels)
	correct := ops.ReduceSum(ops.Cast(hit, graph.Float64), false)
	// docs:end build

	logits.Named("logits")
	loss.Named("loss")
	correct.Named("correct")
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("lenet: %w", err)
	}
	params := []*graph.Node{conv1w, conv1b, conv2w, conv2b, fc1w, fc1b, fc2w, fc2b, fc3w, fc3b}
	n := &Net{Config: c, Images: images, Labels: labels, Logits: logits, Loss: loss, Correct: correct,
		Params: params, Mode: mode, RNG: rng}
	n.Model = &train.Model{Inputs: []*graph.Node{images, labels}, Loss: loss, Params: params,
		Metrics: []train.Metric{{Name: "accuracy", Node: correct, Sum: true}}, Mode: mode, Streams: []*ops.RNG{rng}}
	return n, nil
}
