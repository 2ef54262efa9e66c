package solvers

import (
	"fmt"
	"math"
	"strconv"
)

// Rule is one gradient-descent update rule: how a parameter θ and the
// per-component state the rule keeps for it change, given the gradient g.
// A Solver owns the state and the step count and calls the rule once per
// parameter and step. The eight rules of the lecture are SGD, Momentum,
// Nesterov, AdaGrad, RMSProp, AdaDelta, Adam and DeltaBarDelta; a user may
// write more.
type Rule interface {
	// Name returns the rule's JSON name ("adam").
	Name() string
	// Validate reports the first hyperparameter out of its range, as a
	// one-line error naming the JSON field ("solver.rho: 1.5 out of range
	// [0, 1)").
	Validate() error
	// Scheduled reports whether the rule has a learning rate η that a
	// Schedule may scale. Only the constant schedule is accepted for a
	// rule that has none.
	Scheduled() bool
	// InitialState returns the starting value of each state vector the
	// rule keeps per parameter (one entry per vector, each vector as long
	// as the parameter). Its length is the number of state vectors.
	InitialState() []float64
	// Update64 applies one step to a float64 parameter in place.
	Update64(s StepInfo, theta, grad []float64, state [][]float64)
	// Update32 applies one step to a float32 parameter in place.
	Update32(s StepInfo, theta, grad []float32, state [][]float32)
}

// StepInfo is what a Rule learns about the step being taken.
type StepInfo struct {
	// I is the step count, from 1 at the first step.
	I int
	// Schedule is the Solver's learning-rate schedule.
	Schedule Schedule
}

// Eta returns the learning rate of this step for a rule whose base rate is
// eta0: η_k with k = I − 1.
func (s StepInfo) Eta(eta0 float64) float64 { return s.Schedule.Rate(eta0, s.I-1) }

var ruleNames = []string{"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "delta_bar_delta"}

// RuleNames returns the JSON names of the eight rules in the order of the
// lecture.
func RuleNames() []string { return append([]string(nil), ruleNames...) }

// SGD is plain gradient descent: θ ← θ − η·g.
type SGD struct {
	Eta float64 // η, the learning rate; > 0
}

// NewSGD returns SGD with the documented default η = 0.01.
func NewSGD() SGD { return SGD{Eta: 0.01} }

// Name returns "sgd".
func (SGD) Name() string { return "sgd" }

// ComponentWise returns true: each component is updated on its own.
func (SGD) ComponentWise() bool { return true }

// Validate checks η > 0.
func (r SGD) Validate() error { return positive("eta", r.Eta) }

// Scheduled returns true: a schedule scales η.
func (SGD) Scheduled() bool { return true }

// InitialState returns nil: SGD keeps no state.
func (SGD) InitialState() []float64 { return nil }

// Update64 applies θ ← θ − η_k·g.
func (r SGD) Update64(s StepInfo, theta, g []float64, _ [][]float64) {
	sgdKernel(theta, g, s.Eta(r.Eta))
}

// Update32 applies θ ← θ − η_k·g.
func (r SGD) Update32(s StepInfo, theta, g []float32, _ [][]float32) {
	sgdKernel(theta, g, float32(s.Eta(r.Eta)))
}

// Momentum is gradient descent with momentum: v ← δ·v − η·g; θ ← θ + v,
// with v = 0 at first.
type Momentum struct {
	Eta      float64 // η, the learning rate; > 0
	Momentum float64 // δ, the lecture's momentum; in [0, 1)
}

// NewMomentum returns Momentum with the documented defaults η = 0.01,
// δ = 0.9.
func NewMomentum() Momentum { return Momentum{Eta: 0.01, Momentum: 0.9} }

// Name returns "momentum".
func (Momentum) Name() string { return "momentum" }

// ComponentWise returns true: each component is updated on its own.
func (Momentum) ComponentWise() bool { return true }

// Validate checks η > 0 and δ in [0, 1).
func (r Momentum) Validate() error {
	return first(positive("eta", r.Eta), unit("momentum", r.Momentum))
}

// Scheduled returns true: a schedule scales η in the velocity update.
func (Momentum) Scheduled() bool { return true }

// InitialState returns the velocity v, zero at first.
func (Momentum) InitialState() []float64 { return []float64{0} }

// Update64 applies v ← δ·v − η_k·g; θ ← θ + v.
func (r Momentum) Update64(s StepInfo, theta, g []float64, st [][]float64) {
	momentumKernel(theta, g, st[0], s.Eta(r.Eta), r.Momentum)
}

// Update32 applies v ← δ·v − η_k·g; θ ← θ + v.
func (r Momentum) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	momentumKernel(theta, g, st[0], float32(s.Eta(r.Eta)), float32(r.Momentum))
}

// Nesterov is Nesterov's accelerated gradient in the simplified form of
// Bengio et al. (2012) that the lecture gives: the parameter stored and
// updated is the look-ahead Θ = θ + δ·v, and g is the gradient at Θ:
//
//	Θ ← Θ + δ²·v − η(1+δ)·g
//	v ← δ·v − η·g
//
// From v = 0 it follows the same trajectory as the true form
// v ← δ·v − η·∇C(θ + δ·v); θ ← θ + v, which Solver.StepLookahead runs for
// callers who can recompute gradients at a moved point.
type Nesterov struct {
	Eta      float64 // η, the learning rate; > 0
	Momentum float64 // δ, the lecture's momentum; in [0, 1)
}

// NewNesterov returns Nesterov with the documented defaults η = 0.01,
// δ = 0.9.
func NewNesterov() Nesterov { return Nesterov{Eta: 0.01, Momentum: 0.9} }

// Name returns "nesterov".
func (Nesterov) Name() string { return "nesterov" }

// ComponentWise returns true: each component is updated on its own.
func (Nesterov) ComponentWise() bool { return true }

// Validate checks η > 0 and δ in [0, 1).
func (r Nesterov) Validate() error {
	return first(positive("eta", r.Eta), unit("momentum", r.Momentum))
}

// Scheduled returns true: a schedule scales η in the velocity update.
func (Nesterov) Scheduled() bool { return true }

// InitialState returns the velocity v, zero at first.
func (Nesterov) InitialState() []float64 { return []float64{0} }

// Update64 applies Θ ← Θ + δ²·v − η_k(1+δ)·g; v ← δ·v − η_k·g.
func (r Nesterov) Update64(s StepInfo, theta, g []float64, st [][]float64) {
	nesterovKernel(theta, g, st[0], s.Eta(r.Eta), r.Momentum)
}

// Update32 applies Θ ← Θ + δ²·v − η_k(1+δ)·g; v ← δ·v − η_k·g.
func (r Nesterov) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	nesterovKernel(theta, g, st[0], float32(s.Eta(r.Eta)), float32(r.Momentum))
}

// AdaGrad scales each component's step by its accumulated squared
// gradients: r ← r + g⊙g; θ ← θ − η/(δ + √r) ⊙ g. Note δ is added to √r,
// not to r as in RMSProp.
type AdaGrad struct {
	Eta   float64 // η, the learning rate; > 0
	Delta float64 // δ, the small constant added to √r; > 0
}

// NewAdaGrad returns AdaGrad with the documented defaults η = 0.01,
// δ = 1e-7.
func NewAdaGrad() AdaGrad { return AdaGrad{Eta: 0.01, Delta: 1e-7} }

// Name returns "adagrad".
func (AdaGrad) Name() string { return "adagrad" }

// ComponentWise returns true: each component is updated on its own.
func (AdaGrad) ComponentWise() bool { return true }

// Validate checks η > 0 and δ > 0.
func (r AdaGrad) Validate() error {
	return first(positive("eta", r.Eta), positive("delta", r.Delta))
}

// Scheduled returns true: a schedule scales η.
func (AdaGrad) Scheduled() bool { return true }

// InitialState returns the accumulator r, zero at first.
func (AdaGrad) InitialState() []float64 { return []float64{0} }

// Update64 applies r ← r + g⊙g; θ ← θ − η_k/(δ + √r) ⊙ g.
func (r AdaGrad) Update64(s StepInfo, theta, g []float64, st [][]float64) {
	adagradKernel(theta, g, st[0], s.Eta(r.Eta), r.Delta)
}

// Update32 applies r ← r + g⊙g; θ ← θ − η_k/(δ + √r) ⊙ g.
func (r AdaGrad) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	adagradKernel(theta, g, st[0], float32(s.Eta(r.Eta)), float32(r.Delta))
}

// RMSProp scales each component's step by a running average of squared
// gradients: r ← ρ·r + (1−ρ)·g⊙g; θ ← θ − η/√(δ + r) ⊙ g. Note δ is added
// to r under the root, not to √r as in AdaGrad.
type RMSProp struct {
	Eta   float64 // η, the learning rate; > 0
	Delta float64 // δ, the small constant added to r; > 0
	Rho   float64 // ρ, the decay of the running average; in [0, 1)
}

// NewRMSProp returns RMSProp with the documented defaults η = 0.001,
// δ = 1e-6, ρ = 0.9.
func NewRMSProp() RMSProp { return RMSProp{Eta: 0.001, Delta: 1e-6, Rho: 0.9} }

// Name returns "rmsprop".
func (RMSProp) Name() string { return "rmsprop" }

// ComponentWise returns true: each component is updated on its own.
func (RMSProp) ComponentWise() bool { return true }

// Validate checks η > 0, δ > 0 and ρ in [0, 1).
func (r RMSProp) Validate() error {
	return first(positive("eta", r.Eta), positive("delta", r.Delta), unit("rho", r.Rho))
}

// Scheduled returns true: a schedule scales η.
func (RMSProp) Scheduled() bool { return true }

// InitialState returns the running average r, zero at first.
func (RMSProp) InitialState() []float64 { return []float64{0} }

// Update64 applies r ← ρ·r + (1−ρ)·g⊙g; θ ← θ − η_k/√(δ + r) ⊙ g.
func (r RMSProp) Update64(s StepInfo, theta, g []float64, st [][]float64) {
	rmspropKernel(theta, g, st[0], s.Eta(r.Eta), r.Delta, r.Rho)
}

// Update32 applies r ← ρ·r + (1−ρ)·g⊙g; θ ← θ − η_k/√(δ + r) ⊙ g.
func (r RMSProp) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	rmspropKernel(theta, g, st[0], float32(s.Eta(r.Eta)), float32(r.Delta), float32(r.Rho))
}

// AdaDelta needs no learning rate: it keeps running averages r of squared
// gradients and s of squared steps,
//
//	r ← ρ·r + (1−ρ)·g⊙g
//	v ← −√(δ+s)/√(δ+r) ⊙ g
//	s ← ρ·s + (1−ρ)·v⊙v
//	θ ← θ + v
//
// Having no η, it accepts only the constant schedule.
type AdaDelta struct {
	Delta float64 // δ, the small constant under both roots; > 0
	Rho   float64 // ρ, the decay of both running averages; in [0, 1)
}

// NewAdaDelta returns AdaDelta with the documented defaults δ = 1e-6,
// ρ = 0.95.
func NewAdaDelta() AdaDelta { return AdaDelta{Delta: 1e-6, Rho: 0.95} }

// Name returns "adadelta".
func (AdaDelta) Name() string { return "adadelta" }

// ComponentWise returns true: each component is updated on its own.
func (AdaDelta) ComponentWise() bool { return true }

// Validate checks δ > 0 and ρ in [0, 1).
func (r AdaDelta) Validate() error {
	return first(positive("delta", r.Delta), unit("rho", r.Rho))
}

// Scheduled returns false: AdaDelta has no η.
func (AdaDelta) Scheduled() bool { return false }

// InitialState returns r and s, both zero at first.
func (AdaDelta) InitialState() []float64 { return []float64{0, 0} }

// Update64 applies one AdaDelta step.
func (r AdaDelta) Update64(_ StepInfo, theta, g []float64, st [][]float64) {
	adadeltaKernel(theta, g, st[0], st[1], r.Delta, r.Rho)
}

// Update32 applies one AdaDelta step.
func (r AdaDelta) Update32(_ StepInfo, theta, g []float32, st [][]float32) {
	adadeltaKernel(theta, g, st[0], st[1], float32(r.Delta), float32(r.Rho))
}

// Adam keeps running averages of the gradient (s) and of its square (r)
// and corrects their bias towards zero, with i the step count from 1:
//
//	s ← ρ₁·s + (1−ρ₁)·g
//	r ← ρ₂·r + (1−ρ₂)·g⊙g
//	s' = s/(1−ρ₁^i); r' = r/(1−ρ₂^i)
//	θ ← θ − η·s'/(δ + √r')
type Adam struct {
	Eta   float64 // η, the learning rate; > 0
	Delta float64 // δ, the small constant added to √r'; > 0
	Rho1  float64 // ρ₁, the decay of the first moment; in [0, 1)
	Rho2  float64 // ρ₂, the decay of the second moment; in [0, 1)
}

// NewAdam returns Adam with the documented defaults η = 0.001, δ = 1e-8,
// ρ₁ = 0.9, ρ₂ = 0.999.
func NewAdam() Adam { return Adam{Eta: 0.001, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999} }

// Name returns "adam".
func (Adam) Name() string { return "adam" }

// ComponentWise returns true: each component is updated on its own.
func (Adam) ComponentWise() bool { return true }

// Validate checks η > 0, δ > 0 and ρ₁, ρ₂ in [0, 1).
func (r Adam) Validate() error {
	return first(positive("eta", r.Eta), positive("delta", r.Delta), unit("rho1", r.Rho1), unit("rho2", r.Rho2))
}

// Scheduled returns true: a schedule scales η.
func (Adam) Scheduled() bool { return true }

// InitialState returns s and r, both zero at first.
func (Adam) InitialState() []float64 { return []float64{0, 0} }

func (r Adam) corrections(i int) (c1, c2 float64) {
	return 1 - math.Pow(r.Rho1, float64(i)), 1 - math.Pow(r.Rho2, float64(i))
}

// Update64 applies one Adam step with bias corrections for step s.I.
func (r Adam) Update64(s StepInfo, theta, g []float64, st [][]float64) {
	c1, c2 := r.corrections(s.I)
	adamKernel(theta, g, st[0], st[1], s.Eta(r.Eta), r.Delta, r.Rho1, r.Rho2, c1, c2)
}

// Update32 applies one Adam step with bias corrections for step s.I.
func (r Adam) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	c1, c2 := r.corrections(s.I)
	adamKernel(theta, g, st[0], st[1], float32(s.Eta(r.Eta)), float32(r.Delta),
		float32(r.Rho1), float32(r.Rho2), float32(c1), float32(c2))
}

// DeltaBarDelta is Jacobs' (1988) delta-bar-delta rule: every component
// has its own learning rate ε, starting at Eta, that grows by κ while the
// gradient keeps the sign of f, a running average of past gradients (f = 0
// at first), and shrinks by the factor 1−φ when the sign flips:
//
//	if f·g > 0 then ε ← ε + κ
//	if f·g < 0 then ε ← (1−φ)·ε
//	θ ← θ − ε·g
//	f ← (1−θ_avg)·g + θ_avg·f
//
// As the lecture notes, delta-bar-delta suits full-batch gradient descent
// only: with mini-batches the sign of g changes from batch to batch and the
// rates are cut for noise rather than for overshooting. It adapts its own
// rates, so it accepts only the constant schedule.
type DeltaBarDelta struct {
	Eta   float64 // each component's starting rate ε; > 0
	Kappa float64 // κ, the additive increase; ≥ 0
	Phi   float64 // φ, the multiplicative decrease; in [0, 1)
	Theta float64 // θ_avg, the weight of the past in f; in [0, 1)
}

// NewDeltaBarDelta returns DeltaBarDelta with the documented defaults
// ε = 0.01, κ = 0.001, φ = 0.1, θ_avg = 0.7.
func NewDeltaBarDelta() DeltaBarDelta {
	return DeltaBarDelta{Eta: 0.01, Kappa: 0.001, Phi: 0.1, Theta: 0.7}
}

// Name returns "delta_bar_delta".
func (DeltaBarDelta) Name() string { return "delta_bar_delta" }

// ComponentWise returns true: each component is updated on its own.
func (DeltaBarDelta) ComponentWise() bool { return true }

// Validate checks ε > 0, κ ≥ 0, and φ, θ_avg in [0, 1).
func (r DeltaBarDelta) Validate() error {
	return first(positive("eta", r.Eta), nonNegative("kappa", r.Kappa), unit("phi", r.Phi), unit("theta", r.Theta))
}

// Scheduled returns false: delta-bar-delta adapts its own rates.
func (DeltaBarDelta) Scheduled() bool { return false }

// InitialState returns the rates ε, starting at Eta, and the average f,
// starting at zero.
func (r DeltaBarDelta) InitialState() []float64 { return []float64{r.Eta, 0} }

// Update64 applies one delta-bar-delta step.
func (r DeltaBarDelta) Update64(_ StepInfo, theta, g []float64, st [][]float64) {
	deltaBarDeltaKernel(theta, g, st[0], st[1], r.Kappa, r.Phi, r.Theta)
}

// Update32 applies one delta-bar-delta step.
func (r DeltaBarDelta) Update32(_ StepInfo, theta, g []float32, st [][]float32) {
	deltaBarDeltaKernel(theta, g, st[0], st[1], float32(r.Kappa), float32(r.Phi), float32(r.Theta))
}

// Range errors, in one style: "solver.rho: 1.5 out of range [0, 1)".

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func rangeError(prefix, name string, x float64, want string) error {
	return fmt.Errorf("%s.%s: %s out of range %s", prefix, name, num(x), want)
}

func positive(name string, x float64) error {
	if !(x > 0) || math.IsInf(x, 1) {
		return rangeError("solver", name, x, "(0, +Inf)")
	}
	return nil
}

func nonNegative(name string, x float64) error {
	if !(x >= 0) || math.IsInf(x, 1) {
		return rangeError("solver", name, x, "[0, +Inf)")
	}
	return nil
}

func unit(name string, x float64) error {
	if !(x >= 0 && x < 1) {
		return rangeError("solver", name, x, "[0, 1)")
	}
	return nil
}

func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
