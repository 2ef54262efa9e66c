package ops

import "github.com/gradgraph/gradgraph/graph"

// Attrs returns the attributes of an op of this package, under their ONNX
// names where ONNX has the op: "axis", "axes" and "perm" as []int or int,
// "keepdims", "exclusive", "reverse", "select_last_index", "fmod",
// "transA" and "transB" as bool, "alpha", "beta", "gamma", "lambd",
// "bias", "min" and "max" as float64, "approximate" as string, and "c"
// for Scale. A writer of model files (package onnx's Export) reads them;
// a shape-only attribute (Reshape's shape, Expand's) is not listed: it is
// the node's shape. It returns nil for an op without attributes or from
// another package.
func Attrs(op graph.Op) map[string]any {
	switch o := op.(type) {
	case unaryOp:
		a := map[string]any{}
		names := map[int][]string{
			uHardSigmoid: {"alpha", "beta"}, uLeakyRelu: {"alpha"}, uElu: {"alpha"}, uSelu: {"alpha", "gamma"},
			uCelu: {"alpha"}, uThresholdedRelu: {"alpha"}, uShrink: {"lambd", "bias"}, uClip: {"min", "max"}, uScale: {"c"},
		}[o.def]
		vals := []float64{o.a, o.b}
		for i, n := range names {
			a[n] = vals[i]
		}
		switch o.def {
		case uGelu:
			a["approximate"] = "none"
		case uGeluTanh:
			a["approximate"] = "tanh"
		}
		return a
	case softmaxOp:
		return map[string]any{"axis": o.axis}
	case reduceOp:
		return map[string]any{"axes": append([]int(nil), o.axes...), "keepdims": o.keep}
	case argOp:
		return map[string]any{"axis": o.axis, "keepdims": o.keep, "select_last_index": o.last}
	case cumSumOp:
		return map[string]any{"axis": o.axis, "exclusive": o.exclusive, "reverse": o.reverse}
	case matMulOp:
		return map[string]any{"transA": o.ta, "transB": o.tb}
	case transposeOp:
		return map[string]any{"perm": append([]int(nil), o.perm...)}
	case binaryOp:
		if o.code == opMod || o.code == opFmod {
			return map[string]any{"fmod": o.code == opFmod}
		}
	}
	return nil
}
