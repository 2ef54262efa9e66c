package mlp

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/blas"
)

// Manual is the result of the lecture's closed-form mini-batch
// backpropagation (Algorithms 3 to 5) for one network and mini-batch of M
// samples. Every tensor has the network's dtype and every matrix keeps one
// column per sample. Slices over layers are indexed from 0: index j-1 holds
// the quantity of layer j, except Alpha, whose index j holds α^j.
type Manual struct {
	// Cost is the batch cost 𝒞 = (1/M) Σ_k C(α^L_(k), ρ_(k)).
	Cost float64
	// Alpha holds α⁰ (a copy of the inputs), α¹, …, α^L: L+1 matrices,
	// Alpha[j] being n_j × M.
	Alpha []*tensor.Dense
	// Zeta[j-1] is ζ̄^j = [Ω^j]ᵀ ᾱ^{j-1} + β^j, n_j × M.
	Zeta []*tensor.Dense
	// B[j-1] is B̄^j, n_j × M: column k is ∇_{ζ^j} C(α^L_(k), ρ_(k)) for sample
	// k alone (not divided by M).
	B []*tensor.Dense
	// P[j-1] is [P̄^j]ᵀ = Ω^j·B̄^j, n_{j-1} × M: column k is
	// ∂C(α^L_(k), ρ_(k))/∂α^{j-1} for sample k alone. P[0] is ∂C/∂α⁰.
	P []*tensor.Dense
	// GradWeights[j-1] is Gradient(Ω^j) = (1/M)·ᾱ^{j-1}·[B̄^j]ᵀ, n_{j-1} × n_j.
	GradWeights []*tensor.Dense
	// GradBias[j-1] is Gradient(β^j) = (1/M)·B̄^j·1_M, shape (n_j).
	GradBias []*tensor.Dense
}

// Backprop runs the lecture's closed-form mini-batch backpropagation on
// net for inputs α⁰ (n₀ × M) and targets ρ (n_L × M), all of the network's
// dtype, directly on the tensors' values and without a graph:
//
//	forward:  ζ̄^j = [Ω^j]ᵀ ᾱ^{j-1} + β^j,  ᾱ^j = Φ_j(ζ̄^j)
//	output:   B̄^L = Φ'_L(ζ̄^L) ⊙ ∇_a C, column by column
//	backward: [P̄^j]ᵀ = Ω^j·B̄^j,  B̄^{j-1} = Φ'_{j-1}(ζ̄^{j-1}) ⊙ [P̄^j]ᵀ
//	gradients: Gradient(Ω^j) = (1/M)·ᾱ^{j-1}·[B̄^j]ᵀ,  Gradient(β^j) = (1/M)·B̄^j·1_M
//
// For a softmax layer, Φ'(ζ) ⊙ g is replaced by the softmax Jacobian
// J = diag(a) − a·aᵀ applied to g, column by column. ReLU'(0) = 0. For
// the two canonical pairs the output product is evaluated in its simplified,
// algebraically equal form, which needs no division by a or 1 − a:
// sigmoid with binary_cross_entropy gives B̄^L = a − ρ, and softmax with
// cross_entropy gives B̄^L = a·(Σ_i ρ_i) − ρ per column. Matrix products go
// through package blas with transpose flags.
func Backprop(net *Network, inputs, targets *tensor.Dense) (*Manual, error) {
	if err := net.validateBatch(inputs, targets); err != nil {
		return nil, err
	}
	if net.Dtype() == tensor.Float32 {
		return backprop[float32](net, inputs, targets), nil
	}
	return backprop[float64](net, inputs, targets), nil
}

type float interface{ float32 | float64 }

// pass holds the forward quantities of one mini-batch as row-major slices.
type pass[T float] struct {
	m     int
	sizes []int
	zeta  [][]T // zeta[j-1] = ζ^j
	alpha [][]T // alpha[j] = α^j
}

func (p *pass[T]) dense(x []T, rows int) *tensor.Dense {
	return tensor.New(tensor.WithShape(rows, p.m), tensor.WithBacking(x))
}

// forward computes ζ^j and α^j for every layer of a validated network.
func forward[T float](net *Network, inputs *tensor.Dense) *pass[T] {
	sizes := net.Sizes()
	m := inputs.Shape()[1]
	p := &pass[T]{m: m, sizes: sizes, zeta: make([][]T, len(net.Layers)), alpha: make([][]T, len(net.Layers)+1)}
	p.alpha[0] = append([]T(nil), values[T](inputs)...)
	for j, l := range net.Layers {
		// docs:begin forward
		nin, nout := sizes[j], sizes[j+1]
		w, b := values[T](l.Weights), values[T](l.Bias)
		z := make([]T, nout*m)
		for i := range nout {
			row := z[i*m : (i+1)*m]
			for k := range row {
				row[k] = b[i]
			}
		}
		// ζ (nout×m) = Ωᵀ (nout×nin) · α (nin×m) + ζ, Ω stored nin×nout.
		gemm(true, false, nout, m, nin, 1, w, nout, p.alpha[j], m, 1, z, m)
		a := make([]T, nout*m)
		activate(l.Activation, z, a, nout, m)
		p.zeta[j], p.alpha[j+1] = z, a
		// docs:end forward
	}
	return p
}

func backprop[T float](net *Network, inputs, targets *tensor.Dense) *Manual {
	p := forward[T](net, inputs)
	rho := values[T](targets)
	L, m, sizes := len(net.Layers), p.m, p.sizes
	out := &Manual{
		Cost:        batchCost(net.Cost, p.alpha[L], rho, m),
		Alpha:       make([]*tensor.Dense, L+1),
		Zeta:        make([]*tensor.Dense, L),
		B:           make([]*tensor.Dense, L),
		P:           make([]*tensor.Dense, L),
		GradWeights: make([]*tensor.Dense, L),
		GradBias:    make([]*tensor.Dense, L),
	}
	for j := range p.alpha {
		out.Alpha[j] = p.dense(p.alpha[j], sizes[j])
	}
	for j := range p.zeta {
		out.Zeta[j] = p.dense(p.zeta[j], sizes[j+1])
	}

	invM := 1 / T(m)
	// docs:begin output
	b := outputDelta(net.Layers[L-1].Activation, net.Cost, p.zeta[L-1], p.alpha[L], rho, sizes[L], m)
	// docs:end output
	for j := L - 1; j >= 0; j-- {
		nin, nout := sizes[j], sizes[j+1]
		w := values[T](net.Layers[j].Weights)
		out.B[j] = p.dense(b, nout)

		// docs:begin P
		// [P̄^j]ᵀ (nin×m) = Ω (nin×nout) · B̄ (nout×m).
		pt := make([]T, nin*m)
		gemm(false, false, nin, m, nout, 1, w, nout, b, m, 0, pt, m)
		// docs:end P
		out.P[j] = p.dense(pt, nin)

		// docs:begin grad-weights
		// Gradient(Ω) (nin×nout) = (1/M) · ᾱ^{j-1} (nin×m) · B̄ᵀ (m×nout).
		gw := make([]T, nin*nout)
		gemm(false, true, nin, nout, m, invM, p.alpha[j], m, b, m, 0, gw, nout)
		// docs:end grad-weights
		out.GradWeights[j] = tensor.New(tensor.WithShape(nin, nout), tensor.WithBacking(gw))

		// docs:begin grad-bias
		// Gradient(β) = (1/M) · B̄ · 1_M.
		gb := make([]T, nout)
		for i := range gb {
			var s T
			for _, x := range b[i*m : (i+1)*m] {
				s += x
			}
			gb[i] = s * invM
		}
		// docs:end grad-bias
		out.GradBias[j] = tensor.New(tensor.WithShape(nout), tensor.WithBacking(gb))

		// docs:begin next-B
		if j > 0 {
			prev := make([]T, nin*m)
			applyDerivative(net.Layers[j-1].Activation, p.zeta[j-1], p.alpha[j], pt, prev, nin, m)
			b = prev
		}
		// docs:end next-B
	}
	return out
}

// gemm computes C = alpha·op(A)·op(B) + beta·C through package blas.
func gemm[T float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float64:
		blas.Gemm64(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		blas.Gemm32(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// activate sets a = Φ(z) for n×m matrices (softmax over each column).
func activate[T float](act Activation, z, a []T, n, m int) {
	switch act {
	case Identity:
		copy(a, z)
	case Sigmoid:
		for i, x := range z {
			a[i] = T(sigmoid(float64(x)))
		}
	case Tanh:
		for i, x := range z {
			a[i] = T(math.Tanh(float64(x)))
		}
	case ReLU:
		for i, x := range z {
			a[i] = max(x, 0)
		}
	case Softmax:
		for k := range m {
			mx := z[k]
			for i := 1; i < n; i++ {
				mx = max(mx, z[i*m+k])
			}
			var s float64
			for i := range n {
				e := math.Exp(float64(z[i*m+k] - mx))
				a[i*m+k] = T(e)
				s += e
			}
			for i := range n {
				a[i*m+k] = T(float64(a[i*m+k]) / s)
			}
		}
	default:
		panic(fmt.Sprintf("mlp: unknown activation %q", act))
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// applyDerivative sets out = Φ'(z) ⊙ g, or J(a)·g column by column for
// softmax, where a = Φ(z); all are n×m.
func applyDerivative[T float](act Activation, z, a, g, out []T, n, m int) {
	// docs:begin derivative
	switch act {
	case Identity:
		copy(out, g)
	case Sigmoid:
		for i := range out {
			out[i] = a[i] * (1 - a[i]) * g[i]
		}
	case Tanh:
		for i := range out {
			out[i] = (1 - a[i]*a[i]) * g[i]
		}
	case ReLU:
		for i := range out {
			if z[i] > 0 {
				out[i] = g[i]
			} else {
				out[i] = 0
			}
		}
	case Softmax:
		// (J g)_i = a_i (g_i − Σ_l a_l g_l), J = diag(a) − a aᵀ.
		for k := range m {
			var dot T
			for i := range n {
				dot += a[i*m+k] * g[i*m+k]
			}
			for i := range n {
				out[i*m+k] = a[i*m+k] * (g[i*m+k] - dot)
			}
		}
	default:
		panic(fmt.Sprintf("mlp: unknown activation %q", act))
	}
	// docs:end derivative
}

// outputDelta returns B̄^L = Φ'(ζ^L) ⊙ ∇_a C for n×m outputs a and targets
// rho.
func outputDelta[T float](act Activation, cost Cost, z, a, rho []T, n, m int) []T {
	// docs:begin output-delta
	b := make([]T, n*m)
	switch {
	case act == Sigmoid && cost == BinaryCrossEntropy:
		for i := range b {
			b[i] = a[i] - rho[i]
		}
	case act == Softmax && cost == CrossEntropy:
		for k := range m {
			var s T
			for i := range n {
				s += rho[i*m+k]
			}
			for i := range n {
				b[i*m+k] = a[i*m+k]*s - rho[i*m+k]
			}
		}
	default:
		g := make([]T, n*m)
		costGradient(cost, a, rho, g)
		applyDerivative(act, z, a, g, b, n, m)
	}
	return b
	// docs:end output-delta
}

// costGradient sets g = ∇_a C(a, ρ), element by element. A term whose
// coefficient (ρ or 1 − ρ) is exactly 0 contributes 0.
func costGradient[T float](cost Cost, a, rho, g []T) {
	// docs:begin cost-gradient
	switch cost {
	case Quadratic:
		for i := range g {
			g[i] = a[i] - rho[i]
		}
	case BinaryCrossEntropy:
		for i := range g {
			var v T
			if rho[i] != 0 {
				v -= rho[i] / a[i]
			}
			if rho[i] != 1 {
				v += (1 - rho[i]) / (1 - a[i])
			}
			g[i] = v
		}
	case CrossEntropy:
		for i := range g {
			if rho[i] != 0 {
				g[i] = -rho[i] / a[i]
			} else {
				g[i] = 0
			}
		}
	default:
		panic(fmt.Sprintf("mlp: unknown cost %q", cost))
	}
	// docs:end cost-gradient
}

// batchCost returns (1/M) Σ_k C(a_(k), ρ_(k)), accumulated in float64.
func batchCost[T float](cost Cost, a, rho []T, m int) float64 {
	var s float64
	switch cost {
	case Quadratic:
		for i := range a {
			d := float64(a[i]) - float64(rho[i])
			s += d * d / 2
		}
	case BinaryCrossEntropy:
		for i := range a {
			r, x := float64(rho[i]), float64(a[i])
			if r != 0 {
				s -= r * math.Log(x)
			}
			if r != 1 {
				s -= (1 - r) * math.Log(1-x)
			}
		}
	case CrossEntropy:
		for i := range a {
			if r := float64(rho[i]); r != 0 {
				s -= r * math.Log(float64(a[i]))
			}
		}
	default:
		panic(fmt.Sprintf("mlp: unknown cost %q", cost))
	}
	return s / float64(m)
}

// Gradients holds one gradient per parameter, shaped like the parameters:
// Weights[j-1] for Ω^j and Bias[j-1] for β^j.
type Gradients struct {
	// Weights[j-1] is ∂𝒞/∂Ω^j, n_{j-1} × n_j.
	Weights []*tensor.Dense
	// Bias[j-1] is ∂𝒞/∂β^j, shape (n_j).
	Bias []*tensor.Dense
}

// NumericGradients estimates ∂𝒞/∂θ for every weight and bias θ of net by
// central differences, (𝒞(θ+eps) − 𝒞(θ−eps)) / (2·eps), always in float64:
// a float32 network, its inputs and targets are first converted to float64,
// and the gradients are float64 tensors. net itself is not modified.
func NumericGradients(net *Network, inputs, targets *tensor.Dense, eps float64) (*Gradients, error) {
	if err := net.validateBatch(inputs, targets); err != nil {
		return nil, err
	}
	if !(eps > 0) || !isFinite(eps) {
		return nil, fmt.Errorf("mlp: epsilon %v: want a positive finite number", eps)
	}
	n64, err := net.Convert(tensor.Float64)
	if err != nil {
		return nil, err
	}
	x, err := ConvertDense(inputs, tensor.Float64)
	if err != nil {
		return nil, err
	}
	y, err := ConvertDense(targets, tensor.Float64)
	if err != nil {
		return nil, err
	}
	rho := values[float64](y)
	m := x.Shape()[1]
	cost := func() float64 {
		p := forward[float64](n64, x)
		return batchCost(n64.Cost, p.alpha[len(p.alpha)-1], rho, m)
	}
	diff := func(t *tensor.Dense) *tensor.Dense {
		theta := values[float64](t) // n64's own backing slice
		g := make([]float64, len(theta))
		for i, v := range theta {
			theta[i] = v + eps
			plus := cost()
			theta[i] = v - eps
			minus := cost()
			theta[i] = v
			g[i] = (plus - minus) / (2 * eps)
		}
		return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(g))
	}
	out := &Gradients{Weights: make([]*tensor.Dense, len(n64.Layers)), Bias: make([]*tensor.Dense, len(n64.Layers))}
	for j, l := range n64.Layers {
		out.Weights[j] = diff(l.Weights)
		out.Bias[j] = diff(l.Bias)
	}
	return out, nil
}
