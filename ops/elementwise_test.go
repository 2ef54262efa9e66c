package ops_test

import (
	"math"
	"math/rand/v2"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// The element-wise table's rows, each with its constructor (attributes
// fixed where the op has some), the domain its VJP is checked on (away
// from kinks and singularities), and whether its second derivative is
// checked.
var unaryRows = []struct {
	name     string
	f        func(*graph.Node) *graph.Node
	dom      domain
	noSecond bool
}{
	{"Abs", ops.Abs, anyReal, false},
	{"Sign", ops.Sign, anyReal, false},
	{"Neg", ops.Neg, anyReal, false},
	{"Reciprocal", ops.Reciprocal, awayZero, false},
	{"Exp", ops.Exp, anyReal, false},
	{"Log", ops.Log, positive, false},
	{"Log1p", ops.Log1p, domain{lo: -0.5, hi: 2}, false},
	{"Expm1", ops.Expm1, anyReal, false},
	{"Sqrt", ops.Sqrt, positive, false},
	{"Square", ops.Square, anyReal, false},
	{"Scale", func(x *graph.Node) *graph.Node { return ops.Scale(x, -1.75) }, anyReal, false},
	{"Sin", ops.Sin, anyReal, false},
	{"Cos", ops.Cos, anyReal, false},
	{"Tan", ops.Tan, domain{lo: -1, hi: 1}, false},
	{"Asin", ops.Asin, unitOpen, false},
	{"Acos", ops.Acos, unitOpen, false},
	{"Atan", ops.Atan, anyReal, false},
	{"Sinh", ops.Sinh, anyReal, false},
	{"Cosh", ops.Cosh, anyReal, false},
	{"Asinh", ops.Asinh, anyReal, false},
	{"Acosh", ops.Acosh, aboveOne, false},
	{"Atanh", ops.Atanh, unitOpen, false},
	{"Erf", ops.Erf, anyReal, false},
	{"Floor", ops.Floor, halves, false},
	{"Ceil", ops.Ceil, halves, false},
	{"Round", ops.Round, halves, false},
	{"Sigmoid", ops.Sigmoid, anyReal, false},
	{"HardSigmoid", func(x *graph.Node) *graph.Node { return ops.HardSigmoid(x, 0.2, 0.5) }, domain{lo: -4, hi: 4, kinks: []float64{-2.5, 2.5}}, false},
	{"Tanh", ops.Tanh, anyReal, false},
	{"ReLU", ops.ReLU, anyReal, false},
	{"LeakyReLU", func(x *graph.Node) *graph.Node { return ops.LeakyReLU(x, 0.1) }, anyReal, false},
	{"ELU", func(x *graph.Node) *graph.Node { return ops.ELU(x, 1.5) }, anyReal, false},
	{"SELU", ops.SELU, anyReal, false},
	{"CELU", func(x *graph.Node) *graph.Node { return ops.CELU(x, 0.8) }, anyReal, false},
	{"Softplus", ops.Softplus, anyReal, false},
	{"Softsign", ops.Softsign, anyReal, false},
	{"GELU", ops.GELU, anyReal, false},
	{"GELUTanh", ops.GELUTanh, anyReal, false},
	{"GELUDerivative", ops.GELUDerivative, anyReal, false},
	{"SiLU", ops.SiLU, anyReal, false},
	{"HardSwish", ops.HardSwish, domain{lo: -4, hi: 4, kinks: []float64{-3, 3}}, false},
	{"ThresholdedReLU", func(x *graph.Node) *graph.Node { return ops.ThresholdedReLU(x, 1) }, domain{lo: -1, hi: 3, kinks: []float64{1}}, false},
	{"Shrink", func(x *graph.Node) *graph.Node { return ops.Shrink(x, 0.5, 0.25) }, domain{lo: -2, hi: 2, kinks: []float64{-0.5, 0.5}}, false},
	{"Clip", func(x *graph.Node) *graph.Node { return ops.Clip(x, -1, 2) }, domain{lo: -3, hi: 3, kinks: []float64{-1, 2}}, false},
	{"Identity", ops.Identity, anyReal, false},
	{"Heaviside", ops.Heaviside, anyReal, false},
	{"PassWhere", func(x *graph.Node) *graph.Node { return ops.PassWhere(ops.Exp(x), x) }, anyReal, false},
	{"ZerosLike", ops.ZerosLike, anyReal, false},
}

// halves keeps values off the integers and half-integers, where Floor,
// Ceil and Round jump.
var halves = domain{lo: -2, hi: 2, kinks: []float64{-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2}}

func init() {
	addVJP(func(r *rand.Rand) []vjpCase {
		var cs []vjpCase
		for _, u := range unaryRows {
			f := u.f
			// One shape of a random rank 0–4 and one of rank 4.
			for _, s := range []graph.Shape{randShape(r, r.IntN(5), 3), randShape(r, 4, 2)} {
				cs = append(cs, vjpCase{name: u.name + "/" + s.String(), shapes: []graph.Shape{s}, dom: []domain{u.dom},
					build: func(in []*graph.Node) *graph.Node { return f(in[0]) }, noSecond: u.noSecond})
			}
		}
		return cs
	})

	// Hand values: PyTorch 1.13 in float64 (torch.nn.functional where it
	// has the op), written out; see each row's attributes in unaryRows.
	for _, h := range unaryHand {
		fn := rowFunc(h.name)
		n := len(h.x)
		addForward(forwardCase{name: h.name + "/vector", in: []val{f64(graph.Shape{n}, h.x...)},
			build: func(in []*graph.Node) *graph.Node { return fn(in[0]) }, want: f64(graph.Shape{n}, h.want...), rtol: 1e-15})
	}
	addForward(
		// Ranks 0 and 3 go through the same kernels.
		forwardCase{name: "Scale/vector", in: []val{f64(graph.Shape{3}, -2, 0, 0.5)}, build: func(in []*graph.Node) *graph.Node { return ops.Scale(in[0], -1.75) },
			want: f64(graph.Shape{3}, 3.5, 0, -0.875)},
		forwardCase{name: "Exp/scalar", in: []val{f64(graph.Shape{}, 1)}, build: one(ops.Exp), want: f64(graph.Shape{}, math.E)},
		forwardCase{name: "Tanh/rank3", in: []val{f64(graph.Shape{2, 1, 2}, -1, 0, 0.5, 2)}, build: one(ops.Tanh),
			want: f64(graph.Shape{2, 1, 2}, -0.7615941559557649, 0, 0.46211715726000974, 0.9640275800758169)},
		// Integer rows.
		forwardCase{name: "Abs/int64", in: []val{i64(graph.Shape{3}, -3, 0, 4)}, build: one(ops.Abs), want: i64(graph.Shape{3}, 3, 0, 4)},
		forwardCase{name: "Neg/int64", in: []val{i64(graph.Shape{3}, -3, 0, 4)}, build: one(ops.Neg), want: i64(graph.Shape{3}, 3, 0, -4)},
		forwardCase{name: "Sign/int64", in: []val{i64(graph.Shape{3}, -3, 0, 4)}, build: one(ops.Sign), want: i64(graph.Shape{3}, -1, 0, 1)},
		forwardCase{name: "Clip/int64", in: []val{i64(graph.Shape{4}, -3, 0, 4, 9)}, build: func(in []*graph.Node) *graph.Node { return ops.Clip(in[0], -1, 5) },
			want: i64(graph.Shape{4}, -1, 0, 4, 5)},
		forwardCase{name: "ReLU/int64", in: []val{i64(graph.Shape{3}, -3, 0, 4)}, build: one(ops.ReLU), want: i64(graph.Shape{3}, 0, 0, 4)},
		forwardCase{name: "Square/int64", in: []val{i64(graph.Shape{3}, -3, 0, 4)}, build: one(ops.Square), want: i64(graph.Shape{3}, 9, 0, 16)},
		forwardCase{name: "Identity/int64", in: []val{i64(graph.Shape{2}, -3, 7)}, build: one(ops.Identity), want: i64(graph.Shape{2}, -3, 7)},
		// NaN passes through the activations for the guard to see.
		forwardCase{name: "ReLU/NaN", in: []val{f64(graph.Shape{2}, math.NaN(), -1)}, build: one(ops.ReLU), want: f64(graph.Shape{2}, math.NaN(), 0)},
		forwardCase{name: "Sign/NaN", in: []val{f64(graph.Shape{1}, math.NaN())}, build: one(ops.Sign), want: f64(graph.Shape{1}, math.NaN())},
		// Extremes a naive formula would overflow.
		forwardCase{name: "Sigmoid/extremes", in: []val{f64(graph.Shape{4}, -1000, -40, 40, 1000)}, build: one(ops.Sigmoid),
			want: f64(graph.Shape{4}, 0, 4.248354255291589e-18, 1, 1)},
		forwardCase{name: "Softplus/extremes", in: []val{f64(graph.Shape{2}, -1000, 1000)}, build: one(ops.Softplus), want: f64(graph.Shape{2}, 0, 1000)},
		forwardCase{name: "Heaviside/vector", in: []val{f64(graph.Shape{4}, -1, 0, 0.5, 2)}, build: one(ops.Heaviside), want: f64(graph.Shape{4}, 0, 0, 1, 1)},
		forwardCase{name: "PassWhere/vector", in: []val{f64(graph.Shape{5}, 1, 2, 3, 4, 5), f64(graph.Shape{5}, -1, 0, 0.5, -0.25, 7)},
			build: func(in []*graph.Node) *graph.Node { return ops.PassWhere(in[0], in[1]) }, want: f64(graph.Shape{5}, 0, 0, 3, 0, 5)},
		forwardCase{name: "ZerosLike/matrix", in: []val{f64(graph.Shape{2, 2}, 1, -2, 3, 4)}, build: one(ops.ZerosLike), want: f64(graph.Shape{2, 2}, 0, 0, 0, 0)},
	)

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		var outs []*graph.Node
		for _, u := range unaryRows {
			x := param(g, "ew_"+u.name, dt, u.dom, 3, 4)
			outs = append(outs, u.f(x))
		}
		outs = append(outs, ops.StopGradient(param(g, "ew_stop", dt, anyReal, 2)))
		xi := g.Const("ew_int", intTensor([]int64{-3, 0, 4}, 3))
		for _, f := range []func(*graph.Node) *graph.Node{ops.Abs, ops.Neg, ops.Sign, ops.ReLU, ops.Square, ops.Identity,
			func(x *graph.Node) *graph.Node { return ops.Clip(x, -1, 2) }} {
			outs = append(outs, f(xi))
		}
		return outs
	})
}

// one adapts a one-input constructor to a forward case's build.
func one(f func(*graph.Node) *graph.Node) func([]*graph.Node) *graph.Node {
	return func(in []*graph.Node) *graph.Node { return f(in[0]) }
}

func rowFunc(name string) func(*graph.Node) *graph.Node {
	for _, u := range unaryRows {
		if u.name == name {
			return u.f
		}
	}
	if name == "StopGradient" {
		return ops.StopGradient
	}
	panic("no row " + name)
}

// The hand values of the rows with the attributes of unaryRows:
// LeakyReLU α = 0.1, ELU α = 1.5, CELU α = 0.8, ThresholdedReLU α = 1,
// Shrink λ = 0.5 and bias 0.25, Clip to [−1, 2], HardSigmoid 0.2, 0.5.
var unaryHand = []struct {
	name    string
	x, want []float64
}{
	{"Abs", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{2.5, 1.5, 0.5, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"Sign", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.0, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0}},
	{"Neg", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{2.5, 1.5, 0.5, 0.0, -0.25, -0.5, -1.5, -3.5}},
	{"Reciprocal", []float64{-2.5, -0.5, 0.25, 0.5, 4.0}, []float64{-0.4, -2.0, 4.0, 2.0, 0.25}},
	{"Exp", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{0.0820849986238988, 0.22313016014842982, 0.6065306597126334, 1.0, 1.2840254166877414, 1.6487212707001282, 4.4816890703380645, 33.11545195869231}},
	{"Log", []float64{0.1, 0.5, 1.0, 2.0, 4.0}, []float64{-2.3025850929940455, -0.6931471805599453, 0.0, 0.6931471805599453, 1.3862943611198906}},
	{"Log1p", []float64{-0.5, 0.0, 1e-10, 0.5, 3.0}, []float64{-0.6931471805599453, 0.0, 9.999999999500001e-11, 0.4054651081081644, 1.3862943611198906}},
	{"Expm1", []float64{-2.0, -1e-10, 0.0, 1e-10, 0.5}, []float64{-0.8646647167633873, -9.999999999500001e-11, 0.0, 1.00000000005e-10, 0.6487212707001282}},
	{"Sqrt", []float64{0.1, 0.5, 1.0, 2.0, 4.0}, []float64{0.31622776601683794, 0.7071067811865476, 1.0, 1.4142135623730951, 2.0}},
	{"Square", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{6.25, 2.25, 0.25, 0.0, 0.0625, 0.25, 2.25, 12.25}},
	{"Sin", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.5984721441039564, -0.9974949866040544, -0.479425538604203, 0.0, 0.24740395925452294, 0.479425538604203, 0.9974949866040544, -0.35078322768961984}},
	{"Cos", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.8011436155469337, 0.0707372016677029, 0.8775825618903728, 1.0, 0.9689124217106447, 0.8775825618903728, 0.0707372016677029, -0.9364566872907963}},
	{"Tan", []float64{-1.2, -0.5, 0.0, 0.25, 1.0}, []float64{-2.5721516221263188, -0.5463024898437905, 0.0, 0.25534192122103627, 1.5574077246549023}},
	{"Asin", []float64{-0.9, -0.5, 0.0, 0.3, 0.75}, []float64{-1.1197695149986342, -0.5235987755982989, 0.0, 0.30469265401539747, 0.848062078981481}},
	{"Acos", []float64{-0.9, -0.5, 0.0, 0.3, 0.75}, []float64{2.6905658417935308, 2.0943951023931957, 1.5707963267948966, 1.2661036727794992, 0.7227342478134156}},
	{"Atan", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.1902899496825317, -0.982793723247329, -0.4636476090008061, 0.0, 0.24497866312686414, 0.4636476090008061, 0.982793723247329, 1.2924966677897853}},
	{"Sinh", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-6.0502044810397875, -2.1292794550948173, -0.5210953054937474, 0.0, 0.2526123168081683, 0.5210953054937474, 2.1292794550948173, 16.542627287634996}},
	{"Cosh", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{6.132289479663686, 2.352409615243247, 1.1276259652063807, 1.0, 1.0314130998795732, 1.1276259652063807, 2.352409615243247, 16.572824671057315}},
	{"Asinh", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.6472311463710958, -1.1947632172871094, -0.48121182505960347, 0.0, 0.24746646154726346, 0.48121182505960347, 1.1947632172871094, 1.9657204716496515}},
	{"Acosh", []float64{1.25, 1.5, 2.0, 3.0}, []float64{0.6931471805599453, 0.9624236501192069, 1.3169578969248166, 1.762747174039086}},
	{"Atanh", []float64{-0.9, -0.5, 0.0, 0.3, 0.75}, []float64{-1.4722194895832204, -0.5493061443340548, 0.0, 0.30951960420311175, 0.9729550745276566}},
	{"Erf", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.999593047982555, -0.9661051464753108, -0.5204998778130465, 0.0, 0.27632639016823696, 0.5204998778130465, 0.9661051464753108, 0.9999992569016276}},
	{"Floor", []float64{-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.7}, []float64{-3.0, -2.0, -1.0, 0.0, 0.0, 1.0, 2.0}},
	{"Ceil", []float64{-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.2}, []float64{-2.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0}},
	{"Round", []float64{-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 2.6}, []float64{-2.0, -2.0, 0.0, 0.0, 0.0, 2.0, 2.0, 3.0}},
	{"Sigmoid", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{0.07585818002124355, 0.18242552380635635, 0.3775406687981454, 0.5, 0.5621765008857981, 0.6224593312018546, 0.8175744761936437, 0.9706877692486436}},
	{"HardSigmoid", []float64{-4.0, -2.5, -1.0, 0.0, 1.0, 2.5, 4.0}, []float64{0.0, 0.0, 0.3, 0.5, 0.7, 1.0, 1.0}},
	{"Tanh", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.9866142981514303, -0.9051482536448664, -0.46211715726000974, 0.0, 0.24491866240370913, 0.46211715726000974, 0.9051482536448664, 0.9981778976111987}},
	{"ReLU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"LeakyReLU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.25, -0.15000000000000002, -0.05, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"ELU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.3768725020641517, -1.1653047597773554, -0.5902040104310499, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"SELU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.6137857639177855, -1.3658143576366601, -0.6917581899652425, 0.0, 0.2626752555370331, 0.5253505110740662, 1.5760515332221985, 3.677453577518463}}, // ONNX's float32 α and γ, not PyTorch's
	{"CELU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.7648504531012741, -0.6773160265240573, -0.3717908571848078, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"Softplus", []float64{-40.0, -2.5, -0.5, 0.0, 0.5, 3.5, 40.0}, []float64{4.248354255291589e-18, 0.07888973429254963, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067, 3.5297504182726205, 40.0}},
	{"Softsign", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.7142857142857143, -0.6, -0.3333333333333333, 0.0, 0.2, 0.3333333333333333, 0.6, 0.7777777777777778}},
	{"GELU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.015524163314440398, -0.10021080190328704, -0.15426876936299344, 0.0, 0.14967658142073093, 0.34573123063700656, 1.399789198096713, 3.4991857982233756}},
	// torch.autograd's gradient of torch.nn.functional.gelu.
	{"GELUDerivative", []float64{-6, -2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-3.546870945402639e-08, -0.03761108590814519,
		-0.1274691922299796, 0.13250487534383712, 0.5, 0.695373354883636, 0.8674951246561629, 1.1274691922299795, 1.0028217603536247}},
	{"GELUTanh", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.015084266089998577, -0.10042842301976707, -0.15428599017485606, 0.0, 0.149675350701685, 0.34571400982514394, 1.3995715769802328, 3.499383802344626}},
	{"SiLU", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-0.18964545005310887, -0.2736382857095345, -0.1887703343990727, 0.0, 0.14054412522144952, 0.3112296656009273, 1.2263617142904655, 3.3974071923702525}},
	{"HardSwish", []float64{-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0}, []float64{0.0, 0.0, -0.375, 0.0, 1.125, 3.0, 4.0}},
	{"ThresholdedReLU", []float64{-1.0, 0.5, 1.0, 1.2, 3.0}, []float64{0.0, 0.0, 0.0, 1.2, 3.0}},
	{"Shrink", []float64{-2.0, -0.5, -0.3, 0.0, 0.3, 0.5, 2.0}, []float64{-1.75, 0.0, 0.0, 0.0, 0.0, 0.0, 1.75}},
	{"Clip", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-1.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.5, 2.0}},
	{"Identity", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}},
	{"StopGradient", []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}, []float64{-2.5, -1.5, -0.5, 0.0, 0.25, 0.5, 1.5, 3.5}},
}
