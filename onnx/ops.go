package onnx

import (
	"fmt"
	"math"
	"sort"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The table of ONNX ops the importer maps onto gradgraph ops: one row per
// op, keyed by domain and op_type. A row bounds the number of inputs, may
// restrict the element type of the first input (anything else is an
// *UnsupportedError, which backend tests skip), and converts the node.
// Supporting a new op of package ops is one more row.

type row struct {
	minIn, maxIn int // maxIn < 0: variadic
	dtypes       func(graph.DType) bool
	conv         func(c *nodeCtx) ([]*graph.Node, error)
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
	if _, dup := table[key]; dup {
		panic("onnx: op " + op + " registered twice")
	}
	table[key] = r
}

// SupportedOps returns the ops the importer reads, as "Op" for the
// default domain and "domain.Op" otherwise, sorted, each with its note
// (empty, or a restriction such as "constant inputs only").
func SupportedOps() [][2]string {
	var out [][2]string
	for k, r := range table {
		name := k[1]
		if k[0] != "" {
			name = k[0] + "." + k[1]
		}
		out = append(out, [2]string{name, r.note})
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
func unaryRow(f func(x *graph.Node) *graph.Node, dtypes func(graph.DType) bool) row {
	return row{minIn: 1, maxIn: 1, dtypes: dtypes, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		return f(c.in[0]), nil
	})}
}

// attrRow is a one-input float op with float attributes and their ONNX
// defaults.
func attrRow(f func(x *graph.Node, a []float64) *graph.Node, names []string, defs ...float64) row {
	return row{minIn: 1, maxIn: 1, dtypes: floats, conv: one(func(c *nodeCtx) (*graph.Node, error) {
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

func binaryRow(f func(a, b *graph.Node) *graph.Node, dtypes func(graph.DType) bool) row {
	return row{minIn: 2, maxIn: 2, dtypes: dtypes, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		if c.in[0].DType() != c.in[1].DType() {
			return nil, fmt.Errorf("inputs have dtypes %s and %s, which ONNX requires alike", c.in[0].DType(), c.in[1].DType())
		}
		return f(c.in[0], c.in[1]), nil
	})}
}

func variadicRow(f func(xs ...*graph.Node) *graph.Node) row {
	return row{minIn: 1, maxIn: -1, dtypes: numbers, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		for _, x := range c.in {
			if x == nil {
				return nil, fmt.Errorf("an input is empty")
			}
		}
		return f(c.in...), nil
	})}
}

func init() {
	for op, f := range map[string]func(*graph.Node) *graph.Node{
		"Exp": ops.Exp, "Log": ops.Log, "Sqrt": ops.Sqrt, "Reciprocal": ops.Reciprocal,
		"Sin": ops.Sin, "Cos": ops.Cos, "Tan": ops.Tan, "Asin": ops.Asin, "Acos": ops.Acos, "Atan": ops.Atan,
		"Sinh": ops.Sinh, "Cosh": ops.Cosh, "Asinh": ops.Asinh, "Acosh": ops.Acosh, "Atanh": ops.Atanh,
		"Erf": ops.Erf, "Floor": ops.Floor, "Ceil": ops.Ceil, "Round": ops.Round,
		"Sigmoid": ops.Sigmoid, "Tanh": ops.Tanh, "Softplus": ops.Softplus, "Softsign": ops.Softsign,
		"HardSwish": ops.HardSwish,
	} {
		add("", op, unaryRow(f, floats))
	}
	for op, f := range map[string]func(*graph.Node) *graph.Node{
		"Abs": ops.Abs, "Neg": ops.Neg, "Sign": ops.Sign, "Relu": ops.ReLU,
	} {
		add("", op, unaryRow(f, numbers))
	}
	add("", "Identity", unaryRow(ops.Identity, nil))
	add("", "Not", unaryRow(ops.Not, bools))
	add("", "HardSigmoid", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.HardSigmoid(x, a[0], a[1]) },
		[]string{"alpha", "beta"}, 0.2, 0.5))
	add("", "LeakyRelu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.LeakyReLU(x, a[0]) },
		[]string{"alpha"}, 0.01))
	add("", "Elu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.ELU(x, a[0]) },
		[]string{"alpha"}, 1))
	// Selu's defaults are the float32 values ONNX stores.
	add("", "Selu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.SELUWith(x, a[0], a[1]) },
		[]string{"alpha", "gamma"}, float64(float32(1.67326319217681884765625)), float64(float32(1.05070102214813232421875))))
	add("", "Celu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.CELU(x, a[0]) },
		[]string{"alpha"}, 1))
	add("", "ThresholdedRelu", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.ThresholdedReLU(x, a[0]) },
		[]string{"alpha"}, 1))
	add("", "Shrink", attrRow(func(x *graph.Node, a []float64) *graph.Node { return ops.Shrink(x, a[0], a[1]) },
		[]string{"lambd", "bias"}, 0.5, 0))
	add("", "Clip", row{minIn: 1, maxIn: 3, dtypes: numbers, conv: one(convClip), note: "min and max constant"})

	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{
		"Add": ops.Add, "Sub": ops.Sub, "Mul": ops.Mul, "Div": ops.Div,
		"Greater": ops.Greater, "Less": ops.Less, "GreaterOrEqual": ops.GreaterOrEqual, "LessOrEqual": ops.LessOrEqual,
	} {
		add("", op, binaryRow(f, numbers))
	}
	add("", "Equal", binaryRow(ops.Equal, nil))
	for op, f := range map[string]func(a, b *graph.Node) *graph.Node{"And": ops.And, "Or": ops.Or, "Xor": ops.Xor} {
		add("", op, binaryRow(f, bools))
	}
	add("", "Pow", row{minIn: 2, maxIn: 2, dtypes: floats, conv: one(convPow), note: "an integer exponent constant"})
	add("", "Mod", row{minIn: 2, maxIn: 2, dtypes: numbers, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		fmod, err := c.bool("fmod", false)
		if err != nil {
			return nil, err
		}
		if c.in[0].DType().IsFloat() && !fmod {
			return nil, fmt.Errorf("a Mod of floats needs fmod = 1")
		}
		return ops.Mod(c.in[0], c.in[1], fmod), nil
	})})
	add("", "Where", row{minIn: 3, maxIn: 3, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		return ops.Where(c.in[0], c.in[1], c.in[2]), nil
	})})
	add("", "Max", variadicRow(ops.MaxOf))
	add("", "Min", variadicRow(ops.MinOf))
	add("", "Sum", variadicRow(ops.SumOf))
	add("", "Mean", variadicRow(ops.MeanOf))

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
	add("", "CumSum", row{minIn: 2, maxIn: 2, dtypes: numbers, note: "axis constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
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

	add("", "MatMul", row{minIn: 2, maxIn: 2, dtypes: floats, conv: one(func(c *nodeCtx) (*graph.Node, error) {
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
	add("", "Gemm", row{minIn: 2, maxIn: 3, dtypes: floats, conv: one(convGemm)})
	for op, f := range map[string]func(*graph.Node, int) *graph.Node{
		"Softmax": ops.Softmax, "LogSoftmax": ops.LogSoftmax, "Hardmax": ops.Hardmax,
	} {
		add("", op, row{minIn: 1, maxIn: 1, dtypes: floats, conv: one(func(c *nodeCtx) (*graph.Node, error) {
			axis, err := c.intAttr("axis", -1)
			if err != nil {
				return nil, err
			}
			return f(c.in[0], axis), nil
		})})
	}

	add("", "Reshape", row{minIn: 2, maxIn: 2, note: "shape constant", conv: one(convReshape)})
	add("", "Flatten", row{minIn: 1, maxIn: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 1)
		if err != nil {
			return nil, err
		}
		return ops.Flatten(c.in[0], axis), nil
	})})
	add("", "Squeeze", row{minIn: 1, maxIn: 2, note: "axes constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		var axes []int
		if c.opt(1) != nil {
			var err error
			if axes, err = c.knownInts(1, "axes"); err != nil {
				return nil, err
			}
		}
		return ops.Squeeze(c.in[0], axes...), nil
	})})
	add("", "Unsqueeze", row{minIn: 2, maxIn: 2, note: "axes constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axes, err := c.knownInts(1, "axes")
		if err != nil {
			return nil, err
		}
		return ops.Unsqueeze(c.in[0], axes...), nil
	})})
	add("", "Transpose", row{minIn: 1, maxIn: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		perm, _, err := c.ints("perm")
		if err != nil {
			return nil, err
		}
		return ops.Transpose(c.in[0], perm...), nil
	})})
	add("", "Expand", row{minIn: 2, maxIn: 2, note: "shape constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
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
		r := binaryRow(f, floats)
		r.note = "gradgraph's lecture-layout cost"
		add(Domain, op, r)
	}
	add("", "Dropout", row{minIn: 1, maxIn: 3, dtypes: floats, conv: convDropout, note: "inference only"})
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

func reduceRow(f func(*graph.Node, bool, ...int) *graph.Node, axesInput bool) row {
	r := row{minIn: 1, maxIn: 1, dtypes: numbers, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		keep, err := c.bool("keepdims", true)
		if err != nil {
			return nil, err
		}
		var axes []int
		if axesInput {
			noop, err := c.bool("noop_with_empty_axes", false)
			if err != nil {
				return nil, err
			}
			if c.opt(1) != nil {
				if axes, err = c.knownInts(1, "axes"); err != nil {
					return nil, err
				}
			}
			if len(axes) == 0 && noop {
				return ops.Identity(c.in[0]), nil
			}
		} else if axes, _, err = c.ints("axes"); err != nil {
			return nil, err
		}
		return f(c.in[0], keep, axes...), nil
	})}
	if axesInput {
		r.maxIn, r.note = 2, "axes constant"
	}
	return r
}

func argRow(f func(*graph.Node, int, bool, bool) *graph.Node) row {
	return row{minIn: 1, maxIn: 1, dtypes: numbers, conv: one(func(c *nodeCtx) (*graph.Node, error) {
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
	if allowZero {
		for _, d := range s {
			if d == 0 {
				// ops.Reshape reads 0 as "copy the input's length".
				return nil, unsupported("Reshape with allowzero = 1 and a 0 in the shape")
			}
		}
	}
	return ops.Reshape(c.in[0], s...), nil
}

// convDropout maps Dropout in inference mode (training_mode absent or a
// constant false) onto Identity, with a mask of ones when asked for.
func convDropout(c *nodeCtx) ([]*graph.Node, error) {
	if _, err := c.int("seed", 0); err != nil {
		return nil, err
	}
	if c.opt(2) != nil {
		v, err := c.knownScalar(2, "training_mode")
		if err != nil {
			return nil, err
		}
		if v != 0 {
			return nil, unsupported("Dropout in training mode")
		}
	}
	x := c.in[0]
	mask := c.g().Zeros(graph.Bool, x.Shape())
	for i := range mask.Storage().B {
		mask.Storage().B[i] = true
	}
	return []*graph.Node{ops.Identity(x), mask}, nil
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
