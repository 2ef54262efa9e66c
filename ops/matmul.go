package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/blas"
	"github.com/gradgraph/gradgraph/graph"
)

// Transpose flags for MatMul.
const (
	// TransA multiplies by aᵀ instead of a (its last two axes swapped).
	TransA = 1 << iota
	// TransB multiplies by bᵀ instead of b.
	TransB
)

func init() {
	register(
		OpInfo{Go: "MatMul", Type: "MatMul", ONNX: "MatMul", Shape: "batch axes broadcast, then m × n; a vector operand loses its axis", Attrs: "TransA, TransB",
			Formula: "op(a)·op(b) per matrix", VJP: "g·op(b)ᵀ to a, op(a)ᵀ·g to b, each one MatMul with flags, summed over broadcast batch axes", Differentiable: true},
		OpInfo{Go: "Gemm", ONNX: "Gemm", Shape: "m × n", Attrs: "alpha 1, beta 1, TransA, TransB",
			Formula: "alpha·op(a)·op(b) + beta·c", VJP: "from MatMul, Scale and Add", Differentiable: true},
	)
}

// MatMul returns op(a)·op(b) with NumPy's matmul rules, as ONNX MatMul:
// the last two axes of each operand are matrices, the axes before them
// are batch axes that broadcast against each other, and a 1-D operand is a
// row vector on the left (a column on the right) whose axis is dropped
// from the result. The flags (TransA, TransB) transpose the matrices of an
// operand of rank 2 or more; the product goes to BLAS with the flags as
// they are, never through a transposed copy. ζ = Ωᵀα is MatMul(omega,
// alpha, TransA).
func MatMul(a, b *graph.Node, flags int) *graph.Node {
	return graph.ApplyOn(matMulOp{ta: flags&TransA != 0, tb: flags&TransB != 0}, a, b)
}

// Gemm returns alpha·op(a)·op(b) + beta·c for matrices a and b and a c
// that broadcasts to the product's shape (ONNX Gemm; c may be nil, ONNX's
// defaults are alpha = beta = 1).
func Gemm(a, b, c *graph.Node, alpha, beta float64, flags int) *graph.Node {
	if a != nil && b != nil && (a.Shape().Rank() != 2 || b.Shape().Rank() != 2) && !a.Failed() && !b.Failed() {
		return graph.ApplyOn(matMulOp{gemm: true}, a, b)
	}
	y := MatMul(a, b, flags)
	if alpha != 1 {
		y = Scale(y, alpha)
	}
	if c != nil {
		if beta != 1 {
			c = Scale(c, beta)
		}
		y = Add(y, c)
	}
	return y
}

type matMulOp struct {
	ta, tb bool
	gemm   bool // only to report Gemm's rank error
}

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

// mmDims is how a MatMul sees its operands: op(a) is m × k, op(b) k × n,
// with batch axes before them.
type mmDims struct {
	m, k, n        int
	aBatch, bBatch graph.Shape
	a1, b1         bool // a (b) is a 1-D vector
}

func (o matMulOp) dims(as, bs graph.Shape) (d mmDims, err error) {
	if len(as) == 0 || len(bs) == 0 {
		return d, fmt.Errorf("are not matrices or vectors")
	}
	if len(as) == 1 {
		if o.ta {
			return d, fmt.Errorf("cannot transpose the vector a")
		}
		d.a1, d.m, d.k = true, 1, as[0]
	} else {
		r := len(as)
		d.m, d.k = as[r-2], as[r-1]
		if o.ta {
			d.m, d.k = d.k, d.m
		}
		d.aBatch = as[:r-2]
	}
	var k2 int
	if len(bs) == 1 {
		if o.tb {
			return d, fmt.Errorf("cannot transpose the vector b")
		}
		d.b1, k2, d.n = true, bs[0], 1
	} else {
		r := len(bs)
		k2, d.n = bs[r-2], bs[r-1]
		if o.tb {
			k2, d.n = d.n, k2
		}
		d.bBatch = bs[:r-2]
	}
	if d.k != k2 {
		return d, fmt.Errorf("do not multiply as %s (inner dimensions %d and %d)", o, d.k, k2)
	}
	return d, nil
}

func (o matMulOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if o.gemm {
		return graph.Meta{}, graph.ShapesError(in, "are not both matrices (Gemm)")
	}
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	d, err := o.dims(in[0].Shape, in[1].Shape)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	batch, ok := BroadcastShape(d.aBatch, d.bBatch)
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, "have batch axes that do not broadcast")
	}
	s := append(graph.Shape{}, batch...)
	if !d.a1 {
		s = append(s, d.m)
	}
	if !d.b1 {
		s = append(s, d.n)
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o matMulOp) Forward(out *graph.Value, in []*graph.Value) {
	a, b := in[0], in[1]
	d, _ := o.dims(a.Shape, b.Shape)
	if out.F64 != nil {
		matMulK(o, d, out.F64, a.F64, b.F64, out.Shape, blas.Gemm64)
	} else {
		matMulK(o, d, out.F32, a.F32, b.F32, out.Shape, blas.Gemm32)
	}
}

type gemmFunc[T graph.Float] func(tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// matMulK runs one GEMM per matrix of the output, reading each operand's
// matrix through the batch walk (an operand broadcast along a batch axis
// is read again). When b has no batch axes and a is not transposed, a's
// batch is folded into its rows: one GEMM for the whole product.
func matMulK[T graph.Float](o matMulOp, d mmDims, c, a, b []T, cs graph.Shape, gemm gemmFunc[T]) {
	lda, ldb := d.k, d.n
	if o.ta {
		lda = d.m
	}
	if o.tb {
		ldb = d.k
	}
	if d.a1 {
		lda = d.k
	}
	if d.b1 {
		ldb = 1
	}
	if len(d.bBatch) == 0 && !o.ta {
		rows := len(a) / max(1, d.k)
		if d.k == 0 {
			rows = len(c) / max(1, d.n)
		}
		gemm(false, o.tb, rows, d.n, d.k, 1, a, lda, b, ldb, 0, c, d.n)
		return
	}
	var bs [graph.MaxRank]int // the output's batch shape
	nb := len(cs) - 2
	if d.a1 {
		nb++
	}
	if d.b1 {
		nb++
	}
	copy(bs[:], cs[:nb])
	l := newLoop(graph.Shape(bs[:nb]), d.aBatch, d.bBatch)
	am, bm, cm := d.m*d.k, d.k*d.n, d.m*d.n
	n := l.inner()
	sa, sb := l.st[0][l.rank-1], l.st[1][l.rank-1]
	cur := l.at(0)
	for r, rows := 0, l.rows(); r < rows; r++ {
		for i := 0; i < n; i++ {
			ai, bi := (cur.off[0]+i*sa)*am, (cur.off[1]+i*sb)*bm
			ci := (r*n + i) * cm
			gemm(o.ta, o.tb, d.m, d.n, d.k, 1, a[ai:ai+am], lda, b[bi:bi+bm], ldb, 0, c[ci:ci+cm], d.n)
		}
		cur.next()
	}
}

// VJP of C = op(A)·op(B) with adjoint G: ∂A = G·op(B)ᵀ (transposed back
// when A entered transposed), ∂B = op(A)ᵀ·G likewise, each one MatMul
// with flags. Vectors are first given back their matrix axis, and the
// batch axes along which an operand was broadcast are summed.
func (o matMulOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	a, b := n.Inputs()[0], n.Inputs()[1]
	d, _ := o.dims(a.Shape(), b.Shape())
	ap, bp, gp := a, b, g
	if d.a1 {
		ap = Unsqueeze(a, 0)
		gp = Unsqueeze(gp, -1-btoi(!d.b1))
	}
	if d.b1 {
		bp = Unsqueeze(b, 1)
		gp = Unsqueeze(gp, -1)
	}
	var da, db *graph.Node
	if need[0] {
		if o.ta {
			da = MatMul(bp, gp, flag(o.tb, TransA)|TransB) // A = (G op(B)ᵀ)ᵀ = op(B) Gᵀ
		} else {
			da = MatMul(gp, bp, flag(!o.tb, TransB)) // G op(B)ᵀ
		}
		da = reduceLike(da, ap)
		if d.a1 {
			da = ReshapeLike(da, a)
		}
	}
	if need[1] {
		if o.tb {
			db = MatMul(gp, ap, TransA|flag(o.ta, TransB)) // B = (op(A)ᵀ G)ᵀ = Gᵀ op(A)
		} else {
			db = MatMul(ap, gp, flag(!o.ta, TransA)) // op(A)ᵀ G
		}
		db = reduceLike(db, bp)
		if d.b1 {
			db = ReshapeLike(db, b)
		}
	}
	return []*graph.Node{da, db}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func flag(on bool, f int) int {
	if on {
		return f
	}
	return 0
}
