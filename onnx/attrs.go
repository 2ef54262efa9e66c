package onnx

import (
	"fmt"
	"math"
	"sort"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

// nodeCtx is what a converter sees of one node: its inputs (nil where an
// optional input is absent) and its attributes. Every attribute a
// converter reads is marked used; an attribute left unread is an error, so
// that no attribute is ever silently ignored.
type nodeCtx struct {
	imp   *importer
	np    *pb.NodeProto
	in    []*graph.Node
	attrs map[string]*pb.AttributeProto
	used  map[string]bool
	// why says why an output the converter leaves nil is not computed
	// (by output index); noFold keeps the node's outputs from being
	// computed at import when its inputs are constants (a random op).
	why    map[int]error
	noFold bool
}

func (c *nodeCtx) g() *graph.Graph { return c.imp.g }

// opset returns the model's opset of the default domain.
func (c *nodeCtx) opset() int64 { return c.imp.opsets[""] }

// outputs returns the number of outputs the node names (empty names of
// optional outputs included).
func (c *nodeCtx) outputs() int { return len(c.np.GetOutput()) }

// wants reports whether the node names output k.
func (c *nodeCtx) wants(k int) bool {
	out := c.np.GetOutput()
	return k < len(out) && out[k] != ""
}

// leaveOut records why output k is not computed: an error when a later
// node or the graph's outputs use it.
func (c *nodeCtx) leaveOut(k int, why error) {
	if c.why == nil {
		c.why = map[int]error{}
	}
	c.why[k] = why
}

// opt returns input i, or nil when it is absent.
func (c *nodeCtx) opt(i int) *graph.Node {
	if i < len(c.in) {
		return c.in[i]
	}
	return nil
}

func (c *nodeCtx) unusedAttr() error {
	var left []string
	for name := range c.attrs {
		if !c.used[name] {
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		return nil
	}
	sort.Strings(left)
	return unsupported("attribute %q of %s", left[0], c.np.GetOpType())
}

func (c *nodeCtx) attr(name string, t pb.AttributeProto_AttributeType) (*pb.AttributeProto, error) {
	a, ok := c.attrs[name]
	if !ok {
		return nil, nil
	}
	c.used[name] = true
	if a.GetType() != t && a.GetType() != pb.AttributeProto_UNDEFINED {
		return nil, fmt.Errorf("attribute %q is a %s, want a %s", name, a.GetType(), t)
	}
	return a, nil
}

// has reports whether the node sets attribute name.
func (c *nodeCtx) has(name string) bool { _, ok := c.attrs[name]; return ok }

// int returns an INT attribute, or def when absent.
func (c *nodeCtx) int(name string, def int64) (int64, error) {
	a, err := c.attr(name, pb.AttributeProto_INT)
	if a == nil || err != nil {
		return def, err
	}
	return a.GetI(), nil
}

// axis returns an INT attribute that must fit an int.
func (c *nodeCtx) intAttr(name string, def int) (int, error) {
	v, err := c.int(name, int64(def))
	if err != nil {
		return 0, err
	}
	if v != int64(int(v)) || v > math.MaxInt32 || v < math.MinInt32 {
		return 0, fmt.Errorf("attribute %q is %d, out of range", name, v)
	}
	return int(v), nil
}

// bool returns an INT attribute that must be 0 or 1.
func (c *nodeCtx) bool(name string, def bool) (bool, error) {
	d := int64(0)
	if def {
		d = 1
	}
	v, err := c.int(name, d)
	if err != nil {
		return false, err
	}
	if v != 0 && v != 1 {
		return false, fmt.Errorf("attribute %q is %d, want 0 or 1", name, v)
	}
	return v == 1, nil
}

// float returns a FLOAT attribute, or def when absent. ONNX stores it as
// float32: the value is that float32's, exactly.
func (c *nodeCtx) float(name string, def float64) (float64, error) {
	a, err := c.attr(name, pb.AttributeProto_FLOAT)
	if a == nil || err != nil {
		return def, err
	}
	return float64(a.GetF()), nil
}

// str returns a STRING attribute, or def when absent.
func (c *nodeCtx) str(name, def string) (string, error) {
	a, err := c.attr(name, pb.AttributeProto_STRING)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.GetS()), nil
}

// ints returns an INTS attribute as ints, and whether it was set.
func (c *nodeCtx) ints(name string) ([]int, bool, error) {
	a, err := c.attr(name, pb.AttributeProto_INTS)
	if a == nil || err != nil {
		return nil, false, err
	}
	out, err := toInts(a.GetInts(), "attribute "+name)
	return out, true, err
}

// indices returns an INTS attribute as ints clamped to int's range, and
// whether it was set: Slice's starts and ends, where int64's extremes
// mean "to the end".
func (c *nodeCtx) indices(name string) ([]int, bool, error) {
	a, err := c.attr(name, pb.AttributeProto_INTS)
	if a == nil || err != nil {
		return nil, false, err
	}
	return clampInts(a.GetInts()), true, nil
}

func clampInts(xs []int64) []int {
	out := make([]int, len(xs))
	for k, x := range xs {
		out[k] = int(max(min(x, math.MaxInt), math.MinInt))
	}
	return out
}

// tensor returns a TENSOR attribute's value, or nil when absent.
func (c *nodeCtx) tensor(name string) (*graph.Value, error) {
	a, err := c.attr(name, pb.AttributeProto_TENSOR)
	if a == nil || err != nil {
		return nil, err
	}
	v, err := valueOf(a.GetT())
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", name, err)
	}
	return v, nil
}

func toInts(xs []int64, what string) ([]int, error) {
	out := make([]int, len(xs))
	for i, x := range xs {
		if x > math.MaxInt32 || x < math.MinInt32 {
			return nil, fmt.Errorf("%s: entry %d is %d, out of range", what, i, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

// known returns the value of input i when it is known at import: a
// constant, a float initializer, or a graph input whose value the caller
// gave (the last two are then built into the graph, and recorded in
// Model.Fixed). what names the input in the error ("shape").
func (c *nodeCtx) known(i int, what string) (*graph.Value, error) {
	n := c.opt(i)
	if n == nil {
		return nil, fmt.Errorf("input %d (%s) is absent", i, what)
	}
	switch n.Kind() {
	case graph.KindConst:
		return n.Storage(), nil
	case graph.KindInput:
		if v, ok := c.imp.given[n.Name()]; ok {
			c.imp.fixed[n.Name()] = true
			return v, nil
		}
	case graph.KindParam:
		// A float initializer, which the graph holds as a parameter.
		c.imp.fixed[n.Name()] = true
		return n.Storage(), nil
	}
	return nil, fmt.Errorf("input %d (%s, %q) must be a constant or computable at import, but it is computed at run time", i, what, c.np.GetInput()[i])
}

// knownInts returns the known integer input i as int64s.
func (c *nodeCtx) knownInt64s(i int, what string) ([]int64, error) {
	v, err := c.known(i, what)
	if err != nil {
		return nil, err
	}
	switch v.DType() {
	case graph.Int64:
		return v.I64, nil
	case graph.Int32:
		out := make([]int64, len(v.I32))
		for k, x := range v.I32 {
			out[k] = int64(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("input %d (%s) has dtype %s, want int64", i, what, v.DType())
}

// knownInts returns the known integer input i as ints (axes, a shape).
func (c *nodeCtx) knownInts(i int, what string) ([]int, error) {
	xs, err := c.knownInt64s(i, what)
	if err != nil {
		return nil, err
	}
	return toInts(xs, fmt.Sprintf("input %d (%s)", i, what))
}

// knownScalar returns the known one-element input i as a float64.
func (c *nodeCtx) knownScalar(i int, what string) (float64, error) {
	v, err := c.known(i, what)
	if err != nil {
		return 0, err
	}
	if v.Len() != 1 {
		return 0, fmt.Errorf("input %d (%s) has shape %s, want one element", i, what, v.Shape)
	}
	return v.At(0), nil
}

// axesArg returns the axes of a node whose axes are input i from opset
// since on and an INTS attribute before it (Squeeze, Unsqueeze, Split's
// split), and whether they are given.
func (c *nodeCtx) axesArg(i int, name string, since int64) ([]int, bool, error) {
	if c.opset() < since {
		if c.opt(i) != nil {
			return nil, false, fmt.Errorf("has input %d (%s), which opset %d does not define: %s is an attribute before opset %d", i, name, c.opset(), name, since)
		}
		return c.ints(name)
	}
	if c.has(name) {
		c.used[name] = true
		return nil, false, fmt.Errorf("has attribute %q, an input from opset %d on", name, since)
	}
	if c.opt(i) == nil {
		return nil, false, nil
	}
	axes, err := c.knownInts(i, name)
	return axes, err == nil, err
}

// floats returns a FLOATS attribute as float64s (each exactly the
// float32 the file holds), and whether it was set.
func (c *nodeCtx) floats(name string) ([]float64, bool, error) {
	a, err := c.attr(name, pb.AttributeProto_FLOATS)
	if a == nil || err != nil {
		return nil, false, err
	}
	out := make([]float64, len(a.GetFloats()))
	for i, f := range a.GetFloats() {
		out[i] = float64(f)
	}
	return out, true, nil
}

// strs returns a STRINGS attribute, and whether it was set.
func (c *nodeCtx) strs(name string) ([]string, bool, error) {
	a, err := c.attr(name, pb.AttributeProto_STRINGS)
	if a == nil || err != nil {
		return nil, false, err
	}
	out := make([]string, len(a.GetStrings()))
	for i, s := range a.GetStrings() {
		out[i] = string(s)
	}
	return out, true, nil
}

// choice returns a STRING attribute that must be one of the values of
// allowed (def when absent): its index there. An ONNX value the importer
// does not compute (listed in later) is an *UnsupportedError; another
// value is an error.
func (c *nodeCtx) choice(name, def string, allowed []string, later ...string) (int, error) {
	s, err := c.str(name, def)
	if err != nil {
		return 0, err
	}
	for i, a := range allowed {
		if s == a {
			return i, nil
		}
	}
	for _, a := range later {
		if s == a {
			return 0, unsupported("attribute %s = %q of %s", name, s, c.np.GetOpType())
		}
	}
	return 0, fmt.Errorf("attribute %s is %q, want one of %q", name, s, allowed)
}

// knownIndices returns the known integer input i as ints, keeping
// int64's extremes (ONNX's "to the end") at int's: for Slice's starts and
// ends, which are clamped to the axis anyway.
func (c *nodeCtx) knownIndices(i int, what string) ([]int, error) {
	xs, err := c.knownInt64s(i, what)
	if err != nil {
		return nil, err
	}
	return clampInts(xs), nil
}

// exactFloat returns element k of v as a float64, which must hold it
// exactly (an int64 beyond 2^53 may not): for ops of package ops that
// take a value as a float64 (Pad's constant, OneHot's values). what
// names the value in the error.
func exactFloat(v *graph.Value, k int, what string) (float64, error) {
	if v.DType() == graph.Int64 {
		x := v.I64[k]
		if f := float64(x); f >= 1<<63 || int64(f) != x {
			return 0, unsupported("%s %d, which a float64 does not hold exactly", what, x)
		}
	}
	return v.At(k), nil
}
