package mlp

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Graph is a Network built from op nodes for mini-batches of M samples. Its
// nodes carry the lecture's names (alpha0, Omega1, beta1, zeta1, alpha1, …,
// rho, cost), so a DOT picture reads like the slides; the adjoint nodes
// that autodiff adds are named after what they are (dC/dOmega1, …).
type Graph struct {
	G *graph.Graph
	// Input is α⁰, n₀ × M; Target is ρ, n_L × M. Feed them with Set.
	Input, Target *graph.Node
	// Weights[j-1] is Ω^j, n_{j-1} × n_j; Biases[j-1] is β^j, n_j × 1 (a
	// column, so it broadcasts over the M columns of ζ^j).
	Weights, Biases []*graph.Node
	// Zeta[j-1] is ζ^j; Alpha[j] is α^j (Alpha[0] is Input).
	Zeta, Alpha []*graph.Node
	// Cost is the batch cost 𝒞 = (1/M) Σ_k C(α^L_(k), ρ_(k)).
	Cost *graph.Node
	// Correct is the number of the batch's samples whose largest output is
	// at the position of their largest target (for one-hot targets, their
	// class), as a float64.
	Correct *graph.Node
	// GradWeights and GradBiases are ∂𝒞/∂Ω^j and ∂𝒞/∂β^j.
	GradWeights, GradBiases []*graph.Node
	// AdjZeta[j-1] is ∂𝒞/∂ζ^j = B̄^j/M; AdjAlpha[j-1] is ∂𝒞/∂α^{j-1} = [P̄^j]ᵀ/M.
	AdjZeta, AdjAlpha []*graph.Node

	net            *Network // the cost and activations built from
	train, forward *graph.Program
}

// Build returns the graph of net for batches of up to m samples: α⁰ and ρ
// are batched along their columns (graph.Node.Batched), so one compiled
// program runs any batch of 1 to m. A softmax output
// layer with the cross-entropy cost is costed by the fused, numerically
// stable SoftmaxCrossEntropy on ζ^L; α^L = softmax(ζ^L) is still a node,
// for predictions. The parameter nodes hold copies of net's values.
func Build(net *Network, m int) (*Graph, error) { return build(net, m, nil) }

// Resized returns the same network built for batches of m samples, whose
// parameter nodes share mg's storage: a step on one is a step on both. A
// training loop uses it for a last, shorter batch, and evaluation for
// batches of another size.
func (mg *Graph) Resized(m int) (*Graph, error) { return build(mg.Network(), m, mg) }

func build(net *Network, m int, share *Graph) (*Graph, error) {
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if m <= 0 {
		return nil, fmt.Errorf("mlp: batch size %d, want > 0", m)
	}
	if err := CheckSizes(net.Sizes(), m); err != nil {
		return nil, err
	}
	dt := graph.Float64
	if net.Dtype() == tensor.Float32 {
		dt = graph.Float32
	}
	sizes := net.Sizes()
	L := len(net.Layers)
	g := graph.New()
	// The graph keeps the network's structure, not its tensors: the params
	// hold the values, and a second copy of a large network's weights
	// would double its memory.
	mg := &Graph{G: g, net: net.structure()}
	mg.Input = g.Input("alpha0", dt, sizes[0], m).Batched(1)
	mg.Target = g.Input("rho", dt, sizes[L], m).Batched(1)
	mg.Alpha = append(mg.Alpha, mg.Input)
	a := mg.Input
	for j, l := range net.Layers {
		var w, b *graph.Node
		if share != nil {
			w = g.SharedParam(fmt.Sprintf("Omega%d", j+1), share.Weights[j])
			b = g.SharedParam(fmt.Sprintf("beta%d", j+1), share.Biases[j])
		} else {
			w = g.Param(fmt.Sprintf("Omega%d", j+1), l.Weights)
			b = g.Param(fmt.Sprintf("beta%d", j+1), column(l.Bias))
		}
		wa := ops.MatMul(w, a, ops.TransA).Named(fmt.Sprintf("Omega%dT_alpha%d", j+1, j))
		z := ops.Add(wa, b).Named(fmt.Sprintf("zeta%d", j+1))
		a = activation(l.Activation, z).Named(fmt.Sprintf("alpha%d", j+1))
		mg.Weights = append(mg.Weights, w)
		mg.Biases = append(mg.Biases, b)
		mg.Zeta = append(mg.Zeta, z)
		mg.Alpha = append(mg.Alpha, a)
	}
	last := net.Layers[L-1]
	switch {
	case last.Activation == Softmax && net.Cost == CrossEntropy:
		mg.Cost = ops.SoftmaxCrossEntropy(mg.Zeta[L-1], mg.Target)
	case net.Cost == Quadratic:
		mg.Cost = ops.QuadraticCost(a, mg.Target)
	case net.Cost == BinaryCrossEntropy:
		mg.Cost = ops.BinaryCrossEntropy(a, mg.Target)
	default:
		mg.Cost = ops.CrossEntropy(a, mg.Target)
	}
	mg.Cost.Named("cost")
	hit := ops.Equal(ops.ArgMax(a, 0, false, false), ops.ArgMax(mg.Target, 0, false, false))
	mg.Correct = ops.ReduceSum(ops.Cast(hit, graph.Float64), false).Named("correct")
	if err := g.Err(); err != nil {
		return nil, err
	}
	wrt := append(append(append(append([]*graph.Node{}, mg.Weights...), mg.Biases...), mg.Zeta...), mg.Alpha[:L]...)
	adj, err := autodiff.Grad(mg.Cost, wrt...)
	if err != nil {
		return nil, err
	}
	mg.GradWeights, mg.GradBiases = adj[:L], adj[L:2*L]
	mg.AdjZeta, mg.AdjAlpha = adj[2*L:3*L], adj[3*L:]
	for j := 0; j < L; j++ {
		nameOnce(mg.GradWeights[j], "dC/d"+mg.Weights[j].Name())
		nameOnce(mg.GradBiases[j], "dC/d"+mg.Biases[j].Name())
		nameOnce(mg.AdjZeta[j], "dC/d"+mg.Zeta[j].Name())
	}
	return mg, g.Err()
}

// nameOnce names an adjoint node unless it already carries a name (one node
// can be the adjoint of two: ∂𝒞/∂ζ^j is passed unchanged to Ωᵀα).
func nameOnce(n *graph.Node, name string) {
	if !n.HasName() {
		n.Named(name)
	}
}

func column(b *tensor.Dense) *tensor.Dense {
	c := b.Clone().(*tensor.Dense)
	_ = c.Reshape(c.Shape().TotalSize(), 1)
	return c
}

func activation(act Activation, z *graph.Node) *graph.Node {
	switch act {
	case Sigmoid:
		return ops.Sigmoid(z)
	case Tanh:
		return ops.Tanh(z)
	case ReLU:
		return ops.ReLU(z)
	case Softmax:
		return ops.Softmax(z, 0)
	}
	return ops.Identity(z) // as its own node so α^j can be named
}

// Params returns the parameter nodes Ω¹, β¹, Ω², β², … in order.
func (mg *Graph) Params() []*graph.Node {
	var ps []*graph.Node
	for j := range mg.Weights {
		ps = append(ps, mg.Weights[j], mg.Biases[j])
	}
	return ps
}

// Grads returns the gradient nodes in the order of Params.
func (mg *Graph) Grads() []*graph.Node {
	var gs []*graph.Node
	for j := range mg.GradWeights {
		gs = append(gs, mg.GradWeights[j], mg.GradBiases[j])
	}
	return gs
}

// TrainProgram returns the compiled program that computes the cost and the
// parameter gradients, compiling it on first use.
func (mg *Graph) TrainProgram() (*graph.Program, error) {
	if mg.train == nil {
		p, err := mg.G.Compile(append([]*graph.Node{mg.Cost}, mg.Grads()...)...)
		if err != nil {
			return nil, err
		}
		mg.train = p
	}
	return mg.train, nil
}

// ForwardProgram returns the compiled program that computes α^L and the
// cost, compiling it on first use.
func (mg *Graph) ForwardProgram() (*graph.Program, error) {
	if mg.forward == nil {
		p, err := mg.G.Compile(mg.Alpha[len(mg.Alpha)-1], mg.Cost)
		if err != nil {
			return nil, err
		}
		mg.forward = p
	}
	return mg.forward, nil
}

// Network returns a Network holding the graph's current parameter values,
// with the cost and activations it was built from.
func (mg *Graph) Network() *Network {
	net := &Network{Cost: mg.net.Cost}
	for j := range mg.Weights {
		b := mg.Biases[j].Value().Clone().(*tensor.Dense)
		_ = b.Reshape(b.Shape().TotalSize())
		net.Layers = append(net.Layers, Layer{Activation: mg.net.Layers[j].Activation,
			Weights: mg.Weights[j].Value().Clone().(*tensor.Dense), Bias: b})
	}
	return net
}
