package onnx

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
	"github.com/gradgraph/gradgraph/ops"
)

// Constants and what shapes decide. Shapes are static in gradgraph, so
// the ops below are known at import: Constant, Shape and Size always,
// ConstantOfShape and Range from known inputs (their output's shape
// depends on their inputs' values). Any node whose inputs are all
// constants is computed at import too (importer.node folds it), which
// evaluates the integer subgraphs that PyTorch exports around Reshape
// (Shape → Gather → Unsqueeze → Concat → Reshape) with the ops of package
// ops themselves. Cast folds a constant here, where a value it cannot
// convert exactly is an error rather than ops.Cast's unspecified integer.

func init() {
	add("", "Constant", row{minIn: 0, maxIn: 0, since: 1, conv: one(convConstant)})
	add("", "Shape", row{minIn: 1, maxIn: 1, since: 1, conv: one(convShape)})
	add("", "Size", row{minIn: 1, maxIn: 1, since: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		v := graph.NewValue(graph.Int64, graph.Shape{})
		v.I64[0] = int64(c.in[0].Shape().Size())
		return constLike(c.g(), graph.KindConst, "", v), nil
	})})
	// Cast read "to" as a string before opset 6.
	add("", "Cast", row{minIn: 1, maxIn: 1, since: 6, conv: one(convCast)})
	add("", "CastLike", row{minIn: 2, maxIn: 2, since: 15, conv: one(convCast)})
	add("", "ConstantOfShape", foldRow(1, 1, 9, foldConstantOfShape))
	add("", "Range", foldRow(3, 3, 11, foldRange))
	add("", "EyeLike", row{minIn: 1, maxIn: 1, since: 9, conv: one(convEyeLike)})
}

// foldRow is an op computed at import only: every input must be known.
func foldRow(minIn, maxIn int, since int64, f func(c *nodeCtx, in []*graph.Value) (*graph.Value, error)) row {
	return row{minIn: minIn, maxIn: maxIn, since: since, note: "constant inputs only", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		in := make([]*graph.Value, len(c.in))
		for i, n := range c.in {
			if n == nil {
				continue
			}
			v, err := c.known(i, fmt.Sprintf("of %s", c.np.GetOpType()))
			if err != nil {
				return nil, unsupported("op %s on a value computed at run time (input %d, %q)", c.np.GetOpType(), i, c.np.GetInput()[i])
			}
			in[i] = v
		}
		v, err := f(c, in)
		if err != nil {
			return nil, err
		}
		return constLike(c.g(), graph.KindConst, "", v), nil
	})}
}

func convConstant(c *nodeCtx) (*graph.Node, error) {
	set := 0
	var v *graph.Value
	var err error
	if c.has("value") {
		set++
		if v, err = c.tensor("value"); err != nil {
			return nil, err
		}
	}
	if c.has("value_float") {
		set++
		f, err := c.float("value_float", 0)
		if err != nil {
			return nil, err
		}
		v = graph.NewValue(graph.Float32, graph.Shape{})
		v.F32[0] = float32(f)
	}
	if c.has("value_floats") {
		set++
		a, err := c.attr("value_floats", pb.AttributeProto_FLOATS)
		if err != nil {
			return nil, err
		}
		v = graph.NewValue(graph.Float32, graph.Shape{len(a.GetFloats())})
		copy(v.F32, a.GetFloats())
	}
	if c.has("value_int") {
		set++
		i, err := c.int("value_int", 0)
		if err != nil {
			return nil, err
		}
		v = graph.NewValue(graph.Int64, graph.Shape{})
		v.I64[0] = i
	}
	if c.has("value_ints") {
		set++
		a, err := c.attr("value_ints", pb.AttributeProto_INTS)
		if err != nil {
			return nil, err
		}
		v = graph.NewValue(graph.Int64, graph.Shape{len(a.GetInts())})
		copy(v.I64, a.GetInts())
	}
	for _, name := range []string{"sparse_value", "value_string", "value_strings"} {
		if c.has(name) {
			c.used[name] = true
			return nil, unsupported("Constant with attribute %s", name)
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("has %d value attributes, want exactly one", set)
	}
	return constLike(c.g(), graph.KindConst, "", v), nil
}

// convShape is the shape of its input, which is static: a constant.
func convShape(c *nodeCtx) (*graph.Node, error) {
	s := c.in[0].Shape()
	r := len(s)
	start, err := c.intAttr("start", 0)
	if err != nil {
		return nil, err
	}
	end, err := c.intAttr("end", r)
	if err != nil {
		return nil, err
	}
	start, end = clampIndex(start, r), clampIndex(end, r)
	if end < start {
		end = start
	}
	v := graph.NewValue(graph.Int64, graph.Shape{end - start})
	for i := start; i < end; i++ {
		v.I64[i-start] = int64(s[i])
	}
	return constLike(c.g(), graph.KindConst, "", v), nil
}

// clampIndex makes a possibly negative index into [0, r] (Shape's start
// and end).
func clampIndex(i, r int) int {
	if i < 0 {
		i += r
	}
	return max(0, min(i, r))
}

// convCast is Identity to the same element type, a conversion computed at
// import on a constant, and ops.Cast at run time.
func convCast(c *nodeCtx) (*graph.Node, error) {
	var to graph.DType
	if c.np.GetOpType() == "CastLike" {
		to = c.in[1].DType()
	} else {
		t, err := c.int("to", 0)
		if err != nil {
			return nil, err
		}
		if t != int64(int32(t)) {
			return nil, fmt.Errorf("attribute \"to\" is %d", t)
		}
		if to, err = dtypeOf(int32(t)); err != nil {
			return nil, err
		}
	}
	x := c.in[0]
	if x.DType() == to {
		return ops.Identity(x), nil
	}
	if x.Kind() != graph.KindConst {
		return ops.Cast(x, to), nil
	}
	v, err := castValue(x.Storage(), to)
	if err != nil {
		return nil, err
	}
	return constLike(c.g(), graph.KindConst, "", v), nil
}

// castValue converts v to dtype to as ONNX's Cast does: floats to
// integers truncate toward zero (a NaN or a value out of range is an
// error: ONNX leaves it undefined), numbers to bool are x ≠ 0, bool to
// numbers 0 or 1, float64 to float32 rounds to nearest.
func castValue(v *graph.Value, to graph.DType) (*graph.Value, error) {
	out := graph.NewValue(to, v.Shape)
	from := v.DType()
	for i := 0; i < v.Len(); i++ {
		switch {
		case from == graph.Int64 && to == graph.Int32:
			x := v.I64[i]
			if x != int64(int32(x)) {
				return nil, fmt.Errorf("cannot cast %d to int32", x)
			}
			out.I32[i] = int32(x)
		case from == graph.Int64 && to == graph.Float64:
			out.F64[i] = float64(v.I64[i])
		case from == graph.Int64 && to == graph.Float32:
			out.F32[i] = float32(v.I64[i])
		case to == graph.Int64 && from.IsFloat():
			x := v.At(i)
			if math.IsNaN(x) || x >= 1<<63 || x < -(1<<63) {
				return nil, fmt.Errorf("cannot cast %v to int64", x)
			}
			out.I64[i] = int64(x)
		case to == graph.Int64:
			out.I64[i] = int64(v.At(i)) // int32 and bool: exact
		case to == graph.Int32 && from.IsFloat():
			x := v.At(i)
			if math.IsNaN(x) || x >= 1<<31 || x < -(1<<31) {
				return nil, fmt.Errorf("cannot cast %v to int32", x)
			}
			out.I32[i] = int32(x)
		default:
			// float↔float, int32 and bool to anything, anything to bool:
			// exact through float64, or rounded once to float32.
			out.SetAt(i, v.At(i))
		}
	}
	return out, nil
}

// copyAt copies element j of src into element i of dst (same dtype).
func copyAt(dst *graph.Value, i int, src *graph.Value, j int) {
	switch dst.DType() {
	case graph.Float32:
		dst.F32[i] = src.F32[j]
	case graph.Float64:
		dst.F64[i] = src.F64[j]
	case graph.Int32:
		dst.I32[i] = src.I32[j]
	case graph.Int64:
		dst.I64[i] = src.I64[j]
	case graph.Bool:
		dst.B[i] = src.B[j]
	}
}

func foldConstantOfShape(c *nodeCtx, in []*graph.Value) (*graph.Value, error) {
	dims, err := c.knownInt64s(0, "shape")
	if err != nil {
		return nil, err
	}
	s, err := shapeOf(dims)
	if err != nil {
		return nil, err
	}
	fill, err := c.tensor("value")
	if err != nil {
		return nil, err
	}
	if fill == nil {
		fill = graph.NewValue(graph.Float32, graph.Shape{1})
	}
	if fill.Len() != 1 {
		return nil, fmt.Errorf("attribute \"value\" has %d elements, want 1", fill.Len())
	}
	out := graph.NewValue(fill.DType(), s)
	for i := 0; i < out.Len(); i++ {
		copyAt(out, i, fill, 0)
	}
	return out, nil
}

func foldRange(c *nodeCtx, in []*graph.Value) (*graph.Value, error) {
	dt := in[0].DType()
	for i, v := range in {
		if v.Len() != 1 || v.DType() != dt {
			return nil, fmt.Errorf("input %d is %s %s, want a scalar of %s", i, v.DType(), v.Shape, dt)
		}
	}
	if dt == graph.Bool {
		return nil, fmt.Errorf("a Range of bools")
	}
	if dt.IsInt() {
		start, limit, delta := int64(in[0].At(0)), int64(in[1].At(0)), int64(in[2].At(0))
		if in[0].I64 != nil {
			start, limit, delta = in[0].I64[0], in[1].I64[0], in[2].I64[0]
		}
		if delta == 0 {
			return nil, fmt.Errorf("delta 0")
		}
		n := (limit - start + delta - sign(delta)) / delta
		if n < 0 {
			n = 0
		}
		if n > maxElements {
			return nil, fmt.Errorf("%d elements", n)
		}
		out := graph.NewValue(dt, graph.Shape{int(n)})
		for i := int64(0); i < n; i++ {
			out.SetAt(int(i), float64(start+i*delta))
			if out.I64 != nil {
				out.I64[i] = start + i*delta
			}
		}
		return out, nil
	}
	start, limit, delta := in[0].At(0), in[1].At(0), in[2].At(0)
	nf := math.Ceil((limit - start) / delta)
	if math.IsNaN(nf) || nf > maxElements {
		return nil, fmt.Errorf("Range(%v, %v, %v) has no finite length", start, limit, delta)
	}
	n := int(max(nf, 0))
	out := graph.NewValue(dt, graph.Shape{n})
	// ONNX's reference adds delta n times (start, start+delta, ...),
	// which is how NumPy's arange computes in the element type.
	for i := 0; i < n; i++ {
		if dt == graph.Float32 {
			out.F32[i] = float32(start) + float32(i)*float32(delta)
		} else {
			out.F64[i] = start + float64(i)*delta
		}
	}
	return out, nil
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// convEyeLike is a constant: ones on the k-th diagonal of a matrix of the
// input's shape, of the dtype attribute's type (the input's by default).
func convEyeLike(c *nodeCtx) (*graph.Node, error) {
	x := c.in[0]
	s := x.Shape()
	if len(s) != 2 {
		return nil, fmt.Errorf("input has shape %s, want a matrix", s)
	}
	k, err := c.intAttr("k", 0)
	if err != nil {
		return nil, err
	}
	dt := x.DType()
	if c.has("dtype") {
		t, err := c.int("dtype", 0)
		if err != nil {
			return nil, err
		}
		if t != int64(int32(t)) {
			return nil, fmt.Errorf("attribute \"dtype\" is %d", t)
		}
		if dt, err = dtypeOf(int32(t)); err != nil {
			return nil, err
		}
	}
	v := graph.NewValue(dt, s)
	for i := 0; i < s[0]; i++ {
		if j := i + k; j >= 0 && j < s[1] {
			v.SetAt(i*s[1]+j, 1)
		}
	}
	return constLike(c.g(), graph.KindConst, "", v), nil
}
