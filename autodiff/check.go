package autodiff

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"gorgonia.org/tensor"
)

// NumericGrad returns the central finite differences
// (cost(x + eps·e_i) − cost(x − eps·e_i)) / (2·eps) of a scalar node with
// respect to every element of each node in wrt, as float64 tensors of the
// nodes' shapes. The nodes in wrt must be inputs, params or consts (their
// values are perturbed in place and restored). In float64 the error is
// O(eps²) from truncation plus O(ulp/eps) from rounding: eps = 1e-6 gives
// about 1e-9 relative for smooth functions. A float32 graph is perturbed in
// float32 and is correspondingly coarser.
func NumericGrad(cost *graph.Node, wrt []*graph.Node, eps float64) ([]*tensor.Dense, error) {
	if cost.Shape().Size() != 1 {
		return nil, fmt.Errorf("autodiff: numeric grad: cost %s has shape %s, want a scalar", cost.Name(), cost.Shape())
	}
	if !(eps > 0) {
		return nil, fmt.Errorf("autodiff: numeric grad: eps %g, want > 0", eps)
	}
	for _, x := range wrt {
		if x.Kind() == graph.KindOp {
			return nil, fmt.Errorf("autodiff: numeric grad: %s is computed by %s; perturb an input, param or const", x.Name(), x.Op().Type())
		}
	}
	p, err := cost.Graph().Compile(cost)
	if err != nil {
		return nil, err
	}
	eval := func() float64 { p.Run(); return cost.Scalar() }
	out := make([]*tensor.Dense, len(wrt))
	for k, x := range wrt {
		v := x.Storage()
		d := make([]float64, x.Shape().Size())
		for i := range d {
			orig := v.At(i)
			set(v, i, orig+eps)
			hi := eval()
			set(v, i, orig-eps)
			lo := eval()
			set(v, i, orig)
			d[i] = (hi - lo) / (2 * eps)
		}
		out[k] = tensor.New(tensor.WithShape([]int(x.Shape())...), tensor.WithBacking(d))
	}
	p.Run()
	return out, nil
}

func set(v *graph.Value, i int, x float64) {
	if v.F64 != nil {
		v.F64[i] = x
	} else {
		v.F32[i] = float32(x)
	}
}

// Diff is how far an autodiff gradient is from its finite-difference twin.
type Diff struct {
	Node *graph.Node
	// MaxAbs is max_i |autodiff_i − numeric_i|.
	MaxAbs float64
	// MaxRel is max_i |autodiff_i − numeric_i| / max(1, |numeric_i|).
	MaxRel float64
}

// Check differentiates cost with respect to wrt both ways, by Grad and by
// NumericGrad with step eps, and reports the largest differences per node.
// It adds the adjoint nodes to the graph.
func Check(cost *graph.Node, wrt []*graph.Node, eps float64) ([]Diff, error) {
	grads, err := Grad(cost, wrt...)
	if err != nil {
		return nil, err
	}
	p, err := cost.Graph().Compile(append([]*graph.Node{cost}, grads...)...)
	if err != nil {
		return nil, err
	}
	p.Run()
	num, err := NumericGrad(cost, wrt, eps)
	if err != nil {
		return nil, err
	}
	out := make([]Diff, len(wrt))
	for k, x := range wrt {
		d := Diff{Node: x}
		a := grads[k].Storage()
		for i, nv := range num[k].Float64s() {
			e := math.Abs(a.At(i) - nv)
			d.MaxAbs = max(d.MaxAbs, e)
			d.MaxRel = max(d.MaxRel, e/max(1, math.Abs(nv)))
		}
		out[k] = d
	}
	return out, nil
}
