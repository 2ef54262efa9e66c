package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// DType is the element type of a node's value.
type DType uint8

// The two element types a graph can hold.
const (
	Float32 DType = iota + 1
	Float64
)

// String returns "float32" or "float64".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return "dtype(" + strconv.Itoa(int(d)) + ")"
}

// ParseDType returns the DType named s ("float32" or "float64").
func ParseDType(s string) (DType, error) {
	switch s {
	case "float32":
		return Float32, nil
	case "float64":
		return Float64, nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want float32 or float64)", s)
}

// Shape is the extent of a value along each axis. Graph values have rank 0
// (a scalar), 1 or 2; a matrix is rows × columns, stored row-major.
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

// String writes the shape as "2x3", "5" or "()" for a scalar.
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

// Matrix returns the shape viewed as rows × columns: a scalar is 1×1 and a
// vector of n entries is the row 1×n, as NumPy aligns shapes from the right.
func (s Shape) Matrix() (rows, cols int) {
	switch len(s) {
	case 0:
		return 1, 1
	case 1:
		return 1, s[0]
	}
	return s[0], s[1]
}
