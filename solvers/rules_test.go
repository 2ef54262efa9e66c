package solvers

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handSteps runs rule on a parameter starting at theta0, feeding the given
// gradient at each step, and checks θ after each step against want.
func handSteps(t *testing.T, rule Rule, sched Schedule, theta0 []float64, grads, want [][]float64) *Solver {
	t.Helper()
	s, err := New(rule, sched)
	require.NoError(t, err)
	theta := append([]float64(nil), theta0...)
	for i, g := range grads {
		require.NoError(t, s.StepFloat64([][]float64{theta}, [][]float64{g}))
		assert.InDeltaSlice(t, want[i], theta, 1e-14, "%s: θ after step %d", rule.Name(), i+1)
	}
	return s
}

func TestSGDByHand(t *testing.T) {
	// η = 0.1, θ = (1, −2).
	// step 1, g = (0.5, 1):  θ = (1 − 0.05, −2 − 0.1)     = (0.95, −2.1)
	// step 2, g = (−1, 2):   θ = (0.95 + 0.1, −2.1 − 0.2) = (1.05, −2.3)
	handSteps(t, SGD{Eta: 0.1}, Schedule{}, []float64{1, -2},
		[][]float64{{0.5, 1}, {-1, 2}},
		[][]float64{{0.95, -2.1}, {1.05, -2.3}})
}

// The hand-worked tests below use rates such as δ = 0.75 or ρ = 0.75, not
// 0.5: with 0.5, a kernel that swapped a rate and its complement (δ ↔ 1−δ,
// ρ ↔ 1−ρ) would compute the same numbers and pass.

func TestMomentumByHand(t *testing.T) {
	// η = 0.1, δ = 0.75, θ = 1, v = 0.
	// step 1, g = 2:   v = 0.75·0    − 0.1·2 = −0.2;     θ = 1    − 0.2    = 0.8
	// step 2, g = 1:   v = 0.75·−0.2 − 0.1·1 = −0.25;    θ = 0.8  − 0.25   = 0.55
	// step 3, g = −1:  v = 0.75·−0.25 + 0.1  = −0.0875;  θ = 0.55 − 0.0875 = 0.4625
	handSteps(t, Momentum{Eta: 0.1, Momentum: 0.75}, Schedule{}, []float64{1},
		[][]float64{{2}, {1}, {-1}},
		[][]float64{{0.8}, {0.55}, {0.4625}})
}

func TestMomentumScheduleScalesTheVelocityUpdate(t *testing.T) {
	// η₀ = 0.1, inverse decay 1: η_0 = 0.1, η_1 = 0.05, η_2 = 0.1/3.
	// δ = 0.75, θ = 1, v = 0.
	// step 1, g = 2:   v = 0             − 0.1·2     = −0.2;   θ = 0.8
	// step 2, g = 1:   v = 0.75·−0.2     − 0.05·1    = −0.2;   θ = 0.6
	// step 3, g = −3:  v = 0.75·−0.2     + (0.1/3)·3 = −0.05;  θ = 0.55
	handSteps(t, Momentum{Eta: 0.1, Momentum: 0.75}, InverseSchedule(1), []float64{1},
		[][]float64{{2}, {1}, {-3}},
		[][]float64{{0.8}, {0.6}, {0.55}})
}

func TestNesterovByHand(t *testing.T) {
	// Simplified form on the look-ahead Θ; η = 0.1, δ = 0.75, Θ = 1, v = 0,
	// so δ² = 0.5625 and η(1+δ) = 0.175.
	// step 1, g = 2:   Θ = 1      + 0.5625·0     − 0.175·2 = 0.65;      v = 0       − 0.2 = −0.2
	// step 2, g = 1:   Θ = 0.65   + 0.5625·−0.2  − 0.175·1 = 0.3625;    v = −0.15   − 0.1 = −0.25
	// step 3, g = −2:  Θ = 0.3625 + 0.5625·−0.25 + 0.175·2 = 0.571875;  v = −0.1875 + 0.2 = 0.0125
	s := handSteps(t, Nesterov{Eta: 0.1, Momentum: 0.75}, Schedule{}, []float64{1},
		[][]float64{{2}, {1}, {-2}},
		[][]float64{{0.65}, {0.3625}, {0.571875}})
	assert.InDelta(t, 0.0125, s.State().Params[0].F64[0][0], 1e-15, "v")
}

// AdaGrad and RMSProp differ in where δ goes: δ + √r against √(δ + r).
// With δ = 0.25 the two placements give visibly different numbers, and
// each test asserts that its rule is not the other placement.

func TestAdaGradByHand(t *testing.T) {
	// η = 0.3, δ = 0.25, θ = (1, −1), r = 0.
	// step 1, g = (2, −1):  r = (4, 1), √r = (2, 1), δ + √r = (2.25, 1.25)
	//   θ = (1 − 0.3·2/2.25, −1 + 0.3·1/1.25) = (1 − 4/15, −1 + 0.24) = (11/15, −0.76)
	// step 2, g = (1.5, 0): r = (6.25, 1), √r = (2.5, 1), δ + √r = (2.75, 1.25)
	//   θ = (11/15 − 0.3·1.5/2.75, −0.76) = (11/15 − 9/55, −0.76) = (94/165, −0.76)
	handSteps(t, AdaGrad{Eta: 0.3, Delta: 0.25}, Schedule{}, []float64{1, -1},
		[][]float64{{2, -1}, {1.5, 0}},
		[][]float64{{11.0 / 15, -0.76}, {94.0 / 165, -0.76}})
	// RMSProp's placement √(δ + r) would have given, after step 1,
	// 1 − 0.6/√4.25 = 0.7089… instead of 0.7333….
	assert.Greater(t, math.Abs(11.0/15-(1-0.6/math.Sqrt(4.25))), 0.02)
}

func TestRMSPropByHand(t *testing.T) {
	// η = 0.3, δ = 0.25, ρ = 0.75, θ = (1, −1), r = 0.
	// step 1, g = (2, −1):  r = 0.75·0 + 0.25·(4, 1) = (1, 0.25), δ + r = (1.25, 0.5)
	//   θ = (1 − 0.3·2/√1.25, −1 + 0.3·1/√0.5) = (0.4633…, −0.5757…)
	// step 2, g = (1.5, 0): r = 0.75·(1, 0.25) + 0.25·(2.25, 0) = (1.3125, 0.1875), δ + r = (1.5625, 0.4375)
	//   θ = (0.4633… − 0.3·1.5/1.25, −0.5757…) = (0.4633… − 0.36, −0.5757…)
	first, second := 1-0.6/math.Sqrt(1.25), -1+0.3/math.Sqrt(0.5)
	handSteps(t, RMSProp{Eta: 0.3, Delta: 0.25, Rho: 0.75}, Schedule{}, []float64{1, -1},
		[][]float64{{2, -1}, {1.5, 0}},
		[][]float64{{first, second}, {first - 0.36, second}})
	// AdaGrad's placement δ + √r would have given, after step 1,
	// 1 − 0.6/(0.25 + 1) = 0.52 instead of 0.4633….
	assert.Greater(t, math.Abs(first-(1-0.6/(0.25+1))), 0.05)
}

func TestAdaDeltaByHand(t *testing.T) {
	// δ = 0.25, ρ = 0.75, θ = 1, r = s = 0.
	// step 1, g = 2:  r = 0.25·4 = 1
	//   v = −√(0.25 + 0)/√(0.25 + 1)·2 = −1/√1.25 = −2/√5;  s = 0.25·4/5 = 0.2
	//   θ = 1 − 2/√5 = 0.1055…
	// step 2, g = 1:  r = 0.75·1 + 0.25·1 = 1
	//   v = −√(0.25 + 0.2)/√(0.25 + 1)·1 = −√0.36 = −0.6;  s = 0.75·0.2 + 0.25·0.36 = 0.24
	//   θ = 1 − 2/√5 − 0.6
	s := handSteps(t, AdaDelta{Delta: 0.25, Rho: 0.75}, Schedule{}, []float64{1},
		[][]float64{{2}, {1}},
		[][]float64{{1 - 2/math.Sqrt(5)}, {1 - 2/math.Sqrt(5) - 0.6}})
	st := s.State().Params[0].F64
	assert.InDelta(t, 1, st[0][0], 1e-15, "r")
	assert.InDelta(t, 0.24, st[1][0], 1e-15, "s")
}

func TestAdamByHand(t *testing.T) {
	// η = 0.1, δ = 0.25, ρ₁ = 0.75, ρ₂ = 0.9, θ = 1, s = r = 0.
	// step 1 (i = 1), g = 2:  s = 0.25·2 = 0.5, r = 0.1·4 = 0.4
	//   s' = 0.5/(1 − 0.75) = 2, r' = 0.4/(1 − 0.9) = 4
	//   θ = 1 − 0.1·2/(0.25 + 2) = 1 − 4/45 = 41/45
	// step 2 (i = 2), g = 1:  s = 0.75·0.5 + 0.25·1 = 0.625, r = 0.9·0.4 + 0.1·1 = 0.46
	//   s' = 0.625/(1 − 0.5625) = 10/7, r' = 0.46/(1 − 0.81) = 46/19
	//   θ = 41/45 − 0.1·(10/7)/(0.25 + √(46/19)) = 0.8320…
	handSteps(t, Adam{Eta: 0.1, Delta: 0.25, Rho1: 0.75, Rho2: 0.9}, Schedule{}, []float64{1},
		[][]float64{{2}, {1}},
		[][]float64{{41.0 / 45}, {41.0/45 - 0.1*(10.0/7)/(0.25+math.Sqrt(46.0/19))}})
}

func TestDeltaBarDeltaByHand(t *testing.T) {
	// ε starts at 0.5, κ = 0.1, φ = 0.25, θ_avg = 0.75, θ = (1, 1), f = 0.
	// step 1, g = (1, 1):    f·g = 0: ε = (0.5, 0.5)
	//   θ = (1 − 0.5, 1 − 0.5) = (0.5, 0.5);  f = 0.25·g + 0.75·0 = (0.25, 0.25)
	// step 2, g = (1, −1):   f·g = (0.25, −0.25): ε = (0.5 + 0.1, 0.75·0.5) = (0.6, 0.375)
	//   θ = (0.5 − 0.6, 0.5 + 0.375) = (−0.1, 0.875)
	//   f = 0.25·(1, −1) + 0.75·(0.25, 0.25) = (0.4375, −0.0625)
	// step 3, g = (2, −2):   f·g = (0.875, 0.125): ε = (0.7, 0.475)
	//   θ = (−0.1 − 1.4, 0.875 + 0.95) = (−1.5, 1.825)
	//   f = 0.25·(2, −2) + 0.75·(0.4375, −0.0625) = (0.828125, −0.546875)
	s := handSteps(t, DeltaBarDelta{Eta: 0.5, Kappa: 0.1, Phi: 0.25, Theta: 0.75}, Schedule{}, []float64{1, 1},
		[][]float64{{1, 1}, {1, -1}, {2, -2}},
		[][]float64{{0.5, 0.5}, {-0.1, 0.875}, {-1.5, 1.825}})
	st := s.State().Params[0].F64
	assert.InDeltaSlice(t, []float64{0.7, 0.475}, st[0], 1e-15, "ε")
	assert.InDeltaSlice(t, []float64{0.828125, -0.546875}, st[1], 1e-15, "f")
}

func TestDeltaBarDeltaRatesRiseByKappaAndFallByPhi(t *testing.T) {
	// One component, ε₀ = 0.01, κ = 0.002, φ = 0.25, θ_avg = 0.75. The
	// gradient is +1 for four steps, then −1 for three; f ← 0.25·g + 0.75·f.
	//   step 1: f = 0, no change                       ε = 0.01;   f = 0.25
	//   steps 2–4: f·g > 0, ε grows by κ each step      ε = 0.012, 0.014, 0.016;  f = 0.4375, 0.578125, 0.68359375
	//   step 5: g flips, f·g < 0: ε·(1 − φ)             ε = 0.012;  f = −0.25 + 0.5126953125 = 0.2626953125
	//   step 6: f·g = −0.2627 < 0 still: ε·(1 − φ)      ε = 0.009;  f = −0.25 + 0.197021484375 = −0.052978515625
	//   step 7: f·g > 0 at last: + κ                    ε = 0.011
	s, err := New(DeltaBarDelta{Eta: 0.01, Kappa: 0.002, Phi: 0.25, Theta: 0.75}, Schedule{})
	require.NoError(t, err)
	theta := []float64{0}
	want := []float64{0.01, 0.012, 0.014, 0.016, 0.012, 0.009, 0.011}
	for i, g := range []float64{1, 1, 1, 1, -1, -1, -1} {
		require.NoError(t, s.StepFloat64([][]float64{theta}, [][]float64{{g}}))
		assert.InDelta(t, want[i], s.State().Params[0].F64[0][0], 1e-15, "ε after step %d", i+1)
	}
}

func TestSchedulesFollowTheirFormulas(t *testing.T) {
	const eta0, decay = 0.3, 0.2
	cases := []struct {
		s    Schedule
		rate func(k float64) float64
	}{
		{Schedule{}, func(float64) float64 { return eta0 }},
		{ConstantSchedule(), func(float64) float64 { return eta0 }},
		{InverseSchedule(decay), func(k float64) float64 { return eta0 / (1 + k*decay) }},
		{ExponentialSchedule(decay), func(k float64) float64 { return eta0 * math.Exp(-k*decay) }},
	}
	for _, c := range cases {
		t.Run(c.s.String(), func(t *testing.T) {
			for k := 0; k <= 5; k++ {
				assert.Equal(t, c.rate(float64(k)), c.s.Rate(eta0, k), "η_%d", k)
				assert.Equal(t, c.rate(float64(k)), StepInfo{I: k + 1, Schedule: c.s}.Eta(eta0), "step %d", k+1)
			}
		})
	}
	// Spelled out for inverse decay 0.2: η_0..η_5 = 0.3/1, 0.3/1.2, 0.3/1.4, …
	assert.InDelta(t, 0.25, InverseSchedule(decay).Rate(eta0, 1), 1e-15)
	assert.InDelta(t, 0.15, InverseSchedule(decay).Rate(eta0, 5), 1e-15)
	assert.InDelta(t, 0.3/math.E, ExponentialSchedule(decay).Rate(eta0, 5), 1e-15)
}

// Float32 parameters run the same generic kernels: their trajectory stays
// within float32 rounding of the float64 one.
func TestFloat32FollowsFloat64(t *testing.T) {
	for _, name := range RuleNames() {
		t.Run(name, func(t *testing.T) {
			rule, err := NewRule(name, map[string]float64{})
			require.NoError(t, err)
			s64, err := New(rule, Schedule{})
			require.NoError(t, err)
			s32, err := New(rule, Schedule{})
			require.NoError(t, err)
			t64 := []float64{0.5, -0.25, 2}
			t32 := []float32{0.5, -0.25, 2}
			g64 := make([]float64, 3)
			g32 := make([]float32, 3)
			for range 20 {
				quadGrad(t64, g64)
				for i := range t32 {
					g32[i] = float32(quadA[i])*t32[i] - float32(quadB[i])
				}
				require.NoError(t, s64.StepFloat64([][]float64{t64}, [][]float64{g64}))
				require.NoError(t, s32.StepFloat32([][]float32{t32}, [][]float32{g32}))
			}
			for i := range t64 {
				assert.InDelta(t, t64[i], float64(t32[i]), 1e-4*(1+math.Abs(t64[i])))
			}
		})
	}
}
