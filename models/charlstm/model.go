// Package charlstm is a character-level (byte-level) language model built
// from gradgraph's ops: an embedding looked up with Gather, one or more
// LSTM layers (ONNX's LSTM, batch-first), and a linear head whose logits
// are scored against the next byte by SoftmaxCrossEntropyLoss. It reads
// windows of a fixed context length, as train.Windows feeds them, and
// reports the mean cross-entropy in bits per character as a metric.
//
// New returns the model with its nodes and the train.Model a
// train.Trainer trains; a Sampler generates text from it, one byte at a
// time, with a clone of its compiled forward pass at batch 1.
package charlstm

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/internal/paraminit"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/train"
)

// Config is the shape of a model.
type Config struct {
	// Vocab is the number of tokens (the bytes that occur in the corpus).
	Vocab int
	// Context is the number of tokens a sample holds, T.
	Context int
	// Embed is the width of a token's embedding, E.
	Embed int
	// Hidden is the number of units of each LSTM layer, H.
	Hidden int
	// Layers is the number of stacked LSTM layers (at least 1).
	Layers int
	// Batch is the largest batch the graph takes; any batch from 1 to it
	// runs the same compiled program.
	Batch int
	// DType is graph.Float32 or graph.Float64.
	DType graph.DType
	// Seed drives the initial weights.
	Seed uint64
}

// Validate reports the first field that cannot make a model.
func (c Config) Validate() error {
	switch {
	case c.Vocab < 2:
		return fmt.Errorf("charlstm: vocabulary of %d tokens, want at least 2", c.Vocab)
	case c.Context < 1:
		return fmt.Errorf("charlstm: context %d, want ≥ 1", c.Context)
	case c.Embed < 1 || c.Hidden < 1:
		return fmt.Errorf("charlstm: embedding %d and hidden size %d, want ≥ 1", c.Embed, c.Hidden)
	case c.Layers < 1:
		return fmt.Errorf("charlstm: %d layers, want ≥ 1", c.Layers)
	case c.Batch < 1:
		return fmt.Errorf("charlstm: batch %d, want ≥ 1", c.Batch)
	case !c.DType.IsFloat():
		return fmt.Errorf("charlstm: dtype %s, want float32 or float64", c.DType)
	}
	return nil
}

// Model is a character-level LSTM language model: its graph, its nodes and
// the train.Model that trains it.
type Model struct {
	Config
	// Graph holds every node of the model.
	Graph *graph.Graph
	// Tokens and Next are the inputs, int64 batch × Context: a window of
	// token ids and the tokens that follow each of them (train.Windows
	// fills them in this order).
	Tokens, Next *graph.Node
	// Embedding is the Vocab × Embed table of token vectors.
	Embedding *graph.Node
	// W, R and B are each layer's LSTM weights in ONNX's layout (one
	// direction, gates i, o, f, c): W 1 × 4H × input, R 1 × 4H × H and
	// B 1 × 8H (the input biases, then the recurrence biases).
	W, R, B []*graph.Node
	// HeadW (Hidden × Vocab) and HeadB (Vocab) map the last layer's
	// hidden state to the logits.
	HeadW, HeadB *graph.Node
	// Logits is batch × Context × Vocab: the unnormalised log-probability
	// of each next token.
	Logits *graph.Node
	// Loss is the mean cross-entropy of the next tokens, in nats.
	Loss *graph.Node
	// Bits is Loss in bits per character, Loss / ln 2.
	Bits *graph.Node
	// Train is the model as a train.Trainer takes it: inputs Tokens and
	// Next, loss Loss, the metric "bits" (bits per character).
	Train *train.Model
}

// New builds the model of c, its weights drawn from c.Seed: the embedding
// from N(0, 1), every LSTM and head weight uniformly from [−1/√H, 1/√H)
// as PyTorch initialises them, the biases 0 but the forget gate's input
// bias, 1, so that the cell state starts by remembering. The draws come
// from math/rand/v2's PCG seeded with (Seed, 0), in float64, parameter by
// parameter in the order Params lists them; a float32 model rounds the
// same draws.
func New(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	g := graph.New()
	m := &Model{Config: c, Graph: g}
	init := paraminit.New(c.Seed, 0, c.DType)
	m.Embedding = g.Param("embedding", init.Normal(1, c.Vocab, c.Embed))
	bound := 1 / math.Sqrt(float64(c.Hidden))
	in := c.Embed
	for l := range c.Layers {
		name := fmt.Sprintf("lstm%d.", l+1)
		m.W = append(m.W, g.Param(name+"W", init.Uniform(bound, 1, 4*c.Hidden, in)))
		m.R = append(m.R, g.Param(name+"R", init.Uniform(bound, 1, 4*c.Hidden, c.Hidden)))
		m.B = append(m.B, g.Param(name+"B", init.Dense(forgetBias(c.Hidden), 1, 8*c.Hidden)))
		in = c.Hidden
	}
	m.HeadW = g.Param("head.W", init.Uniform(bound, c.Hidden, c.Vocab))
	m.HeadB = g.Param("head.B", init.Zeros(c.Vocab))
	m.build()
	if err := g.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// build adds the model's inputs, its forward pass and its loss.
func (m *Model) build() {
	g, c := m.Graph, m.Config
	// docs:begin build
	// Inputs: windows of token ids and the token after each position,
	// batch × T, the batch axis first.
	m.Tokens = g.Input("tokens", graph.Int64, c.Batch, c.Context).Batched(0)
	m.Next = g.Input("next", graph.Int64, c.Batch, c.Context).Batched(0)

	// Embedding: one row of the table per token, batch × T × E.
	x := ops.Gather(m.Embedding, m.Tokens, 0)
	for l := range c.Layers {
		// ONNX's LSTM, batch-first (layout 1), from zero states: Y is
		// batch × T × 1 × H, every step's hidden state.
		y := ops.LSTM(x, m.W[l], m.R[l], m.B[l], nil, nil, nil, ops.RNNOptions{Layout: 1}).Y
		x = ops.Squeeze(y, 2) // batch × T × H
	}
	// The head, one matrix product for every position of every window.
	m.Logits = ops.Add(ops.MatMul(x, m.HeadW, 0), m.HeadB).Named("logits") // batch × T × V

	// The loss: every position is a sample of V classes. Reshape with −1
	// lets the batch vary at run time.
	scores := ops.Reshape(m.Logits, -1, c.Vocab) // batch·T × V
	labels := ops.Reshape(m.Next, -1)            // batch·T
	m.Loss = ops.SoftmaxCrossEntropyLoss(scores, labels, nil, ops.LossOptions{}).Named("loss")
	m.Bits = ops.Scale(m.Loss, 1/math.Ln2).Named("bits")
	// docs:end build
	m.Train = &train.Model{
		Inputs:  []*graph.Node{m.Tokens, m.Next},
		Loss:    m.Loss,
		Params:  m.Params(),
		Metrics: []train.Metric{{Name: "bits", Node: m.Bits}},
	}
}

// Params returns the trainable parameters in a fixed order: the
// embedding, each layer's W, R and B, the head's weights and bias.
func (m *Model) Params() []*graph.Node {
	ps := []*graph.Node{m.Embedding}
	for l := range m.W {
		ps = append(ps, m.W[l], m.R[l], m.B[l])
	}
	return append(ps, m.HeadW, m.HeadB)
}

// NumParams returns the number of trainable numbers.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += p.Shape().Size()
	}
	return n
}

// forgetBias returns ONNX's LSTM biases [Wb_iofc, Rb_iofc] of h units:
// 1 for the forget gate's input biases (entries 2h … 3h), 0 elsewhere.
func forgetBias(h int) []float64 {
	b := make([]float64, 8*h)
	for i := 2 * h; i < 3*h; i++ {
		b[i] = 1
	}
	return b
}
