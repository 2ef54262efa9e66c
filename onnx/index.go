package onnx

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The indexing ops: each runs at run time on the ops of package ops (and
// is computed at import, like any node, when its inputs are constants).
// Their index arguments that shape the result — Slice's starts and ends,
// Tile's repeats, Pad's pads, Split's sizes, OneHot's depth — must be
// known at import, since shapes are static; indices that pick elements
// (Gather's, Scatter's) are ordinary run-time inputs.

func init() {
	add("", "Gather", row{minIn: 2, maxIn: 2, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 0)
		if err != nil {
			return nil, err
		}
		return ops.Gather(c.in[0], c.in[1], axis), nil
	})})
	add("", "GatherElements", row{minIn: 2, maxIn: 2, since: 11, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 0)
		if err != nil {
			return nil, err
		}
		return ops.GatherElements(c.in[0], c.in[1], axis), nil
	})})
	add("", "GatherND", row{minIn: 2, maxIn: 2, since: 11, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		b, err := c.intAttr("batch_dims", 0)
		if err != nil {
			return nil, err
		}
		return ops.GatherND(c.in[0], c.in[1], b), nil
	})})
	add("", "ScatterElements", row{minIn: 3, maxIn: 3, since: 11, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		axis, err := c.intAttr("axis", 0)
		if err != nil {
			return nil, err
		}
		red, err := scatterReduction(c)
		if err != nil {
			return nil, err
		}
		return ops.ScatterElements(c.in[0], c.in[1], c.in[2], axis, red), nil
	})})
	add("", "ScatterND", row{minIn: 3, maxIn: 3, since: 11, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		red, err := scatterReduction(c)
		if err != nil {
			return nil, err
		}
		return ops.ScatterND(c.in[0], c.in[1], c.in[2], red), nil
	})})
	// Before opset 11 OneHot gave a row of off for a negative index.
	add("", "OneHot", row{minIn: 3, maxIn: 3, since: 11, note: "depth and values constant", conv: one(convOneHot)})
	// Before opset 4 Concat's axis defaulted to 1.
	add("", "Concat", row{minIn: 1, maxIn: -1, since: 4, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		if !c.has("axis") {
			return nil, fmt.Errorf("attribute \"axis\" is required")
		}
		axis, err := c.intAttr("axis", 0)
		if err != nil {
			return nil, err
		}
		for i, x := range c.in {
			if x == nil {
				return nil, fmt.Errorf("input %d is empty", i)
			}
		}
		return ops.Concat(axis, c.in...), nil
	})})
	add("", "Slice", row{minIn: 1, maxIn: 5, since: 1, note: "starts, ends, axes and steps constant", conv: one(convSlice)})
	add("", "Split", row{minIn: 1, maxIn: 2, maxOut: -1, since: 2, note: "split constant", conv: convSplit})
	// Before opset 6 Tile took its repeats along one axis at a time.
	add("", "Tile", row{minIn: 2, maxIn: 2, since: 6, note: "repeats constant", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		r, err := c.knownInts(1, "repeats")
		if err != nil {
			return nil, err
		}
		return ops.Tile(c.in[0], r...), nil
	})})
	add("", "Pad", row{minIn: 1, maxIn: 3, since: 2, note: "pads and constant_value constant", conv: one(convPad)})
	add("", "DepthToSpace", row{minIn: 1, maxIn: 1, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		b, err := blockSize(c)
		if err != nil {
			return nil, err
		}
		mode, err := c.choice("mode", "DCR", []string{"DCR", "CRD"})
		if err != nil {
			return nil, err
		}
		return ops.DepthToSpace(c.in[0], b, []ops.DepthToSpaceMode{ops.DCR, ops.CRD}[mode]), nil
	})})
	add("", "SpaceToDepth", row{minIn: 1, maxIn: 1, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		b, err := blockSize(c)
		if err != nil {
			return nil, err
		}
		return ops.SpaceToDepth(c.in[0], b), nil
	})})
	add("", "Trilu", row{minIn: 1, maxIn: 2, since: 14, note: "k constant", conv: one(convTrilu)})
}

func scatterReduction(c *nodeCtx) (ops.ScatterReduction, error) {
	r, err := c.choice("reduction", "none", []string{"none", "add", "mul"}, "max", "min")
	return []ops.ScatterReduction{ops.ScatterNone, ops.ScatterAdd, ops.ScatterMul}[r], err
}

func blockSize(c *nodeCtx) (int, error) {
	if !c.has("blocksize") {
		return 0, fmt.Errorf("attribute \"blocksize\" is required")
	}
	return c.intAttr("blocksize", 0)
}

// convOneHot reads OneHot: depth (a known scalar of any number type, a
// float one truncated as ONNX says) and values [off, on] (known, of the
// output's dtype).
func convOneHot(c *nodeCtx) (*graph.Node, error) {
	d, err := c.known(1, "depth")
	if err != nil {
		return nil, err
	}
	if d.Len() != 1 || d.DType() == graph.Bool {
		return nil, fmt.Errorf("input 1 (depth) is %s %s, want one number", d.DType(), d.Shape)
	}
	depth := d.At(0)
	if d.DType() == graph.Int64 {
		depth = float64(d.I64[0])
	}
	if !(depth >= 1 && depth <= maxElements) {
		return nil, fmt.Errorf("depth %v is not a positive length", d.At(0))
	}
	vals, err := c.known(2, "values")
	if err != nil {
		return nil, err
	}
	if vals.Len() != 2 {
		return nil, fmt.Errorf("input 2 (values) has %d elements, want 2 (off, on)", vals.Len())
	}
	off, err := exactFloat(vals, 0, "off value")
	if err != nil {
		return nil, err
	}
	on, err := exactFloat(vals, 1, "on value")
	if err != nil {
		return nil, err
	}
	axis, err := c.intAttr("axis", -1)
	if err != nil {
		return nil, err
	}
	return ops.OneHot(c.in[0], int(depth), off, on, vals.DType(), axis), nil
}

// convSlice reads Slice: starts, ends, axes and steps are known inputs
// from opset 10 on, attributes (without steps) before.
func convSlice(c *nodeCtx) (*graph.Node, error) {
	var starts, ends, axes, steps []int
	var err error
	if c.opset() < 10 {
		if len(c.in) != 1 {
			return nil, fmt.Errorf("has %d inputs, want 1 at opset %d", len(c.in), c.opset())
		}
		for _, a := range []struct {
			name string
			into *[]int
		}{{"starts", &starts}, {"ends", &ends}, {"axes", &axes}} {
			var ok bool
			if *a.into, ok, err = c.indices(a.name); err != nil {
				return nil, err
			}
			if !ok && a.name != "axes" {
				return nil, fmt.Errorf("attribute %q is required", a.name)
			}
		}
	} else {
		if len(c.in) < 3 {
			return nil, fmt.Errorf("has %d inputs, want 3 to 5", len(c.in))
		}
		for _, a := range []struct {
			i    int
			name string
			into *[]int
		}{{1, "starts", &starts}, {2, "ends", &ends}, {3, "axes", &axes}, {4, "steps", &steps}} {
			if c.opt(a.i) == nil {
				continue
			}
			if *a.into, err = c.knownIndices(a.i, a.name); err != nil {
				return nil, err
			}
		}
	}
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, fmt.Errorf("starts, ends, axes and steps have %d, %d, %d and %d elements, which differ", len(starts), len(ends), len(axes), len(steps))
	}
	return ops.Slice(c.in[0], starts, ends, axes, steps), nil
}

// convSplit reads Split: the sizes are a known input from opset 13 on, an
// attribute before; without them the axis is split into as many equal
// parts as the node has outputs.
func convSplit(c *nodeCtx) ([]*graph.Node, error) {
	axis, err := c.intAttr("axis", 0)
	if err != nil {
		return nil, err
	}
	sizes, ok, err := c.axesArg(1, "split", 13)
	if err != nil {
		return nil, err
	}
	n := c.outputs()
	if n == 0 {
		return nil, fmt.Errorf("has no outputs")
	}
	if !ok {
		return ops.SplitEqual(c.in[0], axis, n), nil
	}
	if len(sizes) != n {
		return nil, fmt.Errorf("split has %d sizes for %d outputs", len(sizes), n)
	}
	return ops.Split(c.in[0], axis, sizes...), nil
}

// convPad reads Pad: pads and the constant are known inputs from opset 11
// on, attributes before.
func convPad(c *nodeCtx) (*graph.Node, error) {
	mode, err := c.choice("mode", "constant", []string{"constant", "reflect", "edge"}, "wrap")
	if err != nil {
		return nil, err
	}
	x := c.in[0]
	var pads []int
	value := 0.0
	if c.opset() < 11 {
		if len(c.in) != 1 {
			return nil, fmt.Errorf("has %d inputs, want 1 at opset %d", len(c.in), c.opset())
		}
		var ok bool
		if pads, ok, err = c.ints("pads"); err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("attribute \"pads\" is required")
		}
		if value, err = c.float("value", 0); err != nil {
			return nil, err
		}
		if !x.DType().IsFloat() && value != 0 {
			return nil, unsupported("Pad of %s with the float value %v", x.DType(), value)
		}
	} else {
		if len(c.in) < 2 || c.in[1] == nil {
			return nil, fmt.Errorf("input 1 (pads) is required")
		}
		if pads, err = c.knownInts(1, "pads"); err != nil {
			return nil, err
		}
		if c.opt(2) != nil {
			v, err := c.known(2, "constant_value")
			if err != nil {
				return nil, err
			}
			if v.DType() != x.DType() || v.Len() != 1 {
				return nil, fmt.Errorf("input 2 (constant_value) is %s %s, want one %s", v.DType(), v.Shape, x.DType())
			}
			if value, err = exactFloat(v, 0, "constant_value"); err != nil {
				return nil, err
			}
		}
	}
	return ops.Pad(x, pads, []ops.PadMode{ops.PadConstant, ops.PadReflect, ops.PadEdge}[mode], value), nil
}

// convTrilu keeps the upper (or lower) triangle of the last two axes from
// the k-th diagonal, zeroing the rest: a Where with a constant mask.
func convTrilu(c *nodeCtx) (*graph.Node, error) {
	upper, err := c.bool("upper", true)
	if err != nil {
		return nil, err
	}
	k := int64(0)
	if c.opt(1) != nil {
		ks, err := c.knownInt64s(1, "k")
		if err != nil {
			return nil, err
		}
		if len(ks) != 1 {
			return nil, fmt.Errorf("input 1 (k) has %d elements, want 1", len(ks))
		}
		k = ks[0]
	}
	x := c.in[0]
	s := x.Shape()
	if len(s) < 2 {
		return nil, fmt.Errorf("input has shape %s, want rank 2 or more", s)
	}
	rows, cols := s[len(s)-2], s[len(s)-1]
	mask := graph.NewValue(graph.Bool, graph.Shape{rows, cols})
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			d := int64(j) - int64(i)
			mask.B[i*cols+j] = (upper && d >= k) || (!upper && d <= k)
		}
	}
	m := constLike(c.g(), graph.KindConst, "", mask)
	return ops.Where(m, x, c.g().Scalar(0, x.DType())), nil
}
