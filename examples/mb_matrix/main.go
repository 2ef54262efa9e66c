// Command mb_matrix writes the lecture's mini-batch backpropagation
// (Algorithms 3 to 5) in matrix form with gonum's mat package, for a
// 2-3-2 network (tanh, then sigmoid, quadratic cost) and a batch of M
// samples, one per column, and checks the gradients against the adjoints
// that autodiff adds to the network's graph. It then shows what the 1/M in
// the gradients buys: the gradient of the mean cost keeps its size as M
// grows, the gradient of the summed cost grows with M.
package main

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// docs:begin backprop
// grads returns Gradient(Ω^j) and Gradient(β^j) for j = 1 … L (index j−1)
// for the batch α⁰ (n₀ × M) with targets ρ (n_L × M). Hidden layers use
// tanh, the output layer sigmoid, the cost C = ½‖α^L − ρ‖² per sample.
func grads(omega []*mat.Dense, beta []*mat.VecDense, alpha0, rho *mat.Dense) ([]*mat.Dense, []*mat.VecDense) {
	L := len(omega)
	_, m := alpha0.Dims()
	ones := mat.NewVecDense(m, nil) // 1_M
	for k := range m {
		ones.SetVec(k, 1)
	}
	// Forward: ζ^j = [Ω^j]ᵀ α^{j−1} + β^j 1_Mᵀ, α^j = Φ(ζ^j), one column per sample.
	alpha := []*mat.Dense{alpha0}
	for j := range L {
		var zeta mat.Dense
		zeta.Mul(omega[j].T(), alpha[j])
		var bias mat.Dense
		bias.Outer(1, beta[j], ones)
		zeta.Add(&zeta, &bias)
		var a mat.Dense
		a.Apply(func(_, _ int, z float64) float64 {
			if j == L-1 {
				return 1 / (1 + math.Exp(-z)) // sigmoid
			}
			return math.Tanh(z)
		}, &zeta)
		alpha = append(alpha, &a)
	}
	// Output: B̄^L = Φ'(ζ̄^L) ⊙ ∇_α C = α^L(1 − α^L) ⊙ (α^L − ρ).
	var b mat.Dense
	b.Sub(alpha[L], rho)
	b.Apply(func(i, k int, d float64) float64 {
		a := alpha[L].At(i, k)
		return a * (1 - a) * d
	}, &b)
	// Backward, from layer L down to layer 1.
	gw, gb := make([]*mat.Dense, L), make([]*mat.VecDense, L)
	for j := L - 1; j >= 0; j-- {
		gw[j] = new(mat.Dense)
		gw[j].Mul(alpha[j], b.T()) // ᾱ^{j−1} [B̄^j]ᵀ
		gw[j].Scale(1/float64(m), gw[j])
		gb[j] = new(mat.VecDense)
		gb[j].MulVec(&b, ones) // B̄^j 1_M
		gb[j].ScaleVec(1/float64(m), gb[j])
		if j > 0 {
			var pt mat.Dense // [P̄^j]ᵀ = Ω^j B̄^j, what layer j sends down
			pt.Mul(omega[j], &b)
			// B̄^{j−1} = Φ'(ζ̄^{j−1}) ⊙ [P̄^j]ᵀ, with tanh' = 1 − α².
			pt.Apply(func(i, k int, p float64) float64 {
				a := alpha[j].At(i, k)
				return (1 - a*a) * p
			}, &pt)
			b = pt
		}
	}
	return gw, gb
}

// docs:end backprop

func main() {
	net, err := mlp.New([]int{2, 3, 2}, []mlp.Activation{mlp.Tanh, mlp.Sigmoid}, mlp.Quadratic, tensor.Float64, 1)
	if err != nil {
		panic(err)
	}
	data := datasets.XOR(256, 0.2, 1) // 1024 samples, two features, one-hot targets
	omega, beta := []*mat.Dense{}, []*mat.VecDense{}
	for _, l := range net.Layers {
		r, c := l.Weights.Shape()[0], l.Weights.Shape()[1]
		omega = append(omega, mat.NewDense(r, c, mlp.Float64s(l.Weights)))
		beta = append(beta, mat.NewVecDense(c, mlp.Float64s(l.Bias)))
	}

	// docs:begin check
	const m = 5
	x, y := batch(data, m)
	gw, gb := grads(omega, beta, x, y)

	g, err := mlp.Build(net, m) // the same network as a graph, gradients by autodiff
	if err != nil {
		panic(err)
	}
	_ = g.Input.SetFloat64s(x.RawMatrix().Data)
	_ = g.Target.SetFloat64s(y.RawMatrix().Data)
	prog, err := g.TrainProgram()
	if err != nil {
		panic(err)
	}
	prog.Run()
	fmt.Printf("Gradient(Ω¹) by the matrix formulas, M = %d:\n%.6f\n", m, mat.Formatted(gw[0], mat.Prefix(""), mat.Squeeze()))
	worst := 0.0
	for j := range gw {
		for i, v := range g.GradWeights[j].Float64s() {
			worst = max(worst, math.Abs(v-gw[j].RawMatrix().Data[i]))
		}
		for i, v := range g.GradBiases[j].Float64s() {
			worst = max(worst, math.Abs(v-gb[j].AtVec(i)))
		}
	}
	fmt.Printf("largest difference from autodiff, over Ω¹, β¹, Ω², β²: below 1e-12: %v\n", worst < 1e-12)
	// docs:end check

	// docs:begin scale
	fmt.Println("   M   ‖Gradient(Ω¹)‖ (mean cost)   ‖M·Gradient(Ω¹)‖ (summed cost)")
	for _, m := range []int{4, 64, 1024} {
		x, y := batch(data, m)
		gw, _ := grads(omega, beta, x, y)
		norm := mat.Norm(gw[0], 2)
		fmt.Printf("%4d   %26.4f   %30.4f\n", m, norm, float64(m)*norm)
	}
	// docs:end scale
}

// batch returns the first m samples of d as α⁰ (features × m) and ρ
// (classes × m), one column per sample.
func batch(d *datasets.Dataset, m int) (*mat.Dense, *mat.Dense) {
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	x, y := make([]float64, d.Features*m), make([]float64, d.Targets()*m)
	datasets.FillBatch(d, idx, x, y, nil)
	return mat.NewDense(d.Features, m, x), mat.NewDense(d.Targets(), m, y)
}
