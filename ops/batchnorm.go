package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(OpInfo{Go: "BatchNormalization", ONNX: "BatchNormalization",
		Shape: "x's shape (N×C×…, rank ≥ 2); scale and bias C",
		Attrs: "name (of its running statistics), mode (nil: inference), epsilon (ONNX: 1e-5), momentum (ONNX: 0.9)",
		Formula: "(x − mean)/√(var + ε)·scale_c + bias_c over every axis but 1: the batch's population statistics in training mode, " +
			"which update the running ones as run ← momentum·run + (1 − momentum)·batch; the running statistics in inference mode",
		VJP:            "through the batch statistics in training mode (fused kernels whose VJPs are ops); g·scale/√(run var + ε) to x in inference mode",
		Differentiable: true})
}

// BatchNormalization normalises x, an N×C×… value of rank 2 or more, per
// channel (axis 1) over every other axis (ONNX BatchNormalization, opset
// 15–17):
//
//	y = (x − mean_c)/√(var_c + epsilon)·scale_c + bias_c
//
// with scale and bias of C elements. Which mean and variance depends on
// mode, read at every Run (a nil mode is inference mode):
//
//   - In training mode, the batch's: the mean and the population variance
//     of x over every axis but 1, and the gradient flows through them. The
//     run also updates the running statistics in place, as ONNX does:
//     running ← momentum·running + (1 − momentum)·batch, the batch
//     variance being the population one.
//   - In inference mode, the running statistics; they are not changed.
//
// The running statistics are two nodes of C elements that the layer
// creates, named name+".running_mean" and name+".running_var" (find them
// with Graph.Node), starting at 0 and 1 as PyTorch's do. Set them to
// import a trained model; read them to save one. They are state: never
// differentiated, never a parameter a solver updates, changed only as a
// side effect of a training run (a Program that computes the layer's
// output in training mode updates them once per Run).
//
// ONNX's momentum (default 0.9) weights the old running value; PyTorch's
// momentum (default 0.1) weights the new one, so PyTorch's m is ONNX's
// 1 − m, and PyTorch's running variance uses the unbiased batch variance
// (divided by n − 1) where ONNX, followed here, uses the population one.
// ONNX's default epsilon is 1e-5. The name must be unique in the graph.
func BatchNormalization(name string, x, scale, bias *graph.Node, mode *Mode, epsilon, momentum float64) *graph.Node {
	check := func(in []graph.Meta) error {
		if err := normInputs(in, 2, "N×C×… (rank 2 or more)"); err != nil {
			return err
		}
		xs := in[0].Shape
		if err := perChannel(in, xs[1], "C"); err != nil {
			return err
		}
		if err := checkEpsilon(epsilon); err != nil {
			return err
		}
		if !(momentum >= 0 && momentum <= 1) {
			return fmt.Errorf("momentum %g is not in [0, 1]", momentum)
		}
		if name == "" {
			return fmt.Errorf("needs a name: its running statistics are the nodes name.running_mean and name.running_var")
		}
		return nil
	}
	if bad := vet("BatchNormalization", check, x, scale, bias); bad != nil {
		return bad
	}
	g, xs, dt := x.Graph(), x.Shape(), x.DType()
	c := graph.Shape{xs[1]}
	rm := newState(g, name+".running_mean", dt, c, 0)
	rv := newState(g, name+".running_var", dt, c, 1)
	ks := keptChannel(xs)
	m := graph.ApplyOn(bnMeanOp{mode: mode}, x, rm)
	r := graph.ApplyOn(bnInvStdOp{mode: mode, eps: epsilon, momentum: momentum}, x, m, rm, rv)
	a := Mul(r, reshapeExact(scale, ks))
	return shiftScale(x, m, a, nil, reshapeExact(bias, ks))
}

// keptChannel returns 1×C×1×… for x of shape xs: a per-channel statistic.
func keptChannel(xs graph.Shape) graph.Shape {
	ks := make(graph.Shape, len(xs))
	for i := range ks {
		ks[i] = 1
	}
	ks[1] = xs[1]
	return ks
}

// newState adds a node of state (graph.KindState) of the given dtype and
// shape, filled with v, named name.
func newState(g *graph.Graph, name string, dt graph.DType, s graph.Shape, v float64) *graph.Node {
	return g.State(name, dt, v, s...)
}

// bnMeanOp is the mean of BatchNormalization, 1×C×1×…: the mean of x over
// every axis but 1 in training mode, the running mean (its input 1) in
// inference mode.
type bnMeanOp struct{ mode *Mode }

func (bnMeanOp) Type() string { return "BatchMean" }

func (bnMeanOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	return graph.Meta{DType: in[0].DType, Shape: keptChannel(in[0].Shape)}, nil
}

func (o bnMeanOp) Forward(out *graph.Value, in []*graph.Value) {
	x, rm := in[0], in[1]
	if !o.mode.Training() {
		copyValue(out, rm)
		return
	}
	if out.F64 != nil {
		reduceFloatK(rMean, out.F64, x.F64, out.Shape, x.Shape, nil)
	} else {
		reduceFloatK(rMean, out.F32, x.F32, out.Shape, x.Shape, nil)
	}
}

// VJP: ReduceMean's in training mode, zero in inference mode; the running
// mean is state, not differentiable.
func (o bnMeanOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	var dx *graph.Node
	if need[0] {
		dx = BroadcastLike(perCount(trainingGate(o.mode, g), x, n), x)
	}
	return []*graph.Node{dx, nil}
}

// bnInvStdOp is 1/√(var + ε) of BatchNormalization, 1×C×1×…, from its
// inputs x, the mean m (bnMeanOp's), the running mean and the running
// variance: in training mode var is the population variance of x about m
// over every axis but 1, and the kernel then updates the running mean and
// variance (inputs 2 and 3) in place; in inference mode var is the running
// variance.
type bnInvStdOp struct {
	mode          *Mode
	eps, momentum float64
}

func (bnInvStdOp) Type() string { return "BatchInvStdDev" }

func (bnInvStdOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	return in[1], nil
}

// Workspace: the float64 sums of squares.
func (bnInvStdOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	return graph.Meta{DType: graph.Float64, Shape: out.Shape}
}

func (o bnInvStdOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		bnInvStdK(o, out.F64, out.Work.F64, in[0].F64, in[1].F64, in[2].F64, in[3].F64, in[0].Shape, in[1].Shape)
	} else {
		bnInvStdK(o, out.F32, out.Work.F64, in[0].F32, in[1].F32, in[2].F32, in[3].F32, in[0].Shape, in[1].Shape)
	}
}

func bnInvStdK[T graph.Float](o bnInvStdOp, r []T, acc []float64, x, m, rm, rv []T, xs, ms graph.Shape) {
	if !o.mode.Training() {
		for i, v := range rv {
			r[i] = T(1 / math.Sqrt(float64(v)+o.eps))
		}
		return
	}
	sumSquaredDev(acc, x, m, xs, ms)
	finishInvStd(r, acc, len(x), o.eps)
	if len(x) == 0 {
		return // no batch, no statistics to learn from
	}
	cnt := float64(len(x) / len(m))
	mo := T(o.momentum)
	for i := range rm {
		rm[i] = rm[i]*mo + m[i]*(1-mo)
		rv[i] = rv[i]*mo + T(acc[i]/cnt)*(1-mo)
	}
}

// VJP: invStd's in training mode (the training gate applied to g), zero
// in inference mode; the running statistics are state.
func (o bnInvStdOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	in := n.Inputs()
	k := Mul(trainingGate(o.mode, g), Mul(Square(n), n))
	d := invStdVJP(in[0], in[1], k, need[:2])
	return []*graph.Node{d[0], d[1], nil, nil}
}
