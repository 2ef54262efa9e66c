// Package vit is a small vision transformer for MNIST, built from ops
// alone: the image cut into square patches that become tokens, a linear
// patch embedding plus learned positional embeddings, pre-norm transformer
// blocks (multi-head self-attention, then a GELU MLP, each with a
// residual), a last LayerNorm, the mean of the tokens and a linear head,
// trained on the softmax cross-entropy of its logits. New builds it as a
// train.Model for batches of up to Config.MaxBatch images, which a
// train.Trainer trains and evaluates without rebuilding anything.
//
// Attention is computed as batched matrix products over N × H × T × T
// scores (N images, H heads, T tokens), and every reshape that involves
// the batch copies it (0) or infers it (−1), so one compiled program runs
// any batch. The params carry PyTorch-style names and layouts (a linear
// layer's weight is out × in), so train.SaveParams writes a file that an
// equivalent PyTorch module loads as it is.
package vit

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

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

// The default sizes.
const (
	DefaultPatch = 7
	DefaultDim   = 64
	DefaultHeads = 4
	DefaultDepth = 4
	DefaultMLP   = 128
)

// MaxSize bounds Dim, MLP and Depth.
const MaxSize = 1024

// Config chooses the transformer's sizes. A zero size takes its default.
type Config struct {
	// MaxBatch is the largest batch the graph takes; it runs any batch of
	// 1 to MaxBatch images.
	MaxBatch int
	// DType is graph.Float32 (the default, for zero) or graph.Float64.
	DType graph.DType
	// Seed draws the initial weights.
	Seed uint64
	// Patch is the side of the square patches, a divisor of 28 (default
	// 7: 16 tokens of 49 pixels).
	Patch int
	// Dim is the width of a token (default 64), Heads the number of
	// attention heads (default 4), which must divide Dim.
	Dim, Heads int
	// Depth is the number of transformer blocks (default 4), MLP the
	// hidden width of their MLPs (default 128).
	Depth, MLP int
	// Dropout is the ratio of the values dropped, in training, from the
	// output of each attention and each MLP before it joins the residual
	// stream, in [0, 1); 0 means none.
	Dropout float64
}

func (c Config) withDefaults() Config {
	if c.DType == 0 {
		c.DType = graph.Float32
	}
	for _, s := range []struct {
		v   *int
		def int
	}{{&c.Patch, DefaultPatch}, {&c.Dim, DefaultDim}, {&c.Heads, DefaultHeads}, {&c.Depth, DefaultDepth}, {&c.MLP, DefaultMLP}} {
		if *s.v == 0 {
			*s.v = s.def
		}
	}
	return c
}

// Tokens returns the number of tokens of an image, (28/Patch)².
func (c Config) Tokens() int {
	c = c.withDefaults()
	return (Side / c.Patch) * (Side / c.Patch)
}

// Describe returns the architecture in one line: "patch 7 (16 tokens), dim
// 64, 4 heads, depth 4, mlp 128".
func (c Config) Describe() string {
	c = c.withDefaults()
	return fmt.Sprintf("patch %d (%d tokens), dim %d, %d heads, depth %d, mlp %d", c.Patch, c.Tokens(), c.Dim, c.Heads, c.Depth, c.MLP)
}

// Validate reports the first field of c that cannot be built.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MaxBatch <= 0:
		return fmt.Errorf("vit: max batch %d, want > 0", c.MaxBatch)
	case c.DType != graph.Float32 && c.DType != graph.Float64:
		return fmt.Errorf("vit: dtype %s, want float32 or float64", c.DType)
	case c.Patch < 0 || c.Patch > Side || Side%c.Patch != 0:
		return fmt.Errorf("vit: patch %d, want a divisor of %d", c.Patch, Side)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("vit: dropout %g, want a ratio in [0, 1)", c.Dropout)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"dim", c.Dim}, {"heads", c.Heads}, {"depth", c.Depth}, {"mlp", c.MLP}} {
		if s.v < 0 || s.v > MaxSize {
			return fmt.Errorf("vit: %s: %d, want a size in 1 … %d", s.name, s.v, MaxSize)
		}
	}
	if c.Dim%c.Heads != 0 {
		return fmt.Errorf("vit: %d heads do not divide dim %d", c.Heads, c.Dim)
	}
	return nil
}

// Net is the transformer's graph and the nodes a caller feeds and reads.
type Net struct {
	Config Config
	// Images is N × 1 × 28 × 28 (batched along axis 0), Labels N int64
	// labels in [0, 10).
	Images, Labels *graph.Node
	// Logits is N × 10, Loss the mean softmax cross-entropy of the batch,
	// Correct the number of images whose largest logit is their label (a
	// float64).
	Logits, Loss, Correct *graph.Node
	// Attention holds each block's attention weights, N × H × T × T.
	Attention []*graph.Node
	// Params are the trained params, in the order they are used.
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

// linear is a dense layer's params: y = x·Wᵀ + b, W out × in.
type linear struct{ w, b *graph.Node }

// norm is a LayerNorm's scale and bias.
type norm struct{ scale, bias *graph.Node }

// block is one transformer block's params.
type block struct {
	norm1, norm2       norm
	q, k, v, proj      linear
	fc1, fc2           linear
	heads, dim, tokens int
}

// New builds the transformer of c with freshly drawn weights.
func New(c Config) (*Net, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	g := graph.New()
	in := paraminit.New(c.Seed, 0x717, c.DType)
	var params []*graph.Node
	param := func(name string, t *tensor.Dense) *graph.Node {
		n := g.Param(name, t)
		params = append(params, n)
		return n
	}
	lin := func(name string, out, inputs int) linear {
		return linear{param(name+".weight", in.Lecun(out, inputs)), param(name+".bias", in.Zeros(out))}
	}
	layerNorm := func(name string) norm {
		return norm{param(name+".weight", in.Full(1, c.Dim)), param(name+".bias", in.Zeros(c.Dim))}
	}
	P, T, D := c.Patch, c.Tokens(), c.Dim
	embed := lin("patch_embed", D, P*P)
	pos := param("pos_embed", in.Normal(0.02, 1, T, D))
	blocks := make([]block, c.Depth)
	for i := range blocks {
		name := fmt.Sprintf("blocks.%d.", i)
		blocks[i] = block{norm1: layerNorm(name + "norm1"),
			q: lin(name+"attn.q", D, D), k: lin(name+"attn.k", D, D), v: lin(name+"attn.v", D, D), proj: lin(name+"attn.proj", D, D),
			norm2: layerNorm(name + "norm2"), fc1: lin(name+"mlp.fc1", c.MLP, D), fc2: lin(name+"mlp.fc2", D, c.MLP),
			heads: c.Heads, dim: D, tokens: T}
	}
	final := layerNorm("norm")
	head := lin("head", Classes, D)
	n := &Net{Config: c, Mode: ops.NewMode(true), RNG: ops.NewRNG(c.Seed)}
	drop := func(x *graph.Node) *graph.Node { return ops.Dropout(x, c.Dropout, n.Mode, n.RNG) }

	// docs:begin build
	images := g.Input("images", c.DType, c.MaxBatch, 1, Side, Side).Batched(0)
	labels := g.Input("labels", graph.Int64, c.MaxBatch).Batched(0)
	// Patches as tokens: N × 1 × 28 × 28 → N × 4 × 7 × 4 × 7 (rows of
	// patches, a patch's rows, columns of patches, a patch's columns) →
	// N × 4 × 4 × 7 × 7 → (N·16) × 49, one row per token.
	k := Side / P
	x := ops.Reshape(images, 0, k, P, k, P)
	x = ops.Transpose(x, 0, 1, 3, 2, 4)
	x = ops.Reshape(x, -1, P*P)
	x = embed.apply(x)                                             // (N·T) × D
	x = ops.Reshape(ops.Add(ops.Reshape(x, -1, T, D), pos), -1, D) // + the positional embedding
	for _, b := range blocks {
		a, att := b.attention(b.norm1.apply(x))
		x = ops.Add(x, drop(a))
		x = ops.Add(x, drop(b.mlp(b.norm2.apply(x))))
		n.Attention = append(n.Attention, att)
	}
	// The mean of each image's tokens, then the head.
	pooled := ops.ReduceMean(ops.Reshape(final.apply(x), -1, T, D), false, 1) // N × D
	logits := head.apply(pooled)                                              // N × 10
	loss := ops.SoftmaxCrossEntropyLoss(logits, labels, nil, ops.LossOptions{})
	hit := ops.Equal(ops.ArgMax(logits, 1, false, false), labels)
	correct := ops.ReduceSum(ops.Cast(hit, graph.Float64), false)
	// docs:end build

	logits.Named("logits")
	loss.Named("loss")
	correct.Named("correct")
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("vit: %w", err)
	}
	n.Images, n.Labels, n.Logits, n.Loss, n.Correct, n.Params = images, labels, logits, loss, correct, params
	n.Model = &train.Model{Inputs: []*graph.Node{images, labels}, Loss: loss, Params: params,
		Metrics: []train.Metric{{Name: "accuracy", Node: correct, Sum: true}}, Mode: n.Mode, Streams: []*ops.RNG{n.RNG}}
	return n, nil
}

// docs:begin layers

// apply is the dense layer on the rows of x: x·Wᵀ + b.
func (l linear) apply(x *graph.Node) *graph.Node {
	return ops.Add(ops.MatMul(x, l.w, ops.TransB), l.b)
}

// apply normalises each row of x (a token) and scales and shifts it.
func (l norm) apply(x *graph.Node) *graph.Node {
	return ops.LayerNormalization(x, l.scale, l.bias, -1, 1e-5)
}

// attention is multi-head self-attention on the tokens x, (N·T) × D: each
// head h attends with softmax(q_h·k_hᵀ/√d_h) over the T tokens of its
// image, as N × H × T × T batched products. It returns the projected
// result, (N·T) × D, and the attention weights.
func (b block) attention(x *graph.Node) (out, weights *graph.Node) {
	T, H, dh := b.tokens, b.heads, b.dim/b.heads
	// (N·T) × D → N × T × H × dh → N × H × T × dh
	split := func(z *graph.Node) *graph.Node {
		return ops.Transpose(ops.Reshape(z, -1, T, H, dh), 0, 2, 1, 3)
	}
	q, k, v := split(b.q.apply(x)), split(b.k.apply(x)), split(b.v.apply(x))
	scores := ops.Scale(ops.MatMul(q, k, ops.TransB), 1/math.Sqrt(float64(dh))) // N × H × T × T
	weights = ops.Softmax(scores, -1)
	heads := ops.MatMul(weights, v, 0)                                 // N × H × T × dh
	merged := ops.Reshape(ops.Transpose(heads, 0, 2, 1, 3), -1, b.dim) // (N·T) × D
	return b.proj.apply(merged), weights
}

// mlp is the block's feed-forward part: fc2(GELU(fc1(x))).
func (b block) mlp(x *graph.Node) *graph.Node {
	return b.fc2.apply(ops.GELU(b.fc1.apply(x)))
}

// docs:end layers
