// Package vae is a variational auto-encoder (Kingma and Welling, 2014)
// built from gradgraph's ops, for images of pixels in [0, 1] such as
// MNIST's. A dense encoder maps an image x to the mean μ and the log-variance
// log σ² of a Gaussian q(z | x) over a latent code z; z = μ + σ⊙ε, with ε
// a standard normal noise fed as an input (the reparameterisation, which
// keeps the draw outside the gradient's path); a dense decoder maps z to
// the logits of independent Bernoulli pixels. The loss is the negative
// evidence lower bound (ELBO) per image: the binary cross-entropy of the
// image under the decoded logits, summed over the pixels, plus the
// Kullback–Leibler divergence of q(z | x) from the prior N(0, I), in
// closed form.
//
// New returns the model with its nodes and the train.Model a
// train.Trainer trains; Data feeds it images with their noise, drawn
// reproducibly per batch. The decoder is also a branch of the graph from
// an input of its own, for sampling digits from the prior.
package vae

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/internal/paraminit"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/train"
)

// Config is the shape of a model.
type Config struct {
	// Pixels is the number of pixels of an image (784 for MNIST).
	Pixels int
	// Hidden is the width of the encoder's and the decoder's hidden layer.
	Hidden int
	// Latent is the dimension of the code z.
	Latent int
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
	case c.Pixels < 1 || c.Hidden < 1 || c.Latent < 1:
		return fmt.Errorf("vae: %d pixels, hidden width %d and latent dimension %d, want each ≥ 1", c.Pixels, c.Hidden, c.Latent)
	case c.Batch < 1:
		return fmt.Errorf("vae: batch %d, want ≥ 1", c.Batch)
	case !c.DType.IsFloat():
		return fmt.Errorf("vae: dtype %s, want float32 or float64", c.DType)
	}
	return nil
}

// Model is a variational auto-encoder: its graph, its nodes and the
// train.Model that trains it. Dense layers compute x·W + b for x batch ×
// in and W in × out.
type Model struct {
	Config
	// Graph holds every node of the model.
	Graph *graph.Graph
	// Images (batch × Pixels, values in [0, 1]) and Noise (batch × Latent,
	// standard normal) are the inputs training feeds, in this order.
	Images, Noise *graph.Node
	// Code is the decoder's own input (batch × Latent): codes to decode
	// into images, for sampling from the prior.
	Code *graph.Node
	// The encoder: a hidden layer (EncW, EncB), then the mean (MuW, MuB)
	// and the log-variance (LogVarW, LogVarB) of q(z | x).
	EncW, EncB, MuW, MuB, LogVarW, LogVarB *graph.Node
	// The decoder: a hidden layer (DecW, DecB), then the pixels' logits
	// (OutW, OutB).
	DecW, DecB, OutW, OutB *graph.Node
	// Mu and LogVar are the encoder's outputs, batch × Latent.
	Mu, LogVar *graph.Node
	// Z = Mu + exp(LogVar/2)⊙Noise is the sampled code, batch × Latent.
	Z *graph.Node
	// Logits are the decoded pixels' logits, batch × Pixels.
	Logits *graph.Node
	// Recon is the reconstruction term: the binary cross-entropy of the
	// images under Logits, summed over the pixels, averaged over the batch
	// (nats per image).
	Recon *graph.Node
	// KL is the divergence of q(z | x) from N(0, I), averaged over the
	// batch (nats per image).
	KL *graph.Node
	// Loss is Recon + KL, the negative ELBO per image; ELBO is −Loss.
	Loss, ELBO *graph.Node
	// Reconstruction is the decoding of the mean code μ of Images: the
	// pixels' probabilities, batch × Pixels.
	Reconstruction *graph.Node
	// Generated is the decoding of Code: the pixels' probabilities, batch
	// × Pixels.
	Generated *graph.Node
	// Train is the model as a train.Trainer takes it: inputs Images and
	// Noise, loss Loss, metrics "elbo", "recon" and "kl".
	Train *train.Model

	gen, rec *graph.Program // Sample's and Reconstruct's, once compiled
}

// New builds the model of c, its weights drawn from c.Seed: the hidden
// layers (followed by a ReLU) with He initialisation, each weight from
// N(0, 2/in); the layers into μ, log σ² and the logits with Glorot's
// uniform initialisation, from [−r, r) with r = √(6/(in + out)); every
// bias 0. The draws come from math/rand/v2's PCG seeded with (Seed, 0),
// in float64, parameter by parameter in the order Params lists them; a
// float32 model rounds the same draws.
func New(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	g := graph.New()
	m := &Model{Config: c, Graph: g}
	in := paraminit.New(c.Seed, 0, c.DType)
	m.EncW, m.EncB = layer(g, in, "enc", c.Pixels, c.Hidden, true)
	m.MuW, m.MuB = layer(g, in, "mu", c.Hidden, c.Latent, false)
	m.LogVarW, m.LogVarB = layer(g, in, "logvar", c.Hidden, c.Latent, false)
	m.DecW, m.DecB = layer(g, in, "dec", c.Latent, c.Hidden, true)
	m.OutW, m.OutB = layer(g, in, "out", c.Hidden, c.Pixels, false)
	m.build()
	if err := g.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// build adds the model's inputs, its two passes and its loss.
func (m *Model) build() {
	g, c := m.Graph, m.Config
	// docs:begin build
	m.Images = g.Input("images", c.DType, c.Batch, c.Pixels).Batched(0)
	m.Noise = g.Input("noise", c.DType, c.Batch, c.Latent).Batched(0)

	// The encoder: q(z | x) = N(μ, diag σ²).
	h := ops.ReLU(dense(m.Images, m.EncW, m.EncB))
	m.Mu = dense(h, m.MuW, m.MuB).Named("mu")
	m.LogVar = dense(h, m.LogVarW, m.LogVarB).Named("logvar")

	// The reparameterisation: z = μ + σ⊙ε, ε ~ N(0, I) fed as an input.
	sigma := ops.Exp(ops.Scale(m.LogVar, 0.5))
	m.Z = ops.Add(m.Mu, ops.Mul(sigma, m.Noise)).Named("z")
	m.Logits = m.decode(m.Z).Named("logits")

	// −ELBO per image: the pixels' binary cross-entropy, summed over the
	// pixels, plus KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − log σ² − 1),
	// both averaged over the batch (ReduceMean counts it at run time).
	bce := ops.BinaryCrossEntropyWithLogits(m.Logits, m.Images, nil, ops.ReductionNone)
	m.Recon = ops.ReduceMean(ops.ReduceSum(bce, false, 1), false).Named("recon")
	one := g.Scalar(1, c.DType)
	kl := ops.Sub(ops.Add(ops.Square(m.Mu), ops.Exp(m.LogVar)), ops.Add(m.LogVar, one))
	m.KL = ops.ReduceMean(ops.Scale(ops.ReduceSum(kl, false, 1), 0.5), false).Named("kl")
	m.Loss = ops.Add(m.Recon, m.KL).Named("loss")
	m.ELBO = ops.Neg(m.Loss).Named("elbo")

	// Two more passes through the same weights: the decoding of μ, and
	// of codes fed to an input of their own.
	m.Reconstruction = ops.Sigmoid(m.decode(m.Mu)).Named("reconstruction")
	m.Code = g.Input("code", c.DType, c.Batch, c.Latent).Batched(0)
	m.Generated = ops.Sigmoid(m.decode(m.Code)).Named("generated")
	// docs:end build
	m.Train = &train.Model{
		Inputs: []*graph.Node{m.Images, m.Noise},
		Loss:   m.Loss,
		Params: m.Params(),
		Metrics: []train.Metric{
			{Name: "elbo", Node: m.ELBO}, {Name: "recon", Node: m.Recon}, {Name: "kl", Node: m.KL},
		},
	}
}

// docs:begin decode

// decode maps codes z (batch × Latent) to the pixels' logits.
func (m *Model) decode(z *graph.Node) *graph.Node {
	h := ops.ReLU(dense(z, m.DecW, m.DecB))
	return dense(h, m.OutW, m.OutB)
}

// dense is the layer x·W + b, for x batch × in, W in × out and b out.
func dense(x, w, b *graph.Node) *graph.Node {
	return ops.Add(ops.MatMul(x, w, 0), b)
}

// docs:end decode

// Params returns the trainable parameters in a fixed order: the
// encoder's, then the decoder's, each weight before its bias.
func (m *Model) Params() []*graph.Node {
	return []*graph.Node{m.EncW, m.EncB, m.MuW, m.MuB, m.LogVarW, m.LogVarB, m.DecW, m.DecB, m.OutW, m.OutB}
}

// NumParams returns the number of trainable numbers.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += p.Shape().Size()
	}
	return n
}

// layer adds the weights (in × out) and bias (out) of a layer named name,
// with He initialisation before a ReLU, Glorot's otherwise.
func layer(g *graph.Graph, in *paraminit.Init, name string, nIn, nOut int, relu bool) (w, b *graph.Node) {
	var wv *tensor.Dense
	if relu {
		wv = in.Normal(math.Sqrt(2/float64(nIn)), nIn, nOut)
	} else {
		wv = in.Uniform(math.Sqrt(6/float64(nIn+nOut)), nIn, nOut)
	}
	return g.Param(name+".W", wv), g.Param(name+".b", in.Zeros(nOut))
}
