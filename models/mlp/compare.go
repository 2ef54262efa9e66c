package mlp

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Witnesses holds one quantity as computed by up to three independent
// methods, in float64 whatever the network's dtype. Numeric is nil for B and
// P, which finite differences of 𝒞 do not give.
type Witnesses struct {
	Manual, Autodiff, Numeric *tensor.Dense
}

// Agreement is how far two witnesses are apart: MaxAbs = max_i |x_i − y_i|
// and MaxRel = MaxAbs / max(max_i |x_i|, max_i |y_i|), relative to the
// largest entry so that entries near zero do not inflate it (0 when both
// are zero).
type Agreement struct {
	MaxAbs, MaxRel float64
}

// LayerComparison holds, for layer j, the gradients of Ω^j and β^j, B̄^j
// (n_j × M) and [P̄^j]ᵀ (n_{j-1} × M), each by every method, and how well the
// methods agree.
type LayerComparison struct {
	GradWeights, GradBias, B, P Witnesses
	// ManualVsAutodiff and AutodiffVsNumeric are taken over all of the
	// layer's fields (B and P count only for the first).
	ManualVsAutodiff, AutodiffVsNumeric Agreement
}

// Comparison is the result of Compare.
type Comparison struct {
	// Cost is the batch cost 𝒞 from the graph.
	Cost float64
	// ManualCost is 𝒞 from the closed-form pass.
	ManualCost float64
	Layers     []LayerComparison
	// ManualVsAutodiff and AutodiffVsNumeric are the largest absolute
	// differences over all layers.
	ManualVsAutodiff, AutodiffVsNumeric float64
}

// Compare computes the gradients of the batch cost of net three independent
// ways: the closed-form mini-batch backpropagation (Backprop), reverse-mode
// autodiff on the graph built by Build, and central finite differences with
// step eps (NumericGradients). From the graph it also reads B̄^j and [P̄^j]ᵀ
// as the adjoints of ζ^j and α^{j-1}, rescaled by M to per-sample
// quantities. Inputs are n₀ × M and targets n_L × M, of net's dtype.
func Compare(net *Network, inputs, targets *tensor.Dense, eps float64) (*Comparison, error) {
	man, err := Backprop(net, inputs, targets)
	if err != nil {
		return nil, err
	}
	num, err := NumericGradients(net, inputs, targets, eps)
	if err != nil {
		return nil, err
	}
	m := inputs.Shape()[1]
	mg, err := Build(net, m)
	if err != nil {
		return nil, err
	}
	if err := mg.Input.Set(inputs); err != nil {
		return nil, err
	}
	if err := mg.Target.Set(targets); err != nil {
		return nil, err
	}
	outs := append([]*graph.Node{mg.Cost}, mg.Grads()...)
	outs = append(append(outs, mg.AdjZeta...), mg.AdjAlpha...)
	p, err := mg.G.Compile(outs...)
	if err != nil {
		return nil, err
	}
	p.Run()
	c := &Comparison{Cost: mg.Cost.Scalar(), ManualCost: man.Cost}
	for j := range net.Layers {
		l := LayerComparison{
			GradWeights: Witnesses{to64(man.GradWeights[j]), nodeDense(mg.GradWeights[j], 1, false), to64(num.Weights[j])},
			GradBias:    Witnesses{to64(man.GradBias[j]), nodeDense(mg.GradBiases[j], 1, true), to64(num.Bias[j])},
			B:           Witnesses{Manual: to64(man.B[j]), Autodiff: nodeDense(mg.AdjZeta[j], float64(m), false)},
			P:           Witnesses{Manual: to64(man.P[j]), Autodiff: nodeDense(mg.AdjAlpha[j], float64(m), false)},
		}
		for _, w := range []Witnesses{l.GradWeights, l.GradBias, l.B, l.P} {
			l.ManualVsAutodiff = worse(l.ManualVsAutodiff, agree(w.Manual, w.Autodiff))
			if w.Numeric != nil {
				l.AutodiffVsNumeric = worse(l.AutodiffVsNumeric, agree(w.Autodiff, w.Numeric))
			}
		}
		c.ManualVsAutodiff = math.Max(c.ManualVsAutodiff, l.ManualVsAutodiff.MaxAbs)
		c.AutodiffVsNumeric = math.Max(c.AutodiffVsNumeric, l.AutodiffVsNumeric.MaxAbs)
		c.Layers = append(c.Layers, l)
	}
	return c, nil
}

// nodeDense returns scale times n's value as a float64 tensor of n's shape,
// or flattened to a vector (for a bias column n×1).
func nodeDense(n *graph.Node, scale float64, flat bool) *tensor.Dense {
	v := n.Storage()
	out := make([]float64, n.Shape().Size())
	for i := range out {
		out[i] = scale * v.At(i)
	}
	shape := []int(n.Shape())
	if flat {
		shape = []int{len(out)}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(out))
}

func to64(t *tensor.Dense) *tensor.Dense {
	if t.Dtype() == tensor.Float64 {
		return t
	}
	c, err := ConvertDense(t, tensor.Float64)
	if err != nil {
		panic(fmt.Sprintf("mlp: %v", err)) // unreachable: t is float32
	}
	return c
}

// agree measures how far x and y are apart. A value that is not finite on
// either side makes both measures NaN, which no tolerance accepts: a
// gradient of NaN or ±Inf agrees with nothing, not even with itself.
func agree(x, y *tensor.Dense) Agreement {
	xs, ys := x.Float64s(), y.Float64s()
	var a Agreement
	var scale float64
	for i := range xs {
		if !isFinite(xs[i]) || !isFinite(ys[i]) {
			return Agreement{math.NaN(), math.NaN()}
		}
		a.MaxAbs = math.Max(a.MaxAbs, math.Abs(xs[i]-ys[i]))
		scale = math.Max(scale, math.Max(math.Abs(xs[i]), math.Abs(ys[i])))
	}
	if scale > 0 {
		a.MaxRel = a.MaxAbs / scale
	}
	return a
}

// NonFinite returns the first value of c that is NaN or ±Inf and its
// path, in the names of `gradgraph gradcheck --json`: "cost", then layer
// by layer grad_weights, grad_bias, B and P, each manual, autodiff and
// numeric, as in "layers[0].grad_weights.autodiff[1][0]" ("manual_cost"
// for ManualCost). The path is "" when every value is finite. A check
// with such a value has failed, whatever the differences say.
func (c *Comparison) NonFinite() (path string, value float64) {
	for _, v := range []struct {
		name string
		x    float64
	}{{"cost", c.Cost}, {"manual_cost", c.ManualCost}} {
		if !isFinite(v.x) {
			return v.name, v.x
		}
	}
	for j, l := range c.Layers {
		for _, f := range []struct {
			name string
			w    Witnesses
		}{{"grad_weights", l.GradWeights}, {"grad_bias", l.GradBias}, {"B", l.B}, {"P", l.P}} {
			for _, m := range []struct {
				name string
				t    *tensor.Dense
			}{{"manual", f.w.Manual}, {"autodiff", f.w.Autodiff}, {"numeric", f.w.Numeric}} {
				if m.t == nil {
					continue
				}
				xs := m.t.Float64s()
				for i, x := range xs {
					if isFinite(x) {
						continue
					}
					idx := fmt.Sprintf("[%d]", i)
					if shape := m.t.Shape(); shape.Dims() == 2 {
						idx = fmt.Sprintf("[%d][%d]", i/shape[1], i%shape[1])
					}
					return fmt.Sprintf("layers[%d].%s.%s%s", j, f.name, m.name, idx), x
				}
			}
		}
	}
	return "", 0
}

func worse(a, b Agreement) Agreement {
	return Agreement{math.Max(a.MaxAbs, b.MaxAbs), math.Max(a.MaxRel, b.MaxRel)}
}
