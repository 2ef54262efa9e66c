package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(OpInfo{Go: "LRN", ONNX: "LRN", Shape: "x's shape (N×C×…, rank ≥ 2)",
		Attrs:          "size, alpha (ONNX: 1e-4), beta (ONNX: 0.75), bias (ONNX: 1)",
		Formula:        "x/(bias + alpha/size·S)^beta, S the sum of x² over the channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉",
		VJP:            "from Mul(x, D^(−β)) and the factor's VJP −(2αβ/size)·x·Sᵀ(g·D^(−β−1)), D = bias + alpha/size·S, Sᵀ the window sum mirrored",
		Differentiable: true})
}

// LRN is local response normalisation across channels (ONNX LRN): for x
// of shape N×C×… and each channel c,
//
//	y = x/(bias + alpha/size·S)^beta,  S = Σ x_i² for i from c − ⌊(size−1)/2⌋ to c + ⌈(size−1)/2⌉
//
// the window clipped to the channels there are. ONNX's defaults are
// alpha = 1e-4, beta = 0.75 and bias = 1; size is required (≥ 1). For an
// even size the window reaches further after c than before it, as ONNX
// says; PyTorch's local_response_norm places it the other way round, so
// the two agree for odd sizes only.
//
// It is x times the factor D^(−beta), D = bias + alpha/size·S, which one
// kernel computes: the product's VJP then reuses the factor for the
// gradient's main term, g·D^(−beta), instead of raising D to a power
// again.
func LRN(x *graph.Node, size int, alpha, beta, bias float64) *graph.Node {
	check := func(in []graph.Meta) error {
		if err := wantFloat(in); err != nil {
			return err
		}
		if len(in[0].Shape) < 2 {
			return graph.ShapesError(in, "has no channel axis: x must be N×C×… (rank 2 or more)")
		}
		if size < 1 {
			return fmt.Errorf("size %d is not ≥ 1", size)
		}
		return nil
	}
	if bad := vet("LRN", check, x); bad != nil {
		return bad
	}
	return Mul(x, graph.ApplyOn(lrnFactorOp{size: size, alpha: alpha, beta: beta, bias: bias}, x))
}

// lrnFactorOp is D^(−beta) of LRN.
type lrnFactorOp struct {
	size              int
	alpha, beta, bias float64
}

func (lrnFactorOp) Type() string { return "LRNFactor" }

// window returns how many channels before and after c the window covers.
func (o lrnFactorOp) window() (before, after int) { return (o.size - 1) / 2, o.size / 2 }

func (o lrnFactorOp) Infer(in []graph.Meta) (graph.Meta, error) { return in[0], nil }

func (o lrnFactorOp) Forward(out *graph.Value, in []*graph.Value) {
	b, a := o.window()
	if out.F64 != nil {
		windowSumK(out.F64, in[0].F64, in[0].Shape, b, a, true)
		lrnFactorK(o, out.F64)
	} else {
		windowSumK(out.F32, in[0].F32, in[0].Shape, b, a, true)
		lrnFactorK(o, out.F32)
	}
}

// lrnFactorK turns the window sums S in o into (bias + alpha/size·S)^(−beta).
func lrnFactorK[T graph.Float](op lrnFactorOp, o []T) {
	k := op.alpha / float64(op.size)
	for i, s := range o {
		o[i] = T(powNeg(op.bias+k*float64(s), op.beta))
	}
}

// powNeg returns d^(−beta), by square roots for the common betas.
func powNeg(d, beta float64) float64 {
	switch beta {
	case 0.5:
		return 1 / math.Sqrt(d)
	case 0.75:
		r := math.Sqrt(d)
		return 1 / (r * math.Sqrt(r))
	case 1:
		return 1 / d
	}
	return math.Pow(d, -beta)
}

// VJP. With D = bias + (α/size)·S and the factor f = D^(−β):
// ∂x_i = −(2αβ/size)·x_i·Σ_{c: i in window(c)} g_c·f_c/D_c, the sum being
// the window sum with before and after swapped.
func (o lrnFactorOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	b, a := o.window()
	k := o.alpha / float64(o.size)
	d := Add(Scale(windowSum(Square(x), b, a), k), scalarLike(x, o.bias))
	back := windowSum(Div(Mul(g, n), d), a, b)
	return []*graph.Node{Scale(Mul(x, back), -2*k*o.beta)}
}

// windowSum returns, for each channel c (axis 1) of x, the sum of x over
// channels c − before … c + after that exist.
func windowSum(x *graph.Node, before, after int) *graph.Node {
	return graph.ApplyOn(windowSumOp{before, after}, x)
}

type windowSumOp struct{ before, after int }

func (windowSumOp) Type() string { return "ChannelWindowSum" }

func (windowSumOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	if len(in[0].Shape) < 2 {
		return graph.Meta{}, graph.ShapesError(in, "has no channel axis")
	}
	return in[0], nil
}

func (o windowSumOp) Forward(out *graph.Value, in []*graph.Value) {
	if out.F64 != nil {
		windowSumK(out.F64, in[0].F64, in[0].Shape, o.before, o.after, false)
	} else {
		windowSumK(out.F32, in[0].F32, in[0].Shape, o.before, o.after, false)
	}
}

// VJP: the window sum is linear; its transpose swaps before and after.
func (o windowSumOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{windowSum(g, o.after, o.before)}
}

// windowSumK sets o[n, c, …] = Σ x[n, i, …] (of x² when squares) over the
// channels i from c − before to c + after that exist, walking each
// channel's block of x in order.
func windowSumK[T graph.Float](o, x []T, xs graph.Shape, before, after int, squares bool) {
	nb, ch := xs[0], xs[1]
	sp := graph.Shape(xs[2:]).Size()
	blk := ch * sp
	clear(o)
	for n := 0; n < nb; n++ {
		ob, xb := o[n*blk:(n+1)*blk], x[n*blk:(n+1)*blk]
		for c := 0; c < ch; c++ {
			or := ob[c*sp : (c+1)*sp]
			for i := max(0, c-before); i <= min(ch-1, c+after); i++ {
				xr := xb[i*sp : (i+1)*sp]
				if squares {
					for j, v := range xr {
						or[j] += v * v
					}
				} else {
					for j, v := range xr {
						or[j] += v
					}
				}
			}
		}
	}
}
