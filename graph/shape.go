package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// DType is the element type of a node's value.
type DType uint8

// The element types a graph can hold. Float32 and Float64 are the types that
// are differentiated; Int32 and Int64 hold indices, labels and shapes; Bool
// holds masks and the results of comparisons.
const (
	Float32 DType = iota + 1
	Float64
	Int32
	Int64
	Bool
)

var dtypeNames = [...]string{Float32: "float32", Float64: "float64", Int32: "int32", Int64: "int64", Bool: "bool"}

// String returns the dtype's name, as ParseDType reads it: "float32",
// "float64", "int32", "int64" or "bool".
func (d DType) String() string {
	if d >= Float32 && d <= Bool {
		return dtypeNames[d]
	}
	return "dtype(" + strconv.Itoa(int(d)) + ")"
}

// IsFloat reports whether d is Float32 or Float64: a type that gradients
// flow through.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// IsInt reports whether d is Int32 or Int64.
func (d DType) IsInt() bool { return d == Int32 || d == Int64 }

// Valid reports whether d is one of the dtypes above.
func (d DType) Valid() bool { return d >= Float32 && d <= Bool }

// ParseDType returns the DType named s.
func ParseDType(s string) (DType, error) {
	for d := Float32; d <= Bool; d++ {
		if dtypeNames[d] == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown dtype %q (want float32, float64, int32, int64 or bool)", s)
}

// Float is the set of element types that float kernels are written for,
// once, as Go generics.
type Float interface{ ~float32 | ~float64 }

// Number is the set of element types of arithmetic: the floats and the
// integers.
type Number interface {
	~float32 | ~float64 | ~int32 | ~int64
}

// MaxRank is the largest rank a value may have. Kernels keep per-axis
// counters and strides in arrays of this length on the stack, which is how
// they run at any rank without allocating.
const MaxRank = 16

// Shape is the extent of a value along each axis, outermost first; values
// are stored in row-major order (the last axis varies fastest). A scalar
// has rank 0; an axis may have length 0 (an empty tensor).
type Shape []int

// Size returns the number of elements, 1 for a scalar.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Rank returns the number of axes.
func (s Shape) Rank() int { return len(s) }

// Equal reports whether s and t have the same axes.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of s that shares no memory with it.
func (s Shape) Clone() Shape { return append(Shape{}, s...) }

// String writes the shape as "2x3x4", "5" or "()" for a scalar.
func (s Shape) String() string {
	if len(s) == 0 {
		return "()"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// Matrix returns the shape viewed as rows × columns, the columns being the
// last axis and the rows everything before it: a scalar is 1×1, a vector
// of n entries the row 1×n (NumPy aligns shapes from the right), and a
// 2×3×4 value 6×4.
func (s Shape) Matrix() (rows, cols int) {
	if len(s) == 0 {
		return 1, 1
	}
	return Shape(s[:len(s)-1]).Size(), s[len(s)-1]
}

// Strides returns, for each axis, how many elements apart two neighbours
// along it are in row-major storage.
func (s Shape) Strides() []int {
	st := make([]int, len(s))
	n := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = n
		n *= s[i]
	}
	return st
}

// Axis returns axis a of a value of rank r as a non-negative index: a
// negative a counts from the end (−1 is the last axis), as in NumPy and
// ONNX. It reports false when a is outside [−r, r).
func Axis(a, r int) (int, bool) {
	if a < 0 {
		a += r
	}
	return a, a >= 0 && a < r
}

// Axes normalises a list of axes of a value of rank r with Axis, and
// reports an error naming the first axis that is out of range or repeated.
// The result is sorted ascending.
func Axes(axes []int, r int) ([]int, error) {
	out := make([]int, 0, len(axes))
	var seen [MaxRank]bool
	for _, a := range axes {
		n, ok := Axis(a, r)
		if !ok {
			return nil, fmt.Errorf("axis %d is out of range for rank %d", a, r)
		}
		if seen[n] {
			return nil, fmt.Errorf("axis %d is repeated", a)
		}
		seen[n] = true
	}
	for i := 0; i < r; i++ {
		if seen[i] {
			out = append(out, i)
		}
	}
	return out, nil
}

// Meta is what a node's value is, without the value: its element type and
// shape. Op.Infer works on Metas.
type Meta struct {
	DType DType
	Shape Shape
}

// String returns "float64 3x4".
func (m Meta) String() string { return m.DType.String() + " " + m.Shape.String() }

// ShapesError returns the error an op's Infer reports when its inputs'
// shapes do not fit it, in gradgraph's one style: "shapes 3x4 and 5x1 do
// not broadcast" (or "shape 2x3 has no axis 2" for one input). Apply
// prefixes it with the op and its inputs' names.
func ShapesError(in []Meta, reason string) error {
	var b strings.Builder
	if len(in) == 1 {
		b.WriteString("shape ")
	} else {
		b.WriteString("shapes ")
	}
	for i, m := range in {
		if i > 0 {
			if i == len(in)-1 {
				b.WriteString(" and ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(m.Shape.String())
	}
	b.WriteString(" ")
	b.WriteString(reason)
	return reasonError(b.String())
}

type reasonError string

func (e reasonError) Error() string { return string(e) }
