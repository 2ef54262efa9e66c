package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/jsonobj"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func init() {
	register("optimize", "run solver steps on a network spec and print the trajectory", optimize)
}

type optimizeStepJSON struct {
	Cost   float64           `json:"cost"`
	Layers []optimizeLayerJS `json:"layers"`
}

type optimizeLayerJS struct {
	Weights [][]float64 `json:"weights"`
	Bias    []float64   `json:"bias"`
}

// runSpec is a parsed optimize spec.
type runSpec struct {
	spec      *mlp.Spec
	solver    solvers.Config
	steps     int
	batchSize int
}

func optimize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("optimize", "--spec run.json [--json] [--dtype float64]", stdout)
	specPath := fs.String("spec", "", "run spec `file` (JSON: network, solver, schedule, steps, batch_size; see docs/cli.md)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	dtype := fs.String("dtype", "float64", "float64 or float32")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dt, err := parseDtype(*dtype)
	if err != nil {
		return err
	}
	data, err := readFile("spec", *specPath)
	if err != nil {
		return err
	}
	rs, err := parseRunSpec(data, dt)
	if err != nil {
		return fmt.Errorf("%s: %v", *specPath, err)
	}
	s, err := rs.solver.New()
	if err != nil {
		return fmt.Errorf("%s: %v", *specPath, err)
	}
	if *asJSON {
		// Every step's parameters go into the document: bound its size
		// before the first step.
		if n := trajectoryNumbers(rs); n > maxTrajectoryNumbers {
			return fmt.Errorf("%s: steps: %d steps of a network of %d parameters make %.3g numbers, more than the %d that --json prints (take fewer steps, or leave out --json for the costs alone)",
				*specPath, rs.steps, rs.spec.Network.NumParams(), n, maxTrajectoryNumbers)
		}
		out := struct {
			Rule  string             `json:"rule"`
			Steps []optimizeStepJSON `json:"steps"`
		}{Rule: rs.solver.Rule.Name()}
		err := train.OptimizeFunc(rs.spec.Network, rs.spec.Inputs, rs.spec.Targets, s, rs.steps, rs.batchSize, func(st train.TrajectoryStep) error {
			if err := finite(len(out.Steps), st); err != nil {
				return err
			}
			js := optimizeStepJSON{Cost: st.Cost}
			for _, l := range st.Network.Layers {
				js.Layers = append(js.Layers, optimizeLayerJS{Weights: mlp.Rows(l.Weights), Bias: mlp.Float64s(l.Bias)})
			}
			out.Steps = append(out.Steps, js)
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %v", *specPath, err)
		}
		return writeJSON(stdout, out)
	}
	// The table streams: one line per step, whatever the number of steps.
	fmt.Fprintf(stdout, "%s, %d steps, batch %s\n\n", rs.solver.Rule.Name(), rs.steps, batchLabel(rs.batchSize))
	fmt.Fprintf(stdout, "%5s  %s\n", "step", "cost before the step")
	i := 0
	err = train.OptimizeFunc(rs.spec.Network, rs.spec.Inputs, rs.spec.Targets, s, rs.steps, rs.batchSize, func(st train.TrajectoryStep) error {
		if err := finite(i, st); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%5d  %.10g\n", i, st.Cost)
		i++
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %v", *specPath, err)
	}
	return nil
}

// maxTrajectoryNumbers bounds the numbers of an optimize --json document
// (steps × (parameters + 1)): 4 million, about 150 MB of JSON.
const maxTrajectoryNumbers = 4_000_000

// trajectoryNumbers returns steps × (parameters + 1) of rs, as a float64
// so that it cannot overflow.
func trajectoryNumbers(rs *runSpec) float64 {
	return float64(rs.steps) * float64(rs.spec.Network.NumParams()+1)
}

// finite reports a step whose cost or parameters are not finite: JSON
// cannot hold them, and a diverged run is a failure to report, not a
// trajectory.
func finite(i int, st train.TrajectoryStep) error {
	if math.IsNaN(st.Cost) || math.IsInf(st.Cost, 0) {
		return fmt.Errorf("steps[%d].cost: %v: the run diverged (try a smaller eta)", i, st.Cost)
	}
	for j, l := range st.Network.Layers {
		for _, t := range []struct {
			name string
			vals []float64
		}{{"weights", mlp.Float64s(l.Weights)}, {"bias", mlp.Float64s(l.Bias)}} {
			for _, v := range t.vals {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("steps[%d].layers[%d].%s: %v: the run diverged (try a smaller eta)", i, j, t.name, v)
				}
			}
		}
	}
	return nil
}

func batchLabel(b int) string {
	if b == 0 {
		return "full"
	}
	return fmt.Sprint(b)
}

// parseRunSpec reads an optimize spec, rejecting unknown keys, with errors
// that name the field.
func parseRunSpec(data []byte, dt tensor.Dtype) (*runSpec, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("spec: empty file")
	}
	if !json.Valid(data) {
		var v any
		return nil, fmt.Errorf("spec: %v", json.Unmarshal(data, &v))
	}
	known := []string{"network", "solver", "schedule", "steps", "batch_size"}
	fields, err := jsonobj.Fields("", data, nil, nil)
	if err != nil {
		return nil, err
	}
	for _, k := range jsonobj.Sorted(fields) {
		if !slices.Contains(known, k) {
			return nil, fmt.Errorf("%s: unknown field (want %s)", k, strings.Join(known, ", "))
		}
	}
	rs := &runSpec{}
	net, ok := fields["network"]
	if !ok {
		return nil, fmt.Errorf("network: missing")
	}
	if rs.spec, err = mlp.ParseSpec(net, dt); err != nil {
		return nil, fmt.Errorf("network.%v", err)
	}
	if rs.solver, err = solvers.ParseConfig(fields["solver"], fields["schedule"]); err != nil {
		return nil, err
	}
	if rs.steps, err = positiveInt(fields, "steps", true); err != nil {
		return nil, err
	}
	if rs.batchSize, err = positiveInt(fields, "batch_size", false); err != nil {
		return nil, err
	}
	if m := rs.spec.Inputs.Shape()[1]; rs.batchSize != 0 && m%rs.batchSize != 0 {
		return nil, fmt.Errorf("batch_size: %d does not divide the %d samples (columns of network.inputs)", rs.batchSize, m)
	}
	return rs, nil
}

// positiveInt reads an integer field: positive, or (when not required) 0 or
// absent.
func positiveInt(fields map[string]json.RawMessage, key string, required bool) (int, error) {
	raw, ok := fields[key]
	if !ok || string(raw) == "null" {
		if required {
			return 0, fmt.Errorf("%s: missing", key)
		}
		return 0, nil
	}
	var x float64
	if err := json.Unmarshal(raw, &x); err != nil {
		return 0, fmt.Errorf("%s: got %s, want an integer", key, raw)
	}
	if x != math.Trunc(x) || x < 0 || (required && x == 0) || x > 1e9 {
		want := "a positive integer"
		if !required {
			want = "0 (full batch) or a positive integer"
		}
		return 0, fmt.Errorf("%s: got %s, want %s", key, raw, want)
	}
	return int(x), nil
}
