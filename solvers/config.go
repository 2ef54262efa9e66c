package solvers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gradgraph/gradgraph/internal/jsonobj"
)

// Config is a rule with its schedule: what the `solver` and `schedule`
// JSON objects of `gradgraph optimize` describe.
type Config struct {
	Rule     Rule
	Schedule Schedule
}

// Validate checks the rule's hyperparameters, the schedule, and that the
// schedule is constant when the rule has no η to scale.
func (c Config) Validate() error {
	if c.Rule == nil {
		return fmt.Errorf("solver.rule: missing")
	}
	if err := c.Rule.Validate(); err != nil {
		return err
	}
	if err := c.Schedule.Validate(); err != nil {
		return err
	}
	if !c.Rule.Scheduled() && !c.Schedule.IsConstant() {
		return fmt.Errorf("schedule.kind: %q not allowed with %s (only constant)", string(c.Schedule.Kind), c.Rule.Name())
	}
	return nil
}

// New returns a Solver for c, or the first validation error.
func (c Config) New() (*Solver, error) { return New(c.Rule, c.Schedule) }

// hyperNames lists, per rule, its JSON hyperparameters in the order they
// are validated.
var hyperNames = map[string][]string{
	"sgd":             {"eta"},
	"momentum":        {"eta", "momentum"},
	"nesterov":        {"eta", "momentum"},
	"adagrad":         {"eta", "delta"},
	"rmsprop":         {"eta", "delta", "rho"},
	"adadelta":        {"delta", "rho"},
	"adam":            {"eta", "delta", "rho1", "rho2"},
	"delta_bar_delta": {"eta", "kappa", "phi", "theta"},
}

func unknownRule(name string) error {
	n := len(ruleNames)
	return fmt.Errorf("solver.rule: unknown rule %q (want %s or %s)",
		name, strings.Join(ruleNames[:n-1], ", "), ruleNames[n-1])
}

// NewRule returns the rule called name (one of RuleNames()) with the given
// hyperparameters, named as in the table of rules in docs/optimizers.md
// ("eta", "momentum", "delta", "rho", "rho1", "rho2", "kappa", "phi",
// "theta"). Omitted ones take the documented defaults; one that does not
// belong to the rule, or one out of its range, is an error.
func NewRule(name string, hyper map[string]float64) (Rule, error) {
	allowed, ok := hyperNames[name]
	if !ok {
		return nil, unknownRule(name)
	}
	keys := make([]string, 0, len(hyper))
	for k := range hyper {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(allowed, k) {
			return nil, fmt.Errorf("solver.%s: not a parameter of %s", k, name)
		}
	}
	get := func(k string, def float64) float64 {
		if v, ok := hyper[k]; ok {
			return v
		}
		return def
	}
	var r Rule
	switch name {
	case "sgd":
		d := NewSGD()
		r = SGD{Eta: get("eta", d.Eta)}
	case "momentum":
		d := NewMomentum()
		r = Momentum{Eta: get("eta", d.Eta), Momentum: get("momentum", d.Momentum)}
	case "nesterov":
		d := NewNesterov()
		r = Nesterov{Eta: get("eta", d.Eta), Momentum: get("momentum", d.Momentum)}
	case "adagrad":
		d := NewAdaGrad()
		r = AdaGrad{Eta: get("eta", d.Eta), Delta: get("delta", d.Delta)}
	case "rmsprop":
		d := NewRMSProp()
		r = RMSProp{Eta: get("eta", d.Eta), Delta: get("delta", d.Delta), Rho: get("rho", d.Rho)}
	case "adadelta":
		d := NewAdaDelta()
		r = AdaDelta{Delta: get("delta", d.Delta), Rho: get("rho", d.Rho)}
	case "adam":
		d := NewAdam()
		r = Adam{Eta: get("eta", d.Eta), Delta: get("delta", d.Delta), Rho1: get("rho1", d.Rho1), Rho2: get("rho2", d.Rho2)}
	case "delta_bar_delta":
		d := NewDeltaBarDelta()
		r = DeltaBarDelta{Eta: get("eta", d.Eta), Kappa: get("kappa", d.Kappa), Phi: get("phi", d.Phi), Theta: get("theta", d.Theta)}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// Hyperparameters returns the hyperparameters of one of the eight rules
// by their JSON names, defaults included, so that NewRule(r.Name(),
// Hyperparameters(r)) returns r; nil for a rule of another type.
func Hyperparameters(r Rule) map[string]float64 {
	switch r := r.(type) {
	case SGD:
		return map[string]float64{"eta": r.Eta}
	case Momentum:
		return map[string]float64{"eta": r.Eta, "momentum": r.Momentum}
	case Nesterov:
		return map[string]float64{"eta": r.Eta, "momentum": r.Momentum}
	case AdaGrad:
		return map[string]float64{"eta": r.Eta, "delta": r.Delta}
	case RMSProp:
		return map[string]float64{"eta": r.Eta, "delta": r.Delta, "rho": r.Rho}
	case AdaDelta:
		return map[string]float64{"delta": r.Delta, "rho": r.Rho}
	case Adam:
		return map[string]float64{"eta": r.Eta, "delta": r.Delta, "rho1": r.Rho1, "rho2": r.Rho2}
	case DeltaBarDelta:
		return map[string]float64{"eta": r.Eta, "kappa": r.Kappa, "phi": r.Phi, "theta": r.Theta}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// ParseConfig reads the `solver` and `schedule` objects of an optimize
// spec (docs/cli.md), for example
//
//	{"rule": "adam", "eta": 0.001, "delta": 1e-8, "rho1": 0.9, "rho2": 0.999}
//	{"kind": "inverse", "decay": 0.1}
//
// scheduleJSON may be empty or null for the constant schedule. Errors are
// one line and name the field ("solver.rho: 1.5 out of range [0, 1)").
func ParseConfig(solverJSON, scheduleJSON []byte) (Config, error) {
	var c Config
	fields, err := object("solver", solverJSON)
	if err != nil {
		return c, err
	}
	if fields == nil {
		return c, fmt.Errorf("solver: missing")
	}
	raw, ok := fields["rule"]
	if !ok {
		return c, fmt.Errorf("solver.rule: missing")
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return c, fmt.Errorf("solver.rule: got %s, want a string", jsonobj.Snippet(raw))
	}
	delete(fields, "rule")
	if _, ok := hyperNames[name]; !ok {
		return c, unknownRule(name)
	}
	hyper := make(map[string]float64, len(fields))
	for _, k := range jsonobj.Sorted(fields) {
		if !contains(hyperNames[name], k) {
			return c, fmt.Errorf("solver.%s: not a parameter of %s", k, name)
		}
		x, err := number("solver", k, fields[k])
		if err != nil {
			return c, err
		}
		hyper[k] = x
	}
	if c.Rule, err = NewRule(name, hyper); err != nil {
		return c, err
	}
	if c.Schedule, err = ParseSchedule(scheduleJSON); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// ParseSchedule reads a `schedule` object: {"kind": "constant"},
// {"kind": "inverse", "decay": δ} or {"kind": "exponential", "decay": δ}.
// Empty input, null and {} mean constant; inverse and exponential need
// their decay.
func ParseSchedule(scheduleJSON []byte) (Schedule, error) {
	s := Schedule{Kind: Constant}
	fields, err := object("schedule", scheduleJSON)
	if err != nil || fields == nil {
		return s, err
	}
	if raw, ok := fields["kind"]; ok {
		var kind string
		if err := json.Unmarshal(raw, &kind); err != nil {
			return s, fmt.Errorf("schedule.kind: got %s, want a string", jsonobj.Snippet(raw))
		}
		s.Kind = ScheduleKind(kind)
		delete(fields, "kind")
	}
	if err := (Schedule{Kind: s.Kind}).Validate(); err != nil {
		return s, err
	}
	for _, k := range jsonobj.Sorted(fields) {
		if k != "decay" || s.IsConstant() {
			return s, fmt.Errorf("schedule.%s: not a parameter of %s", k, s.Kind)
		}
		if s.Decay, err = number("schedule", k, fields[k]); err != nil {
			return s, err
		}
	}
	if _, ok := fields["decay"]; !ok && !s.IsConstant() {
		return s, fmt.Errorf("schedule.decay: missing (required by %s)", s.Kind)
	}
	return s, s.Validate()
}

// object decodes a JSON object into its fields, rejecting a key that
// appears twice; nil for empty input or null.
func object(what string, data []byte) (map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	if data[0] != '{' {
		return nil, fmt.Errorf("%s: got %s, want a JSON object", what, jsonobj.Shorten(string(data)))
	}
	return jsonobj.Fields(what, data, nil, nil)
}

func number(what, key string, raw json.RawMessage) (float64, error) {
	var x float64
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &x) != nil {
		return 0, fmt.Errorf("%s.%s: got %s, want a number", what, key, jsonobj.Snippet(raw))
	}
	return x, nil
}
