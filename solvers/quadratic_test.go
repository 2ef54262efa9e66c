package solvers

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// quadratic is f(θ) = ½ θᵀAθ − bᵀθ with the ill-conditioned diagonal
// A = diag(1, 10, 100) (condition number 100) and b = (1, −2, 3): its
// minimum is θ* = A⁻¹b = (1, −0.2, 0.03) and ∇f(θ) = Aθ − b.
var (
	quadA    = []float64{1, 10, 100}
	quadB    = []float64{1, -2, 3}
	quadMinX = []float64{1, -0.2, 0.03}
)

func quadGrad(theta, g []float64) {
	for i := range theta {
		g[i] = quadA[i]*theta[i] - quadB[i]
	}
}

func TestEveryRuleMinimisesAnIllConditionedQuadratic(t *testing.T) {
	cases := []struct {
		rule  Rule
		sched Schedule
		steps int     // step budget
		tol   float64 // max |θ − θ*| at the end
	}{
		{SGD{Eta: 0.019}, Schedule{}, 1500, 1e-8},
		{Momentum{Eta: 0.01, Momentum: 0.9}, Schedule{}, 600, 1e-8},
		{Nesterov{Eta: 0.01, Momentum: 0.9}, Schedule{}, 600, 1e-8},
		{AdaGrad{Eta: 0.5, Delta: 1e-7}, Schedule{}, 2000, 1e-8},
		// RMSProp and Adam with a constant η end up hopping around θ* by
		// about η; a decaying schedule lets them settle.
		{RMSProp{Eta: 0.01, Delta: 1e-6, Rho: 0.9}, ExponentialSchedule(0.005), 2000, 1e-8},
		{AdaDelta{Delta: 1e-6, Rho: 0.95}, Schedule{}, 4000, 1e-8},
		{Adam{Eta: 0.05, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, ExponentialSchedule(0.005), 2000, 1e-8},
		{DeltaBarDelta{Eta: 0.001, Kappa: 0.001, Phi: 0.5, Theta: 0.7}, Schedule{}, 1000, 1e-8},
	}
	for _, c := range cases {
		t.Run(c.rule.Name(), func(t *testing.T) {
			s, err := New(c.rule, c.sched)
			require.NoError(t, err)
			theta := []float64{0, 0, 0}
			g := make([]float64, 3)
			for range c.steps {
				quadGrad(theta, g)
				require.NoError(t, s.StepFloat64([][]float64{theta}, [][]float64{g}))
			}
			dist := 0.0
			for i := range theta {
				dist = math.Max(dist, math.Abs(theta[i]-quadMinX[i]))
			}
			require.LessOrEqual(t, dist, c.tol, "θ = %v after %d steps", theta, c.steps)
		})
	}
}
