package ops

import (
	"sort"
	"sync"
)

// OpInfo describes one op for the reference table of docs/ops.md, which a
// test keeps equal to Catalog.
type OpInfo struct {
	// Go is the constructor's name in this package.
	Go string
	// Type is what Type() of the op's nodes returns; "" for a constructor
	// that builds its result from other ops.
	Type string
	// ONNX is the ONNX operator it implements, "" when ONNX has none.
	ONNX string
	// Shape is the shape rule, in words.
	Shape string
	// Attrs lists the attributes with their defaults.
	Attrs string
	// Formula is what the op computes.
	Formula string
	// VJP is the contribution to each input's adjoint given the output's
	// adjoint g, or "—" for an op that is not differentiable.
	VJP string
	// Differentiable reports whether gradients flow through the op.
	Differentiable bool
}

var (
	catalogMu sync.Mutex
	catalog   []OpInfo
)

// register adds an op to the catalog; each op's file registers its ops in
// an init function.
func register(infos ...OpInfo) {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	catalog = append(catalog, infos...)
}

// Catalog returns every op of the package, sorted by constructor name.
func Catalog() []OpInfo {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	out := append([]OpInfo(nil), catalog...)
	sort.Slice(out, func(i, j int) bool { return out[i].Go < out[j].Go })
	return out
}
