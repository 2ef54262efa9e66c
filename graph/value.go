package graph

import (
	"fmt"
	"math"
	"unsafe"
)

// Value is the storage of one node: the slice of its dtype (F32, F64, I32,
// I64 or B) holds Shape.Size() elements in row-major order, the others are
// nil. Kernels work on these slices directly.
type Value struct {
	Shape Shape
	F32   []float32
	F64   []float64
	I32   []int32
	I64   []int64
	B     []bool
	// Work is temporary storage for the op that computes this value, when
	// the op asked for some (see Workspacer); nil otherwise.
	Work *Value

	dtype DType
	err   error // set by Fail during a run
}

// Fail records that the kernel computing v met input it cannot compute
// (an index out of range, say): Program.Run stops after this step and
// Program.Err reports err with the node's name. The first failure of a
// step wins. Kernels call it only on the bad path, where allocating the
// error is fine.
func (v *Value) Fail(err error) {
	if v.err == nil {
		v.err = err
	}
}

// NewValue returns a zeroed value of dtype dt and shape s.
func NewValue(dt DType, s Shape) *Value {
	v := &Value{Shape: s.Clone(), dtype: dt}
	n := s.Size()
	switch dt {
	case Float32:
		v.F32 = make([]float32, n)
	case Float64:
		v.F64 = make([]float64, n)
	case Int32:
		v.I32 = make([]int32, n)
	case Int64:
		v.I64 = make([]int64, n)
	case Bool:
		v.B = make([]bool, n)
	default:
		panic(fmt.Sprintf("graph: NewValue: invalid dtype %s", dt))
	}
	return v
}

// DType returns the element type of v.
func (v *Value) DType() DType {
	if v.dtype != 0 {
		return v.dtype
	}
	switch {
	case v.F32 != nil:
		return Float32
	case v.F64 != nil:
		return Float64
	case v.I32 != nil:
		return Int32
	case v.I64 != nil:
		return Int64
	case v.B != nil:
		return Bool
	}
	return 0
}

// resize gives v the shape s (whose size fits v's capacity), reslicing its
// storage: the way a program follows the batch without allocating.
func (v *Value) resize(s Shape) {
	if len(s) > 0 && &v.Shape[0] != &s[0] {
		copy(v.Shape, s)
	}
	n := v.Shape.Size()
	switch v.DType() {
	case Float32:
		v.F32 = v.F32[:n]
	case Float64:
		v.F64 = v.F64[:n]
	case Int32:
		v.I32 = v.I32[:n]
	case Int64:
		v.I64 = v.I64[:n]
	case Bool:
		v.B = v.B[:n]
	}
}

// Len returns the number of elements v holds.
func (v *Value) Len() int {
	switch v.DType() {
	case Float32:
		return len(v.F32)
	case Float64:
		return len(v.F64)
	case Int32:
		return len(v.I32)
	case Int64:
		return len(v.I64)
	case Bool:
		return len(v.B)
	}
	return 0
}

// At returns element i as a float64 (a bool as 0 or 1).
func (v *Value) At(i int) float64 {
	switch v.DType() {
	case Float32:
		return float64(v.F32[i])
	case Float64:
		return v.F64[i]
	case Int32:
		return float64(v.I32[i])
	case Int64:
		return float64(v.I64[i])
	case Bool:
		if v.B[i] {
			return 1
		}
	}
	return 0
}

// SetAt sets element i to x, converted to v's dtype (truncated toward zero
// for the integers, x ≠ 0 for bool).
func (v *Value) SetAt(i int, x float64) {
	switch v.DType() {
	case Float32:
		v.F32[i] = float32(x)
	case Float64:
		v.F64[i] = x
	case Int32:
		v.I32[i] = int32(x)
	case Int64:
		v.I64[i] = int64(x)
	case Bool:
		v.B[i] = x != 0
	}
}

// Data returns v's storage as a []T, without copying; T must be the Go type
// of v's dtype (float32, float64, int32, int64 or bool), or Data panics.
// Generic kernels use it to reach the slice of whichever dtype they were
// instantiated for.
func Data[T ~float32 | ~float64 | ~int32 | ~int64 | ~bool](v *Value) []T {
	var z T
	var p unsafe.Pointer
	var n int
	switch any(z).(type) {
	case float32:
		p, n = unsafe.Pointer(unsafe.SliceData(v.F32)), len(v.F32)
		v.mustBe(Float32)
	case float64:
		p, n = unsafe.Pointer(unsafe.SliceData(v.F64)), len(v.F64)
		v.mustBe(Float64)
	case int32:
		p, n = unsafe.Pointer(unsafe.SliceData(v.I32)), len(v.I32)
		v.mustBe(Int32)
	case int64:
		p, n = unsafe.Pointer(unsafe.SliceData(v.I64)), len(v.I64)
		v.mustBe(Int64)
	case bool:
		p, n = unsafe.Pointer(unsafe.SliceData(v.B)), len(v.B)
		v.mustBe(Bool)
	}
	return unsafe.Slice((*T)(p), n)
}

func (v *Value) mustBe(dt DType) {
	if v.DType() != dt {
		panic(fmt.Sprintf("graph: Data: value of dtype %s read as %s", v.DType(), dt))
	}
}

// firstNonFinite returns the index and value of v's first NaN or infinity.
func firstNonFinite(v *Value) (int, float64, bool) {
	switch v.DType() {
	case Float64:
		for i, x := range v.F64 {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return i, x, true
			}
		}
	case Float32:
		for i, x := range v.F32 {
			if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
				return i, f, true
			}
		}
	}
	return 0, 0, false
}
