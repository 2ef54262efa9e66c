package ops

import "github.com/gradgraph/gradgraph/graph"

// Attrs returns the attributes of an op of this package, under their ONNX
// names where ONNX has the op, for a writer of model files (package
// onnx's Export). It returns nil for an op without attributes or from
// another package. A shape-only attribute (Reshape's shape, Expand's) is
// not listed: it is the node's shape. The values:
//
//   - int: "axis", "group", "batch_dims", "blocksize", "depth", "size",
//     "storage_order", "start" and "end" (Shape), "part" and "parts"
//     (one of Split's outputs, and the number of equal parts), "length"
//     (Narrow's), "t" (a SequenceMask's step);
//   - []int: "axes" and "perm", "kernel_shape", "strides", "pads",
//     "dilations", "output_padding" and "output_shape", "starts", "ends",
//     "steps", "split" (nil for equal parts), "repeats" — nil when not set,
//     for ONNX's default;
//   - bool: "keepdims", "exclusive", "reverse", "select_last_index",
//     "fmod", "transA", "transB", "ceil_mode", "count_include_pad",
//     "drop" (Narrow's; "drops", []bool, NarrowGradSum's), "has_scale" and "has_bias" (which optional inputs
//     a normalisation's ShiftScale has), and "training", the current mode
//     of an op that reads a *Mode;
//   - float64: "alpha", "beta", "gamma", "lambd", "bias", "min", "max",
//     "c" (Scale), "epsilon", "momentum", "ratio", "value" (Pad's,
//     ConstantOfShape's), "start", "limit" and "delta" (Range);
//   - []float64: "values" (OneHot's off and on);
//   - string: "approximate", "auto_pad" (NOTSET, SAME_UPPER, SAME_LOWER,
//     VALID), "mode" (Pad's, DepthToSpace's), "reduction" (the scatters');
//   - graph.DType: "to" (Cast), "dtype" (OneHot, Range, ConstantOfShape);
//   - int64: "ignore_index", present when the class losses' pick ignores
//     a label.
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
		return map[string]any{"axes": cloneInts(o.axes), "keepdims": o.keep}
	case argOp:
		return map[string]any{"axis": o.axis, "keepdims": o.keep, "select_last_index": o.last}
	case cumSumOp:
		return map[string]any{"axis": o.axis, "exclusive": o.exclusive, "reverse": o.reverse}
	case matMulOp:
		return map[string]any{"transA": o.ta, "transB": o.tb}
	case transposeOp:
		return map[string]any{"perm": cloneInts(o.perm)}
	case binaryOp:
		if o.code == opMod || o.code == opFmod {
			return map[string]any{"fmod": o.code == opFmod}
		}
	case convOp:
		a := spatialMap(o.sp)
		a["group"] = max(o.group, 1)
		if o.kind == kTranspose {
			a["output_padding"], a["output_shape"] = cloneInts(o.outPad), cloneInts(o.outShape)
		}
		return a
	case poolOp:
		a := spatialMap(o.sp)
		if o.global {
			return nil
		}
		a["kernel_shape"], a["ceil_mode"] = cloneInts(o.kernel), o.ceil
		switch o.kind {
		case pAvg, pAvgGrad:
			a["count_include_pad"] = o.includePad
			delete(a, "dilations")
		case pMaxIndices:
			a["storage_order"] = o.order
		}
		return a
	case gatherOp:
		return map[string]any{"axis": o.axis}
	case gatherElementsOp:
		return map[string]any{"axis": o.axis}
	case gatherNDOp:
		return map[string]any{"batch_dims": o.batch}
	case scatterElementsOp:
		return map[string]any{"axis": o.axis, "reduction": o.red.String()}
	case scatterNDOp:
		return map[string]any{"reduction": o.red.String()}
	case oneHotOp:
		return map[string]any{"depth": o.depth, "axis": o.axis, "values": []float64{o.off, o.on}, "dtype": o.dt}
	case sliceOp:
		s := o.spec
		return map[string]any{"starts": cloneInts(s.starts), "ends": cloneInts(s.ends), "axes": cloneInts(s.axes), "steps": cloneInts(s.steps)}
	case concatOp:
		return map[string]any{"axis": o.axis}
	case splitOp:
		return map[string]any{"axis": o.axis, "split": cloneInts(o.sizes), "parts": o.equal, "part": o.part}
	case tileOp:
		return map[string]any{"repeats": cloneInts(o.repeats)}
	case padOp:
		return map[string]any{"pads": cloneInts(o.spec.pads), "mode": o.spec.mode.String(), "value": o.value}
	case castOp:
		return map[string]any{"to": o.to}
	case shapeOp:
		return map[string]any{"start": o.start, "end": o.end}
	case rangeOp:
		return map[string]any{"start": o.start, "limit": o.limit, "delta": o.delta, "dtype": o.dt}
	case constantOfShapeOp:
		return map[string]any{"value": o.value, "dtype": o.dt}
	case spaceOp:
		a := map[string]any{"blocksize": o.bs}
		if !o.toDepth {
			a["mode"] = map[bool]string{false: "DCR", true: "CRD"}[o.crd]
		}
		return a
	case lrnFactorOp:
		return map[string]any{"size": o.size, "alpha": o.alpha, "beta": o.beta, "bias": o.bias}
	case invStdOp:
		return map[string]any{"epsilon": o.eps}
	case shiftScaleOp:
		return map[string]any{"has_scale": o.scale, "has_bias": o.bias}
	case bnMeanOp:
		return map[string]any{"training": o.mode.Training()}
	case bnInvStdOp:
		return map[string]any{"epsilon": o.eps, "momentum": o.momentum, "training": o.mode.Training()}
	case maskOp:
		return map[string]any{"ratio": o.ratio, "training": o.mode.Training()}
	case pickOp:
		if o.hasIgnore {
			return map[string]any{"ignore_index": o.ignore}
		}
		return map[string]any{}
	case narrowOp:
		return map[string]any{"axis": o.axis, "start": o.start, "length": o.n, "drop": o.drop}
	case narrowGradOp:
		return map[string]any{"axis": o.axis, "start": o.start, "drop": o.drop}
	case placeOp:
		return map[string]any{"axis": o.axis, "starts": cloneInts(o.starts), "drops": append([]bool(nil), o.drops...)}
	case stackOp:
		return map[string]any{"axis": o.axis}
	case seqMaskOp:
		return map[string]any{"t": o.t}
	case divByCountOp:
		return map[string]any{"axes": cloneInts(o.axes)}
	}
	return nil
}

// spatialMap lists the attributes a convolution and a pool share.
func spatialMap(sp spatialAttrs) map[string]any {
	return map[string]any{"strides": cloneInts(sp.strides), "pads": cloneInts(sp.pads),
		"dilations": cloneInts(sp.dilations), "auto_pad": sp.autoPad.String()}
}
