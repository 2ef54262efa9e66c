package onnx

import (
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
	"github.com/gradgraph/gradgraph/ops"
)

// A fusion writes the last node of a composite layer's graph as the one
// ONNX op that the layer is, from the layer's inputs: the graphs that
// ops.LayerNormalization, ops.InstanceNormalization,
// ops.BatchNormalization, ops.Dropout and ops.LRN build. The importer maps
// those ops back onto the same constructors. A graph that only resembles
// a layer (its statistics read elsewhere, an attribute ONNX's float32
// cannot hold) is written op by op instead.
type fusion struct {
	inputs []*graph.Node
	emit   func(e *exporter, in []string, out string) error
}

// fuse returns the fusion that n ends, or nil.
func fuse(n *graph.Node) *fusion {
	if n.Op() == nil {
		return nil
	}
	switch n.Op().Type() {
	case "ShiftScale":
		for _, f := range []func(*graph.Node) *fusion{fuseLayerNorm, fuseInstanceNorm, fuseBatchNorm} {
			if fu := f(n); fu != nil {
				return fu
			}
		}
	case "Mul":
		for _, f := range []func(*graph.Node) *fusion{fuseDropout, fuseLRN} {
			if fu := f(n); fu != nil {
				return fu
			}
		}
	}
	return nil
}

// is reports whether n is an op node of type typ.
func is(n *graph.Node, typ string) bool { return n != nil && n.Op() != nil && n.Op().Type() == typ }

// f32 reports whether v is a float32, which ONNX's float attributes are.
func f32(v float64) bool { return float64(float32(v)) == v }

// meanAxes returns the axes that m, a ReduceMean of x keeping its
// dimensions, averages over (all of x's for none), sorted, and whether m
// is one.
func meanAxes(m, x *graph.Node) ([]int, bool) {
	if !is(m, "ReduceMean") || m.Inputs()[0] != x {
		return nil, false
	}
	a := ops.Attrs(m.Op())
	if !a["keepdims"].(bool) {
		return nil, false
	}
	r := x.Shape().Rank()
	var mask [graph.MaxRank]bool
	axes := a["axes"].([]int)
	for _, ax := range axes {
		k, _ := graph.Axis(ax, r)
		mask[k] = true
	}
	var out []int
	for k := 0; k < r; k++ {
		if mask[k] || len(axes) == 0 {
			out = append(out, k)
		}
	}
	return out, true
}

// trimOnes drops the leading axes of length 1.
func trimOnes(s graph.Shape) graph.Shape {
	for len(s) > 0 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

// shiftScaleParts returns the inputs of a ShiftScale node: x, m, a and the
// optional s and b.
func shiftScaleParts(n *graph.Node) (x, m, a, s, b *graph.Node) {
	in := n.Inputs()
	at := ops.Attrs(n.Op())
	x, m, a = in[0], in[1], in[2]
	k := 3
	if at["has_scale"].(bool) {
		s, k = in[k], k+1
	}
	if at["has_bias"].(bool) {
		b = in[k]
	}
	return
}

// fuseLayerNorm: ShiftScale(x, m, InvStdDev(x, m), s, b) with m the mean
// of x over its axes from some axis on.
func fuseLayerNorm(n *graph.Node) *fusion {
	x, m, r, s, b := shiftScaleParts(n)
	if !is(r, "InvStdDev") || r.Inputs()[0] != x || r.Inputs()[1] != m {
		return nil
	}
	axes, ok := meanAxes(m, x)
	rank := x.Shape().Rank()
	if !ok || len(axes) == 0 || axes[len(axes)-1] != rank-1 || axes[len(axes)-1]-axes[0] != len(axes)-1 {
		return nil
	}
	axis := axes[0]
	eps := ops.Attrs(r.Op())["epsilon"].(float64)
	if !f32(eps) {
		return nil
	}
	// ONNX flattens the scale and bias to a row of the normalised size
	// (or one element): they must have the normalised axes' shape.
	norm := trimOnes(x.Shape()[axis:])
	for _, p := range []*graph.Node{s, b} {
		if p != nil && p.Shape().Size() != 1 && !trimOnes(p.Shape()).Equal(norm) {
			return nil
		}
	}
	inputs := []*graph.Node{x}
	if s != nil {
		inputs = append(inputs, s)
	}
	if b != nil {
		inputs = append(inputs, b)
	}
	stash := int64(pb.TensorProto_FLOAT)
	if x.DType() == graph.Float64 {
		stash = int64(pb.TensorProto_DOUBLE)
	}
	return &fusion{inputs: inputs, emit: func(e *exporter, in []string, out string) error {
		args := []string{in[0]}
		if s != nil {
			args = append(args, in[1])
		} else {
			ones := graph.NewValue(x.DType(), x.Shape()[axis:])
			for i := 0; i < ones.Len(); i++ {
				ones.SetAt(i, 1)
			}
			args = append(args, e.constant("ones", ones))
		}
		if b != nil {
			args = append(args, in[len(in)-1])
		}
		e.emit("LayerNormalization", "", args, out, intAttr("axis", int64(axis)),
			floatAttr("epsilon", float32(eps)), intAttr("stash_type", stash))
		return nil
	}}
}

// perChannelVector returns v when p is Reshape(v) of a vector v of c
// elements.
func perChannelVector(p *graph.Node, c int) *graph.Node {
	if !is(p, "Reshape") {
		return nil
	}
	v := p.Inputs()[0]
	if !v.Shape().Equal(graph.Shape{c}) {
		return nil
	}
	return v
}

// fuseInstanceNorm: ShiftScale(x, m, InvStdDev(x, m)·Reshape(scale), nil,
// BroadcastLike(Reshape(bias), m)) with m the mean over the spatial axes.
func fuseInstanceNorm(n *graph.Node) *fusion {
	x, m, a, s, b := shiftScaleParts(n)
	xs := x.Shape()
	if s != nil || b == nil || xs.Rank() < 3 || !is(a, "Mul") || !is(b, "BroadcastLike") || b.Inputs()[1] != m {
		return nil
	}
	axes, ok := meanAxes(m, x)
	if !ok || len(axes) != xs.Rank()-2 || axes[0] != 2 {
		return nil
	}
	r := a.Inputs()[0]
	if !is(r, "InvStdDev") || r.Inputs()[0] != x || r.Inputs()[1] != m {
		return nil
	}
	scale, bias := perChannelVector(a.Inputs()[1], xs[1]), perChannelVector(b.Inputs()[0], xs[1])
	eps := ops.Attrs(r.Op())["epsilon"].(float64)
	if scale == nil || bias == nil || !f32(eps) {
		return nil
	}
	return &fusion{inputs: []*graph.Node{x, scale, bias}, emit: func(e *exporter, in []string, out string) error {
		e.emit("InstanceNormalization", "", in, out, floatAttr("epsilon", float32(eps)))
		return nil
	}}
}

// fuseBatchNorm: ShiftScale(x, BatchMean(x, rm), BatchInvStdDev(x, m, rm,
// rv)·Reshape(scale), nil, Reshape(bias)), written in the mode the layer
// is in when exported.
func fuseBatchNorm(n *graph.Node) *fusion {
	x, m, a, s, b := shiftScaleParts(n)
	xs := x.Shape()
	if s != nil || b == nil || !is(m, "BatchMean") || m.Inputs()[0] != x || !is(a, "Mul") {
		return nil
	}
	r := a.Inputs()[0]
	if !is(r, "BatchInvStdDev") || r.Inputs()[0] != x || r.Inputs()[1] != m {
		return nil
	}
	rm, rv := r.Inputs()[2], r.Inputs()[3]
	scale, bias := perChannelVector(a.Inputs()[1], xs[1]), perChannelVector(b, xs[1])
	at := ops.Attrs(r.Op())
	eps, mom := at["epsilon"].(float64), at["momentum"].(float64)
	if scale == nil || bias == nil || m.Inputs()[1] != rm || !f32(eps) || !f32(mom) {
		return nil
	}
	training := at["training"].(bool)
	return &fusion{inputs: []*graph.Node{x, scale, bias, rm, rv}, emit: func(e *exporter, in []string, out string) error {
		attrs := []*pb.AttributeProto{floatAttr("epsilon", float32(eps)), floatAttr("momentum", float32(mom))}
		outs := []string{out}
		if training {
			// ONNX wants the updated running statistics named too.
			attrs = append(attrs, intAttr("training_mode", 1))
			outs = append(outs, e.temp(out+"_running_mean"), e.temp(out+"_running_var"))
		}
		e.emitN("BatchNormalization", "", in, outs, attrs...)
		return nil
	}}
}

// fuseDropout: Mul(x, DropoutMask) with the mask drawn for x.
func fuseDropout(n *graph.Node) *fusion {
	x, mask := n.Inputs()[0], n.Inputs()[1]
	if !is(mask, "DropoutMask") || !mask.Shape().Equal(x.Shape()) || !n.Shape().Equal(x.Shape()) {
		return nil
	}
	at := ops.Attrs(mask.Op())
	ratio, training := at["ratio"].(float64), at["training"].(bool)
	return &fusion{inputs: []*graph.Node{x}, emit: func(e *exporter, in []string, out string) error {
		if !training || ratio == 0 {
			e.emit("Identity", "", in, out)
			return nil
		}
		args, err := e.dropoutArgs(in[0], x.DType(), ratio)
		if err != nil {
			return err
		}
		e.emit("Dropout", "", args, out)
		return nil
	}}
}

// fuseLRN: Mul(x, LRNFactor(x)).
func fuseLRN(n *graph.Node) *fusion {
	x, f := n.Inputs()[0], n.Inputs()[1]
	if !is(f, "LRNFactor") || f.Inputs()[0] != x {
		return nil
	}
	at := ops.Attrs(f.Op())
	alpha, beta, bias := at["alpha"].(float64), at["beta"].(float64), at["bias"].(float64)
	if !f32(alpha) || !f32(beta) || !f32(bias) {
		return nil
	}
	return &fusion{inputs: []*graph.Node{x}, emit: func(e *exporter, in []string, out string) error {
		e.emit("LRN", "", in, out, intAttr("size", int64(at["size"].(int))), floatAttr("alpha", float32(alpha)),
			floatAttr("beta", float32(beta)), floatAttr("bias", float32(bias)))
		return nil
	}}
}
