package onnx

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The layers of neural networks: convolutions, pools, normalisations,
// dropout, the recurrent ops and the class losses, each on the ops of
// package ops that compute it.

func init() {
	// Before opset 11, SAME padding meant "an output as long as the
	// input" whatever the stride: such a node is unsupported there
	// (windowAttrs), explicit and VALID padding are read.
	add("", "Conv", row{minIn: 2, maxIn: 3, dtypes: floats, since: 1, conv: one(convConv)})
	add("", "ConvTranspose", row{minIn: 2, maxIn: 3, dtypes: floats, since: 1, conv: one(convConvTranspose)})
	add("", "MaxPool", row{minIn: 1, maxIn: 1, maxOut: 2, dtypes: floats, since: 1, conv: convMaxPool})
	add("", "AveragePool", row{minIn: 1, maxIn: 1, dtypes: floats, since: 1, conv: one(convAveragePool)})
	add("", "GlobalMaxPool", unaryRow(ops.GlobalMaxPool, floats, 1))
	add("", "GlobalAveragePool", unaryRow(ops.GlobalAveragePool, floats, 1))

	// Before opset 9 BatchNormalization had a spatial attribute, before
	// 7 an is_test one.
	add("", "BatchNormalization", row{minIn: 5, maxIn: 5, maxOut: 5, dtypes: floats, since: 9, conv: convBatchNorm})
	add("", "InstanceNormalization", row{minIn: 3, maxIn: 3, dtypes: floats, since: 6, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		eps, err := c.float("epsilon", 1e-5)
		if err != nil {
			return nil, err
		}
		return ops.InstanceNormalization(c.in[0], c.in[1], c.in[2], eps), nil
	})})
	add("", "LayerNormalization", row{minIn: 2, maxIn: 3, maxOut: 3, dtypes: floats, since: 17, conv: convLayerNorm})
	add("", "LRN", row{minIn: 1, maxIn: 1, dtypes: floats, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		if !c.has("size") {
			return nil, fmt.Errorf("attribute \"size\" is required")
		}
		size, err := c.intAttr("size", 0)
		if err != nil {
			return nil, err
		}
		var a [3]float64
		for i, p := range []struct {
			name string
			def  float64
		}{{"alpha", 1e-4}, {"beta", 0.75}, {"bias", 1}} {
			if a[i], err = c.float(p.name, p.def); err != nil {
				return nil, err
			}
		}
		return ops.LRN(c.in[0], size, a[0], a[1], a[2]), nil
	})})
	add("", "MeanVarianceNormalization", row{minIn: 1, maxIn: 1, dtypes: floats, since: 9, conv: one(convMVN)})
	// Before opset 10 Dropout's mask had x's type; before 12 its ratio
	// was an attribute and it ran in inference mode.
	add("", "Dropout", row{minIn: 1, maxIn: 3, maxOut: 2, dtypes: floats, since: 10, conv: convDropout,
		note: "ratio and training_mode constant"})

	// Before opset 7 the recurrent ops had an output_sequence attribute
	// (and GRU before 3 no linear_before_reset).
	for _, k := range []string{"RNN", "GRU", "LSTM"} {
		r := row{minIn: 3, maxIn: 6, maxOut: 2, dtypes: floats, since: 7, conv: convRecurrent}
		if k == "LSTM" {
			r.maxIn, r.maxOut = 8, 3
		}
		add("", k, r)
	}
	add("", "SoftmaxCrossEntropyLoss", row{minIn: 2, maxIn: 3, maxOut: 2, dtypes: floats, since: 12, conv: convClassLoss})
	add("", "NegativeLogLikelihoodLoss", row{minIn: 2, maxIn: 3, dtypes: floats, since: 12, conv: convClassLoss})
}

// windowAttrs reads the attributes that Conv, ConvTranspose and the pools
// share, for a window over the spatial axes of x.
func windowAttrs(c *nodeCtx, dilations bool) (strides, pads, dil []int, ap ops.AutoPad, err error) {
	k, err := c.choice("auto_pad", "NOTSET", []string{"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"})
	if err != nil {
		return
	}
	ap = []ops.AutoPad{ops.AutoPadNotSet, ops.AutoPadSameUpper, ops.AutoPadSameLower, ops.AutoPadValid}[k]
	if (ap == ops.AutoPadSameUpper || ap == ops.AutoPadSameLower) && c.opset() < 11 {
		err = unsupported("auto_pad %s at opset %d (an output as long as the input, which opset 11 redefined)", ap, c.opset())
		return
	}
	if strides, _, err = c.ints("strides"); err != nil {
		return
	}
	if pads, _, err = c.ints("pads"); err != nil {
		return
	}
	if dilations {
		dil, _, err = c.ints("dilations")
	}
	return
}

// checkKernel compares the optional kernel_shape attribute with the
// kernel's shape, the spatial axes of w.
func checkKernel(c *nodeCtx, w *graph.Node) error {
	ks, ok, err := c.ints("kernel_shape")
	if err != nil || !ok {
		return err
	}
	ws := w.Shape()
	if len(ws) < 2 || !graph.Shape(ks).Equal(ws[2:]) {
		return fmt.Errorf("attribute kernel_shape %v differs from the kernel's shape %s", ks, ws)
	}
	return nil
}

func group(c *nodeCtx) (int, error) { return c.intAttr("group", 1) }

func convConv(c *nodeCtx) (*graph.Node, error) {
	var o ops.ConvOptions
	var err error
	if o.Strides, o.Pads, o.Dilations, o.AutoPad, err = windowAttrs(c, true); err != nil {
		return nil, err
	}
	if o.Group, err = group(c); err != nil {
		return nil, err
	}
	if err := checkKernel(c, c.in[1]); err != nil {
		return nil, err
	}
	return ops.Conv(c.in[0], c.in[1], c.opt(2), o), nil
}

func convConvTranspose(c *nodeCtx) (*graph.Node, error) {
	var o ops.ConvTransposeOptions
	var err error
	if o.Strides, o.Pads, o.Dilations, o.AutoPad, err = windowAttrs(c, true); err != nil {
		return nil, err
	}
	if o.Group, err = group(c); err != nil {
		return nil, err
	}
	if err := checkKernel(c, c.in[1]); err != nil {
		return nil, err
	}
	if o.OutputPadding, _, err = c.ints("output_padding"); err != nil {
		return nil, err
	}
	var set bool
	if o.OutputShape, set, err = c.ints("output_shape"); err != nil {
		return nil, err
	}
	if set && c.opset() < 11 {
		// Opset 1 split the padding an output_shape implies the other
		// way round.
		return nil, unsupported("attribute output_shape at opset %d (its padding rule changed in opset 11)", c.opset())
	}
	return ops.ConvTranspose(c.in[0], c.in[1], c.opt(2), o), nil
}

// poolAttrs reads the kernel and ceil_mode of a pool.
func poolAttrs(c *nodeCtx) (kernel []int, ceil bool, err error) {
	kernel, ok, err := c.ints("kernel_shape")
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("attribute \"kernel_shape\" is required")
	}
	ceil, err = c.bool("ceil_mode", false)
	return kernel, ceil, err
}

// convMaxPool reads MaxPool, with its optional Indices output.
func convMaxPool(c *nodeCtx) ([]*graph.Node, error) {
	var o ops.MaxPoolOptions
	var err error
	if o.Strides, o.Pads, o.Dilations, o.AutoPad, err = windowAttrs(c, true); err != nil {
		return nil, err
	}
	if o.KernelShape, o.CeilMode, err = poolAttrs(c); err != nil {
		return nil, err
	}
	order, err := c.bool("storage_order", false)
	if err != nil {
		return nil, err
	}
	if order {
		o.StorageOrder = 1
	}
	x := c.in[0]
	out := []*graph.Node{nil, nil}
	if c.wants(0) || !c.wants(1) {
		out[0] = ops.MaxPool(x, o)
	}
	if c.wants(1) {
		out[1] = ops.MaxPoolIndices(x, o)
	}
	return out, nil
}

func convAveragePool(c *nodeCtx) (*graph.Node, error) {
	var o ops.AveragePoolOptions
	var err error
	if o.Strides, o.Pads, _, o.AutoPad, err = windowAttrs(c, false); err != nil {
		return nil, err
	}
	if o.KernelShape, o.CeilMode, err = poolAttrs(c); err != nil {
		return nil, err
	}
	if o.CountIncludePad, err = c.bool("count_include_pad", false); err != nil {
		return nil, err
	}
	return ops.AveragePool(c.in[0], o), nil
}

// perChannel reshapes a vector of C values (a BatchNormalization
// statistic) to C × 1 × … against x, N × C × D1 ….
func perChannel(v, x *graph.Node) *graph.Node {
	s := make([]int, x.Shape().Rank()-1)
	for i := range s {
		s[i] = 1
	}
	if len(s) > 0 {
		s[0] = -1
	}
	return ops.Reshape(v, s...)
}

// convBatchNorm reads BatchNormalization. In inference mode (opset 14's
// training_mode = 0; one output before opset 14) it is ONNX's formula
// on its five inputs, s·(x − mean)/√(var + ε) + b, from the element-wise
// ops of package ops: the gradient flows to every input, the statistics
// included. In training mode Y is ops.BatchNormalization in a training
// Mode, with the batch's statistics, and the running statistics the node
// outputs are ONNX's momentum updates of input_mean and input_var.
func convBatchNorm(c *nodeCtx) ([]*graph.Node, error) {
	eps, err := c.float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	momentum, err := c.float("momentum", 0.9)
	if err != nil {
		return nil, err
	}
	training := c.outputs() > 1 // opsets 9 to 13 say so by the outputs
	if c.opset() >= 14 {
		if training, err = c.bool("training_mode", false); err != nil {
			return nil, err
		}
		if !training && c.outputs() > 1 {
			return nil, fmt.Errorf("has %d outputs in inference mode, want 1", c.outputs())
		}
	}
	x, scale, bias, mean, vr := c.in[0], c.in[1], c.in[2], c.in[3], c.in[4]
	if x.Shape().Rank() < 2 {
		return nil, fmt.Errorf("x has shape %s, want N × C × …", x.Shape())
	}
	ch := x.Shape()[1]
	for i, v := range c.in[1:] {
		if !v.Shape().Equal(graph.Shape{ch}) || v.DType() != x.DType() {
			return nil, fmt.Errorf("input %d is %s %s, want %s %d (one per channel)", i+1, v.DType(), v.Shape(), x.DType(), ch)
		}
	}
	if !training {
		eps := c.g().Scalar(eps, x.DType())
		y := ops.Div(ops.Mul(perChannel(scale, x), ops.Sub(x, perChannel(mean, x))), ops.Sqrt(ops.Add(perChannel(vr, x), eps)))
		return []*graph.Node{ops.Add(y, perChannel(bias, x))}, nil
	}
	name := c.np.GetOutput()[0]
	if name == "" {
		name = "BatchNormalization"
	}
	for k := 1; c.g().Node(name+".running_mean") != nil || c.g().Node(name+".running_var") != nil; k++ {
		name = fmt.Sprintf("%s_%d", c.np.GetOutput()[0], k)
	}
	y := ops.BatchNormalization(name, x, scale, bias, ops.NewMode(true), eps, momentum)
	// The layer's own running statistics start at the inputs' values
	// when they are known, so that after a run they hold the updated
	// ones, as the outputs do.
	for _, s := range []struct {
		in     int
		suffix string
	}{{3, ".running_mean"}, {4, ".running_var"}} {
		if v, err := c.known(s.in, "statistics"); err == nil {
			if st := c.g().Node(name + s.suffix); st != nil && !st.Failed() {
				copyInto(st.Storage(), v)
			}
		}
	}
	outs := []*graph.Node{y}
	if c.outputs() == 1 {
		return outs, nil
	}
	axes := []int{0}
	for i := 2; i < x.Shape().Rank(); i++ {
		axes = append(axes, i)
	}
	bm := ops.ReduceMean(x, false, axes...)
	update := func(run, batch *graph.Node) *graph.Node {
		return ops.Add(ops.Scale(run, momentum), ops.Scale(batch, 1-momentum))
	}
	if c.opset() >= 14 {
		bv := ops.ReduceMean(ops.Square(ops.Sub(x, ops.ReduceMean(x, true, axes...))), false, axes...)
		return append(outs, update(mean, bm), update(vr, bv)), nil
	}
	// Opsets 9 to 13: mean, var, saved_mean, saved_var. Which variance
	// the running var and saved_var hold (population, unbiased, or the
	// inverse standard deviation cuDNN saves) the specification leaves
	// open.
	open := unsupported("the variance outputs of BatchNormalization in training mode before opset 14, which ONNX leaves undefined")
	c.leaveOut(2, open)
	c.leaveOut(4, open)
	return append(outs, update(mean, bm), nil, bm), nil
}

// convLayerNorm reads LayerNormalization (opset 17) with its optional
// Mean and InvStdDev outputs. The statistics are computed in stash_type:
// ONNX casts x to it, normalises, and casts back before the scale and
// bias; with stash_type x's own type this is ops.LayerNormalization.
func convLayerNorm(c *nodeCtx) ([]*graph.Node, error) {
	axis, err := c.intAttr("axis", -1)
	if err != nil {
		return nil, err
	}
	eps, err := c.float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	st, err := c.int("stash_type", 1)
	if err != nil {
		return nil, err
	}
	if st != int64(int32(st)) {
		return nil, fmt.Errorf("attribute \"stash_type\" is %d", st)
	}
	stash, err := dtypeOf(int32(st))
	if err != nil || !stash.IsFloat() {
		return nil, unsupported("stash_type %s", elemName(int32(st)))
	}
	x, scale, bias := c.in[0], c.in[1], c.opt(2)
	r := x.Shape().Rank()
	a, ok := graph.Axis(axis, r)
	if !ok {
		return nil, fmt.Errorf("axis %d is out of range for rank %d", axis, r)
	}
	var y *graph.Node
	xs := x
	if stash == x.DType() {
		y = ops.LayerNormalization(x, scale, bias, a, eps)
	} else {
		xs = ops.Cast(x, stash)
		y = ops.Mul(ops.Cast(ops.LayerNormalization(xs, nil, nil, a, eps), x.DType()), scale)
		if bias != nil {
			y = ops.Add(y, bias)
		}
	}
	outs := []*graph.Node{y, nil, nil}
	if c.wants(1) || c.wants(2) {
		axes := make([]int, 0, r-a)
		for i := a; i < r; i++ {
			axes = append(axes, i)
		}
		m := ops.ReduceMean(xs, true, axes...)
		outs[1] = m
		if c.wants(2) {
			v := ops.ReduceMean(ops.Square(ops.Sub(xs, m)), true, axes...)
			outs[2] = ops.Reciprocal(ops.Sqrt(ops.Add(v, c.g().Scalar(eps, stash))))
		}
	}
	return outs, nil
}

// convMVN is MeanVarianceNormalization as ONNX defines it (opset 13's
// function): (x − E[x]) / (√(E[x²] − E[x]²) + 1e-9) over axes.
func convMVN(c *nodeCtx) (*graph.Node, error) {
	axes, ok, err := c.ints("axes")
	if err != nil {
		return nil, err
	}
	if !ok {
		axes = []int{0, 2, 3}
	}
	x := c.in[0]
	m := ops.ReduceMean(x, true, axes...)
	v := ops.Sub(ops.ReduceMean(ops.Mul(x, x), true, axes...), ops.Mul(m, m))
	return ops.Div(ops.Sub(x, m), ops.Add(ops.Sqrt(v), c.g().Scalar(1e-9, x.DType()))), nil
}

// defaultSeed is the random stream of a Dropout without a seed: ONNX lets
// the runtime choose one.
const defaultSeed = 0

// convDropout reads Dropout: ratio and training_mode must be known at
// import. In inference mode (ONNX's default) the output is x and the mask
// all true; in training mode with a ratio above 0 it is ops.Dropout's
// random mask, drawn from a stream seeded by the seed attribute, and the
// boolean mask is Greater(mask, 0).
func convDropout(c *nodeCtx) ([]*graph.Node, error) {
	ratio := 0.5
	training := false
	var err error
	if c.opset() < 12 {
		if len(c.in) > 1 {
			return nil, fmt.Errorf("has %d inputs, want 1 at opset %d", len(c.in), c.opset())
		}
		if ratio, err = c.float("ratio", 0.5); err != nil {
			return nil, err
		}
	} else {
		if c.opt(1) != nil {
			if ratio, err = c.knownScalar(1, "ratio"); err != nil {
				return nil, err
			}
		}
		if c.opt(2) != nil {
			t, err := c.known(2, "training_mode")
			if err != nil {
				return nil, err
			}
			if t.DType() != graph.Bool || t.Len() != 1 {
				return nil, fmt.Errorf("input 2 (training_mode) is %s %s, want one bool", t.DType(), t.Shape)
			}
			training = t.B[0]
		}
	}
	seed, err := c.int("seed", defaultSeed)
	if err != nil {
		return nil, err
	}
	x := c.in[0]
	var mode *ops.Mode
	var rng *ops.RNG
	if training && ratio != 0 {
		mode, rng = ops.NewMode(true), ops.NewRNG(uint64(seed))
		c.noFold = true
		c.imp.m.random = append(c.imp.m.random, c.np.GetOpType())
	}
	if !c.wants(1) {
		return []*graph.Node{ops.Dropout(x, ratio, mode, rng)}, nil
	}
	mask := ops.DropoutMask(x, ratio, mode, rng)
	y := ops.Mul(x, mask)
	if mode == nil {
		y = ops.Identity(x)
	}
	return []*graph.Node{y, ops.Greater(mask, c.g().Scalar(0, x.DType()))}, nil
}

// convRecurrent reads RNN, GRU and LSTM.
func convRecurrent(c *nodeCtx) ([]*graph.Node, error) {
	kind := c.np.GetOpType()
	var o ops.RNNOptions
	var err error
	if o.HiddenSize, err = c.intAttr("hidden_size", 0); err != nil {
		return nil, err
	}
	dir, err := c.choice("direction", "forward", []string{"forward", "reverse", "bidirectional"})
	if err != nil {
		return nil, err
	}
	o.Direction = []ops.RNNDirection{ops.RNNForward, ops.RNNReverse, ops.RNNBidirectional}[dir]
	if o.Activations, _, err = c.strs("activations"); err != nil {
		return nil, err
	}
	if o.ActivationAlpha, _, err = c.floats("activation_alpha"); err != nil {
		return nil, err
	}
	if o.ActivationBeta, _, err = c.floats("activation_beta"); err != nil {
		return nil, err
	}
	if c.has("clip") {
		if o.Clip, err = c.float("clip", 0); err != nil {
			return nil, err
		}
		if !(o.Clip > 0) {
			return nil, unsupported("clip %v (the threshold must be positive)", o.Clip)
		}
	}
	if o.Layout, err = c.intAttr("layout", 0); err != nil {
		return nil, err
	}
	switch kind {
	case "GRU":
		o.LinearBeforeReset, err = c.bool("linear_before_reset", false)
	case "LSTM":
		o.InputForget, err = c.bool("input_forget", false)
	}
	if err != nil {
		return nil, err
	}
	x, w, r, b := c.in[0], c.in[1], c.in[2], c.opt(3)
	o.SequenceLens = c.opt(4)
	h0 := c.opt(5)
	var out ops.RNNOutputs
	switch kind {
	case "RNN":
		out = ops.RNN(x, w, r, b, h0, o)
	case "GRU":
		out = ops.GRU(x, w, r, b, h0, o)
	default:
		out = ops.LSTM(x, w, r, b, h0, c.opt(6), c.opt(7), o)
	}
	return []*graph.Node{out.Y, out.YH, out.YC}, nil
}

// convClassLoss reads SoftmaxCrossEntropyLoss (with its optional
// log_prob output) and NegativeLogLikelihoodLoss.
func convClassLoss(c *nodeCtx) ([]*graph.Node, error) {
	red, err := c.choice("reduction", "mean", []string{"mean", "sum", "none"})
	if err != nil {
		return nil, err
	}
	o := ops.LossOptions{Reduction: []ops.Reduction{ops.ReductionMean, ops.ReductionSum, ops.ReductionNone}[red]}
	if c.has("ignore_index") {
		o.Ignore = true
		if o.IgnoreIndex, err = c.int("ignore_index", 0); err != nil {
			return nil, err
		}
	}
	x, labels, w := c.in[0], c.in[1], c.opt(2)
	if c.np.GetOpType() == "NegativeLogLikelihoodLoss" {
		return []*graph.Node{ops.NegativeLogLikelihoodLoss(x, labels, w, o)}, nil
	}
	outs := []*graph.Node{ops.SoftmaxCrossEntropyLoss(x, labels, w, o), nil}
	if c.wants(1) {
		outs[1] = ops.LogSoftmax(x, 1)
	}
	return outs, nil
}
