package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// Ops whose values do not depend on any input's values: Range and
// ConstantOfShape, which have no inputs (their constructors take the
// graph), and Shape and Size, which read only their input's shape.

func init() {
	register(
		OpInfo{Go: "Range", Type: "Range", ONNX: "Range", Shape: "max(⌈(limit − start)/delta⌉, 0)", Attrs: "start, limit, delta, dtype (float32, float64, int32, int64)",
			Formula: "start + i·delta, in the dtype", VJP: "—"},
		OpInfo{Go: "ConstantOfShape", Type: "ConstantOfShape", ONNX: "ConstantOfShape", Shape: "the given shape", Attrs: "shape, value, dtype (ONNX: float32 0)",
			Formula: "value everywhere", VJP: "—"},
		OpInfo{Go: "Shape", Type: "Shape", ONNX: "Shape", Shape: "a vector of int64 as long as x's rank", Formula: "x's shape", VJP: "—"},
		OpInfo{Go: "ShapeSlice", Type: "Shape", ONNX: "Shape", Shape: "a vector of int64, end − start long", Attrs: "start, end (negative from the end, clamped to [0, rank])",
			Formula: "x's shape from axis start up to end", VJP: "—"},
		OpInfo{Go: "Size", Type: "Size", ONNX: "Size", Shape: "int64 scalar", Formula: "the number of x's elements", VJP: "—"},
	)
}

// Range returns start, start + delta, start + 2·delta, … up to limit,
// excluded, in dtype dt (ONNX Range: float32, float64, int32 or int64):
// max(⌈(limit − start)/delta⌉, 0) elements, each start + i·delta computed
// in dt. For the integers, start, limit and delta must be whole numbers
// that dt holds. It has no input, so it takes the graph.
func Range(g *graph.Graph, start, limit, delta float64, dt graph.DType) *graph.Node {
	return g.Apply(rangeOp{start, limit, delta, dt})
}

type rangeOp struct {
	start, limit, delta float64
	dt                  graph.DType
}

func (rangeOp) Type() string { return "Range" }

// count returns the number of elements, computed from start, limit and
// delta converted to the dtype as ONNX computes it.
func (o rangeOp) count() (int, error) {
	for _, v := range []float64{o.start, o.limit, o.delta} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("range from %g to %g by %g: not finite", o.start, o.limit, o.delta)
		}
		if err := fitsDType(v, o.dt); err != nil {
			return 0, fmt.Errorf("range from %g to %g by %g: %v", o.start, o.limit, o.delta, err)
		}
		if o.dt == graph.Float32 && math.Abs(v) > math.MaxFloat32 {
			return 0, fmt.Errorf("range from %g to %g by %g: %g is not a float32", o.start, o.limit, o.delta, v)
		}
	}
	if o.delta == 0 {
		return 0, fmt.Errorf("range from %g to %g by 0", o.start, o.limit)
	}
	span := o.limit - o.start
	if o.dt == graph.Float32 {
		span, o.delta = float64(float32(o.limit)-float32(o.start)), float64(float32(o.delta))
	}
	n := math.Ceil(span / o.delta)
	if n > 1<<40 {
		return 0, fmt.Errorf("range from %g to %g by %g: more than 2^40 elements", o.start, o.limit, o.delta)
	}
	return int(max(n, 0)), nil
}

func (o rangeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	switch o.dt {
	case graph.Float32, graph.Float64, graph.Int32, graph.Int64:
	default:
		return graph.Meta{}, fmt.Errorf("dtype %s is not float32, float64, int32 or int64", o.dt)
	}
	n, err := o.count()
	if err != nil {
		return graph.Meta{}, err
	}
	return graph.Meta{DType: o.dt, Shape: graph.Shape{n}}, nil
}

func (o rangeOp) Forward(out *graph.Value, in []*graph.Value) {
	switch out.DType() {
	case graph.Float32:
		rangeK(out.F32, float32(o.start), float32(o.delta))
	case graph.Float64:
		rangeK(out.F64, o.start, o.delta)
	case graph.Int32:
		rangeK(out.I32, int32(o.start), int32(o.delta))
	case graph.Int64:
		rangeK(out.I64, int64(o.start), int64(o.delta))
	}
}

func (rangeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return nil }

func rangeK[T graph.Number](o []T, start, delta T) {
	for i := range o {
		o[i] = start + T(i)*delta
	}
}

// ConstantOfShape returns a value of the given shape and dtype holding
// value everywhere (ONNX ConstantOfShape, whose default is float32 0); the
// empty shape makes a scalar. value must fit dt. It has no input, so it
// takes the graph.
func ConstantOfShape(g *graph.Graph, shape graph.Shape, value float64, dt graph.DType) *graph.Node {
	return g.Apply(constantOfShapeOp{shape.Clone(), value, dt})
}

type constantOfShapeOp struct {
	shape graph.Shape
	value float64
	dt    graph.DType
}

func (constantOfShapeOp) Type() string { return "ConstantOfShape" }

func (o constantOfShapeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if !o.dt.Valid() {
		return graph.Meta{}, fmt.Errorf("unsupported dtype %s", o.dt)
	}
	if err := fitsDType(o.value, o.dt); err != nil {
		return graph.Meta{}, err
	}
	return graph.Meta{DType: o.dt, Shape: o.shape}, nil
}

func (o constantOfShapeOp) Forward(out *graph.Value, in []*graph.Value) { fillValue(out, o.value) }

func (constantOfShapeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return nil }

// fillValue sets every element of v to x, converted to v's dtype.
func fillValue(v *graph.Value, x float64) {
	switch v.DType() {
	case graph.Float32:
		fill(v.F32, float32(x))
	case graph.Float64:
		fill(v.F64, x)
	case graph.Int32:
		fill(v.I32, int32(x))
	case graph.Int64:
		fill(v.I64, int64(x))
	case graph.Bool:
		fill(v.B, x != 0)
	}
}

// Shape returns x's shape as a vector of int64 (ONNX Shape).
func Shape(x *graph.Node) *graph.Node {
	return graph.ApplyOn(shapeOp{0, math.MaxInt}, x)
}

// ShapeSlice returns the lengths of x's axes start … end−1 as a vector of
// int64 (ONNX Shape with its start and end attributes): negative start
// and end count from the end, and both are clamped to [0, rank].
func ShapeSlice(x *graph.Node, start, end int) *graph.Node {
	return graph.ApplyOn(shapeOp{start, end}, x)
}

type shapeOp struct{ start, end int }

func (shapeOp) Type() string { return "Shape" }

// span returns the axes the op reports for rank r.
func (o shapeOp) span(r int) (int, int) {
	clamp := func(a int) int {
		if a < 0 {
			a += r
		}
		return min(max(a, 0), r)
	}
	s, e := clamp(o.start), clamp(o.end)
	return s, max(e, s)
}

func (o shapeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	s, e := o.span(len(in[0].Shape))
	return graph.Meta{DType: graph.Int64, Shape: graph.Shape{e - s}}, nil
}

func (o shapeOp) Forward(out *graph.Value, in []*graph.Value) {
	s, _ := o.span(len(in[0].Shape))
	for i := range out.I64 {
		out.I64[i] = int64(in[0].Shape[s+i])
	}
}

func (shapeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }

// Size returns the number of x's elements as an int64 scalar (ONNX Size).
func Size(x *graph.Node) *graph.Node { return graph.ApplyOn(sizeOp{}, x) }

type sizeOp struct{}

func (sizeOp) Type() string { return "Size" }

func (sizeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	return graph.Meta{DType: graph.Int64, Shape: graph.Shape{}}, nil
}

func (sizeOp) Forward(out *graph.Value, in []*graph.Value) {
	out.I64[0] = int64(in[0].Shape.Size())
}

func (sizeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }
