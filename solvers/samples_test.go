package solvers

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file drives the Solver through the optimize samples of
// testdata/optimize without the CLI: a small float64 network in the
// lecture's layout (docs/cli.md), with its cost and closed-form
// backpropagation written as plain loops.

type sampleLayer struct {
	Activation string      `json:"activation"`
	Weights    [][]float64 `json:"weights"`
	Bias       []float64   `json:"bias"`
}

type sampleNet struct {
	Cost    string        `json:"cost"`
	Layers  []sampleLayer `json:"layers"`
	Inputs  [][]float64   `json:"inputs"`
	Targets [][]float64   `json:"targets"`
}

type sampleSpec struct {
	Network   sampleNet       `json:"network"`
	Solver    json.RawMessage `json:"solver"`
	Schedule  json.RawMessage `json:"schedule"`
	Steps     int             `json:"steps"`
	BatchSize int             `json:"batch_size"`
}

type sampleExpected struct {
	Steps []struct {
		Cost   float64 `json:"cost"`
		Layers []struct {
			Weights [][]float64 `json:"weights"`
			Bias    []float64   `json:"bias"`
		} `json:"layers"`
	} `json:"steps"`
}

// mlp is the network: w[j] is Ω^{j+1} flattened row-major (n_j × n_{j+1}),
// b[j] is β^{j+1}.
type mlp struct {
	sizes []int
	act   []string
	cost  string
	w, b  [][]float64
	x, y  [][]float64 // n₀ × M and n_L × M
}

func newMLP(n sampleNet) *mlp {
	m := &mlp{cost: n.Cost, x: n.Inputs, y: n.Targets}
	m.sizes = append(m.sizes, len(n.Inputs))
	for _, l := range n.Layers {
		m.act = append(m.act, l.Activation)
		m.sizes = append(m.sizes, len(l.Bias))
		var w []float64
		for _, row := range l.Weights {
			w = append(w, row...)
		}
		m.w = append(m.w, w)
		m.b = append(m.b, append([]float64(nil), l.Bias...))
	}
	return m
}

// params returns Ω¹, β¹, Ω², β², … as the solver sees them.
func (m *mlp) params() [][]float64 {
	var ps [][]float64
	for j := range m.w {
		ps = append(ps, m.w[j], m.b[j])
	}
	return ps
}

func activate(name string, z []float64) []float64 {
	a := make([]float64, len(z))
	switch name {
	case "identity":
		copy(a, z)
	case "sigmoid":
		for i, v := range z {
			a[i] = 1 / (1 + math.Exp(-v))
		}
	case "tanh":
		for i, v := range z {
			a[i] = math.Tanh(v)
		}
	case "relu":
		for i, v := range z {
			a[i] = math.Max(v, 0)
		}
	case "softmax":
		mx := math.Inf(-1)
		for _, v := range z {
			mx = math.Max(mx, v)
		}
		sum := 0.0
		for i, v := range z {
			a[i] = math.Exp(v - mx)
			sum += a[i]
		}
		for i := range a {
			a[i] /= sum
		}
	default:
		panic("unknown activation " + name)
	}
	return a
}

// backAct returns ∂C/∂ζ from ∂C/∂α for one sample.
func backAct(name string, z, a, da []float64) []float64 {
	dz := make([]float64, len(z))
	switch name {
	case "identity":
		copy(dz, da)
	case "sigmoid":
		for i := range z {
			dz[i] = da[i] * a[i] * (1 - a[i])
		}
	case "tanh":
		for i := range z {
			dz[i] = da[i] * (1 - a[i]*a[i])
		}
	case "relu":
		for i := range z {
			if z[i] > 0 {
				dz[i] = da[i]
			}
		}
	case "softmax":
		dot := 0.0
		for i := range a {
			dot += a[i] * da[i]
		}
		for i := range a {
			dz[i] = a[i] * (da[i] - dot)
		}
	}
	return dz
}

func sampleCost(name string, a, rho []float64) (c float64, da []float64) {
	da = make([]float64, len(a))
	for i := range a {
		switch name {
		case "quadratic":
			c += 0.5 * (a[i] - rho[i]) * (a[i] - rho[i])
			da[i] = a[i] - rho[i]
		case "binary_cross_entropy":
			c -= rho[i]*math.Log(a[i]) + (1-rho[i])*math.Log(1-a[i])
			da[i] = -rho[i]/a[i] + (1-rho[i])/(1-a[i])
		case "cross_entropy":
			c -= rho[i] * math.Log(a[i])
			da[i] = -rho[i] / a[i]
		default:
			panic("unknown cost " + name)
		}
	}
	return c, da
}

func column(x [][]float64, k int) []float64 {
	c := make([]float64, len(x))
	for i := range x {
		c[i] = x[i][k]
	}
	return c
}

// costGrad returns the cost averaged over columns [lo, hi) and, in gw and
// gb (zeroed first), its gradients.
func (m *mlp) costGrad(lo, hi int, gw, gb [][]float64) float64 {
	for j := range gw {
		clear(gw[j])
		clear(gb[j])
	}
	L := len(m.w)
	cost := 0.0
	M := float64(hi - lo)
	for k := lo; k < hi; k++ {
		alpha := [][]float64{column(m.x, k)}
		var zeta [][]float64
		for j := 0; j < L; j++ {
			nIn, nOut := m.sizes[j], m.sizes[j+1]
			z := make([]float64, nOut)
			for u := range nOut {
				z[u] = m.b[j][u]
				for i := range nIn {
					z[u] += m.w[j][i*nOut+u] * alpha[j][i]
				}
			}
			zeta = append(zeta, z)
			alpha = append(alpha, activate(m.act[j], z))
		}
		c, da := sampleCost(m.cost, alpha[L], column(m.y, k))
		cost += c
		for j := L - 1; j >= 0; j-- {
			nIn, nOut := m.sizes[j], m.sizes[j+1]
			B := backAct(m.act[j], zeta[j], alpha[j+1], da)
			da = make([]float64, nIn)
			for i := range nIn {
				for u := range nOut {
					gw[j][i*nOut+u] += alpha[j][i] * B[u] / M
					da[i] += m.w[j][i*nOut+u] * B[u]
				}
			}
			for u := range nOut {
				gb[j][u] += B[u] / M
			}
		}
	}
	return cost / M
}

func maxAbs(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// requireClose asserts max|got − want| ≤ tol·(1 + max|want|).
func requireClose(t *testing.T, want, got []float64, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	diff := 0.0
	for i := range want {
		diff = math.Max(diff, math.Abs(got[i]-want[i]))
	}
	require.LessOrEqual(t, diff, tol*(1+maxAbs(want)), "%s: got %v, want %v", msg, got, want)
}

func flatten(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestOptimizeSamples(t *testing.T) {
	specs, err := filepath.Glob("../testdata/optimize/*.spec.json")
	require.NoError(t, err)
	require.Len(t, specs, 8)
	seen := map[string]bool{}
	for _, path := range specs {
		name := strings.TrimSuffix(filepath.Base(path), ".spec.json")
		t.Run(name, func(t *testing.T) {
			var spec sampleSpec
			var want sampleExpected
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &spec))
			data, err = os.ReadFile(strings.TrimSuffix(path, ".spec.json") + ".expected.json")
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &want))
			require.Len(t, want.Steps, spec.Steps)

			cfg, err := ParseConfig(spec.Solver, spec.Schedule)
			require.NoError(t, err)
			seen[cfg.Rule.Name()] = true
			s, err := cfg.New()
			require.NoError(t, err)

			m := newMLP(spec.Network)
			M := len(spec.Network.Inputs[0])
			b := spec.BatchSize
			if b == 0 {
				b = M
			}
			require.Zero(t, M%b)
			gw, gb := make([][]float64, len(m.w)), make([][]float64, len(m.b))
			for j := range m.w {
				gw[j], gb[j] = make([]float64, len(m.w[j])), make([]float64, len(m.b[j]))
			}
			var grads [][]float64
			for j := range gw {
				grads = append(grads, gw[j], gb[j])
			}
			params := m.params()
			for i, step := range want.Steps {
				cost := m.costGrad(0, M, gw, gb)
				requireClose(t, []float64{step.Cost}, []float64{cost}, 1e-9, "cost")
				lo := (i * b) % M
				m.costGrad(lo, lo+b, gw, gb)
				require.NoError(t, s.StepFloat64(params, grads))
				for j, l := range step.Layers {
					requireClose(t, flatten(l.Weights), m.w[j], 1e-9, "weights")
					requireClose(t, l.Bias, m.b[j], 1e-9, "bias")
				}
			}
		})
	}
	require.Len(t, seen, 8, "one sample per rule")
}
