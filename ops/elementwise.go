package ops

import (
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/vec"
)

// The one-input element-wise ops are rows of one table. A row holds the
// op's name (its ONNX name where ONNX has the op), its scalar function
// with up to two attributes, and its derivative written with ops, so the
// derivative can be differentiated again. The shared machinery runs the
// scalar function over float32 and float64 (and, for the rows that allow
// it, int32 and int64) slices; a few hot rows have vectorised kernels.

// unaryDef is one row of the table.
type unaryDef struct {
	name string
	// f is the scalar function; a and b are the op's attributes.
	f func(x, a, b float64) float64
	// fi, when set, makes the op accept int32 and int64 inputs.
	fi func(x, a, b int64) int64
	// k32, k64 are optional fast kernels for the whole slice.
	k32 func(o, x []float32, a, b float64)
	k64 func(o, x []float64, a, b float64)
	// vjp returns the contribution to the input's adjoint given the
	// input x, the output y and the output's adjoint g; nil means the op
	// is not differentiable.
	vjp func(x, y, g *graph.Node, a, b float64) *graph.Node
	// Reference-table entries: the formula and the derivative in words.
	formula, deriv, attrs string
}

// The rows, in the order of the table below.
const (
	uAbs = iota
	uSign
	uNeg
	uReciprocal
	uExp
	uLog
	uLog1p
	uExpm1
	uSqrt
	uSquare
	uScale
	uSin
	uCos
	uTan
	uAsin
	uAcos
	uAtan
	uSinh
	uCosh
	uAsinh
	uAcosh
	uAtanh
	uErf
	uFloor
	uCeil
	uRound
	uSigmoid
	uHardSigmoid
	uTanh
	uRelu
	uLeakyRelu
	uElu
	uSelu
	uCelu
	uSoftplus
	uSoftsign
	uGelu
	uGeluTanh
	uGeluDerivative
	uSilu
	uHardSwish
	uThresholdedRelu
	uShrink
	uClip
	uIdentity
	uStopGradient
	uCount
)

var unaryDefs [uCount]unaryDef

// Constants of the smooth activations.
const (
	seluAlpha = 1.67326319217681884765625 // ONNX Selu's default alpha
	seluGamma = 1.05070102214813232421875 // and gamma
	sqrt2     = math.Sqrt2
	sqrt2OvPi = 0.7978845608028654 // √(2/π), GELU's tanh form
	geluC     = 0.044715
	invSqrt2P = 0.3989422804014327 // 1/√(2π)
)

func init() {
	unaryDefs = [uCount]unaryDef{
		uAbs: {name: "Abs", f: func(x, _, _ float64) float64 { return math.Abs(x) },
			fi: func(x, _, _ int64) int64 {
				if x < 0 {
					return -x
				}
				return x
			},
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Sign(x)) },
			formula: "|x|", deriv: "g·sign(x)"},
		uSign: {name: "Sign", f: func(x, _, _ float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, −0 or NaN
		},
			fi: func(x, _, _ int64) int64 {
				switch {
				case x > 0:
					return 1
				case x < 0:
					return -1
				}
				return 0
			},
			vjp: zeroVJP, formula: "−1, 0 or 1", deriv: "0"},
		uNeg: {name: "Neg", f: func(x, _, _ float64) float64 { return -x },
			fi:      func(x, _, _ int64) int64 { return -x },
			k32:     negK[float32],
			k64:     negK[float64],
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Neg(g) },
			formula: "−x", deriv: "−g"},
		uReciprocal: {name: "Reciprocal", f: func(x, _, _ float64) float64 { return 1 / x },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Neg(Mul(g, Square(y))) },
			formula: "1/x", deriv: "−g·y²"},
		uExp: {name: "Exp", f: func(x, _, _ float64) float64 { return math.Exp(x) },
			k32:     func(o, x []float32, _, _ float64) { vec.Exp(o, x) },
			k64:     func(o, x []float64, _, _ float64) { vec.Exp(o, x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, y) },
			formula: "eˣ", deriv: "g·y"},
		uLog: {name: "Log", f: func(x, _, _ float64) float64 { return math.Log(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Div(g, x) },
			formula: "ln x", deriv: "g/x"},
		uLog1p: {name: "Log1p", f: func(x, _, _ float64) float64 { return math.Log1p(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Div(g, Add(x, scalarLike(x, 1))) },
			formula: "ln(1 + x), exact for small x", deriv: "g/(1 + x)"},
		uExpm1: {name: "Expm1", f: func(x, _, _ float64) float64 { return math.Expm1(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Add(y, scalarLike(y, 1))) },
			formula: "eˣ − 1, exact for small x", deriv: "g·(y + 1)"},
		uSqrt: {name: "Sqrt", f: func(x, _, _ float64) float64 { return math.Sqrt(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Div(g, Scale(y, 2)) },
			formula: "√x", deriv: "g/(2y)"},
		uSquare: {name: "Square", f: func(x, _, _ float64) float64 { return x * x },
			fi:      func(x, _, _ int64) int64 { return x * x },
			k32:     squareK[float32],
			k64:     squareK[float64],
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Scale(x, 2)) },
			formula: "x²", deriv: "2x·g"},
		uScale: {name: "Scale", f: func(x, c, _ float64) float64 { return c * x },
			k32:     scaleK[float32],
			k64:     scaleK[float64],
			vjp:     func(x, y, g *graph.Node, c, _ float64) *graph.Node { return Scale(g, c) },
			formula: "c·x", deriv: "c·g", attrs: "c"},
		uSin: {name: "Sin", f: func(x, _, _ float64) float64 { return math.Sin(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Cos(x)) },
			formula: "sin x", deriv: "g·cos x"},
		uCos: {name: "Cos", f: func(x, _, _ float64) float64 { return math.Cos(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Neg(Mul(g, Sin(x))) },
			formula: "cos x", deriv: "−g·sin x"},
		uTan: {name: "Tan", f: func(x, _, _ float64) float64 { return math.Tan(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Mul(g, Add(Square(y), scalarLike(y, 1)))
			},
			formula: "tan x", deriv: "g·(1 + y²)"},
		uAsin: {name: "Asin", f: func(x, _, _ float64) float64 { return math.Asin(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Div(g, oneMinusSquareRoot(x)) },
			formula: "arcsin x", deriv: "g/√(1 − x²)"},
		uAcos: {name: "Acos", f: func(x, _, _ float64) float64 { return math.Acos(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Neg(Div(g, oneMinusSquareRoot(x))) },
			formula: "arccos x", deriv: "−g/√(1 − x²)"},
		uAtan: {name: "Atan", f: func(x, _, _ float64) float64 { return math.Atan(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Div(g, Add(Square(x), scalarLike(x, 1)))
			},
			formula: "arctan x", deriv: "g/(1 + x²)"},
		uSinh: {name: "Sinh", f: func(x, _, _ float64) float64 { return math.Sinh(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Cosh(x)) },
			formula: "sinh x", deriv: "g·cosh x"},
		uCosh: {name: "Cosh", f: func(x, _, _ float64) float64 { return math.Cosh(x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Sinh(x)) },
			formula: "cosh x", deriv: "g·sinh x"},
		uAsinh: {name: "Asinh", f: func(x, _, _ float64) float64 { return math.Asinh(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Div(g, Sqrt(Add(Square(x), scalarLike(x, 1))))
			},
			formula: "arsinh x", deriv: "g/√(x² + 1)"},
		uAcosh: {name: "Acosh", f: func(x, _, _ float64) float64 { return math.Acosh(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Div(g, Sqrt(Sub(Square(x), scalarLike(x, 1))))
			},
			formula: "arcosh x", deriv: "g/√(x² − 1)"},
		uAtanh: {name: "Atanh", f: func(x, _, _ float64) float64 { return math.Atanh(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Div(g, Sub(scalarLike(x, 1), Square(x)))
			},
			formula: "artanh x", deriv: "g/(1 − x²)"},
		uErf: {name: "Erf", f: func(x, _, _ float64) float64 { return math.Erf(x) },
			k32: erfK32,
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Mul(g, Scale(Exp(Neg(Square(x))), 2/math.Sqrt(math.Pi)))
			},
			formula: "erf x", deriv: "g·2/√π·e^(−x²)"},
		uFloor: {name: "Floor", f: func(x, _, _ float64) float64 { return math.Floor(x) },
			vjp: zeroVJP, formula: "⌊x⌋", deriv: "0"},
		uCeil: {name: "Ceil", f: func(x, _, _ float64) float64 { return math.Ceil(x) },
			vjp: zeroVJP, formula: "⌈x⌉", deriv: "0"},
		uRound: {name: "Round", f: func(x, _, _ float64) float64 { return math.RoundToEven(x) },
			vjp: zeroVJP, formula: "x rounded to the nearest integer, halves to even", deriv: "0"},
		uSigmoid: {name: "Sigmoid", f: func(x, _, _ float64) float64 { return sigmoid(x) },
			k32: sigmoidK[float32],
			k64: sigmoidK[float64],
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Mul(g, Mul(y, Sub(scalarLike(y, 1), y)))
			},
			formula: "1/(1 + e⁻ˣ)", deriv: "g·y(1 − y)"},
		uHardSigmoid: {name: "HardSigmoid", f: func(x, a, b float64) float64 { return max(0, min(1, a*x+b)) },
			vjp: func(x, y, g *graph.Node, a, b float64) *graph.Node {
				lin := Add(Scale(x, a), scalarLike(x, b))
				return Scale(Mul(g, between(lin, 0, 1, false)), a)
			},
			formula: "max(0, min(1, αx + β))", deriv: "α·g where 0 < αx + β < 1, else 0", attrs: "alpha 0.2, beta 0.5"},
		uTanh: {name: "Tanh", f: func(x, _, _ float64) float64 { return math.Tanh(x) },
			k32:     tanhK[float32],
			k64:     tanhK[float64],
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Sub(scalarLike(y, 1), Square(y))) },
			formula: "tanh x", deriv: "g·(1 − y²)"},
		uRelu: {name: "Relu", f: func(x, _, _ float64) float64 { return max(x, 0) },
			fi:      func(x, _, _ int64) int64 { return max(x, 0) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return PassWhere(g, x) },
			formula: "max(x, 0)", deriv: "g where x > 0, else 0 (ReLU′(0) = 0)"},
		uLeakyRelu: {name: "LeakyRelu", f: func(x, a, _ float64) float64 {
			if x < 0 {
				return a * x
			}
			return x
		},
			vjp: func(x, y, g *graph.Node, a, _ float64) *graph.Node {
				return Mul(g, Where(Less(x, scalarLike(x, 0)), scalarLike(x, a), scalarLike(x, 1)))
			},
			formula: "x for x ≥ 0, αx below", deriv: "g for x ≥ 0, αg below", attrs: "alpha 0.01"},
		uElu: {name: "Elu", f: func(x, a, _ float64) float64 {
			if x < 0 {
				return a * math.Expm1(x)
			}
			return x
		},
			vjp: func(x, y, g *graph.Node, a, _ float64) *graph.Node {
				return Mul(g, Where(Less(x, scalarLike(x, 0)), Add(y, scalarLike(y, a)), scalarLike(x, 1)))
			},
			formula: "x for x ≥ 0, α(eˣ − 1) below", deriv: "g for x ≥ 0, g·(y + α) below", attrs: "alpha 1"},
		uSelu: {name: "Selu", f: func(x, a, gm float64) float64 {
			if x <= 0 {
				return gm * a * math.Expm1(x)
			}
			return gm * x
		},
			vjp: func(x, y, g *graph.Node, a, gm float64) *graph.Node {
				return Mul(g, Where(Greater(x, scalarLike(x, 0)), scalarLike(x, gm), Add(y, scalarLike(y, gm*a))))
			},
			formula: "γx for x > 0, γα(eˣ − 1) at or below 0", deriv: "γg for x > 0, g·(y + γα) below",
			attrs: "alpha 1.67326319217681884765625, gamma 1.05070102214813232421875"},
		uCelu: {name: "Celu", f: func(x, a, _ float64) float64 { return max(0, x) + min(0, a*math.Expm1(x/a)) },
			vjp: func(x, y, g *graph.Node, a, _ float64) *graph.Node {
				return Mul(g, Where(Greater(x, scalarLike(x, 0)), scalarLike(x, 1), Add(Scale(y, 1/a), scalarLike(y, 1))))
			},
			formula: "max(0, x) + min(0, α(e^(x/α) − 1))", deriv: "g for x > 0, g·(y/α + 1) below", attrs: "alpha 1"},
		uSoftplus: {name: "Softplus", f: func(x, _, _ float64) float64 {
			if x > 0 {
				return x + math.Log1p(math.Exp(-x))
			}
			return math.Log1p(math.Exp(x))
		},
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return Mul(g, Sigmoid(x)) },
			formula: "ln(1 + eˣ)", deriv: "g·σ(x)"},
		uSoftsign: {name: "Softsign", f: func(x, _, _ float64) float64 { return x / (1 + math.Abs(x)) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				return Div(g, Square(Add(Abs(x), scalarLike(x, 1))))
			},
			formula: "x/(1 + |x|)", deriv: "g/(1 + |x|)²"},
		uGelu: {name: "Gelu", f: func(x, _, _ float64) float64 { return 0.5 * x * (1 + math.Erf(x/sqrt2)) },
			k32: geluK32,
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				// Φ(x) + x·φ(x), Φ the normal CDF and φ its density, in one
				// sweep.
				return Mul(g, GELUDerivative(x))
			},
			formula: "x·Φ(x) = ½x(1 + erf(x/√2))", deriv: "g·(Φ(x) + x·φ(x))", attrs: `approximate "none"`},
		uGeluTanh: {name: "GeluTanh", f: func(x, _, _ float64) float64 {
			return 0.5 * x * (1 + math.Tanh(sqrt2OvPi*(x+geluC*x*x*x)))
		},
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				// u = √(2/π)(x + c x³), t = tanh u:
				// ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3c x²).
				x2 := Square(x)
				t := Tanh(Scale(Mul(x, Add(Scale(x2, geluC), scalarLike(x, 1))), sqrt2OvPi))
				one := scalarLike(x, 1)
				du := Scale(Add(Scale(x2, 3*geluC), one), sqrt2OvPi)
				d := Add(Scale(Add(t, one), 0.5), Mul(Scale(x, 0.5), Mul(Sub(one, Square(t)), du)))
				return Mul(g, d)
			},
			formula: "½x(1 + tanh(√(2/π)(x + 0.044715x³)))", deriv: "g·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 0.134145x²))",
			attrs: `approximate "tanh"`},
		uGeluDerivative: {name: "GeluDerivative", f: func(x, _, _ float64) float64 {
			return 0.5*math.Erfc(-x/sqrt2) + x*invSqrt2P*math.Exp(-0.5*x*x)
		},
			k32: geluDerivativeK32,
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				// (Φ + xφ)′ = 2φ + xφ′ = φ·(2 − x²).
				phi := Scale(Exp(Scale(Square(x), -0.5)), invSqrt2P)
				return Mul(g, Mul(phi, Sub(scalarLike(x, 2), Square(x))))
			},
			formula: "Φ(x) + x·φ(x): GELU's derivative, φ the standard normal density", deriv: "g·φ(x)(2 − x²)"},
		uSilu: {name: "Silu", f: func(x, _, _ float64) float64 { return x * sigmoid(x) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				s := Sigmoid(x)
				return Mul(g, Add(s, Mul(y, Sub(scalarLike(s, 1), s))))
			},
			formula: "x·σ(x)", deriv: "g·(σ(x) + y(1 − σ(x)))"},
		uHardSwish: {name: "HardSwish", f: func(x, _, _ float64) float64 { return x * max(0, min(1, x/6+0.5)) },
			vjp: func(x, y, g *graph.Node, _, _ float64) *graph.Node {
				mid := Add(Scale(x, 1.0/3), scalarLike(x, 0.5))
				d := Where(Less(x, scalarLike(x, -3)), scalarLike(x, 0),
					Where(Greater(x, scalarLike(x, 3)), scalarLike(x, 1), mid))
				return Mul(g, d)
			},
			formula: "x·max(0, min(1, x/6 + ½))", deriv: "0 below −3, g above 3, g·(x/3 + ½) between"},
		uThresholdedRelu: {name: "ThresholdedRelu", f: func(x, a, _ float64) float64 {
			if x > a {
				return x
			}
			return 0
		},
			vjp: func(x, y, g *graph.Node, a, _ float64) *graph.Node {
				return Where(Greater(x, scalarLike(x, a)), g, scalarLike(g, 0))
			},
			formula: "x for x > α, else 0", deriv: "g for x > α, else 0", attrs: "alpha 1"},
		uShrink: {name: "Shrink", f: func(x, lambd, bias float64) float64 {
			switch {
			case x < -lambd:
				return x + bias
			case x > lambd:
				return x - bias
			}
			return 0
		},
			vjp: func(x, y, g *graph.Node, lambd, _ float64) *graph.Node {
				return Where(Greater(Abs(x), scalarLike(x, lambd)), g, scalarLike(g, 0))
			},
			formula: "x + bias below −λ, x − bias above λ, else 0", deriv: "g where |x| > λ, else 0",
			attrs: "lambd 0.5, bias 0"},
		uClip: {name: "Clip", f: func(x, lo, hi float64) float64 { return min(max(x, lo), hi) },
			fi: func(x, lo, hi int64) int64 { return min(max(x, lo), hi) },
			vjp: func(x, y, g *graph.Node, lo, hi float64) *graph.Node {
				return Mul(g, between(x, lo, hi, true))
			},
			formula: "min(max(x, lo), hi)", deriv: "g where lo ≤ x ≤ hi, else 0", attrs: "min −∞, max +∞"},
		uIdentity: {name: "Identity", f: func(x, _, _ float64) float64 { return x },
			fi:      func(x, _, _ int64) int64 { return x },
			k32:     func(o, x []float32, _, _ float64) { copy(o, x) },
			k64:     func(o, x []float64, _, _ float64) { copy(o, x) },
			vjp:     func(x, y, g *graph.Node, _, _ float64) *graph.Node { return g },
			formula: "x", deriv: "g"},
		uStopGradient: {name: "StopGradient", f: func(x, _, _ float64) float64 { return x },
			fi:      func(x, _, _ int64) int64 { return x },
			k32:     func(o, x []float32, _, _ float64) { copy(o, x) },
			k64:     func(o, x []float64, _, _ float64) { copy(o, x) },
			vjp:     zeroVJP,
			formula: "x (the gradient stops here)", deriv: "0"},
	}
	for i := range unaryDefs {
		d := &unaryDefs[i]
		typ := unaryOp{def: i}.Type()
		register(OpInfo{Go: goName(d.name), Type: typ, ONNX: onnxName(d.name), Shape: "x's shape", Attrs: d.attrs,
			Formula: d.formula, VJP: d.deriv, Differentiable: d.vjp != nil && i != uStopGradient})
	}
	register(OpInfo{Go: "PassWhere", Type: "PassWhere", Shape: "g's shape (g and x alike)",
		Formula: "g where x > 0, else 0: ReLU's backward pass in one sweep", VJP: "PassWhere(h, x) to g; 0 to x", Differentiable: true},
		OpInfo{Go: "Heaviside", Shape: "x's shape", Formula: "1 where x > 0, else 0 (a Where of Greater)", VJP: "0", Differentiable: true},
		OpInfo{Go: "ZerosLike", Type: "ZerosLike", Shape: "x's shape", Formula: "zeros of x's dtype", VJP: "0", Differentiable: true},
	)
}

// goName returns the constructor of a row (Go spells initialisms in
// capitals: ReLU, GELU).
func goName(name string) string {
	if g, ok := map[string]string{"Relu": "ReLU", "LeakyRelu": "LeakyReLU", "Elu": "ELU", "Selu": "SELU",
		"Celu": "CELU", "Gelu": "GELU", "GeluTanh": "GELUTanh", "GeluDerivative": "GELUDerivative", "Silu": "SiLU",
		"ThresholdedRelu": "ThresholdedReLU"}[name]; ok {
		return g
	}
	return name
}

// onnxName returns the ONNX operator a table row is, or "" for the rows
// ONNX does not define (they are exported as small subgraphs).
func onnxName(name string) string {
	switch name {
	case "Log1p", "Expm1", "Square", "Scale", "GeluTanh", "GeluDerivative", "Silu", "StopGradient":
		return ""
	case "Gelu":
		return "Gelu (opset 20)"
	}
	return name
}

func zeroVJP(x, y, g *graph.Node, _, _ float64) *graph.Node { return ZerosLike(x) }

// oneMinusSquareRoot returns √(1 − x²).
func oneMinusSquareRoot(x *graph.Node) *graph.Node {
	return Sqrt(Sub(scalarLike(x, 1), Square(x)))
}

// between returns 1 where lo < x < hi (lo ≤ x ≤ hi when closed) and 0
// elsewhere, in x's dtype: the derivative mask of the clipping ops.
func between(x *graph.Node, lo, hi float64, closed bool) *graph.Node {
	var in *graph.Node
	if closed {
		in = And(GreaterOrEqual(x, scalarLike(x, lo)), LessOrEqual(x, scalarLike(x, hi)))
	} else {
		in = And(Greater(x, scalarLike(x, lo)), Less(x, scalarLike(x, hi)))
	}
	return Where(in, scalarLike(x, 1), scalarLike(x, 0))
}

func sigmoid(x float64) float64 {
	// Both branches avoid overflow of e^|x|.
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// unaryOp is one row of the table with its attributes.
type unaryOp struct {
	def  int
	a, b float64
}

func unary(def int, x *graph.Node, a, b float64) *graph.Node {
	return graph.ApplyOn(unaryOp{def, a, b}, x)
}

func (o unaryOp) Type() string {
	if o.def == uGeluTanh {
		return "Gelu"
	}
	return unaryDefs[o.def].name
}

func (o unaryOp) Infer(in []graph.Meta) (graph.Meta, error) {
	d := &unaryDefs[o.def]
	if !in[0].DType.IsFloat() && !(d.fi != nil && in[0].DType.IsInt()) {
		want := "float32 or float64"
		if d.fi != nil {
			want = "a float or integer type"
		}
		return graph.Meta{}, graph.DTypesError(in, "is not "+want)
	}
	return in[0], nil
}

// InPlace implements graph.InPlacer: every row reads x[i] before writing
// out[i].
func (unaryOp) InPlace(i int) bool { return true }

// IsView implements graph.Viewer for Identity and StopGradient.
func (o unaryOp) IsView() bool { return o.def == uIdentity || o.def == uStopGradient }

func (o unaryOp) Forward(out *graph.Value, in []*graph.Value) {
	d := &unaryDefs[o.def]
	switch out.DType() {
	case graph.Float32:
		if d.k32 != nil {
			d.k32(out.F32, in[0].F32, o.a, o.b)
			return
		}
		unaryK(out.F32, in[0].F32, d.f, o.a, o.b)
	case graph.Float64:
		if d.k64 != nil {
			d.k64(out.F64, in[0].F64, o.a, o.b)
			return
		}
		unaryK(out.F64, in[0].F64, d.f, o.a, o.b)
	case graph.Int32:
		unaryIntK(out.I32, in[0].I32, d.fi, int64(o.a), int64(o.b))
	case graph.Int64:
		unaryIntK(out.I64, in[0].I64, d.fi, int64(o.a), int64(o.b))
	}
}

func (o unaryOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	d := &unaryDefs[o.def]
	if d.vjp == nil {
		return []*graph.Node{nil}
	}
	return []*graph.Node{d.vjp(n.Inputs()[0], n, g, o.a, o.b)}
}

// unaryK applies the scalar function f to every element, in float64.
func unaryK[T graph.Float](o, x []T, f func(x, a, b float64) float64, a, b float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = T(f(float64(v), a, b))
	}
}

func unaryIntK[T int32 | int64](o, x []T, f func(x, a, b int64) int64, a, b int64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = T(f(int64(v), a, b))
	}
}

func negK[T graph.Float](o, x []T, _, _ float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = -v
	}
}

func squareK[T graph.Float](o, x []T, _, _ float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = v * v
	}
}

func scaleK[T graph.Float](o, x []T, c, _ float64) {
	x = x[:len(o)]
	s := T(c)
	for i, v := range x {
		o[i] = s * v
	}
}

func sigmoidK[T graph.Float](o, x []T, _, _ float64) {
	x = x[:len(o)]
	for i, v := range x {
		// Both branches avoid overflow of e^|x|.
		if v >= 0 {
			o[i] = 1 / (1 + exp(-v))
		} else {
			e := exp(v)
			o[i] = e / (1 + e)
		}
	}
}

func tanhK[T graph.Float](o, x []T, _, _ float64) {
	x = x[:len(o)]
	for i, v := range x {
		o[i] = T(math.Tanh(float64(v)))
	}
}

// The constructors of the table's rows.

// Abs returns |x| element-wise (floats and integers).
func Abs(x *graph.Node) *graph.Node { return unary(uAbs, x, 0, 0) }

// Sign returns −1, 0 or 1 by the sign of each element (NaN stays NaN).
func Sign(x *graph.Node) *graph.Node { return unary(uSign, x, 0, 0) }

// Neg returns −x.
func Neg(x *graph.Node) *graph.Node { return unary(uNeg, x, 0, 0) }

// Reciprocal returns 1/x element-wise.
func Reciprocal(x *graph.Node) *graph.Node { return unary(uReciprocal, x, 0, 0) }

// Exp returns eˣ element-wise.
func Exp(x *graph.Node) *graph.Node { return unary(uExp, x, 0, 0) }

// Log returns the natural logarithm element-wise.
func Log(x *graph.Node) *graph.Node { return unary(uLog, x, 0, 0) }

// Log1p returns ln(1 + x), accurate for x near 0.
func Log1p(x *graph.Node) *graph.Node { return unary(uLog1p, x, 0, 0) }

// Expm1 returns eˣ − 1, accurate for x near 0.
func Expm1(x *graph.Node) *graph.Node { return unary(uExpm1, x, 0, 0) }

// Sqrt returns √x element-wise.
func Sqrt(x *graph.Node) *graph.Node { return unary(uSqrt, x, 0, 0) }

// Square returns x² element-wise.
func Square(x *graph.Node) *graph.Node { return unary(uSquare, x, 0, 0) }

// Scale returns c·x for a constant c.
func Scale(x *graph.Node, c float64) *graph.Node { return unary(uScale, x, c, 0) }

// Sin returns sin x element-wise.
func Sin(x *graph.Node) *graph.Node { return unary(uSin, x, 0, 0) }

// Cos returns cos x element-wise.
func Cos(x *graph.Node) *graph.Node { return unary(uCos, x, 0, 0) }

// Tan returns tan x element-wise.
func Tan(x *graph.Node) *graph.Node { return unary(uTan, x, 0, 0) }

// Asin returns arcsin x element-wise.
func Asin(x *graph.Node) *graph.Node { return unary(uAsin, x, 0, 0) }

// Acos returns arccos x element-wise.
func Acos(x *graph.Node) *graph.Node { return unary(uAcos, x, 0, 0) }

// Atan returns arctan x element-wise.
func Atan(x *graph.Node) *graph.Node { return unary(uAtan, x, 0, 0) }

// Sinh returns sinh x element-wise.
func Sinh(x *graph.Node) *graph.Node { return unary(uSinh, x, 0, 0) }

// Cosh returns cosh x element-wise.
func Cosh(x *graph.Node) *graph.Node { return unary(uCosh, x, 0, 0) }

// Asinh returns arsinh x element-wise.
func Asinh(x *graph.Node) *graph.Node { return unary(uAsinh, x, 0, 0) }

// Acosh returns arcosh x element-wise.
func Acosh(x *graph.Node) *graph.Node { return unary(uAcosh, x, 0, 0) }

// Atanh returns artanh x element-wise.
func Atanh(x *graph.Node) *graph.Node { return unary(uAtanh, x, 0, 0) }

// Erf returns the error function element-wise.
func Erf(x *graph.Node) *graph.Node { return unary(uErf, x, 0, 0) }

// Floor returns ⌊x⌋ element-wise; its derivative is 0.
func Floor(x *graph.Node) *graph.Node { return unary(uFloor, x, 0, 0) }

// Ceil returns ⌈x⌉ element-wise; its derivative is 0.
func Ceil(x *graph.Node) *graph.Node { return unary(uCeil, x, 0, 0) }

// Round rounds to the nearest integer, halves to even (ONNX Round).
func Round(x *graph.Node) *graph.Node { return unary(uRound, x, 0, 0) }

// Sigmoid returns the logistic function 1/(1+e⁻ˣ) element-wise.
func Sigmoid(x *graph.Node) *graph.Node { return unary(uSigmoid, x, 0, 0) }

// HardSigmoid returns max(0, min(1, αx + β)); ONNX's defaults are α = 0.2,
// β = 0.5.
func HardSigmoid(x *graph.Node, alpha, beta float64) *graph.Node {
	return unary(uHardSigmoid, x, alpha, beta)
}

// Tanh returns the hyperbolic tangent element-wise.
func Tanh(x *graph.Node) *graph.Node { return unary(uTanh, x, 0, 0) }

// LeakyReLU returns x for x ≥ 0 and αx below (ONNX LeakyRelu; its default
// α is 0.01).
func LeakyReLU(x *graph.Node, alpha float64) *graph.Node { return unary(uLeakyRelu, x, alpha, 0) }

// ELU returns x for x ≥ 0 and α(eˣ − 1) below (ONNX Elu; default α = 1).
func ELU(x *graph.Node, alpha float64) *graph.Node { return unary(uElu, x, alpha, 0) }

// SELU returns γx for x > 0 and γα(eˣ − 1) otherwise, with ONNX's
// defaults α ≈ 1.6733 and γ ≈ 1.0507.
func SELU(x *graph.Node) *graph.Node { return SELUWith(x, seluAlpha, seluGamma) }

// SELUWith is SELU with given α and γ.
func SELUWith(x *graph.Node, alpha, gamma float64) *graph.Node {
	return unary(uSelu, x, alpha, gamma)
}

// CELU returns max(0, x) + min(0, α(e^(x/α) − 1)) (default α = 1).
func CELU(x *graph.Node, alpha float64) *graph.Node { return unary(uCelu, x, alpha, 0) }

// Softplus returns ln(1 + eˣ), computed without overflow.
func Softplus(x *graph.Node) *graph.Node { return unary(uSoftplus, x, 0, 0) }

// Softsign returns x/(1 + |x|).
func Softsign(x *graph.Node) *graph.Node { return unary(uSoftsign, x, 0, 0) }

// GELU returns x·Φ(x), Φ the standard normal CDF (ONNX Gelu,
// approximate "none").
func GELU(x *graph.Node) *graph.Node { return unary(uGelu, x, 0, 0) }

// GELUDerivative returns GELU's derivative Φ(x) + x·φ(x) element-wise, Φ
// the standard normal CDF and φ its density: the op of GELU's backward
// pass, one sweep where the formula written with ops would take ten.
func GELUDerivative(x *graph.Node) *graph.Node { return unary(uGeluDerivative, x, 0, 0) }

// GELUTanh returns GELU's tanh approximation ½x(1 + tanh(√(2/π)(x +
// 0.044715x³))) (ONNX Gelu, approximate "tanh").
func GELUTanh(x *graph.Node) *graph.Node { return unary(uGeluTanh, x, 0, 0) }

// SiLU returns x·σ(x) (also called swish).
func SiLU(x *graph.Node) *graph.Node { return unary(uSilu, x, 0, 0) }

// HardSwish returns x·max(0, min(1, x/6 + ½)).
func HardSwish(x *graph.Node) *graph.Node { return unary(uHardSwish, x, 0, 0) }

// ThresholdedReLU returns x for x > α and 0 otherwise (default α = 1).
func ThresholdedReLU(x *graph.Node, alpha float64) *graph.Node {
	return unary(uThresholdedRelu, x, alpha, 0)
}

// Shrink returns x + bias below −λ, x − bias above λ and 0 between (ONNX
// defaults λ = 0.5, bias = 0).
func Shrink(x *graph.Node, lambd, bias float64) *graph.Node {
	return unary(uShrink, x, lambd, bias)
}

// Clip returns min(max(x, lo), hi); use ±math.Inf for a missing bound.
func Clip(x *graph.Node, lo, hi float64) *graph.Node { return unary(uClip, x, lo, hi) }

// Identity returns x (a copy).
func Identity(x *graph.Node) *graph.Node { return unary(uIdentity, x, 0, 0) }

// StopGradient returns x, but passes no gradient back: its derivative is
// taken as 0.
func StopGradient(x *graph.Node) *graph.Node { return unary(uStopGradient, x, 0, 0) }

// ReLU returns max(x, 0) element-wise; its derivative at 0 is taken as 0.
// Large inputs are split over the worker pool (see parallel.go).
func ReLU(x *graph.Node) *graph.Node { return graph.ApplyOn(reluOp{}, x) }

type reluOp struct{}

func (reluOp) Type() string { return "Relu" }
func (reluOp) Infer(in []graph.Meta) (graph.Meta, error) {
	return unaryOp{def: uRelu}.Infer(in)
}
func (reluOp) InPlace(i int) bool { return true }
func (reluOp) Forward(out *graph.Value, in []*graph.Value) {
	rows, cols := out.Shape.Matrix()
	switch out.DType() {
	case graph.Float64:
		if !parallelRows(ewRelu, out.F64, in[0].F64, nil, rows, cols) {
			vec.Relu(out.F64, in[0].F64)
		}
	case graph.Float32:
		if !parallelRows(ewRelu, out.F32, in[0].F32, nil, rows, cols) {
			vec.Relu(out.F32, in[0].F32)
		}
	default:
		unaryOp{def: uRelu}.Forward(out, in)
	}
}
func (reluOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{PassWhere(g, n.Inputs()[0])} // g ⊙ H(x) in one pass
}

// PassWhere returns g where x > 0 and 0 elsewhere, that is g ⊙ H(x) with H
// the Heaviside step: the backward pass of ReLU in one sweep instead of a
// mask and a Mul. g and x have the same shape. The gradient flows to g
// only (H′ = 0 almost everywhere).
func PassWhere(g, x *graph.Node) *graph.Node { return graph.ApplyOn(passWhereOp{}, g, x) }

type passWhereOp struct{}

func (passWhereOp) Type() string { return "PassWhere" }
func (o passWhereOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	if !in[0].Shape.Equal(in[1].Shape) {
		return graph.Meta{}, graph.ShapesError(in, "differ")
	}
	return in[0], nil
}
func (passWhereOp) InPlace(i int) bool { return i == 0 }
func (passWhereOp) Forward(out *graph.Value, in []*graph.Value) {
	rows, cols := out.Shape.Matrix()
	if out.F64 != nil {
		if !parallelRows(ewPassWhere, out.F64, in[0].F64, in[1].F64, rows, cols) {
			vec.PassWhere(out.F64, in[0].F64, in[1].F64)
		}
	} else if !parallelRows(ewPassWhere, out.F32, in[0].F32, in[1].F32, rows, cols) {
		vec.PassWhere(out.F32, in[0].F32, in[1].F32)
	}
}
func (passWhereOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	var dg, dx *graph.Node
	if need[0] {
		dg = PassWhere(g, n.Inputs()[1])
	}
	if need[1] {
		dx = ZerosLike(n.Inputs()[1])
	}
	return []*graph.Node{dg, dx}
}

// Heaviside returns 1 where x > 0 and 0 elsewhere: the derivative of ReLU.
// Its own derivative is zero almost everywhere.
func Heaviside(x *graph.Node) *graph.Node {
	return Where(Greater(x, scalarLike(x, 0)), scalarLike(x, 1), scalarLike(x, 0))
}
