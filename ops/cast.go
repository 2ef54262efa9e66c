package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(OpInfo{Go: "Cast", Type: "Cast", ONNX: "Cast", Shape: "x's shape", Attrs: "to: any dtype, from any dtype",
		Formula: "x converted: floats to integers truncated toward zero, numbers to bool x ≠ 0, bool to 0 or 1",
		VJP:     "Cast(g, x's dtype) between floats; none through an integer or bool", Differentiable: true})
}

// Cast converts x to dtype to (ONNX Cast): a float becomes an integer by
// truncation toward zero (a NaN or a float out of the integer's range
// gives an unspecified integer, as in C and Go), a wider integer wraps
// into a narrower one, a number becomes the bool x ≠ 0 and a bool 0 or 1.
// Gradients flow through a cast from a float to a float; a cast to or from
// an integer or bool is not differentiable.
func Cast(x *graph.Node, to graph.DType) *graph.Node {
	return graph.ApplyOn(castOp{to}, x)
}

type castOp struct{ to graph.DType }

func (castOp) Type() string { return "Cast" }

func (o castOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if !o.to.Valid() {
		return graph.Meta{}, fmt.Errorf("cannot cast to %s", o.to)
	}
	return graph.Meta{DType: o.to, Shape: in[0].Shape}, nil
}

func (castOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	switch x.DType() {
	case graph.Float32:
		castFrom(out, x.F32)
	case graph.Float64:
		castFrom(out, x.F64)
	case graph.Int32:
		castFrom(out, x.I32)
	case graph.Int64:
		castFrom(out, x.I64)
	case graph.Bool:
		switch out.DType() {
		case graph.Float32:
			fromBool(out.F32, x.B)
		case graph.Float64:
			fromBool(out.F64, x.B)
		case graph.Int32:
			fromBool(out.I32, x.B)
		case graph.Int64:
			fromBool(out.I64, x.B)
		case graph.Bool:
			copy(out.B, x.B)
		}
	}
}

// VJP: between floats, the adjoint cast back; otherwise none.
func (castOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	if !x.DType().IsFloat() || !n.DType().IsFloat() {
		return []*graph.Node{nil}
	}
	return []*graph.Node{Cast(g, x.DType())}
}

// castFrom converts s into out's dtype.
func castFrom[S graph.Number](out *graph.Value, s []S) {
	switch out.DType() {
	case graph.Float32:
		convert(out.F32, s)
	case graph.Float64:
		convert(out.F64, s)
	case graph.Int32:
		convert(out.I32, s)
	case graph.Int64:
		convert(out.I64, s)
	case graph.Bool:
		for i, v := range s {
			out.B[i] = v != 0
		}
	}
}

func convert[D, S graph.Number](d []D, s []S) {
	d = d[:len(s)]
	for i, v := range s {
		d[i] = D(v)
	}
}

func fromBool[D graph.Number](d []D, s []bool) {
	d = d[:len(s)]
	for i, v := range s {
		var x D
		if v {
			x = 1
		}
		d[i] = x
	}
}
