package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/blas"
	"github.com/gradgraph/gradgraph/graph"
)

// Transpose flags for MatMul.
const (
	// TransA multiplies by aᵀ instead of a.
	TransA = 1 << iota
	// TransB multiplies by bᵀ instead of b.
	TransB
)

// MatMul returns op(a)·op(b) for matrices, where flags (TransA, TransB)
// choose the transposes. The product goes to BLAS with the flags as they
// are: no transposed copy is made. ζ = Ωᵀα is MatMul(omega, alpha, TransA).
func MatMul(a, b *graph.Node, flags int) *graph.Node {
	return graph.ApplyOn(matMulOp{ta: flags&TransA != 0, tb: flags&TransB != 0}, a, b)
}

type matMulOp struct{ ta, tb bool }

func (o matMulOp) Type() string { return "MatMul" }

func (o matMulOp) String() string {
	a, b := "a", "b"
	if o.ta {
		a = "aᵀ"
	}
	if o.tb {
		b = "bᵀ"
	}
	return a + "·" + b
}

// dims returns the rows and columns of op(x) for a matrix shape s.
func dims(s graph.Shape, t bool) (int, int) {
	if t {
		return s[1], s[0]
	}
	return s[0], s[1]
}

func (o matMulOp) Shape(in []*graph.Node) (graph.Shape, error) {
	a, b := in[0].Shape(), in[1].Shape()
	if len(a) != 2 || len(b) != 2 {
		return nil, graph.ShapeError(o, in, "are not both matrices")
	}
	m, k := dims(a, o.ta)
	k2, n := dims(b, o.tb)
	if k != k2 {
		return nil, graph.ShapeError(o, in, fmt.Sprintf("do not multiply as %s (inner dimensions %d and %d)", o, k, k2))
	}
	return graph.Shape{m, n}, nil
}

func (o matMulOp) Forward(out *graph.Value, in []*graph.Value) {
	a, b := in[0], in[1]
	m, k := dims(a.Shape, o.ta)
	_, n := dims(b.Shape, o.tb)
	lda, ldb := a.Shape[1], b.Shape[1]
	if out.F64 != nil {
		blas.Gemm64(o.ta, o.tb, m, n, k, 1, a.F64, lda, b.F64, ldb, 0, out.F64, n)
	} else {
		blas.Gemm32(o.ta, o.tb, m, n, k, 1, a.F32, lda, b.F32, ldb, 0, out.F32, n)
	}
}

// VJP of C = op(A)·op(B) with adjoint G: ∂A = G·op(B)ᵀ (transposed back
// when A entered transposed), ∂B = op(A)ᵀ·G likewise. Each is one MatMul
// with flags, never a transpose copy.
func (o matMulOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	a, b := n.Inputs()[0], n.Inputs()[1]
	var da, db *graph.Node
	if need[0] {
		if o.ta {
			da = MatMul(b, g, flag(o.tb, TransA)|TransB) // A = (G op(B)ᵀ)ᵀ = op(B) Gᵀ
		} else {
			da = MatMul(g, b, flag(!o.tb, TransB)) // G op(B)ᵀ
		}
	}
	if need[1] {
		if o.tb {
			db = MatMul(g, a, TransA|flag(o.ta, TransB)) // B = (op(A)ᵀ G)ᵀ = Gᵀ op(A)
		} else {
			db = MatMul(a, g, flag(!o.ta, TransA)) // op(A)ᵀ G
		}
	}
	return []*graph.Node{da, db}
}

func flag(on bool, f int) int {
	if on {
		return f
	}
	return 0
}
