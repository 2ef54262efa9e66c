package onnx

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
	"github.com/gradgraph/gradgraph/ops"
)

// The ops below have no op in package ops today, but their results are
// known at import whenever their inputs are: constants, and the shapes of
// values (static in gradgraph). That covers the integer subgraphs that
// PyTorch exports around Reshape (Shape → Gather → Unsqueeze → Concat →
// Reshape). Each is computed here on the values; on an input computed at
// run time the op is unsupported. When package ops gains Gather, Concat,
// Slice, Cast or Range, the row becomes a row of ops.go and this code
// stays for folding only.

func init() {
	add("", "Constant", row{minIn: 0, maxIn: 0, conv: one(convConstant)})
	add("", "Shape", row{minIn: 1, maxIn: 1, conv: one(convShape)})
	add("", "Size", row{minIn: 1, maxIn: 1, conv: one(func(c *nodeCtx) (*graph.Node, error) {
		v := graph.NewValue(graph.Int64, graph.Shape{})
		v.I64[0] = int64(c.in[0].Shape().Size())
		return constLike(c.g(), graph.KindConst, "", v), nil
	})})
	add("", "Gather", foldRow(2, 2, foldGather))
	add("", "Concat", foldRow(1, -1, foldConcat))
	add("", "Slice", foldRow(3, 5, foldSlice))
	add("", "Cast", row{minIn: 1, maxIn: 1, conv: one(convCast), note: "to the same type, or on constants"})
	add("", "CastLike", row{minIn: 2, maxIn: 2, conv: one(convCast), note: "to the same type, or on constants"})
	add("", "ConstantOfShape", foldRow(1, 1, foldConstantOfShape))
	add("", "Range", foldRow(3, 3, foldRange))
}

// foldRow is an op computed at import only: every input must be known.
func foldRow(minIn, maxIn int, f func(c *nodeCtx, in []*graph.Value) (*graph.Value, error)) row {
	return row{minIn: minIn, maxIn: maxIn, note: "constant inputs only", conv: one(func(c *nodeCtx) (*graph.Node, error) {
		in := make([]*graph.Value, len(c.in))
		for i, n := range c.in {
			if n == nil {
				continue
			}
			if n.Kind() != graph.KindConst {
				return nil, unsupported("op %s on a value computed at run time (input %d, %q)", c.np.GetOpType(), i, c.np.GetInput()[i])
			}
			in[i] = n.Storage()
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

// convCast is Identity to the same element type; otherwise it is computed
// at import on a constant, and unsupported at run time.
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
		return nil, unsupported("op %s from %s to %s on a value computed at run time", c.np.GetOpType(), x.DType(), to)
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

func foldGather(c *nodeCtx, in []*graph.Value) (*graph.Value, error) {
	data, idx := in[0], in[1]
	if !idx.DType().IsInt() {
		return nil, fmt.Errorf("indices have dtype %s, want int32 or int64", idx.DType())
	}
	r := len(data.Shape)
	a, err := c.intAttr("axis", 0)
	if err != nil {
		return nil, err
	}
	axis, ok := graph.Axis(a, r)
	if !ok {
		return nil, fmt.Errorf("axis %d is out of range for rank %d", a, r)
	}
	outer, n, inner := data.Shape[:axis].Size(), data.Shape[axis], data.Shape[axis+1:].Size()
	s := append(append(append(graph.Shape{}, data.Shape[:axis]...), idx.Shape...), data.Shape[axis+1:]...)
	if _, err := shapeOf(int64s(s)); err != nil {
		return nil, err
	}
	out := graph.NewValue(data.DType(), s)
	m := idx.Len()
	for o := 0; o < outer; o++ {
		for k := 0; k < m; k++ {
			j := int(idx.At(k))
			if j < -n || j >= n {
				return nil, fmt.Errorf("index %d is out of range for axis %d of length %d", j, axis, n)
			}
			if j < 0 {
				j += n
			}
			for q := 0; q < inner; q++ {
				copyAt(out, (o*m+k)*inner+q, data, (o*n+j)*inner+q)
			}
		}
	}
	return out, nil
}

func int64s(s graph.Shape) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
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

func foldConcat(c *nodeCtx, in []*graph.Value) (*graph.Value, error) {
	for i, v := range in {
		if v == nil {
			return nil, fmt.Errorf("input %d is empty", i)
		}
	}
	a, err := c.intAttr("axis", math.MinInt32)
	if err != nil {
		return nil, err
	}
	if a == math.MinInt32 {
		return nil, fmt.Errorf("attribute \"axis\" is required")
	}
	first := in[0]
	r := len(first.Shape)
	axis, ok := graph.Axis(a, r)
	if !ok {
		return nil, fmt.Errorf("axis %d is out of range for rank %d", a, r)
	}
	s := first.Shape.Clone()
	s[axis] = 0
	for _, v := range in {
		if v.DType() != first.DType() || len(v.Shape) != r {
			return nil, fmt.Errorf("inputs %s and %s do not concatenate", first.DType(), v.DType())
		}
		for d := range s {
			if d != axis && v.Shape[d] != first.Shape[d] {
				return nil, fmt.Errorf("shapes %s and %s do not concatenate along axis %d", first.Shape, v.Shape, axis)
			}
		}
		s[axis] += v.Shape[axis]
	}
	if _, err := shapeOf(int64s(s)); err != nil {
		return nil, err
	}
	out := graph.NewValue(first.DType(), s)
	outer, inner := s[:axis].Size(), s[axis+1:].Size()
	k := 0
	for o := 0; o < outer; o++ {
		for _, v := range in {
			block := v.Shape[axis] * inner
			for q := 0; q < block; q++ {
				copyAt(out, k, v, o*block+q)
				k++
			}
		}
	}
	return out, nil
}

func foldSlice(c *nodeCtx, in []*graph.Value) (*graph.Value, error) {
	data := in[0]
	r := len(data.Shape)
	get := func(i int, what string) ([]int64, error) {
		if i >= len(in) || in[i] == nil {
			return nil, nil
		}
		return c.knownInt64s(i, what)
	}
	starts, err := get(1, "starts")
	if err != nil {
		return nil, err
	}
	ends, err := get(2, "ends")
	if err != nil {
		return nil, err
	}
	axes, err := get(3, "axes")
	if err != nil {
		return nil, err
	}
	steps, err := get(4, "steps")
	if err != nil {
		return nil, err
	}
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, fmt.Errorf("starts, ends, axes and steps differ in length")
	}
	var st, en, sp [graph.MaxRank]int64
	var seen [graph.MaxRank]bool
	for d := 0; d < r; d++ {
		st[d], en[d], sp[d] = 0, int64(data.Shape[d]), 1
	}
	for k := range starts {
		a := int64(k)
		if axes != nil {
			a = axes[k]
		}
		if a < 0 {
			a += int64(r)
		}
		if a < 0 || a >= int64(r) || seen[a] {
			return nil, fmt.Errorf("axis %d is out of range or repeated", a)
		}
		seen[a] = true
		step := int64(1)
		if steps != nil {
			step = steps[k]
		}
		if step == 0 {
			return nil, fmt.Errorf("step 0")
		}
		n := int64(data.Shape[a])
		s, e := starts[k], ends[k]
		if s < 0 {
			s += n
		}
		if e < 0 {
			e += n
		}
		if step > 0 {
			s, e = max(0, min(s, n)), max(0, min(e, n))
		} else {
			s, e = max(-1, min(s, n-1)), max(-1, min(e, n-1))
		}
		st[a], en[a], sp[a] = s, e, step
	}
	s := make(graph.Shape, r)
	for d := 0; d < r; d++ {
		var n int64
		if sp[d] > 0 && en[d] > st[d] {
			n = (en[d] - st[d] + sp[d] - 1) / sp[d]
		} else if sp[d] < 0 && en[d] < st[d] {
			n = (st[d] - en[d] - sp[d] - 1) / -sp[d]
		}
		s[d] = int(n)
	}
	out := graph.NewValue(data.DType(), s)
	strides := data.Shape.Strides()
	var idx [graph.MaxRank]int
	for k := 0; k < out.Len(); k++ {
		j := 0
		for d := 0; d < r; d++ {
			j += int(st[d]+int64(idx[d])*sp[d]) * strides[d]
		}
		copyAt(out, k, data, j)
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < s[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
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
