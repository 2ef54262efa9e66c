package onnx

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The table of ONNX ops the importer maps onto gradgraph ops: one row per
// op, keyed by domain and op_type. A row bounds the number of inputs and
// outputs, may restrict the element type of the first input (anything
// else is an *UnsupportedError, which backend tests skip), names the
// oldest opset it reads, and converts the node. Supporting a new op of
// package ops is one more row.

type row struct {
	minIn, maxIn int // maxIn < 0: variadic
	// maxOut bounds the outputs a node may name: 0 means 1, < 0 any
	// number.
	maxOut int
	dtypes func(graph.DType) bool
	conv   func(c *nodeCtx) ([]*graph.Node, error)
	// since is the oldest opset of the default domain at which the op
	// has the form and meaning conv reads (0: every opset). A converter
	// that reads an older form too (an attribute that became an input)
	// asks c.opset().
	since int64
	// note is shown in the documentation's op table ("constant inputs
	// only").
	note string
}

var table = map[[2]string]row{}

func lookup(domain, op string) (row, bool) {
	r, ok := table[[2]string{domain, op}]
	return r, ok
}

func add(domain, op string, r row) {
	key := [2]string{domain, op}
	if domain == "" && r.since == 0 {
		panic("onnx: op " + op + " has no opset to read it from")
	}
	if _, dup := table[key]; dup {
		panic("onnx: op " + op + " registered twice")
	}
	table[key] = r
}

// SupportedOps returns the ops the importer reads, as "Op" for the
// default domain and "domain.Op" otherwise, sorted, each with its note:
// empty, or its restrictions — the oldest opset it is read at when that is
// not 1 ("opset 11 on"), inputs that must be known at import ("axes
// constant").
func SupportedOps() [][2]string {
	var out [][2]string
	for k, r := range table {
		name := k[1]
		if k[0] != "" {
			name = k[0] + "." + k[1]
		}
		var notes []string
		if r.since > 1 {
			notes = append(notes, fmt.Sprintf("opset %d on", r.since))
		}
		if r.note != "" {
			notes = append(notes, r.note)
		}
		out = append(out, [2]string{name, strings.Join(notes, "; ")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func floats(dt graph.DType) bool  { return dt.IsFloat() }
func numbers(dt graph.DType) bool { return dt != graph.Bool }
func bools(dt graph.DType) bool   { return dt == graph.Bool }

// one wraps a converter that has one output.
func one(f func(c *nodeCtx) (*graph.Node, error)) func(c *nodeCtx) ([]*graph.Node, error) {
	return func(c *nodeCtx) ([]*graph.Node, error) {
		n, err := f(c)
		if err != nil {
			return nil, err
		}
		return []*graph.Node{n}, nil
	}
}

// unaryRow is a one-input op without attributes.
func unaryRow(f func(x *graph.Node) *graph.Node, dtypes func(graph.DType) bool, since int64) row {
	return row{minIn: 1, maxIn: 1, dtypes: dtypes, since: since, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		return f(c.in[0]), nil
	})}
}

// attrRow is a one-input float op with float attributes and their ONNX
// defaults.
func attrRow(f func(x *graph.Node, a []float64) *graph.Node, since int64, names []string, defs ...float64) row {
	return row{minIn: 1, maxIn: 1, dtypes: floats, since: since, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		a := make([]float64, len(names))
		for i, name := range names {
			v, err := c.float(name, defs[i])
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return f(c.in[0], a), nil
	})}
}

func binaryRow(f func(a, b *graph.Node) *graph.Node, dtypes func(graph.DType) bool, since int64) row {
	return row{minIn: 2, maxIn: 2, dtypes: dtypes, since: since, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		if c.in[0].DType() != c.in[1].DType() {
			return nil, fmt.Errorf("inputs have dtypes %s and %s, which ONNX requires alike", c.in[0].DType(), c.in[1].DType())
		}
		return f(c.in[0], c.in[1]), nil
	})}
}

func variadicRow(f func(xs ...*graph.Node) *graph.Node, since int64) row {
	return row{minIn: 1, maxIn: -1, dtypes: numbers, since: since, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		for _, x := range c.in {
			if x == nil {
				return nil, fmt.Errorf("an input is empty")
			}
		}
		return f(c.in...), nil
	})}
}

func init() {
	// The unary ops, with the opset since which their meaning is the one
	// read (before it, a legacy consumed_inputs attribute or none of the
	// op).
	for op, f := range map[string]struct {
		f     func(*graph.Node) *graph.Node
		since int64
	}{
		"Exp": {ops.Exp, 6}, "Log": {ops.Log, 6}, "Sqrt": {ops.Sqrt, 6}, "Reciprocal": {ops.Reciprocal, 6},
		"Sin": {ops.Sin, 7}, "Cos": {ops.Cos, 7}, "Tan": {ops.Tan, 7}, "Asin": {ops.Asin, 7}, "Acos": {ops.Acos, 7}, "Atan": {ops.Atan, 7},
		"Sinh": {ops.Sinh, 9}, "Cosh": {ops.Cosh, 9}, "Asinh": {ops.Asinh, 9}, "Acosh": {ops.Acosh, 9}, "Atanh": {ops.Atanh, 9},
		"Erf": {ops.Erf, 9}, "Floor": {ops.Floor, 6}, "Ceil": {ops.Ceil, 6}, "Round": {ops.Round, 11},
		"Sigmoid": {ops.Sigmoid, 6}, "Tanh": {ops.Tanh, 6}, "Softplus": {ops.Softplus, 1}, "Softsign": {ops.Softsign, 1},
		"HardSwish": {ops.HardSwish, 14},
	} {
		add("", op, unaryRow(f.f, floats, f.since))
	}
	for op, f := range map[string]struct {
		f     func(*graph.Node) *graph.Node
		since int64
	}{
		"Abs": {ops.Abs, 6}, "Neg": {ops.Neg, 6}, "Sign": {ops.Sign, 9}, "Relu": {ops.ReLU, 6},
	} {
		add("", op, unaryRow(f.f, numbers, f.since))
	}
	add("", "Identity", unaryRow(ops.Identity, nil, 1))
	add("", "Not", unaryRow(ops.Not, bools, 1))
	add("", "IsNaN", unaryRow(func(x *graph.Node) *graph.Node { return ops.Not(ops.Equal(x, x)) }, floats, 9))
	add("", "IsInf", row{minIn: 1, maxIn: 1, dtypes: floats, since: 10, conv: one(convIsInf)})
	add("", "HardSigmoid", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.HardSigmoid(x, a[0], a[1]) },
		6, []string{"alpha", "beta"}, 0.2, 0.5))
	add("", "LeakyRelu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.LeakyReLU(x, a[0]) },
		6, []string{"alpha"}, 0.01))
	add("", "Elu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.ELU(x, a[0]) },
		6, []string{"alpha"}, 1))
	// Selu's defaults are the float32 values ONNX stores.
	add("", "Selu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.SELUWith(x, a[0], a[1]) },
		6, []string{"alpha", "gamma"}, float64(float32(1.67326319217681884765625)), float64(float32(1.05070102214813232421875))))
	add("", "Celu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.CELU(x, a[0]) },
		12, []string{"alpha"}, 1))
	add("", "ThresholdedRelu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.ThresholdedReLU(x, a[0]) },
		10, []string{"alpha"}, 1))
	add("", "Shrink", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.Shrink(x, a[0], a[1]) },
		9, []string{"lambd", "bias"}, 0.5, 0))
	add("", "PRelu", row{minIn: 2, maxIn: 2, dtypes: numbers, since: 7, conv: one(convPRelu)})
	// Clip's bounds were attributes before opset 11, whose defaults were
	// float32's extremes rather than infinities.
	add("", "Clip", row{minIn: 1, maxIn: 3, dtypes: numbers, since: 11, conv: one(convClip), note: "min and max constant"})

	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{
		"Add": ops.Add, "Sub": ops.Sub, "Mul": ops.Mul, "Div": ops.Div,
	} {
		add("", op, binaryRow(f, numbers, 7)) // before 7: a broadcast attribute
	}
	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{"Greater": ops.Greater, "Less": ops.Less} {
		add("", op, binaryRow(f, numbers, 7))
	}
	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{"GreaterOrEqual": ops.GreaterOrEqual, "LessOrEqual": ops.LessOrEqual} {
		add("", op, binaryRow(f, numbers, 12))
	}
	add("", "Equal", binaryRow(ops.Equal, nil, 7))
	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{"And": ops.And, "Or": ops.Or, "Xor": ops.Xor} {
		add("", op, binaryRow(f, bools, 7))
	}
	add("", "Pow", row{minIn: 2, maxIn: 2, dtypes: floats, since: 7, conv: one(convPow), note: "an integer exponent constant"})
	add("", "Mod", row{minIn: 2, maxIn: 2, dtypes: numbers, since: 10, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		fmod, err := c.bool("fmod", false)
		if err != nil {
			return nil, err
		}
		if c.in[0].DType().IsFloat() && !fmod {
			return nil, unsupported("a Mod of floats with fmod = 0")
		}
		return ops.Mod(c.in[0], c.in[1], fmod), nil
	})})
	add("", "Where", row{minIn: 3, maxIn: 3, since: 9, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		return ops.Where(c.in[0], c.in[1], c.in[2]), nil
	})})
	// Before opset 8 the variadic ops did not broadcast.
	add("", "Max", variadicRow(ops.MaxOf, 8))
	add("", "Min", variadicRow(ops.MinOf, 8))
	add("", "Sum", variadicRow(ops.SumOf, 8))
	add("", "Mean", variadicRow(ops.MeanOf, 8))

	for op, f := range map[string]func(*graph.Node, bool, ...int) *graph.Node{
		"ReduceMean": ops.ReduceMean, "ReduceMax": ops.ReduceMax, "ReduceMin": ops.ReduceMin,
		"ReduceProd": ops.ReduceProd, "ReduceL1": ops.ReduceL1, "ReduceL2": ops.ReduceL2,
		"ReduceLogSum": ops.ReduceLogSum, "ReduceLogSumExp": ops.ReduceLogSumExp, "ReduceSumSquare": ops.ReduceSumSquare,
	} {
		add("", op, reduceRow(f, false))
	}
	add("", "ReduceSum", reduceRow(ops.ReduceSum, true))
	add("", "ArgMax", argRow(ops.ArgMax))
	add("", "ArgMin", argRow(ops.ArgMin))
	add("", "CumSum", row{minIn: 2, maxIn: 2, dtypes: numbers, since: 11, note: "axis constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		ax, err := c.knownInts(1, "axis")
		if err != nil {
			return nil, err
		}
		if len(ax) != 1 {
			return nil, fmt.Errorf("input 1 (axis) has %d elements, want 1", len(ax))
		}
		excl, err := c.bool("exclusive", false)
		if err != nil {
			return nil, err
		}
		rev, err := c.bool("reverse", false)
		if err != nil {
			return nil, err
		}
		return ops.CumSum(c.in[0], ax[0], excl, rev), nil
	})})

	add("", "MatMul", row{minIn: 2, maxIn: 2, dtypes: floats, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		a, ta := untransposed(c.in[0])
		b, tb := untransposed(c.in[1])
		flags := 0
		if ta {
			flags |= ops.TransA
		}
		if tb {
			flags |= ops.TransB
		}
		return ops.MatMul(a, b, flags), nil
	})})
	add("", "Gemm", row{minIn: 2, maxIn: 3, dtypes: floats, since: 7, conv: one(convGemm)})
	add("", "Einsum", row{minIn: 1, maxIn: -1, dtypes: floats, since: 12, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		eq, err := c.str("equation", "")
		if err != nil {
			return nil, err
		}
		if !c.has("equation") {
			return nil, fmt.Errorf("attribute \"equation\" is required")
		}
		for i, x := range c.in {
			if x == nil {
				return nil, fmt.Errorf("input %d is empty", i)
			}
		}
		return ops.Einsum(eq, c.in...), nil
	})})
	// Before opset 13 these flattened their input into a matrix at axis
	// (default 1) and normalised its rows: another meaning.
	for op, f := range map[string]func(*graph.Node, int) *graph.Node{
		"Softmax": ops.Softmax, "LogSoftmax": ops.LogSoftmax, "Hardmax": ops.Hardmax,
	} {
		add("", op, row{minIn: 1, maxIn: 1, dtypes: floats, since: 13, conv: one(func(c *nodeCtx) (*graph.Node, error) {
			axis, err := c.intAttr("axis", -1)
			if err != nil {
				return nil, err
			}
			return f(c.in[0], axis), nil
		})})
	}

	add("", "Reshape", row{minIn: 2, maxIn: 2, since: 5, note: "shape constant", conv: one(convReshape)})
	add("", "Flatten", row{minIn: 1, maxIn: 1, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 1)
		if err != nil {
			return nil, err
		}
		return ops.Flatten(c.in[0], axis), nil
	})})
	add("", "Squeeze", row{minIn: 1, maxIn: 2, since: 1, note: "axes constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axes, _, err := c.axesArg(1, "axes", 13)
		if err != nil {
			return nil, err
		}
		return ops.Squeeze(c.in[0], axes...), nil
	})})
	add("", "Unsqueeze", row{minIn: 1, maxIn: 2, since: 1, note: "axes constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axes, ok, err := c.axesArg(1, "axes", 13)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("the axes are required")
		}
		return ops.Unsqueeze(c.in[0], axes...), nil
	})})
	add("", "Transpose", row{minIn: 1, maxIn: 1, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		perm, _, err := c.ints("perm")
		if err != nil {
			return nil, err
		}
		return ops.Transpose(c.in[0], perm...), nil
	})})
	add("", "Expand", row{minIn: 2, maxIn: 2, since: 8, note: "shape constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		s, err := c.knownInts(1, "shape")
		if err != nil {
			return nil, err
		}
		return ops.Expand(c.in[0], s...), nil
	})})
	// The lecture's costs, which Export writes as model-local functions
	// of domain Domain, come back as the same ops.
	for op, f := range map[string]func(a, y *graph.Node) *graph.Node{
		"SoftmaxCrossEntropy": ops.SoftmaxCrossEntropy, "CrossEntropy": ops.CrossEntropy,
		"QuadraticCost": ops.QuadraticCost, "BinaryCrossEntropy": ops.BinaryCrossEntropy,
	} {
		r := binaryRow(f, floats, 0)
		r.note = "gradgraph's lecture-layout cost"
		add(Domain, op, r)
	}
}

func convClip(c *nodeCtx) (*graph.Node, error) {
	lo, hi := math.Inf(-1), math.Inf(1)
	var err error
	if c.opt(1) != nil {
		if lo, err = c.knownScalar(1, "min"); err != nil {
			return nil, err
		}
	}
	if c.opt(2) != nil {
		if hi, err = c.knownScalar(2, "max"); err != nil {
			return nil, err
		}
	}
	if c.in[0].DType().IsInt() && (math.IsInf(lo, 0) || math.IsInf(hi, 0)) {
		// ops.Clip takes its bounds as float64s: an integer kernel has no
		// infinite bound to stand for a missing one.
		return nil, unsupported("Clip of %s without both bounds", c.in[0].DType())
	}
	return ops.Clip(c.in[0], lo, hi), nil
}

func convPow(c *nodeCtx) (*graph.Node, error) {
	x, p := c.in[0], c.in[1]
	if p.DType() != x.DType() {
		// ONNX lets the exponent have another type; ops.Pow wants one.
		// A constant exponent is converted exactly, or refused.
		v, err := c.known(1, "exponent")
		if err != nil {
			return nil, unsupported("Pow of %s by %s computed at run time", x.DType(), p.DType())
		}
		cv, err := castValue(v, x.DType())
		if err != nil {
			return nil, err
		}
		for i := 0; i < v.Len(); i++ {
			if cv.At(i) != v.At(i) {
				return nil, unsupported("Pow by the %s exponent %v, which %s does not hold exactly", p.DType(), v.At(i), x.DType())
			}
		}
		p = constLike(c.g(), graph.KindConst, "", cv)
	}
	return ops.Pow(x, p), nil
}

// reduceRow reads a reduction: its axes are an attribute, or an input
// from the opset axesInput gives (ReduceSum's 13) on, with
// noop_with_empty_axes.
func reduceRow(f func(*graph.Node, bool, ...int) *graph.Node, axesInput bool) row {
	r := row{minIn: 1, maxIn: 1, dtypes: numbers, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		keep, err := c.bool("keepdims", true)
		if err != nil {
			return nil, err
		}
		if !axesInput {
			axes, _, err := c.ints("axes")
			if err != nil {
				return nil, err
			}
			return f(c.in[0], keep, axes...), nil
		}
		axes, _, err := c.axesArg(1, "axes", 13)
		if err != nil {
			return nil, err
		}
		noop := false
		if c.opset() >= 13 {
			if noop, err = c.bool("noop_with_empty_axes", false); err != nil {
				return nil, err
			}
		}
		if len(axes) == 0 && noop {
			return ops.Identity(c.in[0]), nil
		}
		return f(c.in[0], keep, axes...), nil
	})}
	if axesInput {
		r.maxIn, r.note = 2, "axes constant"
	}
	return r
}

func argRow(f func(*graph.Node, int, bool, bool) *graph.Node) row {
	return row{minIn: 1, maxIn: 1, dtypes: numbers, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 0)
		if err != nil {
			return nil, err
		}
		keep, err := c.bool("keepdims", true)
		if err != nil {
			return nil, err
		}
		last, err := c.bool("select_last_index", false)
		if err != nil {
			return nil, err
		}
		return f(c.in[0], axis, keep, last), nil
	})}
}

func convGemm(c *nodeCtx) (*graph.Node, error) {
	alpha, err := c.float("alpha", 1)
	if err != nil {
		return nil, err
	}
	beta, err := c.float("beta", 1)
	if err != nil {
		return nil, err
	}
	flags := 0
	for _, t := range []struct {
		name string
		flag int
	}{{"transA", ops.TransA}, {"transB", ops.TransB}} {
		on, err := c.bool(t.name, false)
		if err != nil {
			return nil, err
		}
		if on {
			flags |= t.flag
		}
	}
	return ops.Gemm(c.in[0], c.in[1], c.opt(2), alpha, beta, flags), nil
}

func convReshape(c *nodeCtx) (*graph.Node, error) {
	s, err := c.knownInts(1, "shape")
	if err != nil {
		return nil, err
	}
	allowZero, err := c.bool("allowzero", false)
	if err != nil {
		return nil, err
	}
	if allowZero && slices.Contains(s, 0) {
		// ops.Reshape reads 0 as "copy the input's length"; here it is a
		// length, and the shape is exact (ONNX forbids −1 beside it).
		if slices.Contains(s, -1) {
			return nil, fmt.Errorf("shape %v has both 0 and -1 with allowzero = 1", s)
		}
		ref := c.g().Zeros(c.in[0].DType(), graph.Shape(s))
		return ops.ReshapeLike(c.in[0], ref), nil
	}
	return ops.Reshape(c.in[0], s...), nil
}

// untransposed returns x's input when x is a Transpose that swaps the last
// two axes: MatMul reads it through its transpose flag instead of a copy,
// as Export writes a batched MatMul with flags.
func untransposed(x *graph.Node) (*graph.Node, bool) {
	if x.Op() == nil || x.Op().Type() != "Transpose" {
		return x, false
	}
	r := x.Shape().Rank()
	perm, _ := ops.Attrs(x.Op())["perm"].([]int)
	if r < 2 || (len(perm) == 0 && r != 2) {
		return x, false
	}
	for i, p := range perm {
		want := i
		if i >= r-2 {
			want = 2*r - 3 - i
		}
		if q, _ := graph.Axis(p, r); q != want {
			return x, false
		}
	}
	return x.Inputs()[0], true
}

// convIsInf is x = +∞ (detect_positive) or x = −∞ (detect_negative).
func convIsInf(c *nodeCtx) (*graph.Node, error) {
	pos, err := c.bool("detect_positive", true)
	if err != nil {
		return nil, err
	}
	neg, err := c.bool("detect_negative", true)
	if err != nil {
		return nil, err
	}
	x := c.in[0]
	inf := func(sign float64) *graph.Node { return c.g().Scalar(math.Inf(int(sign)), x.DType()) }
	switch {
	case pos && neg:
		return ops.Or(ops.Equal(x, inf(1)), ops.Equal(x, inf(-1))), nil
	case pos:
		return ops.Equal(x, inf(1)), nil
	case neg:
		return ops.Equal(x, inf(-1)), nil
	}
	return c.g().Zeros(graph.Bool, x.Shape()), nil
}

// convPRelu is slope·x where x < 0, x elsewhere; the slope broadcasts to
// x's shape (ONNX's unidirectional broadcast).
func convPRelu(c *nodeCtx) (*graph.Node, error) {
	x, slope := c.in[0], c.in[1]
	if x.DType() != slope.DType() {
		return nil, fmt.Errorf("inputs have dtypes %s and %s, which ONNX requires alike", x.DType(), slope.DType())
	}
	if s, ok := ops.BroadcastShape(slope.Shape(), x.Shape()); !ok || !s.Equal(x.Shape()) {
		return nil, fmt.Errorf("the slope's shape %s does not broadcast to x's %s", slope.Shape(), x.Shape())
	}
	zero := c.g().Scalar(0, x.DType())
	return ops.Where(ops.Less(x, zero), ops.Mul(slope, x), x), nil
}
