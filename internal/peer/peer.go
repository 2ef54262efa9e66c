// Package peer builds the lecture's MLP in gorgonia.org/gorgonia, the peer
// that gradgraph's tests compare gradients with and its benchmarks time side
// by side. gorgonia keeps samples in rows, so the network here computes
// Zᵀ = Xᵀ·Ω + βᵀ: the same numbers as ζ = Ωᵀα + β, transposed.
package peer

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer is one layer of the network in the lecture's shapes: Weights is
// n_{j-1} × n_j and Bias has n_j entries.
type Layer struct {
	Activation string
	Weights    *tensor.Dense
	Bias       *tensor.Dense
}

// MLP is a gorgonia graph of an MLP with its symbolic gradients.
type MLP struct {
	Graph   *G.ExprGraph
	X, Y    *G.Node // M × n₀ and M × n_L: one row per sample
	Weights []*G.Node
	Biases  []*G.Node // 1 × n_j
	Output  *G.Node
	Cost    *G.Node
	// GradWeights and GradBiases are the symbolic gradient nodes.
	GradWeights, GradBiases []*G.Node
	Machine                 G.VM
}

// NewMLP builds the network, its cost and gradients for a batch whose
// inputs are n₀ × M and targets n_L × M in the lecture's layout (they are
// transposed into gorgonia's rows-are-samples layout here).
func NewMLP(layers []Layer, cost string, inputs, targets *tensor.Dense) (*MLP, error) {
	dt := inputs.Dtype()
	g := G.NewGraph()
	xT, err := transposeCopy(inputs)
	if err != nil {
		return nil, err
	}
	yT, err := transposeCopy(targets)
	if err != nil {
		return nil, err
	}
	m := &MLP{Graph: g}
	m.X = G.NewMatrix(g, dt, G.WithShape(xT.Shape()...), G.WithName("X"), G.WithValue(xT))
	m.Y = G.NewMatrix(g, dt, G.WithShape(yT.Shape()...), G.WithName("Y"), G.WithValue(yT))
	a := m.X
	for j, l := range layers {
		w := G.NewMatrix(g, dt, G.WithShape(l.Weights.Shape()...), G.WithName(fmt.Sprintf("Omega%d", j+1)), G.WithValue(l.Weights.Clone()))
		bv := l.Bias.Clone().(*tensor.Dense)
		if err := bv.Reshape(1, bv.Shape().TotalSize()); err != nil {
			return nil, err
		}
		b := G.NewMatrix(g, dt, G.WithShape(bv.Shape()...), G.WithName(fmt.Sprintf("beta%d", j+1)), G.WithValue(bv))
		m.Weights = append(m.Weights, w)
		m.Biases = append(m.Biases, b)
		xw, err := G.Mul(a, w)
		if err != nil {
			return nil, err
		}
		z, err := G.BroadcastAdd(xw, b, nil, []byte{0})
		if err != nil {
			return nil, err
		}
		if a, err = activate(l.Activation, z); err != nil {
			return nil, err
		}
	}
	m.Output = a
	if m.Cost, err = costNode(cost, a, m.Y, dt); err != nil {
		return nil, err
	}
	grads, err := G.Grad(m.Cost, append(append([]*G.Node{}, m.Weights...), m.Biases...)...)
	if err != nil {
		return nil, err
	}
	m.GradWeights, m.GradBiases = grads[:len(layers)], grads[len(layers):]
	m.Machine = G.NewTapeMachine(g, G.BindDualValues(m.Learnables()...))
	return m, nil
}

// Learnables returns the parameter nodes Ω¹, β¹, Ω², β², … in order.
func (m *MLP) Learnables() []*G.Node {
	var ls []*G.Node
	for j := range m.Weights {
		ls = append(ls, m.Weights[j], m.Biases[j])
	}
	return ls
}

// Run computes the cost and gradients once.
func (m *MLP) Run() error {
	defer m.Machine.Reset()
	return m.Machine.RunAll()
}

func scalar(dt tensor.Dtype, x float64) *G.Node {
	if dt == tensor.Float32 {
		return G.NewConstant(float32(x))
	}
	return G.NewConstant(x)
}

func activate(name string, z *G.Node) (*G.Node, error) {
	switch name {
	case "identity":
		return z, nil
	case "sigmoid":
		return G.Sigmoid(z)
	case "tanh":
		return G.Tanh(z)
	case "relu":
		return G.Rectify(z)
	case "softmax":
		return G.SoftMax(z, 1)
	}
	return nil, fmt.Errorf("peer: unknown activation %q", name)
}

// costNode returns (1/M) Σ_k C(a_k, y_k) with samples in rows.
func costNode(name string, a, y *G.Node, dt tensor.Dtype) (*G.Node, error) {
	mInv := scalar(dt, 1/float64(a.Shape()[0]))
	var total *G.Node
	switch name {
	case "quadratic":
		d := G.Must(G.Sub(a, y))
		total = G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Square(d)))), scalar(dt, 0.5)))
	case "binary_cross_entropy":
		one := scalar(dt, 1)
		t1 := G.Must(G.HadamardProd(y, G.Must(G.Log(a))))
		t2 := G.Must(G.HadamardProd(G.Must(G.Sub(one, y)), G.Must(G.Log(G.Must(G.Sub(one, a))))))
		total = G.Must(G.Neg(G.Must(G.Sum(G.Must(G.Add(t1, t2))))))
	case "cross_entropy":
		total = G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(y, G.Must(G.Log(a))))))))
	default:
		return nil, fmt.Errorf("peer: unknown cost %q", name)
	}
	return G.Mul(total, mInv)
}

func transposeCopy(t *tensor.Dense) (*tensor.Dense, error) {
	c := t.Clone().(*tensor.Dense)
	if err := c.T(); err != nil {
		return nil, err
	}
	if err := c.Transpose(); err != nil {
		return nil, err
	}
	return c, nil
}
