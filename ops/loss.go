package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// The losses of ONNX (SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss)
// and PyTorch (binary cross-entropy with logits, mean squared error,
// Huber), in the layout of both: a batch of samples along the first axis,
// classes along the second. They are composites: the class losses pick
// each target's entry with a small op (pickLabel) whose VJP scatters into
// zeros and whose scatter's VJP picks again, so gradients of any order
// flow; the others are element-wise ops and a reduction.

func init() {
	cls := "scalar; with ReductionNone, labels' shape (N × d₁ … dₖ)"
	opts := "Reduction (mean), Ignore + IgnoreIndex (none), weights (none)"
	register(
		OpInfo{Go: "SoftmaxCrossEntropyLoss", ONNX: "SoftmaxCrossEntropyLoss", Shape: cls, Attrs: opts,
			Formula: "NegativeLogLikelihoodLoss(LogSoftmax(scores, 1), labels, weights)", VJP: "from its ops (LogSoftmax, a pick by label whose VJP scatters)", Differentiable: true},
		OpInfo{Go: "NegativeLogLikelihoodLoss", ONNX: "NegativeLogLikelihoodLoss", Shape: cls, Attrs: opts,
			Formula: "−w[t]·x[n, t, d…] with t the label; mean divides by Σ w[t] of the kept labels", VJP: "from its ops (a pick by label whose VJP scatters)", Differentiable: true},
		OpInfo{Go: "BinaryCrossEntropyWithLogits", Shape: "scalar; with ReductionNone, x's shape", Attrs: "posWeight (none), Reduction (mean)",
			Formula: "(1 − y)·x + (1 + (p − 1)·y)·softplus(−x), without p: softplus(x) − x·y", VJP: "from its ops", Differentiable: true},
		OpInfo{Go: "MSELoss", Shape: "scalar; with ReductionNone, x's shape", Attrs: "Reduction (mean)",
			Formula: "(x − y)²", VJP: "from its ops", Differentiable: true},
		OpInfo{Go: "HuberLoss", Shape: "scalar; with ReductionNone, x's shape", Attrs: "delta, Reduction (mean)",
			Formula: "½d² for |d| < δ, else δ(|d| − ½δ), d = x − y", VJP: "from its ops", Differentiable: true},
	)
}

// Reduction says how a loss combines the losses of its elements.
type Reduction uint8

// The reductions of ONNX's and PyTorch's losses.
const (
	// ReductionMean averages: the default of ONNX and PyTorch. The
	// weighted class losses divide by the sum of the weights of the
	// labels they keep.
	ReductionMean Reduction = iota
	// ReductionSum sums.
	ReductionSum
	// ReductionNone keeps one loss per element.
	ReductionNone
)

// String returns ONNX's name of the reduction.
func (r Reduction) String() string {
	switch r {
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	case ReductionNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", uint8(r))
}

// LossOptions holds the attributes of the class losses. Its zero value
// means ONNX's defaults: the mean, and no label ignored.
type LossOptions struct {
	Reduction Reduction
	// Ignore makes the targets labelled IgnoreIndex contribute nothing:
	// neither their loss nor, for the mean, their weight or count. (Every
	// integer is a possible label, so a flag says whether IgnoreIndex
	// applies; PyTorch's default is Ignore with IgnoreIndex −100.)
	Ignore      bool
	IgnoreIndex int64
}

// SoftmaxCrossEntropyLoss is ONNX's SoftmaxCrossEntropyLoss: the negative
// log-likelihood of the labels under the softmax of scores along axis 1,
// NegativeLogLikelihoodLoss(LogSoftmax(scores, 1), labels, weights, o).
// scores is N × C × d₁ … dₖ (k ≥ 0), labels (int32 or int64) N × d₁ …
// dₖ with values in [0, C) or the ignored label, weights nil or a vector
// of C class weights. A label out of range fails the run. ONNX's second
// output, log_prob, is LogSoftmax(scores, 1).
func SoftmaxCrossEntropyLoss(scores, labels, weights *graph.Node, o LossOptions) *graph.Node {
	if f := classLossCheck("SoftmaxCrossEntropyLoss", scores, labels, weights, o); f != nil {
		return f
	}
	return nll(LogSoftmax(scores, 1), labels, weights, o)
}

// NegativeLogLikelihoodLoss is ONNX's NegativeLogLikelihoodLoss: for
// input (log-probabilities) N × C × d₁ … dₖ and labels N × d₁ … dₖ, each
// element's loss is −weights[t]·input[n, t, d₁, …, dₖ] with t its label
// (weight 1 without weights), 0 where t is the ignored label.
// ReductionMean divides their sum by the sum of the kept labels' weights
// (their number without weights). A label outside [0, C) that is not
// ignored fails the run.
func NegativeLogLikelihoodLoss(input, labels, weights *graph.Node, o LossOptions) *graph.Node {
	if f := classLossCheck("NegativeLogLikelihoodLoss", input, labels, weights, o); f != nil {
		return f
	}
	return nll(input, labels, weights, o)
}

// classLossCheck returns a failed node when the arguments of a class loss
// do not fit it, nil when they do.
func classLossCheck(typ string, x, labels, weights *graph.Node, o LossOptions) *graph.Node {
	if f := anyFailed(x, labels, weights); f != nil {
		return f
	}
	if x == nil || labels == nil {
		return invalid(typ, fmt.Errorf("the scores and the labels are required"), x, labels, weights)
	}
	in := metas(x, labels, weights)
	var err error
	xs, ls := x.Shape(), labels.Shape()
	switch {
	case !x.DType().IsFloat() || (weights != nil && weights.DType() != x.DType()):
		err = graph.DTypesError(in, "do not fit: the scores and weights must be float32 or float64 alike")
	case !labels.DType().IsInt():
		err = graph.DTypesError(in, "do not fit: the labels must be int32 or int64")
	case len(xs) < 2:
		err = graph.ShapesError(in, "do not fit: the scores must be N × C × d₁ … dₖ")
	case !ls.Equal(append(graph.Shape{xs[0]}, xs[2:]...)):
		err = graph.ShapesError(in, "do not fit: the labels must have the scores' shape without axis 1")
	case weights != nil && !weights.Shape().Equal(graph.Shape{xs[1]}):
		err = graph.ShapesError(in, fmt.Sprintf("do not fit: the weights must be a vector of %d", xs[1]))
	case o.Reduction > ReductionNone:
		err = fmt.Errorf("reduction %d is not mean, sum or none", o.Reduction)
	}
	if err != nil {
		return invalid(typ, err, x, labels, weights)
	}
	return nil
}

// nll builds the negative log-likelihood of checked arguments.
func nll(x, labels, weights *graph.Node, o LossOptions) *graph.Node {
	ig := pickOp{ignore: o.IgnoreIndex, hasIgnore: o.Ignore}
	loss := Neg(graph.ApplyOn(ig, x, labels))
	var wt *graph.Node
	if weights != nil {
		wt = graph.ApplyOn(ig, weights, labels) // 0 where ignored
		loss = Mul(loss, wt)
	}
	switch o.Reduction {
	case ReductionNone:
		return loss
	case ReductionSum:
		return Sum(loss)
	}
	switch {
	case wt != nil:
		return Div(Sum(loss), Sum(wt))
	case o.Ignore && (labels.DType() == graph.Int64 || int64(int32(o.IgnoreIndex)) == o.IgnoreIndex):
		// The ignored label as a constant of the labels' dtype, exactly
		// (an int32 label cannot equal an index beyond int32's range).
		ii := labels.Graph().Scalar(0, labels.DType())
		if err := ii.SetInt64s([]int64{o.IgnoreIndex}); err != nil {
			panic("ops: " + err.Error()) // the guard above rules it out
		}
		kept := Where(Equal(labels, ii), scalarLike(x, 0), scalarLike(x, 1))
		return Div(Sum(loss), Sum(kept))
	}
	return Mean(loss)
}

// BinaryCrossEntropyWithLogits is PyTorch's BCEWithLogitsLoss: the binary
// cross-entropy of targets y (in [0, 1], shaped like x) under the
// probabilities σ(x), computed from the logits x without overflow:
// softplus(x) − x·y, that is max(x, 0) − x·y + ln(1 + e^−|x|). posWeight,
// nil or broadcasting to x's shape (a vector of C for x N × C), weighs
// the positive term: (1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x).
func BinaryCrossEntropyWithLogits(x, y, posWeight *graph.Node, r Reduction) *graph.Node {
	const typ = "BinaryCrossEntropyWithLogits"
	if f := pairLossCheck(typ, x, y, posWeight, r); f != nil {
		return f
	}
	var l *graph.Node
	if posWeight == nil {
		l = Sub(Softplus(x), Mul(x, y))
	} else {
		one := scalarLike(x, 1)
		l = Add(Mul(Sub(one, y), x), Mul(Add(one, Mul(Sub(posWeight, one), y)), Softplus(Neg(x))))
	}
	return reduceLoss(l, r)
}

// MSELoss is PyTorch's mean squared error: (x − y)² for x and y of one
// shape, reduced by r.
func MSELoss(x, y *graph.Node, r Reduction) *graph.Node {
	if f := pairLossCheck("MSELoss", x, y, nil, r); f != nil {
		return f
	}
	return reduceLoss(Square(Sub(x, y)), r)
}

// HuberLoss is PyTorch's huber_loss: for d = x − y, ½d² where |d| < delta
// and delta·(|d| − ½delta) elsewhere, reduced by r. delta must be
// positive (PyTorch's default is 1).
func HuberLoss(x, y *graph.Node, delta float64, r Reduction) *graph.Node {
	const typ = "HuberLoss"
	if f := pairLossCheck(typ, x, y, nil, r); f != nil {
		return f
	}
	if !(delta > 0) {
		return invalid(typ, fmt.Errorf("delta %g is not positive", delta), x, y)
	}
	// With q = min(|d|, δ): q·(|d| − ½q) is ½d² below δ and δ(|d| − ½δ)
	// above it.
	a := Abs(Sub(x, y))
	q := MinOf(a, scalarLike(a, delta))
	return reduceLoss(Mul(q, Sub(a, Scale(q, 0.5))), r)
}

// pairLossCheck returns a failed node when x and y (and w, which must
// broadcast to their shape) do not fit a loss, nil when they do.
func pairLossCheck(typ string, x, y, w *graph.Node, r Reduction) *graph.Node {
	if f := anyFailed(x, y, w); f != nil {
		return f
	}
	if x == nil || y == nil {
		return invalid(typ, fmt.Errorf("x and y are required"), x, y, w)
	}
	in := metas(x, y, w)
	var err error
	if err = wantFloat(in); err != nil {
		err = graph.DTypesError(in, "are not float32 or float64 alike")
	} else if !x.Shape().Equal(y.Shape()) {
		err = graph.ShapesError(in, "differ")
	} else if s, ok := BroadcastShape(x.Shape(), shapeOf(w)); w != nil && (!ok || !s.Equal(x.Shape())) {
		err = graph.ShapesError(in, "do not fit: the weights must broadcast to x's shape")
	} else if r > ReductionNone {
		err = fmt.Errorf("reduction %d is not mean, sum or none", r)
	}
	if err != nil {
		return invalid(typ, err, x, y, w)
	}
	return nil
}

func shapeOf(n *graph.Node) graph.Shape {
	if n == nil {
		return nil
	}
	return n.Shape()
}

func reduceLoss(l *graph.Node, r Reduction) *graph.Node {
	switch r {
	case ReductionNone:
		return l
	case ReductionSum:
		return Sum(l)
	}
	return Mean(l)
}

// pickOp picks, for each label t of labels (N × d₁ … dₖ), x's entry of
// class t: x[n, t, d₁, …] for x N × C × d₁ … dₖ, or x[t] for a vector x
// of C (class weights). An ignored label picks 0; a label outside [0, C)
// that is not ignored fails the run. Its VJP scatters g into zeros of x's
// shape (pickGradOp), whose own VJP is this pick again.
type pickOp struct {
	ignore    int64
	hasIgnore bool
}

func (pickOp) Type() string { return "PickLabel" }

func (o pickOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in, 0); err != nil {
		return graph.Meta{}, err
	}
	if err := wantInt(in, 1); err != nil {
		return graph.Meta{}, err
	}
	xs, ls := in[0].Shape, in[1].Shape
	if len(xs) != 1 && (len(xs) < 2 || !ls.Equal(append(graph.Shape{xs[0]}, xs[2:]...))) {
		return graph.Meta{}, graph.ShapesError(in, "do not fit: want N × C × d… and N × d…, or C and any shape")
	}
	return graph.Meta{DType: in[0].DType, Shape: ls.Clone()}, nil
}

// classes returns C and the lengths of a pick's blocks: the batch n and
// the inner size d (1, 1 for a vector x).
func classes(xs graph.Shape) (n, c, d int) {
	if len(xs) == 1 {
		return 1, xs[0], 1
	}
	return xs[0], xs[1], graph.Shape(xs[2:]).Size()
}

func (o pickOp) Forward(out *graph.Value, in []*graph.Value) {
	x, l := in[0], in[1]
	if out.F64 != nil {
		pickByLabel(o, out, out.F64, x.F64, l, x.Shape)
	} else {
		pickByLabel(o, out, out.F32, x.F32, l, x.Shape)
	}
}

func pickByLabel[T graph.Float](o pickOp, out *graph.Value, y, x []T, l *graph.Value, xs graph.Shape) {
	if l.I64 != nil {
		pickK(o, out, y, x, l.I64, xs)
	} else {
		pickK(o, out, y, x, l.I32, xs)
	}
}

func pickK[T graph.Float, L int32 | int64](o pickOp, out *graph.Value, y, x []T, labels []L, xs graph.Shape) {
	n, c, d := classes(xs)
	if len(xs) == 1 { // class weights: y[i] = x[t]
		for i, t := range labels {
			if o.hasIgnore && int64(t) == o.ignore {
				y[i] = 0
				continue
			}
			if t < 0 || int64(t) >= int64(c) {
				out.Fail(labelError(int64(t), i, c))
				return
			}
			y[i] = x[t]
		}
		return
	}
	for b := 0; b < n; b++ {
		yb, lb, xb := y[b*d:(b+1)*d], labels[b*d:(b+1)*d], x[b*c*d:(b+1)*c*d]
		for j, t := range lb {
			if o.hasIgnore && int64(t) == o.ignore {
				yb[j] = 0
				continue
			}
			if t < 0 || int64(t) >= int64(c) {
				out.Fail(labelError(int64(t), b*d+j, c))
				return
			}
			yb[j] = xb[int(t)*d+j]
		}
	}
}

func labelError(t int64, i, c int) error {
	return fmt.Errorf("label %d at index %d is outside [0, %d) and not ignored", t, i, c)
}

func (o pickOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x, labels := n.Inputs()[0], n.Inputs()[1]
	return []*graph.Node{graph.ApplyOn(pickGradOp{pick: o, xShape: x.Shape().Clone()}, g, labels), nil}
}

// pickGradOp is the adjoint of pickOp: g (labels' shape) scattered into
// zeros of x's shape, each g at its label's class (summed over the labels
// of a class when x is a vector of C). Its VJP is the pick of the
// adjoint.
type pickGradOp struct {
	pick   pickOp
	xShape graph.Shape
}

func (pickGradOp) Type() string { return "PickLabelGrad" }

// Infer gives the result x's shape but for the batch N (of x N × C × …),
// which is the labels': one compiled program serves any batch
// (graph.Node.Batched).
func (o pickGradOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := o.xShape.Clone()
	if len(xs) >= 2 && len(in[1].Shape) >= 1 {
		xs[0] = in[1].Shape[0]
	}
	if _, err := o.pick.Infer([]graph.Meta{{DType: in[0].DType, Shape: xs}, in[1]}); err != nil {
		return graph.Meta{}, err
	}
	if !in[0].Shape.Equal(in[1].Shape) {
		return graph.Meta{}, graph.ShapesError(in, "differ")
	}
	return graph.Meta{DType: in[0].DType, Shape: xs}, nil
}

func (o pickGradOp) Forward(out *graph.Value, in []*graph.Value) {
	g, l := in[0], in[1]
	if out.F64 != nil {
		scatterByLabel(o.pick, out, out.F64, g.F64, l, out.Shape)
	} else {
		scatterByLabel(o.pick, out, out.F32, g.F32, l, out.Shape)
	}
}

func scatterByLabel[T graph.Float](o pickOp, out *graph.Value, x, g []T, l *graph.Value, xs graph.Shape) {
	if l.I64 != nil {
		scatterK(o, out, x, g, l.I64, xs)
	} else {
		scatterK(o, out, x, g, l.I32, xs)
	}
}

func scatterK[T graph.Float, L int32 | int64](o pickOp, out *graph.Value, x, g []T, labels []L, xs graph.Shape) {
	n, c, d := classes(xs)
	clear(x)
	for b := 0; b < n; b++ {
		gb, lb, xb := g[b*d:(b+1)*d], labels[b*d:(b+1)*d], x[b*c*d:(b+1)*c*d]
		if len(xs) == 1 {
			gb, lb = g, labels
		}
		for j, t := range lb {
			if o.hasIgnore && int64(t) == o.ignore {
				continue
			}
			if t < 0 || int64(t) >= int64(c) {
				out.Fail(labelError(int64(t), b*d+j, c))
				return
			}
			if len(xs) == 1 {
				xb[t] += gb[j]
			} else {
				xb[int(t)*d+j] = gb[j]
			}
		}
	}
}

func (o pickGradOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{graph.ApplyOn(o.pick, g, n.Inputs()[1]), nil}
}
