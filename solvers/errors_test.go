package solvers

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
)

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		solver, schedule string
		want             string
	}{
		// the rule
		{``, ``, "solver: missing"},
		{`null`, ``, "solver: missing"},
		{`[1]`, ``, "solver: got [1], want a JSON object"},
		{`{"rule": "sgd",}`, ``, "solver: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{`{}`, ``, "solver.rule: missing"},
		{`{"eta": 0.1}`, ``, "solver.rule: missing"},
		{`{"rule": 3}`, ``, "solver.rule: got 3, want a string"},
		{`{"rule": "adamw"}`, ``, `solver.rule: unknown rule "adamw" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)`},
		{`{"rule": "Adam"}`, ``, `solver.rule: unknown rule "Adam" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)`},
		// a key given twice is an error, not "the last one wins"
		{`{"rule": "sgd", "rule": "adam"}`, ``, "solver.rule: duplicate field"},
		{`{"rule": "sgd", "eta": 0.1, "eta": 0.2}`, ``, "solver.eta: duplicate field"},
		// hyperparameters that do not belong to the rule
		{`{"rule": "adadelta", "eta": 0.1}`, ``, "solver.eta: not a parameter of adadelta"},
		{`{"rule": "sgd", "momentum": 0.9}`, ``, "solver.momentum: not a parameter of sgd"},
		{`{"rule": "adam", "rho": 0.9}`, ``, "solver.rho: not a parameter of adam"},
		{`{"rule": "rmsprop", "rho1": 0.9}`, ``, "solver.rho1: not a parameter of rmsprop"},
		{`{"rule": "adagrad", "rho": 0.9}`, ``, "solver.rho: not a parameter of adagrad"},
		{`{"rule": "momentum", "delta": 0.1}`, ``, "solver.delta: not a parameter of momentum"},
		{`{"rule": "nesterov", "kappa": 0.1}`, ``, "solver.kappa: not a parameter of nesterov"},
		{`{"rule": "delta_bar_delta", "momentum": 0.1}`, ``, "solver.momentum: not a parameter of delta_bar_delta"},
		{`{"rule": "sgd", "learning_rate": 0.1}`, ``, "solver.learning_rate: not a parameter of sgd"},
		// values that are not numbers
		{`{"rule": "sgd", "eta": "0.1"}`, ``, `solver.eta: got "0.1", want a number`},
		{`{"rule": "sgd", "eta": null}`, ``, `solver.eta: got null, want a number`},
		{`{"rule": "adam", "rho1": [0.9]}`, ``, `solver.rho1: got [0.9], want a number`},
		// ranges: η > 0
		{`{"rule": "sgd", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		{`{"rule": "sgd", "eta": -0.1}`, ``, "solver.eta: -0.1 out of range (0, +Inf)"},
		{`{"rule": "momentum", "eta": -1}`, ``, "solver.eta: -1 out of range (0, +Inf)"},
		{`{"rule": "nesterov", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		{`{"rule": "adagrad", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		{`{"rule": "rmsprop", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		{`{"rule": "adam", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		{`{"rule": "delta_bar_delta", "eta": 0}`, ``, "solver.eta: 0 out of range (0, +Inf)"},
		// δ > 0 for the adaptive rules
		{`{"rule": "adagrad", "delta": 0}`, ``, "solver.delta: 0 out of range (0, +Inf)"},
		{`{"rule": "rmsprop", "delta": -1e-6}`, ``, "solver.delta: -1e-06 out of range (0, +Inf)"},
		{`{"rule": "adadelta", "delta": 0}`, ``, "solver.delta: 0 out of range (0, +Inf)"},
		{`{"rule": "adam", "delta": 0}`, ``, "solver.delta: 0 out of range (0, +Inf)"},
		// momentum, ρ, ρ₁, ρ₂, θ_avg, φ in [0, 1)
		{`{"rule": "momentum", "momentum": 1}`, ``, "solver.momentum: 1 out of range [0, 1)"},
		{`{"rule": "nesterov", "momentum": -0.1}`, ``, "solver.momentum: -0.1 out of range [0, 1)"},
		{`{"rule": "rmsprop", "rho": 1.5}`, ``, "solver.rho: 1.5 out of range [0, 1)"},
		{`{"rule": "adadelta", "rho": 1}`, ``, "solver.rho: 1 out of range [0, 1)"},
		{`{"rule": "adam", "rho1": 1}`, ``, "solver.rho1: 1 out of range [0, 1)"},
		{`{"rule": "adam", "rho2": -0.5}`, ``, "solver.rho2: -0.5 out of range [0, 1)"},
		{`{"rule": "delta_bar_delta", "phi": 1}`, ``, "solver.phi: 1 out of range [0, 1)"},
		{`{"rule": "delta_bar_delta", "theta": 1.2}`, ``, "solver.theta: 1.2 out of range [0, 1)"},
		// κ ≥ 0
		{`{"rule": "delta_bar_delta", "kappa": -0.001}`, ``, "solver.kappa: -0.001 out of range [0, +Inf)"},
		// the schedule
		{`{"rule": "sgd"}`, `[]`, "schedule: got [], want a JSON object"},
		{`{"rule": "sgd"}`, `{"kind": }`, "schedule: invalid JSON: invalid character '}' looking for beginning of value"},
		{`{"rule": "sgd"}`, `{"kind": 1}`, "schedule.kind: got 1, want a string"},
		{`{"rule": "sgd"}`, `{"kind": "inverse", "decay": 0.1, "decay": 0.5}`, "schedule.decay: duplicate field"},
		{`{"rule": "sgd"}`, `{"kind": "step"}`, `schedule.kind: unknown kind "step" (want constant, inverse or exponential)`},
		{`{"rule": "sgd"}`, `{"kind": "inverse"}`, "schedule.decay: missing (required by inverse)"},
		{`{"rule": "sgd"}`, `{"kind": "exponential"}`, "schedule.decay: missing (required by exponential)"},
		{`{"rule": "sgd"}`, `{"kind": "inverse", "decay": -0.1}`, "schedule.decay: -0.1 out of range [0, +Inf)"},
		{`{"rule": "sgd"}`, `{"kind": "exponential", "decay": -2}`, "schedule.decay: -2 out of range [0, +Inf)"},
		{`{"rule": "sgd"}`, `{"kind": "inverse", "decay": "fast"}`, `schedule.decay: got "fast", want a number`},
		{`{"rule": "sgd"}`, `{"kind": "constant", "decay": 0.1}`, "schedule.decay: not a parameter of constant"},
		{`{"rule": "sgd"}`, `{"decay": 0.1}`, "schedule.decay: not a parameter of constant"},
		{`{"rule": "sgd"}`, `{"kind": "inverse", "decay": 0.1, "k0": 2}`, "schedule.k0: not a parameter of inverse"},
		// only constant for the rules without η
		{`{"rule": "adadelta"}`, `{"kind": "inverse", "decay": 0.1}`, `schedule.kind: "inverse" not allowed with adadelta (only constant)`},
		{`{"rule": "adadelta"}`, `{"kind": "exponential", "decay": 0}`, `schedule.kind: "exponential" not allowed with adadelta (only constant)`},
		{`{"rule": "delta_bar_delta"}`, `{"kind": "exponential", "decay": 0.1}`, `schedule.kind: "exponential" not allowed with delta_bar_delta (only constant)`},
	}
	for _, c := range cases {
		t.Run(c.solver+" "+c.schedule, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.solver), []byte(c.schedule))
			require.EqualError(t, err, c.want)
		})
	}
}

func TestParseConfigDefaultsAndValues(t *testing.T) {
	defaults := map[string]Rule{
		"sgd":             SGD{Eta: 0.01},
		"momentum":        Momentum{Eta: 0.01, Momentum: 0.9},
		"nesterov":        Nesterov{Eta: 0.01, Momentum: 0.9},
		"adagrad":         AdaGrad{Eta: 0.01, Delta: 1e-7},
		"rmsprop":         RMSProp{Eta: 0.001, Delta: 1e-6, Rho: 0.9},
		"adadelta":        AdaDelta{Delta: 1e-6, Rho: 0.95},
		"adam":            Adam{Eta: 0.001, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999},
		"delta_bar_delta": DeltaBarDelta{Eta: 0.01, Kappa: 0.001, Phi: 0.1, Theta: 0.7},
	}
	require.Len(t, defaults, len(RuleNames()))
	for _, name := range RuleNames() {
		c, err := ParseConfig([]byte(`{"rule": "`+name+`"}`), nil)
		require.NoError(t, err, name)
		assert.Equal(t, defaults[name], c.Rule, name)
		assert.Equal(t, ConstantSchedule(), c.Schedule, name)
		assert.Equal(t, name, c.Rule.Name())
		r, err := NewRule(name, nil)
		require.NoError(t, err)
		assert.Equal(t, defaults[name], r)
	}
	assert.Equal(t, SGD{Eta: 0.01}, NewSGD())
	assert.Equal(t, Adam{Eta: 0.001, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, NewAdam())

	c, err := ParseConfig([]byte(`{"rule": "adam", "eta": 0.01, "rho2": 0.99}`), []byte(`{"kind": "exponential", "decay": 0.1}`))
	require.NoError(t, err)
	assert.Equal(t, Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.99}, c.Rule)
	assert.Equal(t, ExponentialSchedule(0.1), c.Schedule)

	for _, sched := range []string{``, `null`, `{}`, `{"kind": "constant"}`, "  \n"} {
		c, err := ParseConfig([]byte(`{"rule": "adadelta", "rho": 0}`), []byte(sched))
		require.NoError(t, err, sched)
		assert.Equal(t, ConstantSchedule(), c.Schedule, sched)
		assert.Equal(t, AdaDelta{Delta: 1e-6, Rho: 0}, c.Rule)
	}
	c, err = ParseConfig([]byte(`{"rule": "delta_bar_delta", "kappa": 0, "phi": 0}`), []byte(`{"kind": "constant"}`))
	require.NoError(t, err)
	assert.Equal(t, DeltaBarDelta{Eta: 0.01, Kappa: 0, Phi: 0, Theta: 0.7}, c.Rule)
	_, err = ParseConfig([]byte(`{"rule": "sgd"}`), []byte(`{"kind": "inverse", "decay": 0}`))
	require.NoError(t, err, "decay 0 is allowed")
}

func TestNewRuleAndNewErrors(t *testing.T) {
	_, err := NewRule("adamw", nil)
	require.EqualError(t, err, `solver.rule: unknown rule "adamw" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)`)
	_, err = NewRule("adadelta", map[string]float64{"eta": 0.1})
	require.EqualError(t, err, "solver.eta: not a parameter of adadelta")
	_, err = NewRule("rmsprop", map[string]float64{"rho": 1.5})
	require.EqualError(t, err, "solver.rho: 1.5 out of range [0, 1)")
	_, err = NewRule("sgd", map[string]float64{"eta": math.NaN()})
	require.EqualError(t, err, "solver.eta: NaN out of range (0, +Inf)")
	_, err = NewRule("sgd", map[string]float64{"eta": math.Inf(1)})
	require.EqualError(t, err, "solver.eta: +Inf out of range (0, +Inf)")

	// The typed constructors check the same ranges.
	bad := []struct {
		rule  Rule
		sched Schedule
		want  string
	}{
		{nil, Schedule{}, "solver.rule: missing"},
		{SGD{}, Schedule{}, "solver.eta: 0 out of range (0, +Inf)"},
		{Momentum{Eta: 0.1, Momentum: 1}, Schedule{}, "solver.momentum: 1 out of range [0, 1)"},
		{Nesterov{Eta: 0.1, Momentum: math.NaN()}, Schedule{}, "solver.momentum: NaN out of range [0, 1)"},
		{AdaGrad{Eta: 0.1}, Schedule{}, "solver.delta: 0 out of range (0, +Inf)"},
		{RMSProp{Eta: 0.1, Delta: 1e-6, Rho: 1.5}, Schedule{}, "solver.rho: 1.5 out of range [0, 1)"},
		{AdaDelta{Delta: 1e-6, Rho: -1}, Schedule{}, "solver.rho: -1 out of range [0, 1)"},
		{Adam{Eta: 0.1, Delta: 1e-8, Rho1: 0.9, Rho2: 1}, Schedule{}, "solver.rho2: 1 out of range [0, 1)"},
		{DeltaBarDelta{Eta: 0.1, Kappa: -1, Phi: 0.1, Theta: 0.7}, Schedule{}, "solver.kappa: -1 out of range [0, +Inf)"},
		{NewSGD(), Schedule{Kind: "cosine"}, `schedule.kind: unknown kind "cosine" (want constant, inverse or exponential)`},
		{NewSGD(), InverseSchedule(-1), "schedule.decay: -1 out of range [0, +Inf)"},
		{NewSGD(), ExponentialSchedule(math.Inf(1)), "schedule.decay: +Inf out of range [0, +Inf)"},
		{NewSGD(), Schedule{Decay: 0.5}, "schedule.decay: not a parameter of constant"},
		{NewAdaDelta(), InverseSchedule(0.1), `schedule.kind: "inverse" not allowed with adadelta (only constant)`},
		{NewDeltaBarDelta(), ExponentialSchedule(0.1), `schedule.kind: "exponential" not allowed with delta_bar_delta (only constant)`},
	}
	for _, c := range bad {
		_, err := New(c.rule, c.sched)
		require.EqualError(t, err, c.want)
	}
}

func TestStepErrors(t *testing.T) {
	n := newTestNet(t, graph.Float64)
	s, err := New(NewSGD(), Schedule{})
	require.NoError(t, err)
	n.prog.Run()
	before := n.values()

	require.EqualError(t, s.Step(n.params, n.grads[:3]), "solvers: step: 4 parameters but 3 gradients")
	require.EqualError(t, s.Step([]*graph.Node{n.params[0], nil}, n.grads[:2]), "solvers: step: parameter or gradient 1 is nil")
	require.EqualError(t, s.Step([]*graph.Node{n.cost}, n.grads[:1]), "solvers: step: node "+n.cost.Name()+" (op) is not a parameter")
	require.EqualError(t, s.Step(n.params[:2], []*graph.Node{n.grads[0], n.grads[0]}),
		"solvers: step: gradient "+n.grads[0].Name()+" is float64 3x4, parameter beta1 is float64 4x1")
	f32 := newTestNet(t, graph.Float32)
	require.EqualError(t, s.Step(n.params[:1], f32.grads[:1]),
		"solvers: step: gradient "+f32.grads[0].Name()+" is float32 3x4, parameter Omega1 is float64 3x4")
	assert.Equal(t, before, n.values(), "a failed step changes nothing")
	assert.Zero(t, s.Steps())

	require.EqualError(t, s.StepFloat64([][]float64{{1}}, nil), "solvers: step: 1 parameters but 0 gradients")
	require.EqualError(t, s.StepFloat64([][]float64{{}}, [][]float64{{}}), "solvers: step: parameter 0 is empty")
	require.EqualError(t, s.StepFloat32([][]float32{{1, 2}}, [][]float32{{1}}), "solvers: step: gradient 0 has 1 components, parameter has 2")
}

func TestSetStateErrors(t *testing.T) {
	n := newTestNet(t, graph.Float64)
	s, err := New(NewAdam(), Schedule{})
	require.NoError(t, err)
	n.prog.Run()
	require.NoError(t, s.Step(n.params, n.grads))
	st := s.State()

	other, err := New(NewRMSProp(), Schedule{})
	require.NoError(t, err)
	require.EqualError(t, other.SetState(st), "solvers: set state: state is for adam, solver runs rmsprop")
	require.EqualError(t, other.SetState(nil), "solvers: set state: nil state")

	fresh, err := New(NewAdam(), Schedule{})
	require.NoError(t, err)
	bad := s.State()
	bad.Params[0].F64 = bad.Params[0].F64[:1]
	require.EqualError(t, fresh.SetState(bad), "solvers: set state: parameter 0 holds 1 vectors, adam keeps 2")
	bad = s.State()
	bad.Params[1].F32 = [][]float32{{1}, {2}}
	require.EqualError(t, fresh.SetState(bad), "solvers: set state: parameter 1 holds both float32 and float64 vectors")
	bad = s.State()
	bad.Params[2].F64[1] = bad.Params[2].F64[1][:3]
	require.EqualError(t, fresh.SetState(bad), "solvers: set state: parameter 2 has vectors of different or zero lengths")
	bad = s.State()
	bad.Steps = -1
	require.EqualError(t, fresh.SetState(bad), "solvers: set state: -1 steps")

	// Binding happens on the next step, by position.
	require.NoError(t, fresh.SetState(st))
	require.EqualError(t, fresh.Step(n.params[:3], n.grads[:3]), "solvers: restore state: step has 3 parameters, state holds 4")
	swapped := []*graph.Node{n.params[1], n.params[0], n.params[2], n.params[3]}
	require.EqualError(t, fresh.Step(swapped, []*graph.Node{n.grads[1], n.grads[0], n.grads[2], n.grads[3]}),
		"solvers: restore state: parameter 0 is beta1, state holds Omega1")
	require.EqualError(t, fresh.StepFloat64([][]float64{{1}, {1}, {1}, {1}}, [][]float64{{1}, {1}, {1}, {1}}),
		"solvers: restore state: parameter 0 is 1×float64, state holds 12×float64")
	require.NoError(t, fresh.Step(n.params, n.grads))
	assert.Equal(t, 2, fresh.Steps())

	require.EqualError(t, fresh.UnmarshalBinary([]byte("junk")), "solvers: decode state: not a solver state")
	blob, err := s.MarshalBinary()
	require.NoError(t, err)
	for _, cut := range []int{1, 3, 9, len(blob) / 2, len(blob) - 30} {
		require.ErrorContains(t, fresh.UnmarshalBinary(blob[:cut]), "solvers: decode state: ", "cut at %d", cut)
	}
	require.EqualError(t, fresh.UnmarshalBinary(append(blob, 0)), "solvers: decode state: 1 trailing bytes")
	require.EqualError(t, other.UnmarshalBinary(blob), "solvers: set state: state is for adam, solver runs rmsprop")
}

// Hyperparameters names exactly the rule's JSON hyperparameters, and
// NewRule rebuilds the rule from them.
func TestHyperparametersRoundTrip(t *testing.T) {
	for _, c := range rulesForNets() {
		h := Hyperparameters(c.Rule)
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, hyperNames[c.Rule.Name()], keys, c.Rule.Name())
		r, err := NewRule(c.Rule.Name(), h)
		require.NoError(t, err)
		assert.Equal(t, c.Rule, r)
	}
	assert.Nil(t, Hyperparameters(nil))
}
