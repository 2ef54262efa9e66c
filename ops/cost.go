package ops

import (
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// The costs compare an output a with targets y, both n × M in the lecture's
// layout (one column per sample), and return the scalar batch cost
// 𝒞 = (1/M) Σ_k C(a_(k), y_(k)).

func init() {
	lc := "a scalar; a and y are n × M, one column per sample"
	register(
		OpInfo{Go: "QuadraticCost", Type: "QuadraticCost", Shape: lc, Formula: "(1/M) Σ ½‖a − y‖²", VJP: "g·(a − y)/M to a, the negative to y", Differentiable: true},
		OpInfo{Go: "BinaryCrossEntropy", Type: "BinaryCrossEntropy", Shape: lc, Formula: "−(1/M) Σ y ln a + (1 − y) ln(1 − a)",
			VJP: "g·(a − y)/(a(1 − a))/M to a, g·(ln(1 − a) − ln a)/M to y", Differentiable: true},
		OpInfo{Go: "CrossEntropy", Type: "CrossEntropy", Shape: lc, Formula: "−(1/M) Σ y ln a", VJP: "−g·y/a/M to a, −g·ln a/M to y", Differentiable: true},
		OpInfo{Go: "SoftmaxCrossEntropy", Type: "SoftmaxCrossEntropy", Shape: lc, Formula: "CrossEntropy(Softmax(z, 0), y) in one stable pass",
			VJP: "one fused node (g/M)·(softmax(z)·Σy − y) to z; −g·log softmax(z)/M to y", Differentiable: true},
	)
}

type costCode uint8

const (
	costQuadratic costCode = iota
	costBCE
	costCE
	costSoftmaxCE
)

var costNames = [...]string{"QuadraticCost", "BinaryCrossEntropy", "CrossEntropy", "SoftmaxCrossEntropy"}

// QuadraticCost returns (1/M) Σ_k ½‖a_(k) − y_(k)‖².
func QuadraticCost(a, y *graph.Node) *graph.Node { return graph.ApplyOn(costOp{costQuadratic}, a, y) }

// BinaryCrossEntropy returns −(1/M) Σ_k Σ_i [y ln a + (1 − y) ln(1 − a)].
func BinaryCrossEntropy(a, y *graph.Node) *graph.Node {
	return graph.ApplyOn(costOp{costBCE}, a, y)
}

// CrossEntropy returns −(1/M) Σ_k Σ_i y ln a, for a from a softmax layer.
func CrossEntropy(a, y *graph.Node) *graph.Node { return graph.ApplyOn(costOp{costCE}, a, y) }

// SoftmaxCrossEntropy returns CrossEntropy(Softmax(z, 0), y) computed in one
// numerically stable pass (log-sum-exp per column), so large logits neither
// overflow nor lose the gradient. Its gradient with respect to z is
// (softmax(z)·Σy − y)/M per column: for one-hot targets, (a − y)/M.
func SoftmaxCrossEntropy(z, y *graph.Node) *graph.Node {
	return graph.ApplyOn(costOp{costSoftmaxCE}, z, y)
}

type costOp struct{ code costCode }

func (o costOp) Type() string { return costNames[o.code] }

func (o costOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	a, y := in[0].Shape, in[1].Shape
	if len(a) != 2 {
		return graph.Meta{}, graph.ShapesError(in, "are not n×M matrices (one column per sample)")
	}
	if !a.Equal(y) {
		return graph.Meta{}, graph.ShapesError(in, "differ")
	}
	return graph.Meta{DType: in[0].DType, Shape: graph.Shape{}}, nil
}

func (o costOp) Forward(out *graph.Value, in []*graph.Value) {
	a, y := in[0], in[1]
	rows, cols := a.Shape[0], a.Shape[1]
	if out.F64 != nil {
		out.F64[0] = costK(o.code, a.F64, y.F64, rows, cols)
	} else {
		out.F32[0] = costK(o.code, a.F32, y.F32, rows, cols)
	}
}

// costK accumulates in float64 whatever T is, so a float32 cost over a
// large batch does not lose digits.
func costK[T graph.Float](code costCode, a, y []T, rows, cols int) T {
	var s float64
	switch code {
	case costQuadratic:
		for i, v := range a {
			d := float64(v - y[i])
			s += 0.5 * d * d
		}
	case costBCE:
		// A term whose weight is 0 is left out, as in the closed form: a
		// saturated sigmoid (p = 1 exactly) with target 1 costs 0, not
		// 0·ln 0 = NaN.
		for i, v := range a {
			p, t := float64(v), float64(y[i])
			if t != 0 {
				s -= t * math.Log(p)
			}
			if t != 1 {
				s -= (1 - t) * math.Log(1-p)
			}
		}
	case costCE:
		for i, v := range a {
			if t := float64(y[i]); t != 0 {
				s -= t * math.Log(float64(v))
			}
		}
	case costSoftmaxCE:
		s = softmaxCEK(a, y, rows, cols)
	}
	return T(s / float64(cols))
}

// VJP: g is the scalar adjoint of the cost; every term carries g/M, with
// M (the columns) counted at run time.
func (o costOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	a, y := n.Inputs()[0], n.Inputs()[1]
	perM := func(x *graph.Node) *graph.Node { return DivByCount(x, a, 1) }
	one := func() *graph.Node { return scalarLike(a, 1) }
	var da, dy *graph.Node
	switch o.code {
	case costQuadratic: // ∂/∂a ½(a−y)² = a − y
		if need[0] || need[1] {
			d := Mul(g, perM(Sub(a, y)))
			da = pick(need[0], d)
			if need[1] {
				dy = Neg(d)
			}
		}
	case costBCE: // ∂/∂a = −y/a + (1 − y)/(1 − a); ∂/∂y = ln(1 − a) − ln a
		if need[0] {
			// Each term only where its weight is not 0, over a denominator
			// kept away from 0 where it is not used: a saturated sigmoid
			// gets a finite gradient, to every order.
			zero := scalarLike(a, 0)
			yOn, yOff := Greater(Abs(y), zero), Greater(Abs(Sub(one(), y)), zero)
			pos := Where(yOn, Div(y, Where(yOn, a, one())), zero)
			neg := Where(yOff, Div(Sub(one(), y), Where(yOff, Sub(one(), a), one())), zero)
			da = Mul(g, perM(Sub(neg, pos)))
		}
		if need[1] {
			dy = Mul(g, perM(Sub(Log(Sub(one(), a)), Log(a))))
		}
	case costCE: // ∂/∂a = −y/a; ∂/∂y = −ln a
		if need[0] {
			da = Mul(g, perM(Neg(Div(y, a))))
		}
		if need[1] {
			dy = Mul(g, perM(Neg(Log(a))))
		}
	case costSoftmaxCE: // ∂/∂z = softmax(z)·Σy − y; ∂/∂y = −log softmax(z)
		if need[0] {
			da = graph.ApplyOn(softmaxCEGradOp{}, a, y, g)
		}
		if need[1] {
			dy = Mul(g, perM(Neg(LogSoftmax(a, 0))))
		}
	}
	return []*graph.Node{da, dy}
}

// softmaxCEK returns Σ over the columns z of −Σ t·log softmax(z), that is
// Σ (lse(z)·Σt − Σ t·z) with lse(z) = m + log Σ exp(z − m), m = max z. It
// walks the rows, keeping per-column maxima and sums for colBlock columns
// at a time (the MNIST output layer's 128 in one block), so every loop
// reads memory in order; the exponentials go through vec.Exp a row
// segment at a time. Each column's sums add its rows in order.
func softmaxCEK[T graph.Float](a, y []T, rows, cols int) float64 {
	var ms, buf [colBlock]T
	var e, ty, tz [colBlock]float64 // per column: Σ exp(z − m), Σ t, Σ t·z
	var s float64
	for c0 := 0; c0 < cols; c0 += colBlock {
		c1 := min(cols, c0+colBlock)
		m := ms[:c1-c0]
		copy(m, a[c0:c1])
		for r := 1; r < rows; r++ {
			for c, v := range a[r*cols+c0 : r*cols+c1] {
				m[c] = max(m[c], v)
			}
		}
		ec, tyc, tzc, b := e[:len(m)], ty[:len(m)], tz[:len(m)], buf[:len(m)]
		clear(ec)
		clear(tyc)
		clear(tzc)
		for r := 0; r < rows; r++ {
			zr, yr := a[r*cols+c0:r*cols+c1], y[r*cols+c0:r*cols+c1]
			for c, v := range zr {
				b[c] = v - m[c]
			}
			vec.Exp(b, b)
			for c, v := range b {
				ec[c] += float64(v)
				t := float64(yr[c])
				tyc[c] += t
				tzc[c] += t * float64(zr[c])
			}
		}
		for c := range m {
			s += (float64(m[c])+math.Log(ec[c]))*tyc[c] - tzc[c]
		}
	}
	return s
}

// softmaxCEGradOp is the gradient of SoftmaxCrossEntropy(z, y) with respect
// to z in one node: inputs z, y (n × M) and the cost's adjoint g (a
// scalar), output (g/M)·(softmax(z)·Σy − y), the sum over each column. It
// replaces six element-wise nodes of the backward pass (softmax, the sum
// of the targets, a product, a difference and two scalings).
type softmaxCEGradOp struct{}

func (softmaxCEGradOp) Type() string { return "SoftmaxCrossEntropyGrad" }

func (softmaxCEGradOp) Infer(in []graph.Meta) (graph.Meta, error) { return in[0], nil }

func (softmaxCEGradOp) Forward(out *graph.Value, in []*graph.Value) {
	z, y, g := in[0], in[1], in[2]
	if out.F64 != nil {
		softmaxCEGradK(out.F64, z.F64, y.F64, g.F64[0], z.Shape)
	} else {
		softmaxCEGradK(out.F32, z.F32, y.F32, g.F32[0], z.Shape)
	}
}

// softmaxCEGradK writes (g/M)·(softmax(z)·Σy − y) to o, column by column
// (the columns are the samples), with softmax(z) from softmaxK.
func softmaxCEGradK[T graph.Float](o, z, y []T, g T, zs graph.Shape) {
	softmaxK(o, z, zs, 0, smSoft)
	rows, cols := zs[0], zs[1]
	u := g / T(cols)
	var ty [colBlock]T // Σy of columns c0 … c0+colBlock−1
	for c0 := 0; c0 < cols; c0 += colBlock {
		c1 := min(cols, c0+colBlock)
		t := ty[:c1-c0]
		clear(t)
		for r := 0; r < rows; r++ {
			for c, v := range y[r*cols+c0 : r*cols+c1] {
				t[c] += v
			}
		}
		for r := 0; r < rows; r++ {
			or, yr := o[r*cols+c0:r*cols+c1], y[r*cols+c0:r*cols+c1]
			for c := range or {
				or[c] = u * (or[c]*t[c] - yr[c])
			}
		}
	}
}

// VJP. With s = softmax(z), c = Σy per column and u = g/M, the output is
// E = u·(s·c − y). For an adjoint G of E: ∂z is softmax's VJP of u·c·G;
// ∂y = u·(Σ_column G⊙s − G), since every target of a column enters its
// c; ∂g = Σ G⊙(s·c − y)/M.
func (softmaxCEGradOp) VJP(n, G *graph.Node, need []bool) []*graph.Node {
	z, y, g := n.Inputs()[0], n.Inputs()[1], n.Inputs()[2]
	s, c, u := Softmax(z, 0), SumAxis(y, 0), DivByCount(g, z, 1)
	var dz, dy, dg *graph.Node
	if need[0] {
		h := Mul(Mul(u, c), G)
		dz = Mul(s, Sub(h, SumAxis(Mul(h, s), 0)))
	}
	if need[1] {
		dy = Mul(u, Sub(SumAxis(Mul(G, s), 0), G))
	}
	if need[2] {
		dg = DivByCount(Sum(Mul(G, Sub(Mul(s, c), y))), z, 1)
	}
	return []*graph.Node{dz, dy, dg}
}
