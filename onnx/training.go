package onnx

import (
	"errors"
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/solvers"
)

// The training ops of ONNX (domain ai.onnx.preview.training, opset 1) take
// a learning rate R, a step count T, tensors X, their gradients G and the
// rule's state, and return the updated tensors and state. They run here on
// the update rules of package solvers — an independent check of those rules
// against another specification. Where ONNX's formula differs from the
// lecture's in more than a change of variables, the node is unsupported;
// docs/onnx.md compares the formulas.
//
//	Adagrad  (R, T, X…, G…, H…)       → X_new…, H_new…
//	Momentum (R, T, X…, G…, V…)       → X_new…, V_new…
//	Adam     (R, T, X…, G…, V…, H…)   → X_new…, V_new…, H_new…

type trainKind uint8

const (
	tAdagrad trainKind = iota
	tMomentum
	tNesterov
	tAdam
)

// states returns the number of state tensors per X.
func (k trainKind) states() int {
	if k == tAdam {
		return 2
	}
	return 1
}

func init() {
	for _, op := range []string{"Adagrad", "Momentum", "Adam"} {
		add(TrainingDomain, op, row{minIn: 5, maxIn: -1, maxOut: -1, note: "on package solvers' rules", conv: convTraining})
	}
}

// trainOp computes output `which` of one X's update: 0 is X_new, 1 and 2
// the new state. Each output is its own node; the update runs on scratch
// copies in the node's workspace.
type trainOp struct {
	kind        trainKind
	which       int
	norm, post  float64 // norm_coefficient, Adam's norm_coefficient_post
	decay       float64 // Adagrad's decay_factor
	eps         float64 // Adagrad's and Adam's epsilon
	alpha, beta float64 // Momentum's and Adam's alpha and beta
}

func (o trainOp) Type() string {
	return [...]string{"Adagrad", "Momentum", "Momentum", "Adam"}[o.kind]
}

// Inputs: R, T, X, G, state…
func (o trainOp) Infer(in []graph.Meta) (graph.Meta, error) {
	x := in[2]
	if !x.DType.IsFloat() {
		return graph.Meta{}, graph.DTypesError(in[2:3], "of X is not float32 or float64")
	}
	for _, m := range in[3:] {
		if m.DType != x.DType || !m.Shape.Equal(x.Shape) {
			return graph.Meta{}, graph.ShapesError(in[2:], "differ: X, G and the state must be alike")
		}
	}
	if in[0].Shape.Size() != 1 || !in[0].DType.IsFloat() {
		return graph.Meta{}, fmt.Errorf("input R is %s, want one float", in[0])
	}
	if in[1].Shape.Size() != 1 || in[1].DType != graph.Int64 {
		return graph.Meta{}, fmt.Errorf("input T is %s, want one int64", in[1])
	}
	return x, nil
}

// Workspace: scratch X, G and state.
func (o trainOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	return graph.Meta{DType: out.DType, Shape: graph.Shape{out.Shape.Size() * (2 + o.kind.states())}}
}

func (o trainOp) Forward(out *graph.Value, in []*graph.Value) {
	if (o.kind == tMomentum || o.kind == tNesterov) && in[0].At(0) == 0 {
		// The lecture's velocity is −R·V: at R = 0 it would lose V.
		out.Fail(errors.New("a Momentum with R = 0 is not supported"))
		return
	}
	if out.F64 != nil {
		trainK(o, out.F64, in, graph.Data[float64](out.Work))
	} else {
		trainK(o, out.F32, in, graph.Data[float32](out.Work))
	}
}

func (trainOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return make([]*graph.Node, len(n.Inputs())) // not differentiable
}

func trainK[T graph.Float](o trainOp, out []T, in []*graph.Value, work []T) {
	n := len(out)
	x, g, st := work[:n], work[n:2*n], work[2*n:]
	copy(x, graph.Data[T](in[2]))
	copy(g, graph.Data[T](in[3]))
	for k := 0; k < o.kind.states(); k++ {
		copy(st[k*n:(k+1)*n], graph.Data[T](in[4+k]))
	}
	r := in[0].At(0)
	t := in[1].I64[0]
	if o.norm != 0 { // ONNX's regularised gradient: G + λ·X
		lambda := T(o.norm)
		for i := range g {
			g[i] += lambda * x[i]
		}
	}
	var state [2][]T
	for k := 0; k < o.kind.states(); k++ {
		state[k] = st[k*n : (k+1)*n]
	}
	switch o.kind {
	case tAdagrad:
		// r = R/(1 + T·decay) is the lecture's inverse schedule at step
		// index T.
		step := solvers.StepInfo{I: int(t) + 1, Schedule: solvers.InverseSchedule(o.decay)}
		update(solvers.AdaGrad{Eta: r, Delta: o.eps}, step, x, g, state[:1])
	case tMomentum, tNesterov:
		// ONNX: V ← αV + β̃G; X ← X − R·V (β̃ = β, or 1 at T = 0).
		// The lecture: v ← δv − ηg; θ ← θ + v. They agree with δ = α,
		// η = R·β̃ and v = −R·V.
		betaAdj := o.beta
		if t == 0 {
			betaAdj = 1
		}
		v := state[0]
		for i := range v {
			v[i] *= T(-r)
		}
		step := solvers.StepInfo{I: 1, Schedule: solvers.ConstantSchedule()}
		if o.kind == tMomentum {
			update(solvers.Momentum{Eta: r * betaAdj, Momentum: o.alpha}, step, x, g, state[:1])
		} else {
			update(solvers.Nesterov{Eta: r * betaAdj, Momentum: o.alpha}, step, x, g, state[:1])
		}
		for i := range v {
			v[i] /= T(-r)
		}
	case tAdam:
		// ONNX adds ε to √H and scales R by √(1−β^T)/(1−α^T); the
		// lecture adds δ to √(r/c₂) with c₂ = 1−ρ₂^i. They agree with
		// i = T and δ = ε/√c₂. At T = 0 ONNX takes the uncorrected step:
		// the lecture's corrections at a step count so large that ρ^i
		// underflows to 0, so that c₁ = c₂ = 1 exactly.
		i := int(t)
		c2 := 1 - math.Pow(o.beta, float64(t))
		if t == 0 {
			i, c2 = math.MaxInt, 1
		}
		step := solvers.StepInfo{I: i, Schedule: solvers.ConstantSchedule()}
		update(solvers.Adam{Eta: r, Delta: o.eps / math.Sqrt(c2), Rho1: o.alpha, Rho2: o.beta}, step, x, g, state[:2])
		if o.post != 0 {
			for i := range x {
				x[i] *= T(1 - o.post)
			}
		}
	}
	if o.which == 0 {
		copy(out, x)
	} else {
		copy(out, state[o.which-1])
	}
}

// update calls the rule's kernel of T's precision.
func update[T graph.Float](rule solvers.Rule, s solvers.StepInfo, theta, g []T, state [][]T) {
	switch th := any(theta).(type) {
	case []float64:
		st := [2][]float64{}
		for k := range state {
			st[k] = any(state[k]).([]float64)
		}
		rule.Update64(s, th, any(g).([]float64), st[:len(state)])
	case []float32:
		st := [2][]float32{}
		for k := range state {
			st[k] = any(state[k]).([]float32)
		}
		rule.Update32(s, th, any(g).([]float32), st[:len(state)])
	}
}

func convTraining(c *nodeCtx) ([]*graph.Node, error) {
	op := trainOp{}
	var err error
	get := func(name string, def float64, into *float64) {
		if err == nil {
			*into, err = c.float(name, def)
		}
	}
	get("norm_coefficient", 0, &op.norm)
	switch c.np.GetOpType() {
	case "Adagrad":
		op.kind = tAdagrad
		get("decay_factor", 0, &op.decay)
		get("epsilon", 1e-6, &op.eps)
	case "Momentum":
		op.kind = tMomentum
		for _, name := range []string{"alpha", "beta", "norm_coefficient", "mode"} {
			if !c.has(name) {
				return nil, fmt.Errorf("attribute %q is required", name)
			}
		}
		get("alpha", 0, &op.alpha)
		get("beta", 0, &op.beta)
		mode, e := c.str("mode", "")
		if e != nil {
			return nil, e
		}
		switch mode {
		case "standard":
		case "nesterov":
			op.kind = tNesterov
		default:
			return nil, fmt.Errorf("attribute \"mode\" is %q, want standard or nesterov", mode)
		}
	case "Adam":
		op.kind = tAdam
		get("alpha", 0.9, &op.alpha)
		get("beta", 0.999, &op.beta)
		get("epsilon", 1e-6, &op.eps)
		get("norm_coefficient_post", 0, &op.post)
	}
	if err != nil {
		return nil, err
	}
	if op.kind == tNesterov && op.beta != 1 {
		// ONNX's Nesterov step is X − R(G + αV_new) with V_new = αV + βG;
		// the lecture's, in the same variables, has β(1 + α)G where ONNX
		// has (1 + αβ)G: the two agree only for β = 1.
		return nil, unsupported("Momentum in mode \"nesterov\" with beta %v ≠ 1 (ONNX's form differs from the lecture's)", op.beta)
	}
	if op.kind == tAdam && (op.alpha >= 1 || op.beta >= 1) {
		return nil, unsupported("Adam with alpha or beta ≥ 1")
	}
	groups := 2 + op.kind.states()
	n := len(c.in) - 2
	if n <= 0 || n%groups != 0 {
		return nil, fmt.Errorf("has %d inputs, want R, T and %d tensors per X", len(c.in), groups)
	}
	n /= groups
	for i, x := range c.in {
		if x == nil {
			return nil, fmt.Errorf("input %d is empty", i)
		}
	}
	if c.in[1].DType() != graph.Int64 {
		return nil, fmt.Errorf("input T has dtype %s, want int64", c.in[1].DType())
	}
	var outs []*graph.Node
	for which := 0; which <= op.kind.states(); which++ {
		for k := 0; k < n; k++ {
			o := op
			o.which = which
			args := []*graph.Node{c.in[0], c.in[1], c.in[2+k], c.in[2+n+k]}
			for s := 0; s < op.kind.states(); s++ {
				args = append(args, c.in[2+(2+s)*n+k])
			}
			outs = append(outs, c.g().Apply(o, args...))
		}
	}
	return outs, nil
}
