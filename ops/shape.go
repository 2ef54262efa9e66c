package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Reshape, Flatten, Squeeze and Unsqueeze keep x's elements in row-major
// order under a new shape: one op, whose kinds differ only in how the new
// shape is derived from x's.

const (
	rsReshape   = iota // ONNX Reshape: 0 copies x's axis, −1 is inferred
	rsExact            // the shape as given, for values of a fixed shape
	rsFlatten          // ONNX Flatten at an axis
	rsSqueeze          // ONNX Squeeze of axes (all of length 1 when none)
	rsUnsqueeze        // ONNX Unsqueeze: new axes of length 1
)

func init() {
	register(
		OpInfo{Go: "Reshape", Type: "Reshape", ONNX: "Reshape", Shape: "the given shape: 0 copies x's axis, one −1 is inferred", Attrs: "shape",
			Formula: "x's elements in row-major order", VJP: "g reshaped to x's shape", Differentiable: true},
		OpInfo{Go: "Flatten", Type: "Flatten", ONNX: "Flatten", Shape: "(Π axes before axis) × (Π the rest)", Attrs: "axis (ONNX: 1)",
			Formula: "x as a matrix", VJP: "g reshaped to x's shape", Differentiable: true},
		OpInfo{Go: "Squeeze", Type: "Squeeze", ONNX: "Squeeze", Shape: "x's shape without the given axes of length 1 (all when none)", Attrs: "axes",
			Formula: "x", VJP: "g reshaped to x's shape", Differentiable: true},
		OpInfo{Go: "Unsqueeze", Type: "Unsqueeze", ONNX: "Unsqueeze", Shape: "x's shape with axes of length 1 inserted", Attrs: "axes (of the result)",
			Formula: "x", VJP: "g reshaped to x's shape", Differentiable: true},
		OpInfo{Go: "Transpose", Type: "Transpose", ONNX: "Transpose", Shape: "x's axes permuted", Attrs: "perm (none: reversed)",
			Formula: "y[i₀…] = x[i_perm…]", VJP: "Transpose(g, inverse perm)", Differentiable: true},
	)
}

type reshapeOp struct {
	kind  int
	shape []int // the Reshape target, or the axes of Squeeze/Unsqueeze
	axis  int   // Flatten's axis
}

// Reshape returns x's elements, in row-major order, under a new shape of
// the same size, with ONNX's rules: an entry 0 copies x's length along
// that axis, and one entry −1 is inferred from the others.
func Reshape(x *graph.Node, shape ...int) *graph.Node {
	return graph.ApplyOn(reshapeOp{kind: rsReshape, shape: append([]int(nil), shape...)}, x)
}

// Flatten reshapes x to a matrix: the axes before axis become the rows and
// the rest the columns (ONNX Flatten; axis may be negative or equal to the
// rank, and ONNX's default is 1).
func Flatten(x *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(reshapeOp{kind: rsFlatten, axis: axis}, x)
}

// Squeeze removes the given axes, which must have length 1, or every axis
// of length 1 when none is given (ONNX Squeeze).
func Squeeze(x *graph.Node, axes ...int) *graph.Node {
	return graph.ApplyOn(reshapeOp{kind: rsSqueeze, shape: append([]int(nil), axes...)}, x)
}

// Unsqueeze inserts axes of length 1 at the given positions of the result
// (ONNX Unsqueeze: an axis counts in the output's rank, and may be
// negative).
func Unsqueeze(x *graph.Node, axes ...int) *graph.Node {
	return graph.ApplyOn(reshapeOp{kind: rsUnsqueeze, shape: append([]int(nil), axes...)}, x)
}

func (o reshapeOp) Type() string {
	return [...]string{"Reshape", "Reshape", "Flatten", "Squeeze", "Unsqueeze"}[o.kind]
}

// target returns the shape the op gives a value of shape xs.
func (o reshapeOp) target(xs graph.Shape) (graph.Shape, error) {
	r := len(xs)
	switch o.kind {
	case rsExact:
		return graph.Shape(o.shape).Clone(), nil
	case rsReshape:
		out := make(graph.Shape, len(o.shape))
		infer, known := -1, 1
		for i, d := range o.shape {
			switch {
			case d == 0:
				if i >= r {
					return nil, fmt.Errorf("cannot be reshaped to %s: entry %d is 0 but the input has no axis %d", shapeText(o.shape), i, i)
				}
				out[i] = xs[i]
			case d == -1:
				if infer >= 0 {
					return nil, fmt.Errorf("cannot be reshaped to %s: more than one −1", shapeText(o.shape))
				}
				infer = i
				continue
			case d < 0:
				return nil, fmt.Errorf("cannot be reshaped to %s: negative length %d", shapeText(o.shape), d)
			default:
				out[i] = d
			}
			known *= out[i]
		}
		if infer >= 0 {
			if known == 0 || xs.Size()%known != 0 {
				return nil, fmt.Errorf("cannot be reshaped to %s: %d elements do not divide into it", shapeText(o.shape), xs.Size())
			}
			out[infer] = xs.Size() / known
		}
		return out, nil
	case rsFlatten:
		a := o.axis
		if a < 0 {
			a += r
		}
		if a < 0 || a > r {
			return nil, fmt.Errorf("cannot be flattened at axis %d (rank %d)", o.axis, r)
		}
		return graph.Shape{xs[:a].Size(), xs[a:].Size()}, nil
	case rsSqueeze:
		if len(o.shape) == 0 {
			out := graph.Shape{}
			for _, d := range xs {
				if d != 1 {
					out = append(out, d)
				}
			}
			return out, nil
		}
		axes, err := graph.Axes(o.shape, r)
		if err != nil {
			return nil, fmt.Errorf("cannot be squeezed: %v", err)
		}
		out := graph.Shape{}
		for i, d := range xs {
			if len(axes) > 0 && axes[0] == i {
				axes = axes[1:]
				if d != 1 {
					return nil, fmt.Errorf("cannot be squeezed at axis %d of length %d", i, d)
				}
				continue
			}
			out = append(out, d)
		}
		return out, nil
	default: // rsUnsqueeze
		axes, err := graph.Axes(o.shape, r+len(o.shape))
		if err != nil {
			return nil, fmt.Errorf("cannot be unsqueezed: %v", err)
		}
		total := r + len(axes)
		out := make(graph.Shape, 0, total)
		k := 0
		for i := 0; i < total; i++ {
			if len(axes) > 0 && axes[0] == i {
				axes = axes[1:]
				out = append(out, 1)
				continue
			}
			out = append(out, xs[k])
			k++
		}
		return out, nil
	}
}

func shapeText(s []int) string {
	return fmt.Sprint(s)
}

func (o reshapeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	s, err := o.target(in[0].Shape)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	if s.Size() != in[0].Shape.Size() {
		return graph.Meta{}, graph.ShapesError(in, "cannot be reshaped to "+s.String())
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (reshapeOp) Forward(out *graph.Value, in []*graph.Value) { copyValue(out, in[0]) }

// IsView implements graph.Viewer: a program makes the result a view of x.
func (reshapeOp) IsView() bool { return true }

func (reshapeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{ReshapeLike(g, n.Inputs()[0])}
}

// copyValue copies x's elements into out, whatever the dtype.
func copyValue(out, x *graph.Value) {
	copy(out.F32, x.F32)
	copy(out.F64, x.F64)
	copy(out.I32, x.I32)
	copy(out.I64, x.I64)
	copy(out.B, x.B)
}

// Transpose permutes x's axes: axis i of the result is axis perm[i] of x
// (ONNX Transpose). With no perm it reverses the axes, so a matrix is
// transposed. It copies: to multiply by a transpose use MatMul's flags.
func Transpose(x *graph.Node, perm ...int) *graph.Node {
	return graph.ApplyOn(transposeOp{append([]int(nil), perm...)}, x)
}

type transposeOp struct{ perm []int }

func (transposeOp) Type() string { return "Transpose" }

// permOf returns the permutation for rank r: o.perm, or the reversal.
func (o transposeOp) permOf(r int) (p [graph.MaxRank]int) {
	for i := 0; i < r; i++ {
		if len(o.perm) == 0 {
			p[i] = r - 1 - i
		} else {
			p[i], _ = graph.Axis(o.perm[i], r)
		}
	}
	return p
}

func (o transposeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := in[0].Shape
	r := len(xs)
	if len(o.perm) != 0 {
		if len(o.perm) != r {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be transposed by %v: want %d axes", o.perm, r))
		}
		if _, err := graph.Axes(o.perm, r); err != nil {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be transposed by %v: %v", o.perm, err))
		}
	}
	p := o.permOf(r)
	s := make(graph.Shape, r)
	for i := range s {
		s[i] = xs[p[i]]
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o transposeOp) Forward(out *graph.Value, in []*graph.Value) {
	p := o.permOf(len(in[0].Shape))
	switch out.DType() {
	case graph.Float32:
		transposeK(out.F32, in[0].F32, in[0].Shape, &p)
	case graph.Float64:
		transposeK(out.F64, in[0].F64, in[0].Shape, &p)
	case graph.Int32:
		transposeK(out.I32, in[0].I32, in[0].Shape, &p)
	case graph.Int64:
		transposeK(out.I64, in[0].I64, in[0].Shape, &p)
	case graph.Bool:
		transposeK(out.B, in[0].B, in[0].Shape, &p)
	}
}

// VJP: transposing back by the inverse permutation.
func (o transposeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	r := n.Shape().Rank()
	p := o.permOf(r)
	inv := make([]int, r)
	for i := 0; i < r; i++ {
		inv[p[i]] = i
	}
	return []*graph.Node{Transpose(g, inv...)}
}

// transposeK writes x, of shape xs, permuted by p into o: it walks o in
// order and reads x through the permuted strides.
func transposeK[T any](o, x []T, xs graph.Shape, p *[graph.MaxRank]int) {
	r := len(xs)
	if r == 2 && p[0] == 1 {
		rows, cols := xs[0], xs[1]
		for i := 0; i < rows; i++ {
			for j, v := range x[i*cols : (i+1)*cols] {
				o[j*rows+i] = v
			}
		}
		return
	}
	var st, dims, idx [graph.MaxRank]int
	n := 1
	var xst [graph.MaxRank]int
	for i := r - 1; i >= 0; i-- {
		xst[i] = n
		n *= xs[i]
	}
	for i := 0; i < r; i++ {
		dims[i], st[i] = xs[p[i]], xst[p[i]]
	}
	if r == 0 {
		copy(o, x)
		return
	}
	inner, ist := dims[r-1], st[r-1]
	off := 0
	for k := 0; k < len(o); k += inner {
		or := o[k : k+inner]
		for j := range or {
			or[j] = x[off+j*ist]
		}
		for i := r - 2; i >= 0; i-- {
			idx[i]++
			off += st[i]
			if idx[i] < dims[i] {
				break
			}
			off -= st[i] * dims[i]
			idx[i] = 0
		}
	}
}
